"""The generated Go SDK (sdk/go) compiles, passes `go vet`, and runs as a `runtime: go` project under the engine.

examples/go-pin-image is an ordinary Pulumi Go project (`pulumi.Run`) whose go.mod requires
github.com/pulumi/pulumi/sdk/v3 v3.259.0 and the SDK through a replace to ../../sdk/go. Building it
compiles the SDK against that release. The engine runs it through Pulumi's own v3.259.0
`pulumi-language-go` (built by `make pulumi-cli`), which builds the program with `go build` as it
does for users.

Builds are offline (GOPROXY=off, -mod=readonly): `make sdk-deps` fetches the modules go.sum pins.
Without Go, the CLI or those modules these tests skip with the reason, except under CI or
REQUIRE_PULUMI_E2E, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_sagemaker_image.schema import GO_IMPORT_BASE_PATH
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import (
    EXAMPLES,
    PLUGIN,
    PLUGIN_DIR,
    PulumiProject,
    check_fails_when_the_alias_moves,
    describe,
    destroy_leaves_nothing,
    engine_env,
)

# A first build on an empty build cache compiles sdk/v3 and the Automation API's dependencies, and
# `go vet` analyses every package the SDK imports: minutes on a busy 2-core machine, seconds once cached.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]

EXAMPLE = EXAMPLES / "go-pin-image"
IMAGE = "demo-pytorch"
RESOURCE_TYPE = "sagemaker-image:index:ImageVersion"


def find_go() -> Path | None:
    """`go` on PATH, else where the official archive installs it (as tools/pulumi/build.sh looks)."""
    on_path = shutil.which("go")
    if on_path:
        return Path(on_path)
    fallback = Path("/usr/local/go/bin/go")
    return fallback if fallback.exists() else None


def go_env() -> dict[str, str]:
    # Offline and reproducible: modules only from the cache, go.mod/go.sum as committed, no toolchain switch.
    return {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "GOFLAGS": "-mod=readonly",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }


def go(tool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tool), *args], cwd=EXAMPLE, env=go_env(), capture_output=True, text=True, timeout=1200, check=False
    )


@pytest.fixture(scope="module")
def go_tool() -> Path:
    tool = find_go()
    if tool is None:
        skip_unless_required("go not found: the Go SDK tests need Go >= 1.25")
    return tool


def check_built(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode == 0:
        return
    detail = result.stdout + result.stderr
    if "GOPROXY=off" in detail or "module lookup disabled" in detail:
        skip_unless_required(f"Go's module cache lacks the example's modules: run `make sdk-deps`\n{detail}")
    pytest.fail(f"{what} failed ({result.returncode}):\n{detail}")


@pytest.fixture(scope="module")
def program(go_tool: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example, built: the Go SDK compiled against github.com/pulumi/pulumi/sdk/v3 v3.259.0."""
    binary = tmp_path_factory.mktemp("go") / "go-pin-image"
    check_built(go(go_tool, "build", "-trimpath", "-o", str(binary), "."), "go build of examples/go-pin-image")
    return binary


def test_the_go_sdk_compiles_and_passes_go_vet_against_the_v3_259_sdk(program: Path, go_tool: Path) -> None:
    sdk_module = GO_IMPORT_BASE_PATH.rsplit("/", 1)[0]
    template = "{{.Path}} {{.Version}} {{if .Replace}}{{.Replace.Path}}{{end}}"
    listed = go(go_tool, "list", "-m", "-f", template, "github.com/pulumi/pulumi/sdk/v3", sdk_module)
    check_built(listed, "go list -m")
    assert listed.stdout.splitlines() == [
        "github.com/pulumi/pulumi/sdk/v3 v3.259.0 ",
        f"{sdk_module} v0.1.0 ../../sdk/go",  # this checkout's SDK
    ]
    vet = go(go_tool, "vet", f"{GO_IMPORT_BASE_PATH}/...")
    assert vet.returncode == 0, vet.stdout + vet.stderr


@pytest.fixture
def go_project(pulumi_cli: Path, go_tool: Path, tmp_path: Path, emulator: SageMakerImageEmulator) -> PulumiProject:
    """The example as a user has it, laid out as in the checkout (its go.mod replaces ../../sdk/go)."""
    if not (PLUGIN_DIR / PLUGIN).exists():
        pytest.fail(f"{PLUGIN} is not in {PLUGIN_DIR}: reinstall the package (`pip install -e .`)")
    root = tmp_path / "checkout"
    shutil.copytree(REPO_ROOT / "sdk" / "go", root / "sdk" / "go")
    directory = root / "examples" / EXAMPLE.name
    shutil.copytree(EXAMPLE, directory)
    # The Go host runs `go` from PATH with this environment: offline, modules from the cache only.
    go_settings = {k: v for k, v in go_env().items() if k.startswith("GO") or k == "CGO_ENABLED"}
    env = engine_env(pulumi_cli, tmp_path / "state", tmp_path / "pulumi-home", path=[PLUGIN_DIR, go_tool.parent])
    config = {"sagemaker-image:endpointUrl": emulator.endpoint_url}
    return PulumiProject.start(pulumi_cli, directory, {**env, **go_settings}, **config)


def test_the_go_pin_image_example_runs_as_a_go_project_under_the_engine(
    program: Path, go_project: PulumiProject, emulator: SageMakerImageEmulator
) -> None:
    stable = describe(emulator, Alias="stable")
    # The preview of a new stack already shows the image the alias resolves to.
    preview = go_project.run("preview", "--diff")
    assert stable["ContainerImage"] in preview.stdout
    assert RESOURCE_TYPE in preview.stdout

    go_project.up()
    outputs = go_project.outputs()
    assert outputs["containerImage"] == outputs["deployedImage"] == outputs["pinnedImage"] == stable["ContainerImage"]
    assert outputs["version"] == outputs["pinnedVersion"] == outputs["currentVersion"] == stable["Version"]
    assert go_project.run("preview", "--expect-no-changes").returncode == 0

    # The alias moves: the CI check fails and names the new image.
    check_fails_when_the_alias_moves(go_project, emulator)
    destroy_leaves_nothing(go_project, emulator, RESOURCE_TYPE)
