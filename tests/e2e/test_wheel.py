"""The package as a user installs it: the released wheel (dist/, built from the sdist) in a fresh venv.

This catches files missing from the package data, dependencies used but not declared, and imports
that only work from the source tree. The wheel comes from the `release` fixture (tools/dist.py, as
`make dist` runs it); its dependencies from .tools/wheelhouse (`make wheelhouse`, run by `make test`),
so installing needs no network.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT
from .conftest import WHEELHOUSE, PulumiProject, Release, user_env

# Building the release (the session's `release` fixture) takes minutes on a busy 2-core machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

IMAGE = "demo-pytorch"
PACKAGE_DATA = ("py.typed", "pulumi-plugin.json", "schema.json", "testing/sample_seed.json")


def run(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with nothing but the released wheel (dist/) and its declared dependencies (plus [testing])."""
    work = tmp_path_factory.mktemp("wheel")
    env_dir = work / "venv"
    run(sys.executable, "-m", "venv", env_dir, cwd=work)
    python = env_dir / "bin" / "python"
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        WHEELHOUSE,
        f"{release.wheel}[testing]",
        cwd=work,
    )
    return env_dir


def test_the_sdist_and_the_wheel_carry_the_licence(release: Release) -> None:
    with zipfile.ZipFile(release.wheel) as wheel:
        names = wheel.namelist()
    assert f"pulumi_sagemaker_image-{release.version}.dist-info/licenses/LICENSE" in names
    # GetSchema reads schema.json from the package: it must be package data.
    assert "pulumi_sagemaker_image/schema.json" in names
    with tarfile.open(release.directory / f"pulumi_sagemaker_image-{release.version}.tar.gz") as sdist:
        assert f"pulumi_sagemaker_image-{release.version}/LICENSE" in sdist.getnames()


def test_the_package_imports_from_the_venv_with_its_data(venv: Path, tmp_path: Path) -> None:
    code = (
        "import json, pathlib, pulumi_sagemaker_image as p;"
        "root = pathlib.Path(p.__file__).parent;"
        f"print(json.dumps([str(root), [(root / f).is_file() for f in {list(PACKAGE_DATA)!r}]]))"
    )
    location, present = json.loads(run(venv / "bin" / "python", "-c", code, cwd=tmp_path).stdout)
    assert Path(location).is_relative_to(venv), location  # not the checkout
    assert dict(zip(PACKAGE_DATA, present, strict=True)) == dict.fromkeys(PACKAGE_DATA, True)


@pytest.fixture
def wheel_emulator(venv: Path, tmp_path: Path) -> Iterator[str]:
    """The wheel's own `pulumi-sagemaker-image emulator`, serving a YAML seed (the [testing] extra)."""
    sample = json.loads((REPO_ROOT / "provider/pulumi_sagemaker_image/testing/sample_seed.json").read_text())
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump(sample), encoding="utf-8")
    process = subprocess.Popen(
        [venv / "bin" / "pulumi-sagemaker-image", "emulator", "--seed", seed],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        if " on " not in first:
            process.kill()
            raise AssertionError(f"the emulator did not start: {first}{process.stderr.read()}")
        yield first.split(" on ")[1].split()[0]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_describe_from_the_wheel_against_its_emulator(venv: Path, wheel_emulator: str, tmp_path: Path) -> None:
    cli = venv / "bin" / "pulumi-sagemaker-image"
    result = run(
        cli, "describe", IMAGE, "--alias", "stable", "--endpoint-url", wheel_emulator, "--output", "json", cwd=tmp_path
    )
    described = json.loads(result.stdout)
    client = boto3.client("sagemaker", endpoint_url=wheel_emulator, region_name="us-east-1")
    raw = client.describe_image_version(ImageName=IMAGE, Alias="stable")
    assert described["containerImage"] == raw["ContainerImage"]
    assert described["imageVersionArn"] == raw["ImageVersionArn"]
    assert described["version"] == raw["Version"]
    assert "stable" in described["aliases"]


def test_an_example_program_runs_from_the_wheel_under_the_real_cli(
    venv: Path, make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("pin-image", virtualenv=venv)
    project.up()
    outputs = project.outputs()
    stable = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")
    assert outputs["containerImage"] == outputs["deployedImage"] == stable["ContainerImage"]
    assert outputs["version"] == stable["Version"]
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0


def test_the_plugin_starts_from_the_wheel_and_serves_its_schema(venv: Path, release: Release, tmp_path: Path) -> None:
    """The console script of the installed wheel answers GetPluginInfo and GetSchema (from its package data)."""
    code = (
        "import subprocess, sys, grpc, json\n"
        "from google.protobuf import empty_pb2\n"
        "from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc\n"
        # No engine address: the plugin then watches no engine, and serves until killed.
        f"p = subprocess.Popen([{str(venv / 'bin' / 'pulumi-resource-sagemaker-image')!r}], "
        "stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)\n"
        "port = int(p.stdout.readline())\n"
        "stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f'127.0.0.1:{port}'))\n"
        "info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=60)\n"
        "schema = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=60).schema)\n"
        "p.kill()\n"
        "print(json.dumps([info.version, schema['version'], schema['pluginDownloadURL']]))\n"
    )
    reported = json.loads(run(venv / "bin" / "python", "-c", code, cwd=tmp_path).stdout)
    assert reported == [release.version, release.version, release.url]


# A Python program that prefers the plugin route: the resource by its type token, served by the plugin
# the engine installs from the release's server (the version and URL the npm package and schema carry).
PLUGIN_ROUTE_PROGRAM = """\
import pulumi

image = pulumi.CustomResource(
    "sagemaker-image:index:ImageVersion",
    "native",
    {{"imageName": "{image}", "alias": "stable", "containerImage": None, "version": None}},
    opts=pulumi.ResourceOptions(version="{version}", plugin_download_url="{url}"),
)
pulumi.export("containerImage", image.containerImage)
pulumi.export("version", image.version)
"""


def test_a_python_program_on_the_plugin_route(
    pulumi_cli: Path, venv: Path, release: Release, tmp_path: Path, emulator: SageMakerImageEmulator
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    project = PulumiProject(pulumi_cli, tmp_path / "project", user_env(tmp_path / "home", state))
    project.directory.mkdir()
    (project.directory / "Pulumi.yaml").write_text(
        f"name: plugin-route\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n", encoding="utf-8"
    )
    (project.directory / "__main__.py").write_text(
        PLUGIN_ROUTE_PROGRAM.format(image=IMAGE, version=release.version, url=release.url), encoding="utf-8"
    )
    project.run("stack", "init", "dev")
    project.config(**{"sagemaker-image:endpointUrl": emulator.endpoint_url, "sagemaker-image:region": emulator.region})
    project.up()
    stable = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")
    assert project.outputs() == {"containerImage": stable["ContainerImage"], "version": stable["Version"]}
    (resource,) = [r for r in project.export()["deployment"]["resources"] if r["type"].startswith("sagemaker-image:")]
    assert resource["type"] == "sagemaker-image:index:ImageVersion"
    project.run("destroy", "--yes", "--skip-preview")
