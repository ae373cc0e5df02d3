"""The release installed as users install it: from dist/ on a plugin server, into a fresh PULUMI_HOME.

`tools/dist.py` (`make dist`) builds the release for a loopback server (the `release` fixture), and
each scenario starts from a fresh PULUMI_HOME with nothing of this checkout on PATH but the CLI and
its language hosts. The engine installs the plugin from the server itself: the archive's
`PulumiPlugin.yaml` makes the Python language host create a virtualenv inside the plugin's folder and
pip-install the bundled wheel, with the dependencies from the package index (here the wheelhouse,
offline).

- YAML: `pulumi plugin install resource sagemaker-image VERSION --server URL`, then a program without a
  `plugins:` section through preview, up, a moved alias, import and destroy; `plugin ls` and `rm`.
- TypeScript: the npm package from dist/ with a plain `npm install`; the engine acquires the plugin on
  the first preview from the URL in the package; a strict program compiles.
- Failures: a corrupted archive, a wrong checksum and an unreachable server fail with the engine's
  error and leave no plugin behind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import NPM_CACHE, TOOLS_BIN, PulumiProject, Release, find_pulumi, user_env

# The first install alone takes minutes on a busy 2-core machine (pip building the plugin's virtualenv).
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

IMAGE = "demo-pytorch"
PACKAGE = "sagemaker-image"
RESOURCE_TYPE = "sagemaker-image:index:ImageVersion"
TS_EXAMPLE_LOCK = REPO_ROOT / "examples" / "typescript-pin-image" / "package-lock.json"

YAML_PROGRAM = f"""\
name: installed
runtime: yaml
variables:
  looked:
    fn::invoke:
      function: sagemaker-image:index:getImageVersion
      arguments:
        imageName: {IMAGE}
        alias: stable
resources:
  pinned:
    type: {RESOURCE_TYPE}
    properties:
      imageName: {IMAGE}
      alias: stable
outputs:
  containerImage: ${{looked.containerImage}}
  pinnedImage: ${{pinned.containerImage}}
"""

# A strict program as `pulumi new typescript` writes one: containerImage goes where a
# pulumi.Input<string> is expected (aws.sagemaker.Model's image), without a cast.
TS_PROGRAM = f"""\
import * as pulumi from "@pulumi/pulumi";
import * as sm from "pulumi-sagemaker-image";

// The shape of aws.sagemaker.Model's container argument: the image is a pulumi.Input<string>.
interface ContainerArgs {{
    image: pulumi.Input<string>;
}}
function container(args: ContainerArgs): pulumi.Output<string> {{
    return pulumi.output(args.image);
}}

const looked = sm.getImageVersionOutput({{ imageName: "{IMAGE}", alias: "stable" }});
export const image: pulumi.Output<string> = looked.containerImage;
const pinned = new sm.ImageVersion("pinned", {{ imageName: "{IMAGE}", alias: "stable" }});
export const deployed = container({{ image: pinned.containerImage }});
export const version: pulumi.Output<number> = pinned.version;
export const created: pulumi.Output<string> = looked.creationTime;
"""
# What the types still say may be absent must not pass for a string: strict mode is really on.
TS_MISUSE = """\
import * as pulumi from "@pulumi/pulumi";
import * as sm from "pulumi-sagemaker-image";

const looked = sm.getImageVersionOutput({ imageName: "x" });
export const reason: pulumi.Output<string> = looked.failureReason;
"""
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "outDir": "bin",
        "target": "es2020",
        "module": "commonjs",
        "moduleResolution": "node",
        "noEmit": True,
        "skipLibCheck": False,
    },
    "files": ["index.ts"],
}


@pytest.fixture(scope="module")
def cli() -> Path:
    found = find_pulumi()
    if found is None:
        skip_unless_required("no Pulumi CLI: run `make pulumi-cli` (needs Go)")
    for host in ("pulumi-language-python", "pulumi-language-yaml", "pulumi-language-nodejs"):
        if not (TOOLS_BIN / host).exists():
            skip_unless_required(f"no {host} in .tools/bin: run `make pulumi-cli`")
    return found


def shell(cli: Path, env: dict[str, str], cwd: Path) -> PulumiProject:
    """The CLI in a user's shell, for commands outside a project (`pulumi plugin ...`)."""
    return PulumiProject(cli, cwd, env)


def installed(user: PulumiProject) -> list[tuple[str, str, str]]:
    listed = json.loads(user.run("plugin", "ls", "--json").stdout or "[]")
    return [(p["kind"], p["name"], p["version"]) for p in listed or [] if p["name"] == PACKAGE]


def plugin_folder(home: Path, version: str) -> Path:
    return home / "plugins" / f"resource-{PACKAGE}-v{version}"


def folder_megabytes(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink()) / 1e6


def test_yaml_program_through_a_plugin_installed_from_the_server(
    cli: Path, release: Release, tmp_path: Path, emulator: SageMakerImageEmulator
) -> None:
    home = tmp_path / "home"
    state = tmp_path / "state"
    state.mkdir()
    env = user_env(home, state)
    user = shell(cli, env, tmp_path)

    start = time.monotonic()
    user.run("plugin", "install", "resource", PACKAGE, release.version, "--server", release.url, timeout=600)
    seconds = time.monotonic() - start
    folder = plugin_folder(home, release.version)
    print(f"\nfirst install: {seconds:.1f} s, {folder_megabytes(folder):.0f} MB in {folder.name}")
    assert installed(user) == [("resource", PACKAGE, release.version)]
    # Pinned to this release's code: the bundled wheel is what the plugin's virtualenv runs.
    (site,) = (folder / "venv" / "lib").glob("python3.*/site-packages")
    assert (site / f"pulumi_sagemaker_image-{release.version}.dist-info").is_dir()

    # Installing twice is a no-op: the folder (with a marker left in it) stays as it was.
    marker = folder / "installed-once"
    marker.touch()
    user.run("plugin", "install", "resource", PACKAGE, release.version, "--server", release.url, timeout=600)
    assert marker.exists()

    project = PulumiProject(cli, tmp_path / "project", {**env, "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true"})
    project.directory.mkdir()
    (project.directory / "Pulumi.yaml").write_text(YAML_PROGRAM, encoding="utf-8")
    project.run("stack", "init", "dev")
    project.config(**{"sagemaker-image:endpointUrl": emulator.endpoint_url, "sagemaker-image:region": emulator.region})
    stable = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")

    assert stable["ContainerImage"] in project.run("preview", "--diff").stdout
    project.up()
    assert project.outputs() == {"containerImage": stable["ContainerImage"], "pinnedImage": stable["ContainerImage"]}
    emulator.move_alias(IMAGE, "stable", 4)
    moved = project.run("preview", "--expect-no-changes", check=False)
    assert moved.returncode != 0, moved.stdout

    # Import by ID, through the installed plugin.
    imported = project.run("import", RESOURCE_TYPE, "imported", f"{IMAGE}:2", "--yes", "--protect=false")
    assert "imported" in imported.stdout
    project.run("destroy", "--yes", "--skip-preview")

    user.run("plugin", "rm", "resource", PACKAGE, release.version, "--yes")
    assert installed(user) == []
    assert not folder.exists()


def broken_install(cli: Path, tmp_path: Path, name: str, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`pulumi plugin install` in a fresh PULUMI_HOME, expected to fail: no plugin may be left that runs."""
    home = tmp_path / name
    state = tmp_path / f"{name}-state"
    state.mkdir()
    user = shell(cli, user_env(home, state), tmp_path)
    result = user.run("plugin", "install", "resource", PACKAGE, *args, check=False)
    assert result.returncode != 0, result.stdout
    assert installed(user) == []
    leftovers = [
        p for p in (home / "plugins").glob(f"resource-{PACKAGE}-*") if not p.name.endswith((".partial", ".lock"))
    ]
    partial = [p for p in leftovers if p.with_name(p.name + ".partial").exists()]
    assert leftovers == partial, f"a half-installed plugin that would run: {leftovers}"
    return result, home


def test_a_broken_download_fails_with_the_engine_error_and_installs_nothing(
    cli: Path, release: Release, tmp_path: Path
) -> None:
    version = release.version
    archive = f"pulumi-resource-{PACKAGE}-v{version}-linux-amd64.tar.gz"

    # A corrupted archive on the server.
    broken = release.directory / "corrupted"
    broken.mkdir(exist_ok=True)
    (broken / archive).write_bytes((release.directory / archive).read_bytes()[:2000])
    result, _ = broken_install(cli, tmp_path, "corrupted", version, "--server", f"{release.url}corrupted/")
    assert "error" in result.stderr.lower(), result.stderr

    # The right archive under a checksum it does not have.
    result, _ = broken_install(cli, tmp_path, "checksum", version, "--server", release.url, "--checksum", "0" * 64)
    assert "checksum" in result.stderr.lower(), result.stderr

    # Nothing listens on the server's port.
    result, _ = broken_install(cli, tmp_path, "unreachable", version, "--server", "http://127.0.0.1:9/")
    assert "127.0.0.1:9" in result.stderr, result.stderr


def write_locked_project(directory: Path, package: Path, version: str) -> None:
    """package.json and package-lock.json of a user's project depending on the packed npm package.

    The other packages are exactly those of examples/typescript-pin-image's lockfile, which `make
    sdk-deps` put in the npm cache; so `npm ci --offline` installs without the registry.
    """
    lock = json.loads(TS_EXAMPLE_LOCK.read_text(encoding="utf-8"))
    example = json.loads(TS_EXAMPLE_LOCK.with_name("package.json").read_text(encoding="utf-8"))
    resolved = f"file:{package}"
    manifest = {
        "name": "installed-ts",
        "private": True,
        "main": "index.ts",
        "dependencies": {**example["dependencies"], "pulumi-sagemaker-image": resolved},
        "devDependencies": example["devDependencies"],
    }
    packed = json.loads(
        subprocess.run(
            ["tar", "-xzOf", str(package), "package/package.json"], capture_output=True, text=True, check=True
        ).stdout
    )
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(package.read_bytes()).digest()).decode()
    lock["name"] = manifest["name"]
    lock["packages"][""] = {key: manifest[key] for key in ("name", "dependencies", "devDependencies")}
    lock["packages"]["node_modules/pulumi-sagemaker-image"] = {
        "version": version,
        "resolved": resolved,
        "integrity": integrity,
        "license": packed["license"],
        "dependencies": packed["dependencies"],
    }
    (directory / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (directory / "package-lock.json").write_text(json.dumps(lock, indent=2), encoding="utf-8")


def test_typescript_program_with_the_npm_package_acquires_the_plugin_itself(
    cli: Path, release: Release, tmp_path: Path, emulator: SageMakerImageEmulator
) -> None:
    if shutil.which("npm") is None:
        skip_unless_required("npm not found: the TypeScript install test needs Node.js")
    project_dir = tmp_path / "ts"
    project_dir.mkdir()
    write_locked_project(project_dir, release.npm_package, release.version)
    (project_dir / "tsconfig.json").write_text(json.dumps(TSCONFIG, indent=2), encoding="utf-8")
    (project_dir / "index.ts").write_text(TS_PROGRAM, encoding="utf-8")
    (project_dir / "Pulumi.yaml").write_text("name: installed-ts\nruntime: nodejs\n", encoding="utf-8")
    # The packed file as npm installs it from a registry: no checkout, no --install-links, and scripts off,
    # so nothing can be compiled at install time.
    npm = subprocess.run(
        ["npm", "ci", "--offline", "--cache", str(NPM_CACHE), "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert npm.returncode == 0, npm.stdout + npm.stderr
    sdk = project_dir / "node_modules" / "pulumi-sagemaker-image"
    assert not sdk.is_symlink()
    assert (sdk / "bin" / "index.js").is_file()
    assert (sdk / "bin" / "index.d.ts").is_file()
    assert (sdk / "LICENSE").is_file()
    package = json.loads((sdk / "package.json").read_text(encoding="utf-8"))
    assert "postinstall" not in package.get("scripts", {})
    assert package["pulumi"] == {"resource": True, "name": PACKAGE, "version": release.version, "server": release.url}

    tsc = project_dir / "node_modules" / ".bin" / "tsc"
    compiled = subprocess.run(
        [str(tsc), "-p", "."], cwd=project_dir, capture_output=True, text=True, timeout=300, check=False
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (project_dir / "misuse.ts").write_text(TS_MISUSE, encoding="utf-8")
    misuse = subprocess.run(
        [str(tsc), "--noEmit", "--strict", "--module", "commonjs", "--target", "es2020", "misuse.ts"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "TS2322" in misuse.stdout, misuse.stdout + misuse.stderr
    (project_dir / "misuse.ts").unlink()

    home = tmp_path / "home"
    state = tmp_path / "state"
    state.mkdir()
    project = PulumiProject(cli, project_dir, user_env(home, state))
    project.run("stack", "init", "dev")
    project.config(**{"sagemaker-image:endpointUrl": emulator.endpoint_url, "sagemaker-image:region": emulator.region})
    stable = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")

    start = time.monotonic()
    preview = project.run("preview")  # the engine downloads and installs the plugin here
    print(f"\nfirst preview, with the automatic install: {time.monotonic() - start:.1f} s")
    assert RESOURCE_TYPE in preview.stdout
    assert plugin_folder(home, release.version).is_dir()
    project.up()
    outputs: dict[str, Any] = project.outputs()
    assert outputs["image"] == outputs["deployed"] == stable["ContainerImage"]
    assert outputs["version"] == stable["Version"]
    project.run("destroy", "--yes", "--skip-preview")
