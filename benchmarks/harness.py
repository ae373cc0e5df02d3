"""What every benchmark shares: an isolated environment, the emulator's seed, timing and statistics."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from pulumi_sagemaker_image.testing import AWS_ENVIRONMENT_VARIABLES

T = TypeVar("T")

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
VENV_PYTHON: Final = Path(sys.executable)
REGION: Final = "us-east-1"
# Every resource looks up its own image by alias: the common case (follow an alias), and distinct
# images so that no cache shared between resources could make the per-resource figures look better.
IMAGE_PREFIX: Final = "bench-"
ALIAS: Final = "stable"
DUMMY_ACCESS_KEY: Final = "AKIABENCHMARKEXAMPLE"
DUMMY_SECRET_KEY: Final = "benchmark-secret-not-used"


def image_name(index: int) -> str:
    return f"{IMAGE_PREFIX}{index:03d}"


def bench_seed(images: int) -> dict[str, Any]:
    """An emulator seed with ``images`` images of two versions each, ``stable`` on the second.

    The versions carry every metadata field, so responses and state are as large as real ones.
    """
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

    def version(index: int, number: int, aliases: Sequence[str]) -> dict[str, Any]:
        return {
            "BaseImage": f"{registry}/{image_name(index)}:2.{number}-v{number}",
            "Aliases": list(aliases),
            "VendorGuidance": "STABLE",
            "JobType": "TRAINING",
            "MLFramework": "PyTorch 2.1",
            "ProgrammingLang": "Python 3.10",
            "Processor": "GPU",
            "Horovod": False,
            "ReleaseNotes": f"Benchmark image {index}, version {number}.",
        }

    return {
        "Images": [
            {
                "ImageName": image_name(index),
                "DisplayName": f"Benchmark image {index}",
                "Versions": [version(index, 1, []), version(index, 2, [ALIAS])],
            }
            for index in range(max(images, 1))
        ]
    }


def isolated_environment(scratch: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for this process and every child: dummy AWS credentials, no AWS config files.

    Bytecode caching is switched on with a private cache directory: the sandbox this was written in
    sets PYTHONDONTWRITEBYTECODE, which would make every process compile this package from source
    (~40 ms) while boto3's own .pyc files exist, skewing the whole-process figures against us. A
    private PYTHONPYCACHEPREFIX gives both sides of those figures the same, normal, cached start
    without writing into the source tree.
    """
    env = dict(os.environ if base is None else base)
    for name in AWS_ENVIRONMENT_VARIABLES:
        env.pop(name, None)
    aws = scratch / "aws"
    aws.mkdir(parents=True, exist_ok=True)
    env.update(
        AWS_CONFIG_FILE=str(aws / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ACCESS_KEY_ID=DUMMY_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=DUMMY_SECRET_KEY,
        AWS_REGION=REGION,
        PYTHONPYCACHEPREFIX=str(scratch / "pycache"),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Run this process under ``env`` (in-process lookups read AWS_* from os.environ), then restore."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def interleave(variants: Mapping[str, Callable[[], T]], rounds: int, warmup: int = 0) -> dict[str, list[T]]:
    """Run each variant ``rounds`` times, interleaved, and return what each call returned.

    The order rotates every round and reverses every other cycle, so no variant always runs first
    (after a cache-cold gap) or always right after a particular other one; drift in machine load
    then lands on every variant alike, which is what lets a ratio from one run be trusted.
    """
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    samples: dict[str, list[T]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        order = names[shift:] + names[:shift]
        if (index // len(names)) % 2:
            order.reverse()
        for name in order:
            samples[name].append(variants[name]())
    return samples


def timed(function: Callable[[], object]) -> Callable[[], float]:
    """A callable that runs ``function`` and returns its wall time in seconds."""

    def run() -> float:
        start = time.perf_counter()
        function()
        return time.perf_counter() - start

    return run


@dataclass(frozen=True)
class Summary:
    """Robust statistics of a sample of durations (seconds)."""

    n: int
    median: float
    mean: float
    p10: float
    p90: float
    minimum: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("no samples")
        ordered = sorted(values)
        if len(ordered) >= 2:
            deciles = statistics.quantiles(ordered, n=10, method="inclusive")
            p10, p90 = deciles[0], deciles[-1]
        else:
            p10 = p90 = ordered[0]
        return cls(
            n=len(ordered),
            median=statistics.median(ordered),
            mean=statistics.fmean(ordered),
            p10=p10,
            p90=p90,
            minimum=ordered[0],
        )

    def to_json(self, scale: float = 1.0) -> dict[str, float | int]:
        return {
            "n": self.n,
            "median": round(self.median * scale, 4),
            "mean": round(self.mean * scale, 4),
            "p10": round(self.p10 * scale, 4),
            "p90": round(self.p90 * scale, 4),
            "min": round(self.minimum * scale, 4),
        }


def paired_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """The median of per-round ratios: each round's two samples ran back to back under the same load."""
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError("paired samples must be non-empty and of equal length")
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


@dataclass(frozen=True)
class ProcessSample:
    """One child process: wall time, CPU time and peak RSS of it and the descendants it waited for."""

    argv: tuple[str, ...]
    exit_code: int
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    stdout: str
    stderr: str

    def check(self) -> ProcessSample:
        if self.exit_code != 0:
            raise RuntimeError(
                f"{' '.join(self.argv[:4])} … exited {self.exit_code}\n"
                f"stdout: {self.stdout[-3000:]}\nstderr: {self.stderr[-3000:]}"
            )
        return self


def run_process(argv: Sequence[str], env: Mapping[str, str], scratch: Path) -> ProcessSample:
    """Run ``argv`` to completion and measure it with ``wait4``.

    ``posix_spawn`` + ``wait4`` rather than ``subprocess``: the rusage ``wait4`` returns belongs to this
    one child (plus the descendants it reaped), not to every child this process ever had, which is
    what ``getrusage(RUSAGE_CHILDREN)`` would mix in. Output goes to files, so a chatty child can never
    block on a full pipe while we wait for it. ``argv[0]`` must be a path: nothing searches PATH.
    """
    out_path, err_path = scratch / "stdout.txt", scratch / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err, open(os.devnull, "rb") as null:
        actions = [
            (os.POSIX_SPAWN_DUP2, null.fileno(), 0),
            (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        ]
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], list(argv), dict(env), file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    return ProcessSample(
        argv=tuple(argv),
        exit_code=os.waitstatus_to_exitcode(status),
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        maxrss_kb=usage.ru_maxrss,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )
