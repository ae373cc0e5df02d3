"""`make compat`: test the Python and Pulumi versions pyproject.toml claims to support, and print the matrix.

Cells, run one after another, with the end-to-end cell beside them (the machine has 2 cores and CI a
90-minute budget):

* every Python from 3.10 to 3.13 that pyenv has (found by version, not by path): the suite without the
  end-to-end tests, first with the oldest `pulumi` wheel pyproject.toml allows, then with the newest the
  package index serves inside the declared range;
* the declared minimums of boto3 (with the botocore release it shipped with, since the lookup calls
  botocore) and pydantic, with the oldest `pulumi`, on the oldest Python;
* the end-to-end suite under the newer Pulumi CLI that tools/pulumi-newest/build.sh builds beside the one
  `make test` uses, with the newest `pulumi` wheel, on the Python of this venv.

Each cell's venv lives in .tools/compat/ and is reused: the package is installed editable with its dev
extras once (again when pyproject.toml or constraints.txt change), and switching `pulumi` versions reuses
pip's cache. pytest runs with `-x -q -p no:cacheprovider`, and with `-n 3` for the suite without the
end-to-end tests. Exit status 1 when any cell failed.

    .venv/bin/python tools/compat.py [--only CELL ...] [--python X.Y ...] [--wheels oldest|newest ...]
                                     [--pulumi-cli PATH]

`make compat` runs every cell (before a release: about 40 minutes); CI runs `make compat-ci`, the
declared-minimums cell alone (`--only minimums`; docs/testing.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
COMPAT = ROOT / ".tools" / "compat"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
WHEELS = ("oldest", "newest")  # the `pulumi` wheels each Python cell runs with
PYTEST = ("-m", "pytest", "-x", "-q", "-p", "no:cacheprovider")
# The suite without the end-to-end tests runs in 3 pytest-xdist workers: nine cells of it must fit in CI's
# budget after `make test`, and its tests spend much of their time waiting on the processes and sockets
# they start. The end-to-end suite stays serial (each test drives a whole Pulumi CLI), beside them.
PARALLEL = ("-n", "3")
INSTALL_INPUTS = (ROOT / "pyproject.toml", ROOT / "constraints.txt")
# Pulumi's own language hosts (and the Python host's exec shim) as `make pulumi-cli` builds them.
HOST_FILES = ("pulumi-language-python", "pulumi-language-python-exec", "pulumi-language-nodejs", "pulumi-language-go")
# boto3 X.Y.Z was released together with botocore X.Y.Z (same version), and the lookup uses botocore.
PAIRED_WITH_BOTO3 = "botocore"


@dataclass
class Cell:
    name: str
    python: str = "-"
    versions: dict[str, str] = field(default_factory=dict)
    suite: str = ""
    passed: bool = False
    summary: str = ""
    seconds: float = 0.0


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def lower_bound(package: str) -> str:
    """The `>=` bound this package's installed metadata (pyproject.toml) declares for ``package``."""
    for text in requires("pulumi-sagemaker-image") or []:
        requirement = Requirement(text)
        if requirement.name.lower() == package and requirement.marker is None:
            for spec in requirement.specifier:
                if spec.operator == ">=":
                    return spec.version
    raise SystemExit(f"pyproject.toml declares no lower bound (>=) for {package}")


def declared(package: str) -> str:
    for text in requires("pulumi-sagemaker-image") or []:
        requirement = Requirement(text)
        if requirement.name.lower() == package and requirement.marker is None:
            return str(requirement.specifier)
    raise SystemExit(f"pyproject.toml does not depend on {package}")


def find_python(version: str) -> Path | None:
    """pyenv's newest installed CPython ``version``.x, or None."""
    pyenv = shutil.which("pyenv") or str(Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "bin/pyenv")
    if not Path(pyenv).exists():
        return None
    latest = subprocess.run([pyenv, "latest", version], capture_output=True, text=True, check=False)
    if latest.returncode != 0:
        return None
    prefix = subprocess.run([pyenv, "prefix", latest.stdout.strip()], capture_output=True, text=True, check=False)
    python = Path(prefix.stdout.strip()) / "bin" / f"python{version}"
    return python if prefix.returncode == 0 and python.exists() else None


def pip(venv: Path, *args: str) -> None:
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *args], cwd=ROOT, check=True)


def installed_versions(venv: Path, *packages: str) -> dict[str, str]:
    code = "import json, sys, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code, *packages], capture_output=True, text=True, check=True
    )
    versions: dict[str, str] = json.loads(result.stdout)
    return versions


def python_version(venv: Path) -> str:
    result = subprocess.run([str(venv / "bin" / "python"), "-V"], capture_output=True, text=True, check=True)
    return result.stdout.split()[1]


def prepare(name: str, python: Path, *pins: str) -> Path:
    """A venv in .tools/compat/NAME with the package (editable, dev extras) and ``pins`` installed."""
    venv = COMPAT / name
    stamp = venv / ".installed"
    wanted = f"{python}\n{' '.join(pins)}\n"
    fresh = stamp.exists() and stamp.read_text() == wanted
    fresh = fresh and all(stamp.stat().st_mtime > path.stat().st_mtime for path in INSTALL_INPUTS)
    if not fresh:
        log(f"{name}: creating the venv with {python}")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
        pip(venv, "--upgrade", "pip")
        pip(venv, "-e", ".[dev]", *pins)
        stamp.write_text(wanted)
    return venv


def run_suite(cell: Cell, venv: Path, marker: str, env: dict[str, str] | None = None) -> Cell:
    log(f"{cell.name}: pytest -m '{marker}' ({', '.join(f'{k} {v}' for k, v in cell.versions.items())})")
    start = time.monotonic()
    parallel = PARALLEL if marker == "not e2e" else ()
    result = subprocess.run(
        [str(venv / "bin" / "python"), *PYTEST, *parallel, "-m", marker],
        cwd=ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    cell.seconds = time.monotonic() - start
    cell.suite = marker
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    closing = [line for line in lines if re.search(r"\d+ (passed|failed|error)", line)]
    cell.summary = closing[-1].strip("= ") if closing else f"pytest exited {result.returncode}"
    first_failure = next((line.split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))), None)
    if first_failure:
        cell.summary += f" ({first_failure})"
    cell.passed = result.returncode == 0
    if not cell.passed:
        log(f"{cell.name}: FAILED; pytest's output:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return cell


def python_cells(version: str, oldest_pulumi: str, pulumi_range: str, wheels: Sequence[str] = WHEELS) -> list[Cell]:
    python = find_python(version)
    if python is None:
        return [Cell(f"py{version}", version, summary="pyenv has no Python " + version)]
    venv = prepare(f"py{version}", python, f"pulumi=={oldest_pulumi}")
    cells = []
    pins = {"oldest": f"pulumi=={oldest_pulumi}", "newest": f"pulumi{pulumi_range}"}
    for label, pin in ((label, pins[label]) for label in wheels):
        pip(venv, "--upgrade", pin)
        versions = installed_versions(venv, "pulumi", "boto3", "pydantic")
        cell = Cell(f"py{version} pulumi-{label}", python_version(venv), {"pulumi": versions.pop("pulumi")})
        cell.versions |= versions
        cells.append(run_suite(cell, venv, "not e2e"))
    return cells


def minimums_cell(oldest_pulumi: str) -> Cell:
    python = find_python(PYTHONS[0])
    boto3, pydantic = lower_bound("boto3"), lower_bound("pydantic")
    cell = Cell("declared minimums")
    if python is None:
        cell.summary = f"pyenv has no Python {PYTHONS[0]}"
        return cell
    pins = (f"pulumi=={oldest_pulumi}", f"boto3=={boto3}", f"{PAIRED_WITH_BOTO3}=={boto3}", f"pydantic=={pydantic}")
    venv = prepare("minimums", python, *pins)
    cell.python = python_version(venv)
    cell.versions = installed_versions(venv, "pulumi", "boto3", "botocore", "pydantic", "pydantic-core")
    return run_suite(cell, venv, "not e2e")


def newest_cli_cell(cli: Path | None, pulumi_range: str) -> Cell:
    cell = Cell("e2e, newest CLI")
    if cli is None:
        log("building the newer Pulumi CLI (tools/pulumi-newest/build.sh)")
        built = subprocess.run(
            ["bash", str(ROOT / "tools/pulumi-newest/build.sh")], stdout=subprocess.PIPE, text=True, check=False
        )
        if built.returncode != 0:
            cell.summary = "tools/pulumi-newest/build.sh failed"
            return cell
        cli = Path(built.stdout.strip().splitlines()[-1])
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    python = find_python(version) or Path(sys.executable)
    # A venv of its own: this cell runs while the Python cells switch pulumi versions in theirs.
    venv = prepare(f"e2e-py{version}", python, f"pulumi{pulumi_range}")
    cli_version = subprocess.run([str(cli), "version"], capture_output=True, text=True, check=False).stdout.strip()
    cell.python = python_version(venv)
    cell.versions = {"pulumi CLI": cli_version.lstrip("v"), **installed_versions(venv, "pulumi")}
    # A CLI release ships its language hosts beside `pulumi`, and the engine looks there first. The newest
    # hosts these sources allow are Pulumi's own v3.259.0 ones that `make pulumi-cli` built from
    # ../shared/vendor (no later host sources are here): linked beside the newer CLI, as a user who
    # upgraded only the CLI binary would have them. The YAML host and the dynamic-provider launchers too.
    hosts = ROOT / ".tools" / "bin"
    for name in (*HOST_FILES, "pulumi-language-yaml", "pulumi-resource-pulumi-python", "pulumi-resource-pulumi-nodejs"):
        link = cli.parent / name
        if not (hosts / name).exists():
            cell.summary = f"{hosts / name} is missing: run `make pulumi-cli` (needs Go and ../shared)"
            return cell
        link.unlink(missing_ok=True)
        link.symlink_to(hosts / name)
    cell.versions["hosts"] = "python/nodejs/go v3.259.0, yaml v1.38.3"
    env = dict(os.environ, PULUMI_E2E_CLI=str(cli), REQUIRE_PULUMI_E2E="1")
    return run_suite(cell, venv, "e2e", env)


def guarded(name: str, make: Callable[[], list[Cell]]) -> list[Cell]:
    """The cells ``make`` runs; a venv that cannot be set up is one failed cell saying why."""
    try:
        return make()
    except subprocess.CalledProcessError as error:
        command = " ".join(str(arg) for arg in error.cmd)
        log(f"{name}: setting up failed: {command} exited {error.returncode}")
        return [Cell(name, summary=f"setting up failed: {command[-160:]} exited {error.returncode}")]


def print_matrix(cells: Sequence[Cell], seconds: float) -> None:
    header = ("CELL", "PYTHON", "VERSIONS", "SUITE", "RESULT", "TIME")
    rows = [
        (
            cell.name,
            cell.python,
            ", ".join(f"{name} {version}" for name, version in cell.versions.items()) or "-",
            cell.suite or "-",
            f"{'PASS' if cell.passed else 'FAIL'}: {cell.summary}",
            f"{cell.seconds:.0f}s",
        )
        for cell in cells
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    print()
    for row in (header, *rows):
        print("  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip())
    failed = [cell.name for cell in cells if not cell.passed]
    print(f"\nmake compat took {seconds / 60:.1f} min; cells:")
    print(f"compat: {len(cells) - len(failed)} passed, {len(failed)} failed")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=("pythons", "minimums", "cli"), help="run only these cells")
    parser.add_argument("--python", nargs="+", choices=PYTHONS, default=PYTHONS, help="Pythons for the pythons cells")
    parser.add_argument(
        "--wheels", nargs="+", choices=WHEELS, default=WHEELS, help="pulumi wheels for the pythons cells"
    )
    parser.add_argument("--pulumi-cli", type=Path, help="the newer pulumi binary (default: build it)")
    args = parser.parse_args(argv)
    only = set(args.only or ("pythons", "minimums", "cli"))

    start = time.monotonic()
    oldest_pulumi, pulumi_range = lower_bound("pulumi"), declared("pulumi")
    cells: list[Cell] = []
    # The end-to-end cell runs beside the others: its tests spend most of their time waiting on the Pulumi
    # CLI and the processes it starts, which leaves the cores to the other cells' tests (CI's budget).
    with ThreadPoolExecutor(max_workers=1) as beside:
        e2e = (
            beside.submit(guarded, "e2e, newest CLI", lambda: [newest_cli_cell(args.pulumi_cli, pulumi_range)])
            if "cli" in only
            else None
        )
        if "pythons" in only:
            for version in args.python:
                cells_of = partial(python_cells, version, oldest_pulumi, pulumi_range, args.wheels)
                cells += guarded(f"py{version}", cells_of)
        if "minimums" in only:
            cells += guarded("declared minimums", lambda: [minimums_cell(oldest_pulumi)])
        if e2e is not None:
            cells += e2e.result()
    seconds = time.monotonic() - start
    print_matrix(cells, seconds)
    COMPAT.mkdir(parents=True, exist_ok=True)
    (COMPAT / "matrix.json").write_text(
        json.dumps({"seconds": round(seconds), "cells": [asdict(cell) for cell in cells]}, indent=2) + "\n"
    )
    return 0 if all(cell.passed for cell in cells) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
