"""Run real Pulumi programs with the real Pulumi CLI, offline, against the emulator.

The CLI comes from PATH or from `make pulumi-cli` (.tools/bin). Without it these tests skip with the
reason, except under CI or REQUIRE_PULUMI_E2E, where a missing engine is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required

TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
EXAMPLES = REPO_ROOT / "examples"
IMAGE_VERSION_TYPE = "pulumi-python:dynamic/sagemaker-image:ImageVersion"
PASSPHRASE = "e2e-test-passphrase"


def find_pulumi() -> Path | None:
    on_path = shutil.which("pulumi")
    if on_path:
        return Path(on_path)
    built = TOOLS_BIN / "pulumi"
    return built if built.exists() else None


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    found = find_pulumi()
    if found is None:
        skip_unless_required("no Pulumi CLI: put `pulumi` on PATH or run `make pulumi-cli` (needs Go)")
    return found


@dataclass
class PulumiProject:
    """One Pulumi project and stack in a temp dir, with its own file backend."""

    cli: Path
    directory: Path
    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def run(self, *args: str, check: bool = True, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.cli), *args, "--non-interactive"],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.log.append(f"$ pulumi {' '.join(args)}  (exit {result.returncode})\n{result.stdout}\n{result.stderr}")
        if check and result.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def config(self, **values: str) -> None:
        for key, value in values.items():
            self.run("config", "set", key, value)

    def preview_json(self, *args: str) -> dict[str, Any]:
        result = self.run("preview", "--json", *args)
        return dict(json.loads(result.stdout))

    def up(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", *args)

    def outputs(self) -> dict[str, Any]:
        return dict(json.loads(self.run("stack", "output", "--json").stdout))

    def export(self) -> dict[str, Any]:
        return dict(json.loads(self.run("stack", "export").stdout))

    def image_versions(self) -> dict[str, dict[str, Any]]:
        """ImageVersion resources in state, by resource name."""
        resources = self.export()["deployment"].get("resources") or []
        return {r["urn"].rsplit("::", 1)[-1]: r for r in resources if r["type"] == IMAGE_VERSION_TYPE}


def _write_project(directory: Path, name: str, virtualenv: Path) -> None:
    (directory / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {virtualenv}\n",
        encoding="utf-8",
    )


@pytest.fixture
def make_project(pulumi_cli: Path, tmp_path: Path, emulator: SageMakerImageEmulator) -> Iterator[Any]:
    """Create a project from an example (or from program text) with a fresh `dev` stack."""
    projects: list[PulumiProject] = []

    def make(
        example: str | None = None, *, program: str | None = None, name: str = "e2e", virtualenv: Path | None = None
    ) -> PulumiProject:
        """``virtualenv``: where the program and its provider run; default this repo's venv (the checkout)."""
        directory = tmp_path / f"project-{len(projects)}"
        if example is not None:
            shutil.copytree(EXAMPLES / example, directory)
            name = example
        else:
            directory.mkdir()
            (directory / "__main__.py").write_text(program or "", encoding="utf-8")
        _write_project(directory, name, virtualenv or Path(sys.prefix))
        state = tmp_path / f"state-{len(projects)}"
        state.mkdir()
        env = {
            **os.environ,
            "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_HOME": str(tmp_path / "pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "NO_COLOR": "1",
        }
        project = PulumiProject(pulumi_cli, directory, env)
        project.run("stack", "init", "dev")
        project.config(**{"aws:region": emulator.region})
        if example is not None:
            project.config(endpointUrl=emulator.endpoint_url)
        projects.append(project)
        return project

    yield make
    for project in projects:  # keep the engine's words next to a failure
        if os.environ.get("E2E_VERBOSE"):
            print("\n".join(project.log))
