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
from pathlib import Path

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT
from .conftest import (
    PLUGIN,
    PLUGIN_DIR,
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
