"""The generated TypeScript SDK (sdk/nodejs) in a TypeScript program (`runtime: nodejs`) under the real CLI.

The program is examples/typescript-pin-image. It installs `@pulumi/pulumi`, `typescript` and the SDK
with `npm ci --offline`: the npm packages come from the cache that `make sdk-deps` fills
(.tools/npm-cache) and the SDK from this checkout's sdk/nodejs, which compiles itself on install. The
engine runs the program with Pulumi's own v3.259.0 `pulumi-language-nodejs` (built by `make pulumi-cli`) and serves the
package with `pulumi-resource-sagemaker-image` (the package's console script) against the emulator.

One stack goes through the steps a user takes, to keep the run short: npm install and every engine
start cost seconds.

Without node, npm, the CLI, the Node.js host or the cached packages these tests skip with the reason,
except under CI or REQUIRE_PULUMI_E2E, where that is a failure.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import (
    EXAMPLES,
    PulumiProject,
    check_fails_when_the_alias_moves,
    describe,
    destroy_leaves_nothing,
    engine_env,
)

pytestmark = pytest.mark.e2e

EXAMPLE = "typescript-pin-image"
IMAGE = "demo-pytorch"
RESOURCE_TYPE = "sagemaker-image:index:ImageVersion"
PLUGIN = "pulumi-resource-sagemaker-image"
PLUGIN_DIR = Path(sys.executable).parent  # pip puts console scripts next to the interpreter
NPM_CACHE = REPO_ROOT / ".tools" / "npm-cache"
SDK = REPO_ROOT / "sdk" / "nodejs"


@pytest.fixture(scope="session")
def typescript_project(pulumi_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with its node_modules installed, laid out as in the checkout (../../sdk/nodejs).

    Session-scoped: the install (and the SDK's compile) happens once per run. It asks for the engine
    first, so a missing CLI or Node.js host is reported as that rather than as an npm failure.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        skip_unless_required(f"{' and '.join(missing)} not found: the TypeScript SDK tests need Node.js and npm")
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


def test_the_typescript_pin_image_example(
    pulumi_cli: Path, typescript_project: Path, tmp_path: Path, emulator: SageMakerImageEmulator
) -> None:
    if not (PLUGIN_DIR / PLUGIN).exists():
        pytest.fail(f"{PLUGIN} is not in {PLUGIN_DIR}: reinstall the package (`pip install -e .`)")
    # The plugin as an ambient plugin from the venv's bin, after the engine and its Node.js host.
    env = engine_env(pulumi_cli, tmp_path / "state", tmp_path / "pulumi-home", path=[PLUGIN_DIR])
    config = {"sagemaker-image:endpointUrl": emulator.endpoint_url}
    project = PulumiProject.start(pulumi_cli, typescript_project, env, **config)
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
    check_fails_when_the_alias_moves(project, emulator)
    destroy_leaves_nothing(project, emulator, RESOURCE_TYPE)
