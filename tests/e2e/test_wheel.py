"""The package as a user installs it: the wheel, built from the sdist, in a fresh venv, away from the checkout.

This catches files missing from the package data, dependencies used but not declared, and imports
that only work from the source tree. The wheel's dependencies come from .tools/wheelhouse (`make
wheelhouse`, run by `make test`), so installing needs no network.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import PulumiProject

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
PACKAGE_DATA = ("py.typed", "pulumi-plugin.json", "testing/sample_seed.json")
# Written by tools/wheelhouse.py (`make wheelhouse`) for the Python running the tests.
WHEELHOUSE = REPO_ROOT / ".tools" / "wheelhouse" / f"cp{sys.version_info.major}{sys.version_info.minor}"


def run(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with nothing but the built wheel and its declared dependencies (plus [testing])."""
    if not (WHEELHOUSE / ".complete").exists():
        skip_unless_required(f"no wheelhouse at {WHEELHOUSE}: run `make wheelhouse` (fetches the dependency wheels)")
    try:
        import build  # noqa: F401
    except ImportError:
        skip_unless_required("the `build` package is not installed: run `make venv`")

    work = tmp_path_factory.mktemp("wheel")
    # What setuptools would see in a clean clone: tracked files, and new files not yet committed.
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO_ROOT).stdout
    source = work / "source"
    for name in filter(None, listed.split("\0")):
        if (REPO_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO_ROOT / name).read_bytes())

    # Without --sdist/--wheel, build makes the sdist and then the wheel from the unpacked sdist, so a file
    # missing from the sdist fails here too.
    dist = work / "dist"
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source, cwd=work)
    (sdist,) = dist.glob("pulumi_sagemaker_image-*.tar.gz")
    (wheel,) = dist.glob("pulumi_sagemaker_image-*-py3-none-any.whl")
    assert sdist.stat().st_size > 0

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
        f"{wheel}[testing]",
        cwd=work,
    )
    return env_dir


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
