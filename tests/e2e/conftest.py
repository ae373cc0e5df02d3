"""Run real Pulumi programs with the real Pulumi CLI and its own language hosts, offline, against the emulator.

The engine is what a user's CLI release ships: `pulumi` v3.259.0 with Pulumi's own v3.259.0 Python,
Node.js and Go language hosts beside it, built by `make pulumi-cli` into .tools/bin (the hosts from
../shared/vendor), or else a `pulumi` on PATH that has its language hosts next to it. Without either these
tests skip with the reason, except under CI or REQUIRE_PULUMI_E2E, where a missing engine is a failure.

Every project here sets up its stack the same way (`engine_env`, `PulumiProject.start`): a file backend of
its own, a fresh PULUMI_HOME, no plugin downloads (a closed proxy), and the engine's folder first on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required

TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
EXAMPLES = REPO_ROOT / "examples"
IMAGE_VERSION_TYPE = "pulumi-python:dynamic/sagemaker-image:ImageVersion"
PASSPHRASE = "e2e-test-passphrase"
# The hosts a CLI release ships beside `pulumi`; the engine looks for them there first, then on PATH.
LANGUAGE_HOSTS = ("pulumi-language-python", "pulumi-language-nodejs", "pulumi-language-go")
# Written by tools/pulumi/build.sh when it could not build the hosts (no ../shared): the reason.
HOSTS_MISSING = TOOLS_BIN / "HOSTS-MISSING"
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens there: any download attempt fails
SAMPLE_IMAGE = "demo-pytorch"  # an image of the emulator's sample seed: versions 1-4, alias `stable` on 3


def _has_hosts(folder: Path) -> bool:
    return all((folder / host).exists() for host in LANGUAGE_HOSTS)


def find_pulumi() -> Path | None:
    """The CLI to test under: PULUMI_E2E_CLI when set (make compat's newer CLI), else the one `make pulumi-cli`
    built, with its hosts, else a `pulumi` on PATH with its own hosts."""
    chosen = os.environ.get("PULUMI_E2E_CLI")
    if chosen:
        return Path(chosen) if _has_hosts(Path(chosen).parent) else None
    built = TOOLS_BIN / "pulumi"
    if built.exists() and _has_hosts(TOOLS_BIN):
        return built
    on_path = shutil.which("pulumi")
    if on_path and _has_hosts(Path(on_path).resolve().parent):
        return Path(on_path)
    return None


def no_engine_reason() -> str:
    chosen = os.environ.get("PULUMI_E2E_CLI")
    if chosen:
        return f"PULUMI_E2E_CLI={chosen} has no language hosts ({', '.join(LANGUAGE_HOSTS)}) beside it"
    if HOSTS_MISSING.exists():
        why = HOSTS_MISSING.read_text(encoding="utf-8").strip()
        return f"{why}, and no `pulumi` on PATH has its own language hosts ({', '.join(LANGUAGE_HOSTS)})"
    return (
        "no Pulumi CLI with its language hosts: run `make pulumi-cli` (needs Go and ../shared), or put a Pulumi "
        "installation (pulumi and its pulumi-language-* hosts) on PATH"
    )


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    found = find_pulumi()
    if found is None:
        skip_unless_required(no_engine_reason())
    return found


def engine_env(cli: Path, state: Path, home: Path, *, path: Sequence[Path | str] = (), **extra: str) -> dict[str, str]:
    """The environment every test project runs the CLI in.

    ``path``: folders to put on PATH after the engine's own (where its language hosts are) and before
    the rest of PATH, e.g. the folder of an ambient plugin.
    """
    state.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(cli.parent), *map(str, path), os.environ.get("PATH", "")]),
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_HOME": str(home),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "NO_COLOR": "1",
        "HTTP_PROXY": CLOSED_PORT,
        "HTTPS_PROXY": CLOSED_PORT,
        "http_proxy": CLOSED_PORT,
        "https_proxy": CLOSED_PORT,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        **extra,
    }


ProjectT = TypeVar("ProjectT", bound="PulumiProject")


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

    @classmethod
    def start(cls: type[ProjectT], cli: Path, directory: Path, env: dict[str, str], **config: str) -> ProjectT:
        """A project on ``directory`` with a new `dev` stack holding ``config``."""
        project = cls(cli, directory, env)
        project.run("stack", "init", "dev")
        project.config(**config)
        return project

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
        env = engine_env(pulumi_cli, tmp_path / f"state-{len(projects)}", tmp_path / "pulumi-home")
        config = {"aws:region": emulator.region}
        if example is not None:
            config["endpointUrl"] = emulator.endpoint_url
        project = PulumiProject.start(pulumi_cli, directory, env, **config)
        projects.append(project)
        return project

    yield make
    for project in projects:  # keep the engine's words next to a failure
        if os.environ.get("E2E_VERBOSE"):
            print("\n".join(project.log))


def describe(emulator: SageMakerImageEmulator, image: str = SAMPLE_IMAGE, **params: Any) -> dict[str, Any]:
    """What SageMaker answers now, as the program would see it."""
    response = dict(emulator.client().describe_image_version(ImageName=image, **params))
    response.pop("ResponseMetadata")
    return response


def mutating_requests(emulator: SageMakerImageEmulator) -> list[str]:
    """Requests that would change anything in SageMaker: a read-only lookup never makes one."""
    return [r for r in emulator.requests if r.startswith(("Create", "Update", "Delete", "Put", "Tag", "Untag"))]


def check_fails_when_the_alias_moves(project: PulumiProject, emulator: SageMakerImageEmulator) -> None:
    """`stable` moves from 3 to 4: `preview --expect-no-changes` (the CI check) fails and shows the new image."""
    before = describe(emulator, Alias="stable")["ContainerImage"]
    emulator.move_alias(SAMPLE_IMAGE, "stable", 4)
    moved = describe(emulator, Version=4)["ContainerImage"]
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    assert f'"{before}" => "{moved}"' in check.stdout


def destroy_leaves_nothing(project: PulumiProject, emulator: SageMakerImageEmulator, type_: str) -> None:
    """`destroy` empties the stack of ``type_`` resources, and nothing in SageMaker was ever changed."""
    project.run("destroy", "--yes", "--skip-preview")
    assert not [r for r in project.export()["deployment"].get("resources") or [] if r["type"] == type_]
    assert mutating_requests(emulator) == []
