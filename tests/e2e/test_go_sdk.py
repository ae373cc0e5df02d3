"""The generated Go SDK (sdk/go) compiles, passes `go vet`, and runs `up` under the real CLI.

examples/go-pin-image is a Go module that requires github.com/pulumi/pulumi/sdk/v3 v3.259.0 and the
SDK through a replace to ../../sdk/go. Building it compiles the SDK against that release. The program
runs itself with the Automation API as an inline program (auto.UpsertStackInlineSource), which serves
its own language runtime to the CLI: the Go language host (pulumi-language-go) is a module of its own
that the module proxy does not serve, so `runtime: go` projects cannot run here.

Builds are offline (GOPROXY=off, -mod=readonly): `make sdk-deps` fetches the modules go.sum pins.
Without Go, the CLI or those modules these tests skip with the reason, except under CI or
REQUIRE_PULUMI_E2E, where that is a failure.
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

from pulumi_sagemaker_image.schema import GO_IMPORT_BASE_PATH
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import skip_unless_required
from .conftest import EXAMPLES, PASSPHRASE, find_pulumi

# A first build on an empty build cache compiles sdk/v3 and the Automation API's dependencies, and
# `go vet` analyses every package the SDK imports: minutes on a busy 2-core machine, seconds once cached.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]

EXAMPLE = EXAMPLES / "go-pin-image"
IMAGE = "demo-pytorch"
RESOURCE_TYPE = "sagemaker-image:index:ImageVersion"
PLUGIN = "pulumi-resource-sagemaker-image"
PLUGIN_DIR = Path(sys.executable).parent  # pip puts console scripts next to the interpreter


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


def describe(emulator: SageMakerImageEmulator, **params: Any) -> dict[str, Any]:
    response = dict(emulator.client().describe_image_version(ImageName=IMAGE, **params))
    response.pop("ResponseMetadata")
    return response


def test_the_go_pin_image_example_runs_up_under_the_real_cli(
    program: Path, tmp_path: Path, emulator: SageMakerImageEmulator
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
        # The Automation API runs the `pulumi` it finds on PATH; the plugin is an ambient plugin.
        "PATH": os.pathsep.join([str(cli.parent), str(PLUGIN_DIR), os.environ.get("PATH", "")]),
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "NO_COLOR": "1",
        "HTTP_PROXY": closed_port,
        "HTTPS_PROXY": closed_port,
        "http_proxy": closed_port,
        "https_proxy": closed_port,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }

    def run(command: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(program), "-endpoint-url", emulator.endpoint_url, command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"go-pin-image {command} failed:\n{result.stdout}\n{result.stderr}"
        return result

    stable = describe(emulator, Alias="stable")
    preview = run("preview")
    assert stable["ContainerImage"] in preview.stderr  # the resolved image, in the preview of a new stack
    assert RESOURCE_TYPE in preview.stderr

    outputs = json.loads(run("up").stdout)
    assert outputs["containerImage"] == outputs["deployedImage"] == outputs["pinnedImage"] == stable["ContainerImage"]
    assert outputs["version"] == outputs["pinnedVersion"] == outputs["currentVersion"] == stable["Version"]

    run("destroy")
    requests = emulator.requests
    assert [r for r in requests if r.startswith(("Create", "Update", "Delete", "Put", "Tag", "Untag"))] == []
