"""``drift-scale``: one ``drift --backend`` over 1,000 stacks x 5 ImageVersions drawn from 25 questions.

The synthetic backend is a file backend in the Pulumi CLI's project-scoped layout (10 projects of 100
stacks), each checkpoint in Pulumi's format with state the provider's own check and create wrote. A
sample is imported with ``pulumi stack import`` to show the CLI accepts them. The emulator adds 50 ms
to every answer, so the requests dominate as they do against AWS.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from benchmarks.harness import ALIAS, image_name, run_process
from benchmarks.report import Figure, Table

STACKS: Final = 1000
PER_STACK: Final = 5
PROJECTS: Final = 10
LATENCY_S: Final = 0.05
WORKERS: Final = 16
# 25 distinct questions: 12 images by alias (with ListAliases), 13 images at version 1 without it.
ALIAS_QUESTIONS: Final = 12
VERSION_QUESTIONS: Final = 13
TYPE: Final = "pulumi-python:dynamic/sagemaker-image:ImageVersion"
PROVIDER_TYPE: Final = "pulumi:providers:pulumi-python"
WRITER: Final = "v3.259.0"
CLI: Final = Path(sys.executable).parent / "pulumi-sagemaker-image"


def questions(endpoint_url: str) -> list[dict[str, Any]]:
    """The 25 questions as a program's ImageVersion inputs."""
    by_alias: list[dict[str, Any]] = [{"imageName": image_name(i), "alias": ALIAS} for i in range(ALIAS_QUESTIONS)]
    by_version: list[dict[str, Any]] = [
        {"imageName": image_name(i), "version": 1, "listAliases": False} for i in range(VERSION_QUESTIONS)
    ]
    return [{**q, "endpointUrl": endpoint_url} for q in (*by_alias, *by_version)]


def state_templates(endpoint_url: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(id, inputs, outputs) per question, as the provider's check and create write them."""
    from pulumi_sagemaker_image import ImageVersionProvider

    provider = ImageVersionProvider()
    templates = []
    for query in questions(endpoint_url):
        checked = provider.check({}, query)
        created = provider.create(checked.inputs)
        templates.append((str(created.id), dict(checked.inputs), dict(created.outs or {})))
    return templates


def checkpoint(
    project: str, stack: str, templates: list[tuple[str, dict[str, Any], dict[str, Any]]], seed: int
) -> dict[str, Any]:
    prefix = f"urn:pulumi:{stack}::{project}"
    provider_urn = f"{prefix}::{PROVIDER_TYPE}::default"
    provider_id = f"00000000-0000-4000-8000-{seed:012d}"
    resources: list[dict[str, Any]] = [
        {"urn": f"{prefix}::pulumi:pulumi:Stack::{project}-{stack}", "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": provider_urn, "custom": True, "id": provider_id, "type": PROVIDER_TYPE, "inputs": {}, "outputs": {}},
    ]
    for index in range(PER_STACK):
        resource_id, inputs, outputs = templates[(seed * PER_STACK + index) % len(templates)]
        resources.append(
            {
                "urn": f"{prefix}::{TYPE}::image-{index}",
                "custom": True,
                "id": resource_id,
                "type": TYPE,
                "inputs": inputs,
                "outputs": outputs,
                "parent": resources[0]["urn"],
                "provider": f"{provider_urn}::{provider_id}",
                "sourcePosition": f"project:///__main__.py#{10 + index},1",
            }
        )
    # The engine's magic cookie is the SHA-256 of the version that wrote the state (import checks it).
    magic = hashlib.sha256(WRITER.encode()).hexdigest()
    latest = {"manifest": {"time": "2026-12-01T00:00:00Z", "magic": magic, "version": WRITER}, "resources": resources}
    return {"version": 3, "checkpoint": {"stack": f"organization/{project}/{stack}", "latest": latest}}


def write_backend(root: Path, stacks: int, templates: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> Path:
    (root / ".pulumi" / "stacks").mkdir(parents=True)
    (root / ".pulumi" / "meta.yaml").write_text("version: 1\n", encoding="utf-8")
    per_project = max(1, stacks // PROJECTS)
    for seed in range(stacks):
        project, stack = f"team-{seed // per_project:02d}", f"stack-{seed % per_project:03d}"
        path = root / ".pulumi" / "stacks" / project / f"{stack}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(checkpoint(project, stack, templates, seed)), encoding="utf-8")
    return root


def import_accepted(pulumi: Path, env: dict[str, str], scratch: Path, sample: Path) -> str:
    """Import one synthetic checkpoint's deployment with the real CLI; '' when it accepts it."""
    document = json.loads(sample.read_text(encoding="utf-8"))
    _, project, stack = document["checkpoint"]["stack"].split("/")
    workdir = scratch / "import"
    (workdir / "state").mkdir(parents=True)
    (workdir / "Pulumi.yaml").write_text(f"name: {project}\nruntime: python\n", encoding="utf-8")
    export = workdir / "export.json"
    export.write_text(json.dumps({"version": 3, "deployment": document["checkpoint"]["latest"]}), encoding="utf-8")
    run_env = {**env, "PULUMI_BACKEND_URL": f"file://{workdir / 'state'}", "PULUMI_CONFIG_PASSPHRASE": "bench"}
    # The stack takes the checkpoint's own name: import refuses resources whose URNs name another stack.
    for args in (["stack", "init", stack], ["stack", "import", "--file", str(export)]):
        done = subprocess.run(
            [str(pulumi), *args, "--non-interactive"],
            cwd=workdir,
            env=run_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return f"`pulumi {' '.join(args[:2])}` failed: {' '.join(done.stderr.split())[:300]}"
    return ""


def drift_scale(
    emulator: Any, env: dict[str, str], scratch: Path, pulumi: Path | None, progress: Callable[[str], None]
) -> list[Figure]:
    templates = state_templates(emulator.endpoint_url)
    big = write_backend(scratch / "backend-1000", STACKS, templates)
    small = write_backend(scratch / "backend-100", STACKS // 10, templates)
    progress(f"drift-scale: backends written ({STACKS} and {STACKS // 10} stacks)")
    emulator.latency = LATENCY_S
    try:
        return _measure(emulator, env=env, scratch=scratch, pulumi=pulumi, big=big, small=small, progress=progress)
    finally:
        emulator.latency = 0.0


def _run(argv: list[str], env: dict[str, str], scratch: Path) -> Any:
    sample = run_process([str(CLI), *argv], env, scratch)
    if sample.exit_code not in (0, 1):
        raise RuntimeError(f"drift {' '.join(argv)} exited {sample.exit_code}: {sample.stderr[-2000:]}")
    return sample


def _read_only_seconds(backend: Path) -> tuple[float, float]:
    """Reading every checkpoint as the command does (open, parse, keep the ImageVersions), without lookups.

    Wall and CPU seconds: on a shared machine the CPU time is what the work costs, the wall time what it took.
    """
    from pulumi_sagemaker_image.backends import open_backend
    from pulumi_sagemaker_image.drift import image_versions_of

    start, cpu = time.perf_counter(), time.process_time()
    for entry in open_backend(f"file://{backend}"):
        image_versions_of(entry.read().resources)
    return time.perf_counter() - start, time.process_time() - cpu


def _measure(
    emulator: Any,
    *,
    env: dict[str, str],
    scratch: Path,
    pulumi: Path | None,
    big: Path,
    small: Path,
    progress: Callable[[str], None],
) -> list[Figure]:
    # Process start (imports) is part of what a CI job waits for: measured with --help, and added to the ideal.
    starts = [run_process([str(CLI), "--help"], env, scratch) for _ in range(3)]
    start_s, start_cpu = min(p.wall_s for p in starts), min(p.cpu_s for p in starts)
    reads = [_read_only_seconds(big) for _ in range(2)]
    read_s, read_cpu = min(r[0] for r in reads), min(r[1] for r in reads)
    alias_round = 2 * LATENCY_S  # DescribeImageVersion then ListAliases
    rounds = math.ceil((ALIAS_QUESTIONS + VERSION_QUESTIONS) / WORKERS)
    ideal = start_s + read_s + rounds * alias_round

    emulator.clear_requests()
    full = _run(["drift", "--backend", f"file://{big}", "--output", "json"], env, scratch)
    describes, lists = emulator.request_count("DescribeImageVersion"), emulator.request_count("ListAliases")
    rows = json.loads(full.stdout)
    progress(f"drift-scale: {len(rows)} rows in {full.wall_s:.2f} s")

    requests = Figure(
        key="drift_requests",
        title="Drift across stacks: requests",
        target=f"exactly {ALIAS_QUESTIONS + VERSION_QUESTIONS} DescribeImageVersion, {ALIAS_QUESTIONS} ListAliases",
        how=f"`drift --backend file://` over {STACKS} stacks x {PER_STACK} ImageVersions drawn from "
        f"{ALIAS_QUESTIONS + VERSION_QUESTIONS} questions ({VERSION_QUESTIONS} with listAliases false); requests "
        "counted by the emulator.",
    )
    requests.result = f"{describes} DescribeImageVersion, {lists} ListAliases for {len(rows)} rows"
    requests.judge(float(describes == ALIAS_QUESTIONS + VERSION_QUESTIONS and lists == ALIAS_QUESTIONS), 1.0, "==")
    requests.details = {"describe": describes, "list_aliases": lists, "rows": len(rows)}
    if pulumi is not None and pulumi.exists():
        failure = import_accepted(pulumi, env, scratch, next((big / ".pulumi" / "stacks").rglob("*.json")))
        requests.notes.append(
            "`pulumi stack import` accepts a sample checkpoint's deployment"
            if not failure
            else f"**`pulumi stack import` rejected the sample**: {failure}"
        )
        if failure:
            requests.met = False

    wall = Figure(
        key="drift_wall",
        title="Drift across stacks: wall time",
        target="<= 2x the ideal (process start + reading the files + the requests at 16-way)",
        how=f"Ideal: process start ({start_s:.2f} s, `--help`) + reading and parsing every checkpoint in-process "
        f"({read_s:.2f} s) + {rounds} rounds of 16 questions at {LATENCY_S * 1000:.0f} ms per request "
        f"({rounds * alias_round:.2f} s).",
    )
    wall.result = f"{full.wall_s:.2f} s vs ideal {ideal:.2f} s ({full.wall_s / ideal:.2f}x)"
    wall.judge(full.wall_s / ideal, 2.0)
    wall.details = {"wall_s": full.wall_s, "ideal_s": ideal, "start_s": start_s, "read_s": read_s, "cpu_s": full.cpu_s}

    # The same comparison in CPU time, which a busy machine does not inflate: the whole run's CPU (its
    # process and threads) against the CPU of process start plus reading the files; the requests' waiting
    # costs no CPU.
    cpu_ideal = start_cpu + read_cpu
    cpu = Figure(
        key="drift_cpu",
        title="Drift across stacks: CPU time",
        target="<= 2x the ideal's CPU (process start + reading the files)",
        how=f"CPU time (wait4) of the run above against `--help`'s ({start_cpu:.2f} s) plus reading every "
        f"checkpoint in-process ({read_cpu:.2f} s). Wall time on an idle machine is about this CPU time plus the "
        "requests' waiting; on a shared one, the wall figure above also counts the time spent waiting for a core.",
    )
    cpu.result = f"{full.cpu_s:.2f} s vs {cpu_ideal:.2f} s ({full.cpu_s / cpu_ideal:.2f}x)"
    cpu.judge(full.cpu_s / cpu_ideal, 2.0)
    cpu.details = {"cpu_s": full.cpu_s, "start_cpu_s": start_cpu, "read_cpu_s": read_cpu}

    side = _one_at_a_time(big, env, scratch, full.wall_s)
    figures = [requests, wall, cpu, side]
    figures.append(_pulumi_route(pulumi, env, scratch, small, progress))

    memory = Figure(
        key="drift_memory",
        title="Drift across stacks: peak memory",
        target="flat: peak RSS at 1,000 stacks <= 1.25x that at 100",
        how="Peak RSS (wait4) of `drift --backend file://` over the 100- and 1,000-stack backends.",
    )
    small_run = _run(["drift", "--backend", f"file://{small}", "--output", "json"], env, scratch)
    table = Table(("stacks", "peak RSS (MiB)", "wall (s)"))
    table.add(STACKS // 10, small_run.maxrss_kb / 1024, small_run.wall_s)
    table.add(STACKS, full.maxrss_kb / 1024, full.wall_s)
    memory.tables.append(("", table))
    memory.result = f"{small_run.maxrss_kb / 1024:.0f} MiB at 100, {full.maxrss_kb / 1024:.0f} MiB at 1,000"
    memory.judge(full.maxrss_kb / small_run.maxrss_kb, 1.25)
    figures.append(memory)
    return figures


def _one_at_a_time(big: Path, env: dict[str, str], scratch: Path, all_s: float) -> Figure:
    # Today's route, one stack at a time: `drift FILE` per stack (and `pulumi stack export` per stack).
    sample_files = sorted((big / ".pulumi" / "stacks").rglob("*.json"))[:10]
    exports = []
    for index, path in enumerate(sample_files):
        document = json.loads(path.read_text(encoding="utf-8"))
        export = scratch / f"export-{index}.json"
        export.write_text(json.dumps({"version": 3, "deployment": document["checkpoint"]["latest"]}), encoding="utf-8")
        exports.append(export)
    per_stack = [_run(["drift", str(export)], env, scratch).wall_s for export in exports]
    per_stack_s = sum(per_stack) / len(per_stack)
    side = Figure(
        key="drift_one_at_a_time",
        title="Drift across stacks vs one stack at a time",
        target="informational",
        how=f"`drift FILE` once per stack on {len(exports)} sampled exports, mean extrapolated to {STACKS} stacks "
        "(without the `pulumi stack export` each would also need).",
    )
    side.result = f"{all_s:.1f} s for all vs ~{per_stack_s * STACKS:.0f} s one at a time ({per_stack_s:.2f} s/stack)"
    side.details = {"per_stack_s": per_stack_s, "all_s": all_s}

    return side


def _pulumi_route(
    pulumi: Path | None, env: dict[str, str], scratch: Path, backend: Path, progress: Callable[[str], None]
) -> Figure:
    figure = Figure(
        key="drift_pulumi_route",
        title="Drift across stacks through `--pulumi`",
        target="informational",
        how=f"`drift --pulumi` with the CLI logged into the {STACKS // 10}-stack backend: one `pulumi stack export` "
        "per stack, the same single lookup per question.",
    )
    if pulumi is None or not pulumi.exists():
        figure.skip("no Pulumi CLI (run `make pulumi-cli`)")
        return figure
    route_env = {
        **env,
        "PATH": f"{pulumi.parent}:{env.get('PATH', '')}",
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": "bench",
        "PULUMI_HOME": str(scratch / "pulumi-home"),
    }
    progress(f"drift-scale: --pulumi over {STACKS // 10} stacks")
    sample = _run(["drift", "--pulumi", "--output", "json"], route_env, scratch)
    rows = len(json.loads(sample.stdout))
    figure.result = (
        f"{sample.wall_s:.1f} s for {STACKS // 10} stacks ({sample.wall_s / (STACKS // 10):.2f} s/stack), {rows} rows"
    )
    figure.details = {"wall_s": sample.wall_s, "rows": rows}
    shutil.rmtree(scratch / "pulumi-home", ignore_errors=True)
    return figure
