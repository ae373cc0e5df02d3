"""Run real Pulumi programs with the real Pulumi CLI, offline, against the emulator.

The CLI comes from PATH or from `make pulumi-cli` (.tools/bin). Without it these tests skip with the
reason, except under CI or REQUIRE_PULUMI_E2E, where a missing engine is a failure.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
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


# -- a release, served the way a plugin server serves it -----------------------------------------------

WHEELHOUSE = REPO_ROOT / ".tools" / "wheelhouse" / f"cp{sys.version_info.major}{sys.version_info.minor}"
NPM_CACHE = REPO_ROOT / ".tools" / "npm-cache"


@dataclass(frozen=True)
class Release:
    """`make dist`'s artifacts, built for and served by a loopback HTTP server (the plugin's server)."""

    directory: Path
    url: str
    version: str
    build_seconds: float

    @property
    def wheel(self) -> Path:
        return self.directory / f"pulumi_sagemaker_image-{self.version}-py3-none-any.whl"

    @property
    def npm_package(self) -> Path:
        return self.directory / f"pulumi-sagemaker-image-{self.version}.tgz"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """The engine's requests are not the test's output."""


def project_version() -> str:
    """[project] version in pyproject.toml (read by pattern: tomllib is 3.11+, the suite runs on 3.10 too)."""
    found = re.search(r'(?m)^version = "(.+)"$', (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert found is not None, "pyproject.toml has no version line"
    return found[1]


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Release]:
    """`tools/dist.py` with the server's URL as PLUGIN_DOWNLOAD_URL, served on 127.0.0.1 for the session.

    Built once per run (the install tests and the wheel test share it); the server stops with the session.
    """
    if not (REPO_ROOT / ".tools" / "bin" / "pulumi-gen-sdk").exists():
        skip_unless_required("no .tools/bin/pulumi-gen-sdk: run `make pulumi-cli` (needs Go)")
    if not NPM_CACHE.is_dir() or shutil.which("npm") is None:
        skip_unless_required("npm or its cache is missing: install Node.js and run `make sdk-deps`")
    if not (WHEELHOUSE / ".complete").exists():
        skip_unless_required(f"no wheelhouse at {WHEELHOUSE}: run `make wheelhouse`")
    served = tmp_path_factory.mktemp("served")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, name="release-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/"
    try:
        start = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(REPO_ROOT / "tools" / "dist.py"), "--plugin-download-url", url, "--out", str(served)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"tools/dist.py failed:\n{result.stdout}\n{result.stderr}"
        yield Release(served, url, project_version(), time.monotonic() - start)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def user_path() -> str:
    """PATH as a user has it: the CLI and its language hosts, the system's tools, nothing of this checkout."""
    checkout = REPO_ROOT.resolve()
    venv = Path(sys.prefix).resolve()
    kept = [
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry
        and not Path(entry).resolve().is_relative_to(checkout)
        and not Path(entry).resolve().is_relative_to(venv)
    ]
    return os.pathsep.join([str(TOOLS_BIN), *kept])


def user_env(home: Path, state: Path) -> dict[str, str]:
    """A user's shell with a fresh PULUMI_HOME; automatic plugin acquisition on (Pulumi's default).

    The language host's pip takes the plugin's dependencies from the wheelhouse (the package index,
    offline), and creates the plugin's virtualenv with the Python the tests run on (whose wheels those are).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "PYTHONPATH"}
    }
    env.update(
        {
            "PATH": user_path(),
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_PYTHON_CMD": str(Path(getattr(sys, "_base_executable", sys.executable)).resolve()),
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(WHEELHOUSE),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "NO_COLOR": "1",
        }
    )
    return env
