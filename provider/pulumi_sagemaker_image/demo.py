"""``pulumi-sagemaker-image demo``: the main job end to end, on sample data, with no AWS account.

With a Pulumi CLI it runs the real workflow: the emulator serves the sample images; a throwaway
project of the ``pin-image`` example gets a stack on a local file backend in a temp directory;
``pulumi up`` resolves ``demo-pytorch@stable`` and hands the image to a dependent; the alias moves;
``pulumi preview --expect-no-changes --diff`` fails with the engine's own diff; ``drift`` checks the
exported state; everything is removed. The CLI is ``pulumi`` on PATH or, in a source checkout,
``.tools/bin/pulumi``, which the demo builds first (``tools/pulumi/build.sh``) when Go is there.

Without a Pulumi CLI it walks through the same lookups with the library alone, and says how to get
the real thing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pulumi_sagemaker_image.lookup import get_image_version
from pulumi_sagemaker_image.models import ImageVersionInfo

if TYPE_CHECKING:
    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

SAMPLE_IMAGE = "demo-pytorch"
SAMPLE_ALIAS = "stable"
EXAMPLE = "pin-image"
STACK = "dev"
#: One Pulumi command may take this long before the demo gives up on it.
PULUMI_TIMEOUT = 240.0
#: How often a running build reports that it is still going.
BUILD_PROGRESS_EVERY = 30.0


class DemoError(Exception):
    """A step of the demo failed; the message says which and shows the tool's own words."""


def sample_seed_path() -> str:
    """The sample images the demo (and the ``emulator`` command) load into the emulator."""
    from pulumi_sagemaker_image.testing import sample_seed_path as path

    return str(path())


# -- finding (or building) the Pulumi CLI ---------------------------------------------------------


def checkout_root() -> Path | None:
    """The source checkout this package runs from (``make venv`` installs it editable), if any."""
    root = Path(__file__).resolve().parents[2]
    if (root / "tools" / "pulumi" / "build.sh").is_file() and (root / "examples" / EXAMPLE).is_dir():
        return root
    return None


def find_go() -> str | None:
    # Where tools/pulumi/build.sh looks too.
    found = shutil.which("go")
    if found is None and os.access("/usr/local/go/bin/go", os.X_OK):
        found = "/usr/local/go/bin/go"
    return found


def find_pulumi(root: Path | None) -> Path | None:
    """``pulumi`` on PATH, else the checkout's ``make pulumi-cli`` build (the e2e tests look the same way)."""
    on_path = shutil.which("pulumi")
    if on_path:
        return Path(on_path)
    if root is not None:
        built = root / ".tools" / "bin" / "pulumi"
        if os.access(built, os.X_OK):
            return built
    return None


def build_pulumi(root: Path, out: TextIO) -> Path | None:
    """Run ``tools/pulumi/build.sh``, reporting its steps and, every so often, that it is still going."""
    out.write(
        "Building the Pulumi CLI from source into .tools/bin (first time only: several minutes, "
        "then `make demo` takes seconds).\n"
    )
    out.flush()
    started = time.monotonic()
    process = subprocess.Popen(
        ["bash", str(root / "tools" / "pulumi" / "build.sh")],
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    done = threading.Event()

    def tick() -> None:
        while not done.wait(BUILD_PROGRESS_EVERY):
            minutes, seconds = divmod(int(time.monotonic() - started), 60)
            out.write(f"  … still building ({minutes}m{seconds:02d}s)\n")
            out.flush()

    ticker = threading.Thread(target=tick, name="demo-build-progress", daemon=True)
    ticker.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.strip():
                out.write(f"  {line.strip()}\n")
                out.flush()
        code = process.wait()
    finally:
        done.set()
        ticker.join()
        if process.poll() is None:  # interrupted: do not leave the build behind
            process.terminate()
            process.wait()
    built = root / ".tools" / "bin" / "pulumi"
    if code != 0 or not os.access(built, os.X_OK):
        out.write(f"The build failed (exit {code}); see its last lines above.\n\n")
        return None
    out.write("\n")
    return built


# -- the real workflow ----------------------------------------------------------------------------


@dataclass
class _Project:
    """A Pulumi project dir whose commands run with an environment of their own."""

    pulumi: Path
    directory: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [str(self.pulumi), *args, "--non-interactive"],
                cwd=self.directory,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=PULUMI_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DemoError(f"`pulumi {' '.join(args)}` did not finish in {PULUMI_TIMEOUT:.0f} s") from None

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.run(*args)
        if result.returncode != 0:
            raise DemoError(
                f"`pulumi {' '.join(args)}` failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result


def _environment(pulumi: Path, scratch: Path) -> dict[str, str]:
    """The user's environment without AWS or Pulumi settings, pointed at the scratch directory."""
    from pulumi_sagemaker_image.testing import (
        AWS_ENVIRONMENT_VARIABLES,
        DUMMY_ACCESS_KEY_ID,
        DUMMY_SECRET_ACCESS_KEY,
    )

    env = {
        name: value
        for name, value in os.environ.items()
        if name not in AWS_ENVIRONMENT_VARIABLES and not name.startswith("PULUMI_")
    }
    env.update(
        {
            # The engine finds its language host and the dynamic-provider plugin next to itself.
            "PATH": f"{pulumi.parent}{os.pathsep}{env.get('PATH', '')}",
            "PULUMI_BACKEND_URL": f"file://{scratch / 'state'}",
            "PULUMI_HOME": str(scratch / "pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": "demo",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "NO_COLOR": "1",
            # The emulator takes any signed request; nothing may come from a real AWS profile.
            "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
            "AWS_CONFIG_FILE": str(scratch / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    if sys.prefix == sys.base_prefix:  # no virtualenv: the program runs on this very interpreter
        env["PULUMI_PYTHON_CMD"] = sys.executable
    return env


def _write_project(source: Path, directory: Path) -> None:
    shutil.copytree(source, directory, ignore=shutil.ignore_patterns("venv", "__pycache__", "Pulumi.*.yaml"))
    runtime = "runtime: python\n"
    if sys.prefix != sys.base_prefix:
        # The program runs in the virtualenv this package is installed in, not in a new `venv`.
        runtime = f"runtime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    (directory / "Pulumi.yaml").write_text(f"name: {EXAMPLE}\n{runtime}", encoding="utf-8")


class _Story:
    """The demo's output: numbered steps, the commands as a user would type them, trimmed output."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.step = 0

    def say(self, text: str = "") -> None:
        self.out.write(f"{text}\n")
        self.out.flush()

    def begin(self, text: str) -> None:
        self.step += 1
        self.say(f"\n{self.step}. {text}")

    def command(self, text: str) -> None:
        self.say(f"   $ {text}")

    def show(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.say(f"     {line}" if line else "")

    def exit_code(self, code: int, meaning: str) -> None:
        self.say(f"     [exit {code}] {meaning}")


def _engine_lines(text: str, keep: re.Pattern[str]) -> list[str]:
    """The lines of engine output that carry the story, verbatim; "…" marks what was left out.

    The stack outputs' diff repeats the resources' one, so that section is left out whole.
    """
    shown: list[str] = []
    in_outputs = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in ("Outputs:", "--outputs:--", "Resources:"):
            in_outputs = stripped != "Resources:"
        if stripped and not in_outputs and keep.search(stripped):
            shown.append(line.rstrip())
        elif stripped and shown and shown[-1] != "…":
            shown.append("…")
    while shown and shown[-1] == "…":
        shown.pop()
    return shown


#: `pulumi up`: what was created, and the summary.
_UP_LINES = re.compile(r"^\+ .* created \(|^Resources:|^\+ \d+ created|^Duration:")
#: `pulumi preview --diff`: each changing resource with the properties a reader cares about, the
#: summary and the engine's verdict.
_PREVIEW_LINES = re.compile(
    r"^~ pulumi-python:.*\(update\)|^\[id=|^~ (containerImage|version|image)\s*:|^Resources:|^~ \d+ to update"
    r"|^error:"
)


def _short_image(uri: str) -> str:
    repository, _, digest = uri.partition("@")
    return f"{repository.rsplit('/', 1)[-1]}@{digest[:19]}…" if digest else uri


def run_pulumi_demo(out: TextIO, pulumi: Path, example: Path) -> None:
    import json

    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

    started = time.monotonic()
    story = _Story(out)
    with SageMakerImageEmulator(sample_seed_path()) as emulator, _scratch() as scratch:
        stable = _describe(emulator, Alias=SAMPLE_ALIAS)
        latest = _describe(emulator)
        story.say(
            f"The SageMaker image emulator serves the sample images at {emulator.endpoint_url}:\n"
            f"{SAMPLE_IMAGE} has versions 1-{latest['Version']}; its alias {SAMPLE_ALIAS!r} is on version "
            f"{stable['Version']}. Nothing here touches AWS."
        )
        story.say(f"Pulumi CLI: {pulumi}")

        (scratch / "state").mkdir()
        project = _Project(pulumi, scratch / EXAMPLE, _environment(pulumi, scratch))
        _write_project(example, project.directory)
        story.begin(
            f"A throwaway copy of examples/{EXAMPLE}: an ImageVersion follows {SAMPLE_IMAGE}@{SAMPLE_ALIAS}, "
            "a dependent `model` runs its container image."
        )
        story.say(f"   Project and state (local file backend) live in {scratch} until the end.")
        story.command(f"pulumi stack init {STACK}")
        project.check("stack", "init", STACK)
        story.command(f"pulumi config set aws:region {emulator.region}")
        project.check("config", "set", "aws:region", emulator.region)
        story.command(f"pulumi config set endpointUrl {emulator.endpoint_url}")
        project.check("config", "set", "endpointUrl", emulator.endpoint_url)

        story.begin("`pulumi up` resolves the alias and hands the image to the dependent.")
        story.command("pulumi up --yes --skip-preview")
        up = project.check("up", "--yes", "--skip-preview", "--suppress-outputs")
        story.show(_engine_lines(up.stdout, _UP_LINES))
        story.command("pulumi stack output")
        outputs = json.loads(project.check("stack", "output", "--json").stdout)
        story.show(
            [
                f"version        {outputs['version']}",
                f"containerImage {_short_image(outputs['containerImage'])}",
                f"deployedImage  {_short_image(outputs['deployedImage'])}   <- the dependent got it",
            ]
        )

        target = int(latest["Version"])
        story.begin(
            f"A release moves alias {SAMPLE_ALIAS!r} from version {stable['Version']} to {target}, "
            "with UpdateImageVersion as `aws sagemaker update-image-version` would."
        )
        client = emulator.client()
        client.update_image_version(ImageName=SAMPLE_IMAGE, Version=stable["Version"], AliasesToDelete=[SAMPLE_ALIAS])
        client.update_image_version(ImageName=SAMPLE_IMAGE, Version=target, AliasesToAdd=[SAMPLE_ALIAS])

        story.begin("CI's check: the engine re-resolves the alias and refuses the change it finds.")
        story.command("pulumi preview --expect-no-changes --diff")
        preview = project.run("preview", "--expect-no-changes", "--diff")
        story.show(_engine_lines(preview.stdout + preview.stderr, _PREVIEW_LINES))
        story.exit_code(preview.returncode, "non-zero: the pipeline stops before another image is deployed")

        story.begin("The same check without running the program: `drift` re-resolves what the exported state holds.")
        story.command("pulumi stack export --file state.json")
        project.check("stack", "export", "--file", "state.json")
        story.command(f"pulumi-sagemaker-image drift state.json --region {emulator.region}")
        drift = subprocess.run(
            [sys.executable, "-m", "pulumi_sagemaker_image", "drift", "state.json", "--region", emulator.region],
            cwd=project.directory,
            env=project.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PULUMI_TIMEOUT,
            check=False,
        )
        story.show(drift.stdout.splitlines() + drift.stderr.splitlines())
        story.exit_code(drift.returncode, "1: drift found")
        elapsed = time.monotonic() - started
    story.say(
        f"\nDone in {elapsed:.0f} s; the project, the stack and its state, and the emulator are gone.\n"
        f"Run the program yourself: examples/{EXAMPLE}/README.md. Against AWS: README.md."
    )


@contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pulumi-sagemaker-image-demo-") as name:
        yield Path(name)


def _describe(emulator: SageMakerImageEmulator, **params: Any) -> dict[str, Any]:
    return dict(emulator.client().describe_image_version(ImageName=SAMPLE_IMAGE, **params))


# -- the library on its own -----------------------------------------------------------------------


def _line(out: TextIO, label: str, info: ImageVersionInfo) -> None:
    aliases = ", ".join(info.aliases) or "-"
    out.write(f"  {label:<28} version {info.version}  {info.container_image}  (aliases: {aliases})\n")


def run_library_demo(out: TextIO) -> None:
    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

    # The emulator accepts any signed request; these keep botocore from searching for real credentials.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "demo")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "demo")
    with SageMakerImageEmulator(sample_seed_path()) as emulator:

        def lookup(version: int | None = None, alias: str | None = None) -> ImageVersionInfo:
            return get_image_version(
                SAMPLE_IMAGE, version, alias, region=emulator.region, endpoint_url=emulator.endpoint_url
            )

        out.write(f"Emulator with sample images at {emulator.endpoint_url}\n\n")
        out.write(f"Resolving image {SAMPLE_IMAGE!r} with get_image_version:\n")
        latest = lookup()
        _line(out, "latest", latest)
        _line(out, "version 2", lookup(version=2))
        before = lookup(alias=SAMPLE_ALIAS)
        _line(out, f"alias {SAMPLE_ALIAS!r}", before)

        target = latest.version if latest.version != before.version else before.version - 1
        out.write(f"\nMoving alias {SAMPLE_ALIAS!r} from version {before.version} to version {target}…\n")
        emulator.move_alias(SAMPLE_IMAGE, SAMPLE_ALIAS, target)
        after = lookup(alias=SAMPLE_ALIAS)
        _line(out, f"alias {SAMPLE_ALIAS!r} now", after)
        out.write(
            "\nAn ImageVersion following this alias would now show in `pulumi preview`:\n"
            f"  ~ version:        {before.version} => {after.version}\n"
            f"  ~ containerImage: {before.container_image} => {after.container_image}\n"
        )
        out.write(f"\n{emulator.request_count()} SageMaker API requests served.\n")


# -- the command ----------------------------------------------------------------------------------


def run_demo(out: TextIO, *, library: bool = False, pulumi: Path | None = None) -> None:
    """The real workflow when a Pulumi CLI is (or can be made) available, else the library demo."""
    if library:
        run_library_demo(out)
        return
    root = checkout_root()
    if pulumi is not None and not (pulumi.is_file() and os.access(pulumi, os.X_OK)):
        raise DemoError(f"--pulumi {pulumi}: not an executable file; give the path of a Pulumi CLI")
    if pulumi is None:
        pulumi = find_pulumi(root)
    if pulumi is None and root is not None and find_go() is not None:
        pulumi = build_pulumi(root, out)
    if pulumi is not None and root is not None:
        run_pulumi_demo(out, pulumi, root / "examples" / EXAMPLE)
        return
    run_library_demo(out)
    out.write(f"\n{_how_to_get_the_real_demo(root, pulumi)}\n")


def _how_to_get_the_real_demo(root: Path | None, pulumi: Path | None) -> str:
    shown = "This showed the library alone, without Pulumi."
    if root is None:
        return (
            f"{shown} The real workflow (pulumi up, a failing `pulumi preview --expect-no-changes`, drift) runs "
            f"the {EXAMPLE} example of a source checkout: clone pulumi-sagemaker-image and run `make demo` there."
        )
    if pulumi is None and find_go() is not None:
        return f"{shown} Building the Pulumi CLI failed; `make pulumi-cli` shows why, then run `make demo` again."
    return (
        f"{shown} For the real workflow (pulumi up, a failing `pulumi preview --expect-no-changes`, drift), "
        "install Go >= 1.25 (https://go.dev/dl/) and run `make demo` again: it builds the Pulumi CLI into "
        ".tools/bin once. Or put a `pulumi` CLI on PATH."
    )
