"""Build every release artifact into dist/, with one version (pyproject.toml's) everywhere.

    .venv/bin/python tools/dist.py [--plugin-download-url URL] [--out DIR]    # or: make dist

dist/ then holds:

- the wheel and the sdist (``python -m build``: the wheel is built from the unpacked sdist);
- ``pulumi-resource-sagemaker-image-v<version>-<os>-<arch>.tar.gz`` for each of PLATFORMS: the plugin in
  source form, as the engine installs a Python plugin (``PulumiPlugin.yaml`` with ``runtime: python``,
  ``requirements.txt``, ``__main__.py``), with this release's wheel inside and ``requirements.txt``
  naming that file, so the language host's pip installs this release's code and takes only its
  dependencies from the package index;
- the npm package as ``npm pack`` writes it: compiled JavaScript and ``.d.ts`` (nothing compiles at
  install time), with the ``pulumi`` block naming the plugin, its version and its server;
- ``SHA256SUMS`` of all of them.

The build works in a scratch copy of the checkout (the files git tracks or would add), so the checkout
is never written: ``schema.json`` and the TypeScript SDK are regenerated there with the download URL.
The archives are reproducible: sorted entries, fixed owner and timestamps, gzip without a timestamp.
Needs the Pulumi CLI's SDK generator (`make pulumi-cli`) and the npm cache of `make sdk-deps`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
PLUGIN: Final = "pulumi-resource-sagemaker-image"
PLATFORMS: Final = ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64", "windows-amd64")
GEN_SDK: Final = ROOT / ".tools" / "bin" / "pulumi-gen-sdk"
NPM_CACHE: Final = ROOT / ".tools" / "npm-cache"
# The example whose lockfile `make sdk-deps` caches: its packages compile the SDK here.
TS_EXAMPLE: Final = "examples/typescript-pin-image"
# Every file in the archives gets this time (2020-01-01), so equal content gives equal bytes.
EPOCH: Final = 1577836800

PLUGIN_YAML: Final = """\
# A Pulumi plugin in source form: the engine asks the Python language host to create `venv` here and
# pip-install requirements.txt into it, then runs __main__.py with it.
runtime:
  name: python
  options:
    virtualenv: venv
"""
PLUGIN_MAIN: Final = """\
# The sagemaker-image resource provider plugin; its first line of output is the port it serves on.
from pulumi_sagemaker_image.plugin import main

main()
"""


class DistError(Exception):
    """A build step failed; the message says which and what to do."""


def project_version(root: Path = ROOT) -> str:
    """The one version of a release: [project] version in pyproject.toml (tomllib is 3.11+; 3.10 is supported)."""
    found = re.search(r'(?m)^version = "(.+)"$', (root / "pyproject.toml").read_text(encoding="utf-8"))
    if found is None:
        raise DistError('pyproject.toml has no `version = "..."` line under [project]')
    return found[1]


def archive_name(version: str, platform: str) -> str:
    """The name the engine downloads: ``<server>/pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz``."""
    return f"{PLUGIN}-v{version}-{platform}.tar.gz"


def _run(*args: str | Path, cwd: Path, what: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    if result.returncode != 0:
        raise DistError(f"{what} failed ({' '.join(map(str, args))}):\n{result.stdout}{result.stderr}")
    return result.stdout


def _copy_checkout(target: Path) -> None:
    """What setuptools would see in a clean clone: tracked files and new files not yet ignored."""
    listed = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT, what="git ls-files")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _write_schema(source: Path, url: str) -> None:
    from pulumi_sagemaker_image.schema import render_schema

    text = render_schema(url)
    # The repository's copy (the SDK generator's input) and the package's (what GetSchema serves).
    for path in (source / "schema.json", source / "provider" / "pulumi_sagemaker_image" / "schema.json"):
        path.write_text(text, encoding="utf-8")


def _python_dists(source: Path, out: Path) -> Path:
    # The wheel's entries get this time too, so the plugin archives holding it stay reproducible.
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    _run(
        sys.executable,
        "-m",
        "build",
        "--no-isolation",
        "--outdir",
        out,
        source,
        cwd=source,
        what="python -m build",
        env=env,
    )
    (wheel,) = out.glob("pulumi_sagemaker_image-*-py3-none-any.whl")
    return wheel


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, EPOCH
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def _targz(path: Path, files: dict[str, bytes]) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            _add(tar, name, files[name])
    with path.open("wb") as handle, gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0) as gz:
        gz.write(raw.getvalue())


def plugin_files(version: str, wheel: Path, license_text: bytes) -> dict[str, bytes]:
    """The plugin folder: the same on every platform, since pip resolves the dependencies where it installs."""
    return {
        "PulumiPlugin.yaml": PLUGIN_YAML.encode(),
        # The wheel by its path: the host runs pip in the plugin folder, so this release's own code is what
        # gets installed (the file name carries the version), and only the dependencies come from the index.
        "requirements.txt": f"./{wheel.name}\n".encode(),
        "__main__.py": PLUGIN_MAIN.encode(),
        wheel.name: wheel.read_bytes(),
        "LICENSE": license_text,
    }


def _npm_package(source: Path, out: Path, version: str) -> Path:
    if not GEN_SDK.exists():
        raise DistError(f"{GEN_SDK} is missing: run `make pulumi-cli` (builds the SDK generator)")
    if not NPM_CACHE.is_dir():
        raise DistError(f"no npm cache at {NPM_CACHE}: run `make sdk-deps` (fetches the SDK's npm packages)")
    sdk = source / "sdk" / "nodejs"
    shutil.rmtree(sdk)
    _run(GEN_SDK, "-language", "nodejs", source / "schema.json", sdk, cwd=source, what="pulumi-gen-sdk")
    # The compiler and the SDK's dependencies, exactly as the example's lockfile pins them, from the cache.
    example = source / TS_EXAMPLE
    _run(
        "npm", "ci", "--offline", "--ignore-scripts", "--cache", NPM_CACHE, "--no-audit", "--no-fund",
        cwd=example, what=f"npm ci in {TS_EXAMPLE} (offline; `make sdk-deps` fills the cache)",
    )  # fmt: skip
    (sdk / "node_modules").symlink_to(example / "node_modules", target_is_directory=True)
    _run(example / "node_modules" / ".bin" / "tsc", "--types", "node", cwd=sdk, what="tsc (compiling the SDK)")
    (sdk / "node_modules").unlink()

    manifest = json.loads((sdk / "package.json").read_text(encoding="utf-8"))
    if manifest["version"] != version or manifest["pulumi"]["version"] != version:
        raise DistError(f"the generated package.json says {manifest['version']}, pyproject.toml {version}")
    # Compiled already: no install script, and no compiler or @types among what users install.
    manifest["scripts"].pop("postinstall", None)
    for build_only in ("typescript", "@types/node"):
        manifest["dependencies"].pop(build_only, None)
    manifest["types"] = "bin/index.d.ts"
    manifest["files"] = ["bin/", "README.md", "LICENSE"]
    text = json.dumps(manifest, indent=4) + "\n"
    (sdk / "package.json").write_text(text, encoding="utf-8")
    # utilities.getVersion() reads the package.json next to the compiled code.
    (sdk / "bin" / "package.json").write_text(text, encoding="utf-8")
    shutil.copy2(source / "LICENSE", sdk / "LICENSE")
    shutil.rmtree(sdk / "scripts", ignore_errors=True)
    packed = _run("npm", "pack", "--json", "--pack-destination", out, cwd=sdk, what="npm pack")
    return out / str(json.loads(packed)[0]["filename"])


def _checksums(out: Path) -> None:
    lines = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n"
        for path in sorted(out.iterdir())
        if path.is_file() and path.name != "SHA256SUMS"
    ]
    (out / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")


def build(out: Path, plugin_download_url: str) -> list[Path]:
    """Write every artifact into ``out`` (emptied first); return them."""
    version = project_version()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="dist-") as scratch:
        source = Path(scratch) / "source"
        _copy_checkout(source)
        _write_schema(source, plugin_download_url)
        wheel = _python_dists(source, out)
        files = plugin_files(version, wheel, (source / "LICENSE").read_bytes())
        for platform in PLATFORMS:
            _targz(out / archive_name(version, platform), files)
        _npm_package(source, out, version)
    _checksums(out)
    return sorted(out.iterdir())


def main(argv: list[str]) -> int:
    from pulumi_sagemaker_image.schema import DEFAULT_PLUGIN_DOWNLOAD_URL

    parser = argparse.ArgumentParser(prog="tools/dist.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--plugin-download-url",
        default=os.environ.get("PLUGIN_DOWNLOAD_URL") or DEFAULT_PLUGIN_DOWNLOAD_URL,
        help="the pluginDownloadURL the schema and the SDKs carry (default: $PLUGIN_DOWNLOAD_URL, else %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where to write (default: dist/)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        artifacts = build(args.out, args.plugin_download_url)
    except DistError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in artifacts:
        print(f"{path.stat().st_size:>12,}  {path}")
    print(f"==> dist built in {time.monotonic() - start:.0f}s for {args.plugin_download_url}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
