"""The engine runs programs under Pulumi's own v3.259.0 language hosts, the way a user's CLI does.

`make pulumi-cli` builds them from ../shared/vendor into .tools/bin. These tests check that they are
those hosts, and that a Python program runs in the virtualenv its own Pulumi.yaml names, with no
fallback to this checkout's .venv.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT
from .conftest import LANGUAGE_HOSTS, PulumiProject, engine_env

pytestmark = pytest.mark.e2e

CHECKOUT_VENV = REPO_ROOT / ".venv"
# Prints which interpreter and virtualenv the program runs in, and resolves an image through the
# dynamic provider, which the engine starts with the project's virtualenv too.
PROGRAM = """\
import sys

import pulumi

from pulumi_sagemaker_image import ImageVersion

image = ImageVersion("image", image_name="demo-pytorch", alias="stable", endpoint_url="{endpoint}")
pulumi.export("prefix", sys.prefix)
pulumi.export("image", image.container_image)
"""


def version_of(binary: Path) -> str:
    result = subprocess.run([str(binary), "-version"], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_engine_and_its_language_hosts_are_pulumi_v3_259(pulumi_cli: Path) -> None:
    assert subprocess.run(
        [str(pulumi_cli), "version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.strip() == ("v3.259.0")
    # Beside the CLI, where the engine looks first: no wrapper script, the hosts themselves.
    for host in LANGUAGE_HOSTS:
        binary = pulumi_cli.parent / host
        assert binary.read_bytes()[:4] == b"\x7fELF", f"{binary} is not a compiled host"
        assert version_of(binary) == "v3.259.0", host


def elsewhere_venv(path: Path) -> Path:
    """A virtualenv outside this checkout that sees this venv's packages through a .pth file.

    Cheaper than installing pulumi, boto3 and pydantic again, and enough to tell which virtualenv ran.
    """
    venv.EnvBuilder(with_pip=False, symlinks=True).create(path)
    (site_packages,) = path.glob("lib/python*/site-packages")
    ours = [p for p in sys.path if p.startswith(sys.prefix) and p.endswith("site-packages")]
    # This package is installed editable: its import hook is itself a .pth, which a .pth-added folder
    # does not run, so name its source folder too.
    ours.append(str(REPO_ROOT / "provider"))
    (site_packages / "checkout-packages.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return path


def python_project(cli: Path, directory: Path, tmp_path: Path, virtualenv: str, program: str) -> PulumiProject:
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(
        f"name: hosts\nruntime:\n  name: python\n  options:\n    virtualenv: {virtualenv}\n", encoding="utf-8"
    )
    (directory / "__main__.py").write_text(program, encoding="utf-8")
    env = engine_env(cli, tmp_path / "state", tmp_path / "home")
    return PulumiProject.start(cli, directory, env, **{"aws:region": "us-east-1"})


def test_a_python_program_runs_in_the_virtualenv_its_pulumi_yaml_names(
    pulumi_cli: Path, tmp_path: Path, emulator: SageMakerImageEmulator
) -> None:
    elsewhere = elsewhere_venv(tmp_path / "somewhere-else" / "venv")
    program = PROGRAM.format(endpoint=emulator.endpoint_url)
    # A relative path, resolved against the project's folder, as users write it.
    project = python_project(pulumi_cli, tmp_path / "project", tmp_path, "../somewhere-else/venv", program)
    project.up()
    outputs = project.outputs()
    assert Path(outputs["prefix"]).resolve() == elsewhere.resolve()
    stable = emulator.client().describe_image_version(ImageName="demo-pytorch", Alias="stable")
    assert outputs["image"] == stable["ContainerImage"]  # resolved through the dynamic provider, in that venv
    assert Path(outputs["prefix"]).resolve() != CHECKOUT_VENV.resolve()


def test_a_missing_virtualenv_is_an_error_not_a_fallback_to_the_checkout(pulumi_cli: Path, tmp_path: Path) -> None:
    project = python_project(pulumi_cli, tmp_path / "project", tmp_path, "no-such-venv", PROGRAM.format(endpoint="x"))
    result = project.run("preview", check=False)
    assert result.returncode != 0
    assert "no-such-venv" in result.stdout + result.stderr
