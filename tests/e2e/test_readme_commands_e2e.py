"""The README blocks that need the real Pulumi CLI: Pulumi programs, shell sessions, `pulumi` options.

See tests/readme_blocks.py for how blocks are classified; tests/test_readme_commands.py does the rest.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import AWS_ENVIRONMENT_VARIABLES, SageMakerImageEmulator, sample_seed_path

from ..readme_blocks import (
    README_SEED,
    Block,
    all_blocks,
    mentions_flag,
    prompt_commands,
    pulumi_commands,
    readme_paths,
    runnable_shell_blocks,
    session_script,
)
from .conftest import TOOLS_BIN, PulumiProject

pytestmark = pytest.mark.e2e

BLOCKS = all_blocks()
PROGRAMS = [block for block in BLOCKS if block.kind == "python" and block.is_pulumi_program]
SESSIONS = [path for path in readme_paths() if runnable_shell_blocks(path)]
PULUMI_COMMANDS = sorted(
    {
        (block.where, " ".join(words))
        for block in BLOCKS
        if block.language in ("sh", "bash", "shell") or block.kind == "output"
        for words in pulumi_commands(prompt_commands(block.text) if block.kind == "output" else block.text)
    }
)


@pytest.fixture
def emulator() -> Iterator[SageMakerImageEmulator]:
    """The sample images plus the images the READMEs' snippets name (my-image, my-pytorch)."""
    with SageMakerImageEmulator(sample_seed_path()) as running:
        running.load_seed(README_SEED)
        yield running


@pytest.mark.parametrize("block", PROGRAMS, ids=[block.where for block in PROGRAMS])
def test_pulumi_program_blocks_deploy(block: Block, make_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: PulumiProject = make_project(program=block.text)
    # The blocks name no endpoint: against AWS, region and account come from the stack and the
    # environment; here the environment points botocore at the emulator, as README says it can.
    project.env["AWS_ENDPOINT_URL_SAGEMAKER"] = emulator.endpoint_url
    project.up()
    assert emulator.request_count("DescribeImageVersion") > 0, block.where


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _venv_seeing_this_one(directory: Path) -> None:
    """A `venv` whose Python sees this test's installed packages, so the README's
    `pip install -r requirements.txt` finds everything installed and needs no network."""
    # With pip of its own: once this venv sees ours, `python -m venv venv` would take pip as present.
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True, timeout=120)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = directory / "lib" / version / "site-packages"
    ours = sysconfig.get_paths()["purelib"]
    (site_packages / "_readme_test_packages.pth").write_text(f"import site; site.addsitedir({ours!r})\n")


@pytest.mark.parametrize("path", SESSIONS, ids=[str(path.parent.name) for path in SESSIONS])
def test_readme_shell_sessions_run_as_written(path: Path, pulumi_cli: Path, tmp_path: Path) -> None:
    """A README's runnable shell blocks, in order, in one shell, in a copy of its directory.

    The environment stands in for what a reader has: the Pulumi CLI and this package's commands on
    PATH, a local file backend and a passphrase (as `pulumi login --local` and the prompt would give),
    `--yes` for confirmation prompts, no AWS settings at all, and pip without network access.
    """
    import shutil

    directory = tmp_path / "project"
    if path.parent.parent.name == "examples":
        shutil.copytree(path.parent, directory, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    else:
        directory.mkdir()
    _venv_seeing_this_one(directory / "venv")
    env = {name: value for name, value in os.environ.items() if name not in AWS_ENVIRONMENT_VARIABLES}
    env = {name: value for name, value in env.items() if not name.startswith("PULUMI_")}
    env.update(
        {
            "PATH": os.pathsep.join([str(TOOLS_BIN), str(Path(sys.executable).parent), env.get("PATH", "")]),
            "HOME": str(tmp_path / "home"),
            "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
            "PULUMI_HOME": str(tmp_path / "pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": "readme",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "NO_COLOR": "1",
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    (tmp_path / "state").mkdir()
    script = session_script(runnable_shell_blocks(path), _free_port())
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=directory,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{path}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"


@cache
def _pulumi_help(pulumi: Path, words: tuple[str, ...]) -> tuple[int, str]:
    result = subprocess.run(
        [str(pulumi), *words, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize(("where", "command"), PULUMI_COMMANDS, ids=[f"{w} {c}" for w, c in PULUMI_COMMANDS])
def test_pulumi_commands_exist_as_written(where: str, command: str, pulumi_cli: Path) -> None:
    words = command.split()[1:]
    flags = [word.strip("[]").split("=", 1)[0] for word in words if word.strip("[]").startswith("-")]
    # Cobra shows the help of the deepest subcommand the words name; the rest are arguments.
    subcommands = tuple(word for word in words if not word.strip("[]").startswith("-"))[:2]
    code, help_text = _pulumi_help(pulumi_cli, subcommands)
    if code != 0:
        code, help_text = _pulumi_help(pulumi_cli, subcommands[:1])
    assert code == 0, f"{where}: `pulumi {' '.join(subcommands)} --help` failed:\n{help_text}"
    assert f"pulumi {subcommands[0]}" in help_text, f"{where}: pulumi has no command {subcommands[0]!r}"
    unknown = [flag for flag in flags if not mentions_flag(help_text, flag)]
    assert unknown == [], f"{where}: `{command}`: unknown options {unknown}"
