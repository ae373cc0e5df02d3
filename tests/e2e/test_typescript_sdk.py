"""The generated TypeScript SDK (sdk/nodejs) in a TypeScript program (`runtime: nodejs`) under the real CLI.

The program is examples/typescript-pin-image. It installs `@pulumi/pulumi`, `typescript` and the SDK
with `npm ci --offline`: the npm packages come from the cache that `make sdk-deps` fills
(.tools/npm-cache) and the SDK from this checkout's sdk/nodejs, which compiles itself on install. The
engine runs the program with `pulumi-language-nodejs` (built by `make pulumi-cli`) and serves the
package with `pulumi-resource-sagemaker-image` (the package's console script) against the emulator.

One stack goes through the steps a user takes, to keep the run short: npm install and every engine
start cost seconds.

Without node, npm, the CLI, the Node.js host or the cached packages these tests skip with the reason,
except under CI or REQUIRE_PULUMI_E2E, where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import EXAMPLES, PASSPHRASE, TOOLS_BIN, PulumiProject, find_pulumi

pytestmark = pytest.mark.e2e

EXAMPLE = "typescript-pin-image"
IMAGE = "demo-pytorch"
RESOURCE_TYPE = "sagemaker-image:index:ImageVersion"
PLUGIN = "pulumi-resource-sagemaker-image"
PLUGIN_DIR = Path(sys.executable).parent  # pip puts console scripts next to the interpreter
NODE_HOST = TOOLS_BIN / "pulumi-language-nodejs"
NPM_CACHE = REPO_ROOT / ".tools" / "npm-cache"
SDK = REPO_ROOT / "sdk" / "nodejs"


@pytest.fixture(scope="session")
def typescript_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with its node_modules installed, laid out as in the checkout (../../sdk/nodejs).

    Session-scoped: the install (and the SDK's compile) happens once per run.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        skip_unless_required(f"{' and '.join(missing)} not found: the TypeScript SDK tests need Node.js and npm")
    if not NODE_HOST.exists():
        skip_unless_required(f"{NODE_HOST} is missing: run `make pulumi-cli` (needs Go)")
    if not NPM_CACHE.is_dir():
        skip_unless_required(f"no npm cache at {NPM_CACHE}: run `make sdk-deps` (fetches the example's packages)")
    root = tmp_path_factory.mktemp("typescript")
    shutil.copytree(SDK, root / "sdk" / "nodejs", ignore=shutil.ignore_patterns("node_modules", "bin"))
    project = root / "examples" / EXAMPLE
    shutil.copytree(EXAMPLES / EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "bin"))
    # --offline: every package must come from the cache; a miss fails instead of downloading.
    result = subprocess.run(
        ["npm", "ci", "--offline", "--cache", str(NPM_CACHE), "--no-audit", "--no-fund"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        detail = result.stdout + result.stderr
        if "ENOTCACHED" in detail:
            skip_unless_required(f"the npm cache lacks the example's packages: run `make sdk-deps`\n{detail}")
        pytest.fail(
            f"npm ci failed ({result.returncode}); if sdk/nodejs/package.json changed, refresh the example's "
            f"package-lock.json with `npm install` in a copy laid out like the checkout:\n{detail}"
        )
    return project


def test_npm_install_builds_the_sdk_from_the_path(typescript_project: Path) -> None:
    sdk = typescript_project / "node_modules" / "pulumi-sagemaker-image"
    assert not sdk.is_symlink()  # installed as a package, not linked into the checkout
    assert (sdk / "bin" / "index.js").exists()  # its postinstall ran tsc
    declarations = (sdk / "bin" / "getImageVersion.d.ts").read_text(encoding="utf-8")
    assert "export declare function getImageVersionOutput(" in declarations
    package = json.loads((sdk / "package.json").read_text(encoding="utf-8"))
    assert package["version"] == json.loads((REPO_ROOT / "schema.json").read_text())["version"]
    schema = json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))
    assert package["pulumi"] == {
        "resource": True,
        "name": "sagemaker-image",
        "version": schema["version"],
        "server": schema["pluginDownloadURL"],
    }


def describe(emulator: SageMakerImageEmulator, **params: Any) -> dict[str, Any]:
    response = dict(emulator.client().describe_image_version(ImageName=IMAGE, **params))
    response.pop("ResponseMetadata")
    return response


def mutating_requests(emulator: SageMakerImageEmulator) -> list[str]:
    return [r for r in emulator.requests if r.startswith(("Create", "Update", "Delete", "Put", "Tag", "Untag"))]


def test_the_typescript_pin_image_example(
    typescript_project: Path, tmp_path: Path, emulator: SageMakerImageEmulator
) -> None:
    cli = find_pulumi()
    if cli is None:
        skip_unless_required("no Pulumi CLI: put `pulumi` on PATH or run `make pulumi-cli` (needs Go)")
    if not (PLUGIN_DIR / PLUGIN).exists():
        pytest.fail(f"{PLUGIN} is not in {PLUGIN_DIR}: reinstall the package (`pip install -e .`)")
    state = tmp_path / "state"
    state.mkdir()
    closed_port = "http://127.0.0.1:9"  # nothing listens there: any download attempt fails
    env = {
        **os.environ,
        # The Node.js host next to the CLI, the plugin as an ambient plugin from the venv's bin.
        "PATH": os.pathsep.join([str(TOOLS_BIN), str(PLUGIN_DIR), os.environ.get("PATH", "")]),
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "NO_COLOR": "1",
        "HTTP_PROXY": closed_port,
        "HTTPS_PROXY": closed_port,
        "http_proxy": closed_port,
        "https_proxy": closed_port,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    project = PulumiProject(cli, typescript_project, env)
    project.run("stack", "init", "dev")
    project.config(**{"sagemaker-image:endpointUrl": emulator.endpoint_url})
    stable = describe(emulator, Alias="stable")

    # The preview of a new stack already shows the image the alias resolves to.
    preview = project.run("preview", "--diff")
    assert stable["ContainerImage"] in preview.stdout
    assert RESOURCE_TYPE in preview.stdout

    project.up()
    outputs = project.outputs()
    assert outputs["containerImage"] == outputs["deployedImage"] == outputs["pinnedImage"] == stable["ContainerImage"]
    assert outputs["version"] == outputs["pinnedVersion"] == stable["Version"] == 3
    resources = project.export()["deployment"]["resources"]
    (pinned,) = [r for r in resources if r["type"] == RESOURCE_TYPE]
    assert pinned["id"] == f"{IMAGE}@stable"
    assert project.run("preview", "--expect-no-changes").returncode == 0

    # The alias moves: the CI check fails and names the new image (the YAML tests go on to `up`).
    emulator.move_alias(IMAGE, "stable", 4)
    moved = describe(emulator, Version=4)["ContainerImage"]
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    assert f'"{stable["ContainerImage"]}" => "{moved}"' in check.stdout

    project.run("destroy", "--yes", "--skip-preview")
    assert not [r for r in project.export()["deployment"].get("resources") or [] if r["type"] == RESOURCE_TYPE]
    assert mutating_requests(emulator) == []  # nothing in SageMaker was ever changed
