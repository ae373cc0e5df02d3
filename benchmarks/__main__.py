"""``python -m benchmarks [--quick] [--only SECTION ...]``: run the suite and write the reports."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from benchmarks.harness import REPO_ROOT, bench_seed, environment, isolated_environment, load_average
from benchmarks.report import Figure, render_markdown, write_json

SECTIONS: Final = ("warm", "cold", "reuse", "engine", "plugin", "yaml", "drift-scale")


@dataclass
class Shared:
    """Results one section hands to a later one."""

    host_concurrent_s: float | None = None


@dataclass(frozen=True)
class Plan:
    """How much to measure; ``--quick`` trades precision for time, never a figure."""

    warm_rounds: int
    cold_rounds: int
    host_checks: int
    calls_resources: int
    sizes: tuple[int, ...]
    engine_repeats: int  # repetitions of the scaling series (medians)
    plugin_start_rounds: int
    invoke_rounds: int
    yaml_repeats: int  # repetitions of the YAML/Python many-lookups series (medians)


FULL: Final = Plan(
    warm_rounds=1000,
    cold_rounds=20,
    host_checks=100,
    calls_resources=20,
    sizes=(10, 50, 100, 200),
    engine_repeats=3,
    plugin_start_rounds=20,
    invoke_rounds=500,
    yaml_repeats=2,
)
QUICK: Final = Plan(
    warm_rounds=300,
    cold_rounds=8,
    host_checks=100,
    calls_resources=10,
    sizes=(10, 50, 100),
    engine_repeats=1,
    plugin_start_rounds=8,
    invoke_rounds=200,
    yaml_repeats=1,
)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller N everywhere (sizes 10, 50, 100; the engine series once)"
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument(
        "--sizes", type=lambda text: tuple(int(n) for n in text.split(",")), help="resource counts, e.g. 10,50,100,200"
    )
    parser.add_argument(
        "--output-dir", type=Path, default=REPO_ROOT / "benchmarks" / "results", help="where latest.json/.md go"
    )
    parser.add_argument("--pulumi", type=Path, help="the pulumi binary (default: .tools/bin/pulumi)")
    parser.add_argument(
        "--cli", type=Path, help="the pulumi-sagemaker-image command to time (default: the one in this venv)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (projects, state, logs)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _commit() -> str:
    # Read-only: rev-parse never touches the index (git status may rewrite it).
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    plan = QUICK if args.quick else FULL
    sizes = args.sizes or plan.sizes
    sections = set(args.only or SECTIONS)
    scratch = Path(tempfile.mkdtemp(prefix="pulumi-sagemaker-image-bench-"))
    env = isolated_environment(scratch)
    started, load_before, clock = datetime.now(timezone.utc), load_average(), time.perf_counter()
    figures: list[Figure] = []
    meta: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": _commit(),
        "pulumi_version": "not run",
        "plan": {**plan.__dict__, "sizes": sizes},
        "scratch": str(scratch),
        "section_load": {},
    }
    try:
        with environment(env):
            # Imported here so the package resolves under the benchmark's environment (PYTHONPATH may point
            # at a patched checkout to compare a proposed change).
            import pulumi_sagemaker_image
            from pulumi_sagemaker_image.testing import SageMakerImageEmulator

            meta["package"] = str(Path(pulumi_sagemaker_image.__file__).parent)
            with SageMakerImageEmulator(bench_seed(max([*sizes, 100]))) as emulator:
                runners = _runners(sections, emulator, env=env, scratch=scratch, plan=plan, args=args, meta=meta)
                for name, runner in runners:
                    section_load = load_average()
                    _progress(f"{name}: running (load {_load(section_load)})")
                    section_clock = time.perf_counter()
                    try:
                        figures.extend(runner())
                    except Exception as exc:
                        # One broken section must not cost the figures of the others; the report says
                        # what failed and the traceback goes to stderr.
                        traceback.print_exc()
                        failed = Figure(key=name, title=f"{name} section", target="runs")
                        failed.result = f"error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
                        failed.met = False
                        figures.append(failed)
                    _progress(f"{name}: done in {time.perf_counter() - section_clock:.0f} s")
                    # The machine's load while each section ran: ratios hold under load, absolute times do not.
                    meta["section_load"][name] = f"{_load(section_load)} → {_load(load_average())}"
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    meta.update(
        duration_s=time.perf_counter() - clock, load_before=_load(load_before), load_after=_load(load_average())
    )
    args.output_dir.mkdir(parents=True, exist_ok=True)
    write_json(args.output_dir / "latest.json", meta, figures)
    markdown = render_markdown(meta, figures)
    (args.output_dir / "latest.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    _progress(f"wrote {args.output_dir / 'latest.json'} and latest.md")
    missed = [figure.title for figure in figures if figure.met is False]
    if missed:
        _progress("missed: " + ", ".join(missed))
    return 1 if args.strict and missed else 0


def _runners(
    sections: set[str],
    emulator: Any,
    *,
    env: dict[str, str],
    scratch: Path,
    plan: Plan,
    args: argparse.Namespace,
    meta: dict[str, Any],
) -> list[tuple[str, Callable[[], list[Figure]]]]:
    """The selected sections, in the suite's order, each as a call returning its figures."""
    shared = Shared()
    sizes = args.sizes or plan.sizes
    every: dict[str, Callable[[], list[Figure]]] = {
        "warm": lambda: _warm(emulator, plan),
        "cold": lambda: _cold(emulator, env, scratch, plan, args.cli),
        "reuse": lambda: _reuse(emulator, env, scratch, plan, shared),
        "engine": lambda: _engine(
            emulator,
            env=env,
            scratch=scratch,
            plan=plan,
            sizes=sizes,
            pulumi=args.pulumi,
            meta=meta,
            shared=shared,
        ),
        "plugin": lambda: _plugin(emulator, env, plan),
        "yaml": lambda: _yaml(emulator, env=env, scratch=scratch, plan=plan, pulumi=args.pulumi, meta=meta),
        "drift-scale": lambda: _drift_scale(emulator, env=env, scratch=scratch, pulumi=args.pulumi),
    }
    return [(name, every[name]) for name in SECTIONS if name in sections]


def _load(value: tuple[float, float, float] | None) -> str:
    return "n/a" if value is None else f"{value[0]:.1f}"


def _warm(emulator: Any, plan: Plan) -> list[Figure]:
    from benchmarks.inprocess import warm_lookup

    return [warm_lookup(emulator, plan.warm_rounds)]


def _cold(emulator: Any, env: dict[str, str], scratch: Path, plan: Plan, cli: Path | None) -> list[Figure]:
    from benchmarks.cold_cli import cold_cli

    directory = scratch / "cold"
    directory.mkdir()
    return [cold_cli(emulator, env, directory, plan.cold_rounds, cli)]


def _reuse(emulator: Any, env: dict[str, str], scratch: Path, plan: Plan, shared: Shared) -> list[Figure]:
    from benchmarks.inprocess import client_reuse_in_process
    from benchmarks.provider_host import client_reuse_figure, measure_host

    created, requests = client_reuse_in_process(emulator)
    directory = scratch / "host"
    directory.mkdir()
    host = measure_host(emulator, env, directory, plan.host_checks)
    shared.host_concurrent_s = host.concurrent_seconds
    return [client_reuse_figure(created, requests, host)]


def _engine(
    emulator: Any,
    *,
    env: dict[str, str],
    scratch: Path,
    plan: Plan,
    sizes: Sequence[int],
    pulumi: Path | None,
    meta: dict[str, Any],
    shared: Shared,
) -> list[Figure]:
    from benchmarks import engine
    from benchmarks.tcp_proxy import CountingProxy

    pulumi_bin = pulumi or engine.default_pulumi_bin()
    if not pulumi_bin.exists():
        skipped = []
        for key, title in (
            ("aws_calls", "AWS calls per resource"),
            ("provider_size", "Serialized provider size"),
            ("many_lookups", "Many lookups"),
            ("scaling", "Scaling"),
            ("memory", "Provider host memory"),
        ):
            figure = Figure(key=key, title=title, target="see docs/performance.md")
            figure.skip(f"no Pulumi CLI at {pulumi_bin} (run `make pulumi-cli`)")
            skipped.append(figure)
        return skipped
    host, port = emulator.endpoint_url.removeprefix("http://").rsplit(":", 1)
    with CountingProxy(host, int(port)) as proxy:
        workspace = engine.PulumiWorkspace(scratch / "engine", pulumi_bin, env, emulator, proxy)
        meta["pulumi_version"] = workspace.version()
        parallel = workspace.default_parallelism()
        workers = engine.host_max_workers()
        meta.update(engine_default_parallel=parallel, host_max_workers=workers)
        _progress("engine: AWS calls per resource")
        calls, size, _ = engine.calls_per_resource(workspace, plan.calls_resources)
        _progress(f"engine: scaling runs at {', '.join(map(str, sizes))} resources")
        runs = engine.scaling_runs(workspace, sizes, plan.engine_repeats)
    many_count = 100 if 100 in sizes else max(sizes)
    outputs = size.details.get("outputs_bytes_median")
    return [
        calls,
        size,
        engine.many_lookups(runs, many_count, workers, parallel, shared.host_concurrent_s),
        engine.scaling(runs, sizes),
        engine.memory(runs, float(outputs) if outputs else None),
    ]


def _plugin(emulator: Any, env: dict[str, str], plan: Plan) -> list[Figure]:
    from benchmarks import plugin

    if plugin.plugin_installed() is None:
        skipped = []
        for key, title in (("plugin_start", "Plugin start"), ("invoke_overhead", "Invoke overhead")):
            figure = Figure(key=key, title=title, target="see docs/performance.md")
            figure.skip(f"no {plugin.PLUGIN} (reinstall the package: `pip install -e .`)")
            skipped.append(figure)
        return skipped
    _progress("plugin: start, exec to port line")
    start = plugin.plugin_start(emulator, env, plan.plugin_start_rounds)
    _progress("plugin: invoke overhead")
    return [start, plugin.invoke_overhead(emulator, env, plan.invoke_rounds)]


def _yaml(
    emulator: Any, *, env: dict[str, str], scratch: Path, plan: Plan, pulumi: Path | None, meta: dict[str, Any]
) -> list[Figure]:
    from benchmarks import engine, yaml_engine
    from benchmarks.tcp_proxy import CountingProxy

    pulumi_bin = pulumi or engine.default_pulumi_bin()
    missing = yaml_engine.missing_tools(pulumi_bin)
    if missing:
        skipped = []
        for key, title in (("yaml_calls", "AWS calls per lookup, YAML"), ("yaml_many", "Many lookups, YAML")):
            figure = Figure(key=key, title=title, target="see docs/performance.md")
            figure.skip(missing)
            skipped.append(figure)
        return skipped
    host, port = emulator.endpoint_url.removeprefix("http://").rsplit(":", 1)
    with CountingProxy(host, int(port)) as proxy:
        workspace = yaml_engine.YamlWorkspace(scratch / "yaml", pulumi_bin, env, emulator, proxy)
        meta["pulumi_version"] = workspace.version()
        _progress(f"yaml: AWS calls per lookup ({yaml_engine.LOOKUPS} lookups, both routes)")
        calls = yaml_engine.calls_per_lookup(workspace, yaml_engine.LOOKUPS)
        _progress(f"yaml: many lookups, YAML and Python routes, {plan.yaml_repeats} repetition(s)")
        many = yaml_engine.many_lookups(workspace, yaml_engine.LOOKUPS, plan.yaml_repeats, _progress)
    return [calls, many]


def _drift_scale(emulator: Any, *, env: dict[str, str], scratch: Path, pulumi: Path | None) -> list[Figure]:
    from benchmarks import engine
    from benchmarks.drift_scale import drift_scale

    directory = scratch / "drift-scale"
    directory.mkdir()
    return drift_scale(emulator, env, directory, pulumi or engine.default_pulumi_bin(), _progress)


if __name__ == "__main__":
    sys.exit(main())
