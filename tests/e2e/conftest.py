"""Run real Pulumi programs with the real Pulumi CLI and its own language hosts, offline, against the emulator.

The engine is what a user's CLI release ships: `pulumi` v3.259.0 with Pulumi's own v3.259.0 Python,
Node.js and Go language hosts beside it, built by `make pulumi-cli` into .tools/bin (the hosts from
../shared/vendor), or else a `pulumi` on PATH that has its language hosts next to it. Without either these
tests skip with the reason, except under CI or REQUIRE_PULUMI_E2E, where a missing engine is a failure.

Every project here sets up its stack the same way (`engine_env`, `PulumiProject.start`): a file backend of
its own, a fresh PULUMI_HOME, no plugin downloads (a closed proxy), and the engine's folder first on PATH.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from pulumi_sagemaker_image.testing import AWS_ENVIRONMENT_VARIABLES, SageMakerImageEmulator

from ..conftest import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, REPO_ROOT, skip_unless_required

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


def team_env(cli: Path, root: Path, backend_url: str) -> dict[str, str]:
    """`engine_env` for a team's backend at ``backend_url``, as the drift command meets it in CI.

    The machine's AWS settings are dropped for dummy credentials and empty config files under ``root``:
    the drift command's lookups and an S3 backend read them.
    """
    aws = root / "aws"
    aws.mkdir(parents=True, exist_ok=True)
    env = engine_env(cli, root / "state", root / "pulumi-home", path=[PLUGIN_DIR])
    env = {key: value for key, value in env.items() if key not in AWS_ENVIRONMENT_VARIABLES}
    return {
        **env,
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
        "AWS_REGION": "us-east-1",
        "PULUMI_BACKEND_URL": backend_url,
    }


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


def print_logs(projects: Sequence[PulumiProject]) -> None:
    """With E2E_VERBOSE set, print every command the projects ran and what the engine said."""
    if os.environ.get("E2E_VERBOSE"):
        for project in projects:
            print("\n".join(project.log))


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
    print_logs(projects)


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


# ---------------------------------------------------------------------------
# TypeScript and YAML programs: one fixture each for every file that runs them, so the example's
# `npm ci` (and the SDK's compile) happens once per run, and the YAML host is checked once.
# ---------------------------------------------------------------------------

TYPESCRIPT_EXAMPLE = "typescript-pin-image"
PLUGIN = "pulumi-resource-sagemaker-image"
PLUGIN_DIR = Path(sys.executable).parent  # pip puts console scripts next to the interpreter
PLUGIN_RESOURCE_TYPE = "sagemaker-image:index:ImageVersion"
SDK = REPO_ROOT / "sdk" / "nodejs"


@pytest.fixture(scope="session")
def typescript_project(pulumi_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with its node_modules installed, laid out as in the checkout (../../sdk/nodejs).

    Session-scoped: the install (and the SDK's compile) happens once per run. It asks for the engine
    first, so a missing CLI or Node.js host is reported as that rather than as an npm failure.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        skip_unless_required(f"{' and '.join(missing)} not found: the TypeScript SDK tests need Node.js and npm")
    if not NPM_CACHE.is_dir():
        skip_unless_required(f"no npm cache at {NPM_CACHE}: run `make sdk-deps` (fetches the example's packages)")
    root = tmp_path_factory.mktemp("typescript")
    shutil.copytree(SDK, root / "sdk" / "nodejs", ignore=shutil.ignore_patterns("node_modules", "bin"))
    project = root / "examples" / TYPESCRIPT_EXAMPLE
    shutil.copytree(EXAMPLES / TYPESCRIPT_EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "bin"))
    # --offline: every package must come from the cache; a miss fails instead of downloading.
    result = subprocess.run(
        ["npm", "ci", "--offline", "--cache", str(NPM_CACHE), "--no-audit", "--no-fund"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        detail = result.stdout + result.stderr
        if "ENOTCACHED" in detail:
            skip_unless_required(f"the npm cache lacks the example's packages: run `make sdk-deps`\n{detail}")
        pytest.fail(
            f"npm ci failed ({result.returncode}); if sdk/nodejs/package.json changed, refresh the example's "
            f"package-lock.json with `npm install` in a copy laid out like the checkout:\n{detail}"
        )
    return project


def find_yaml_host() -> Path | None:
    built = TOOLS_BIN / "pulumi-language-yaml"
    if built.exists():
        return built
    on_path = shutil.which("pulumi-language-yaml")
    return Path(on_path) if on_path else None


def host_start_failure(host: Path) -> str | None:
    """Start the language host alone: it must print its port first. None when it does."""
    try:
        process = subprocess.Popen([str(host)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as error:
        return f"{host} cannot be run: {error}"
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=30):
                return f"{host} printed no port within 30 s"
        line = process.stdout.readline().decode(errors="replace").strip()
        if not line.isdigit():
            stderr = process.stderr.read().decode(errors="replace") if process.poll() is not None else ""
            return f"{host} printed {line!r} instead of a port (exit {process.poll()}): {stderr}"
        return None
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def yaml_cli(pulumi_cli: Path) -> Path:
    """The Pulumi CLI, once the YAML language host and the plugin are known to be there."""
    cli = pulumi_cli
    host = find_yaml_host()
    if host is None:
        skip_unless_required(
            "no YAML language host: run `make pulumi-cli` (needs Go) to build .tools/bin/pulumi-language-yaml"
        )
    failure = host_start_failure(host)
    if failure is not None:
        skip_unless_required(f"the YAML language host does not start: {failure}")
    if not (PLUGIN_DIR / PLUGIN).exists():
        pytest.fail(f"{PLUGIN} is not in {PLUGIN_DIR}: reinstall the package (`pip install -e .`)")
    return cli


class YamlProject(PulumiProject):
    def resources(self, type_: str | None = None) -> dict[str, dict[str, Any]]:
        """Resources in state by name, all of them or those of one type."""
        resources = self.export()["deployment"].get("resources") or []
        return {r["urn"].rsplit("::", 1)[-1]: r for r in resources if type_ is None or r["type"] == type_}

    def image_versions(self) -> dict[str, dict[str, Any]]:
        return self.resources(PLUGIN_RESOURCE_TYPE)


def path_without_plugin() -> list[str]:
    """PATH's directories minus the one holding the plugin, so the engine cannot find it there."""
    plugin_dir = PLUGIN_DIR.resolve()
    return [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d).resolve() != plugin_dir]


@pytest.fixture
def make_yaml_project(yaml_cli: Path, tmp_path: Path, emulator: SageMakerImageEmulator) -> Iterator[Any]:
    """A YAML project with a fresh `dev` stack whose provider config points at the emulator.

    `discovery` is how the engine finds the plugin: "path" (its directory on PATH, an ambient
    plugin), "plugins" (`plugins: providers:` in Pulumi.yaml), "packages" (`packages:` in
    Pulumi.yaml) or "none" (nowhere).
    """
    projects: list[YamlProject] = []

    def make(
        body: str = "",
        *,
        example: str | None = None,
        discovery: str = "path",
        endpoint_config: bool = True,
    ) -> YamlProject:
        directory = tmp_path / f"project-{len(projects)}"
        if example is not None:
            shutil.copytree(EXAMPLES / example, directory)
        else:
            directory.mkdir()
            header = "name: yaml-e2e\nruntime: yaml\n"
            if discovery == "plugins":
                header += f"plugins:\n  providers:\n    - name: sagemaker-image\n      path: {PLUGIN_DIR}\n"
            elif discovery == "packages":
                header += f"packages:\n  sagemaker-image: {PLUGIN_DIR}\n"
            (directory / "Pulumi.yaml").write_text(header + body, encoding="utf-8")
        path = path_without_plugin()
        if discovery == "path":
            path.insert(0, str(PLUGIN_DIR))
        # The plugin's folder comes first or not at all: the engine must find it only as `discovery` says.
        env = engine_env(yaml_cli, tmp_path / f"state-{len(projects)}", tmp_path / f"pulumi-home-{len(projects)}")
        env["PATH"] = os.pathsep.join([str(yaml_cli.parent), *path])
        config = {"sagemaker-image:endpointUrl": emulator.endpoint_url} if endpoint_config else {}
        project = YamlProject.start(yaml_cli, directory, env, **config)
        projects.append(project)
        return project

    yield make
    print_logs(projects)


# When a resource fails, the engine ends the program's run and Pulumi's v3.259.0 Python host interrupts
# the program (SIGINT); its exec shim then prints the KeyboardInterrupt traceback of the wait it was in.
# That is the host's behaviour with any Python program whose resource fails (checked with a bare
# pulumi.dynamic resource), not a traceback of this package.
_HOST_INTERRUPT = re.compile(r"Traceback \(most recent call last\):(?:(?!Traceback).)*?KeyboardInterrupt", re.S)


def assert_no_traceback_of_ours(text: str) -> None:
    """No traceback reaches the user but the host's interrupt of the program, and none from this package."""
    assert re.search(r'File "[^"]*pulumi_sagemaker_image', text) is None, text
    assert "Traceback" not in _HOST_INTERRUPT.sub("", text), text
