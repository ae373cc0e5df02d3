"""Cold CLI: ``pulumi-sagemaker-image describe … --output json`` against a plain boto3 script."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

from benchmarks.harness import (
    ALIAS,
    REGION,
    VENV_PYTHON,
    ProcessSample,
    Summary,
    image_name,
    interleave,
    paired_ratio,
    run_process,
)
from benchmarks.report import Figure, Table

if TYPE_CHECKING:
    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

COLD_TARGET: Final = 1.2

# The baseline: what someone would write instead of the CLI. Same requests, same JSON-ish output.
PLAIN_SCRIPT: Final = """\
import json
import sys

import boto3

endpoint, name, alias = sys.argv[1:4]
client = boto3.client("sagemaker", endpoint_url=endpoint, region_name="us-east-1")
response = client.describe_image_version(ImageName=name, Alias=alias)
aliases = client.list_aliases(ImageName=name, Version=response["Version"], MaxResults=100)
response.pop("ResponseMetadata", None)
response["Aliases"] = aliases["SageMakerImageVersionAliases"]
json.dump(response, sys.stdout, indent=2, default=str)
sys.stdout.write("\\n")
"""

# Modules whose import on the describe path would mean the CLI pays for something it does not use.
HEAVY_MODULES: Final = ("pulumi", "grpc", "google.protobuf", "dill", "s3transfer", "boto3")


def default_cli() -> Path:
    return VENV_PYTHON.parent / "pulumi-sagemaker-image"


def _describe_argv(cli: Path, endpoint: str) -> list[str]:
    """The timed command: describe the benchmark image by alias, as JSON, from the emulator."""
    return [
        str(cli),
        "describe",
        image_name(0),
        "--alias",
        ALIAS,
        "--output",
        "json",
        "--endpoint-url",
        endpoint,
        "--region",
        REGION,
    ]


def _imported_modules(cli: Path, env: Mapping[str, str], scratch: Path, endpoint: str) -> set[str]:
    """The top-level modules a describe run imports, read with ``-X importtime`` (no code change needed)."""
    argv = [str(VENV_PYTHON), "-X", "importtime", *_describe_argv(cli, endpoint)]
    sample = run_process(argv, env, scratch).check()
    modules: set[str] = set()
    for line in sample.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "package":
                modules.add(name)
    return modules


def cold_cli(
    emulator: SageMakerImageEmulator, env: Mapping[str, str], scratch: Path, rounds: int, cli: Path | None = None
) -> Figure:
    cli = cli or default_cli()
    figure = Figure(
        key="cold_cli",
        title="Cold CLI",
        target=f"≤ {COLD_TARGET:.1f}",
        how=(
            f"Whole processes, {rounds} interleaved rounds after two warm-up rounds: "
            f"`pulumi-sagemaker-image describe {image_name(0)} --alias {ALIAS} --output json --endpoint-url … "
            "--region …` against `python plain.py …`, a script that imports boto3, creates a client and makes "
            "the same two requests, printing the response as JSON. Wall time from spawn to exit (`posix_spawn` "
            "+ `wait4`); the ratio is the median of per-round ratios. CPU time (user+sys from `wait4`) is "
            "reported alongside. Both run with the same private bytecode cache, and the emulator answers "
            "from this process with no added latency."
        ),
    )
    script = scratch / "plain.py"
    script.write_text(PLAIN_SCRIPT, encoding="utf-8")
    endpoint = emulator.endpoint_url
    cli_argv = _describe_argv(cli, endpoint)
    plain_argv = [str(VENV_PYTHON), str(script), endpoint, image_name(0), ALIAS]
    cli_scratch, plain_scratch = scratch / "cli", scratch / "plain"
    cli_scratch.mkdir(exist_ok=True)
    plain_scratch.mkdir(exist_ok=True)

    # Both must succeed and describe the same version, or the timing compares different work.
    cli_out = json.loads(run_process(cli_argv, env, cli_scratch).check().stdout)
    plain_out = json.loads(run_process(plain_argv, env, plain_scratch).check().stdout)
    if cli_out["containerImage"] != plain_out["ContainerImage"]:
        raise AssertionError("the CLI and the plain script disagree; the benchmark compares different work")

    samples = interleave(
        {
            "cli": lambda: run_process(cli_argv, env, cli_scratch).check(),
            "plain": lambda: run_process(plain_argv, env, plain_scratch).check(),
        },
        rounds=rounds,
        warmup=2,
    )
    wall = {key: [sample.wall_s for sample in values] for key, values in samples.items()}
    cpu = {key: [sample.cpu_s for sample in values] for key, values in samples.items()}
    ratio = paired_ratio(wall["cli"], wall["plain"])
    cpu_ratio = paired_ratio(cpu["cli"], cpu["plain"])
    figure.judge(ratio, COLD_TARGET)
    cli_wall, plain_wall = Summary.of(wall["cli"]), Summary.of(wall["plain"])
    figure.result = f"{ratio:.2f}x ({cli_wall.median * 1e3:.0f} ms vs {plain_wall.median * 1e3:.0f} ms)"

    table = Table(("process", "wall median ms", "wall p90 ms", "CPU median ms", "peak RSS MB"))
    for key, label in (("cli", "pulumi-sagemaker-image describe"), ("plain", "plain boto3 script")):
        runs: list[ProcessSample] = samples[key]
        table.add(
            label,
            Summary.of(wall[key]).median * 1e3,
            Summary.of(wall[key]).p90 * 1e3,
            Summary.of(cpu[key]).median * 1e3,
            max(run.maxrss_kb for run in runs) / 1024,
        )
    figure.tables.append(("", table))

    modules = _imported_modules(cli, env, scratch, endpoint)
    heavy = sorted(m for m in HEAVY_MODULES if m in modules)
    figure.details = {
        "rounds": rounds,
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "wall_s": {key: Summary.of(values).to_json() for key, values in wall.items()},
        "cpu_s": {key: Summary.of(values).to_json() for key, values in cpu.items()},
        "heavy_modules_imported": heavy,
        "modules_imported": len(modules),
        "python": sys.version.split()[0],
        "cli": str(cli),
    }
    figure.notes.append(f"CPU-time ratio {cpu_ratio:.2f}x.")
    figure.notes.append(
        "Heavy modules on the describe path: "
        + (", ".join(f"`{m}`" for m in heavy) if heavy else "none")
        + f" (checked: {', '.join(HEAVY_MODULES)}; `boto3` itself pulls in `s3transfer`)."
    )
    return figure
