"""What every benchmark shares: an isolated environment, the emulator's seed, timing and statistics, the
comparison of lookup variants in one process, and the workspace the engine benchmarks run the CLI in."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from benchmarks.report import Table
from benchmarks.tcp_proxy import CountingProxy
from pulumi_sagemaker_image.testing import AWS_ENVIRONMENT_VARIABLES

if TYPE_CHECKING:
    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

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


# -- variants of one lookup, timed in this process ---------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Variants of one lookup timed in interleaved rounds, and the requests the emulator served meanwhile."""

    rounds: int
    warmup: int
    samples: dict[str, list[float]]
    requests_per_lookup: float

    @property
    def summaries(self) -> dict[str, Summary]:
        return {key: Summary.of(values) for key, values in self.samples.items()}

    def ratio(self, key: str, base: str) -> float:
        return paired_ratio(self.samples[key], self.samples[base])

    def result(self, key: str, base: str, *, digits: int) -> str:
        """``1.052x (0.61 ms vs 0.58 ms)``: the paired ratio and the two medians."""
        summaries = self.summaries
        return (
            f"{self.ratio(key, base):.{digits}f}x ({summaries[key].median * 1e3:.2f} ms vs "
            f"{summaries[base].median * 1e3:.2f} ms)"
        )

    def table(self, labels: Mapping[str, str], base: str, ratio_heading: str) -> Table:
        """One row per variant: median, p10 and p90 in ms, and its paired ratio to ``base``."""
        table = Table(("variant", "median ms", "p10 ms", "p90 ms", ratio_heading))
        summaries = self.summaries
        for key, label in labels.items():
            summary = summaries[key]
            table.add(label, summary.median * 1e3, summary.p10 * 1e3, summary.p90 * 1e3, self.ratio(key, base))
        return table

    def details(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "warmup_rounds": self.warmup,
            "requests_per_lookup": self.requests_per_lookup,
            "seconds": {key: summary.to_json() for key, summary in self.summaries.items()},
        }


def compare_lookups(
    emulator: SageMakerImageEmulator, variants: Mapping[str, Callable[[], object]], *, rounds: int, lookups: int
) -> Comparison:
    """Time ``variants`` in ``rounds`` interleaved rounds after a warm-up of a twentieth of them (20 at least).

    ``lookups`` of the variants each make one lookup per call (the others make no request), so the
    emulator's request count over the run gives the requests per lookup: every side must do the same work.
    """
    warmup = max(20, rounds // 20)
    emulator.clear_requests()
    samples = interleave({key: timed(function) for key, function in variants.items()}, rounds=rounds, warmup=warmup)
    return Comparison(rounds, warmup, samples, emulator.request_count() / (lookups * (rounds + warmup)))


# -- the Pulumi CLI on generated projects -------------------------------------------------------------

# What a process's first lookup pays once (importing the lookup, building the client), paid by every
# generated Python program, the 0-lookup one too, both in the program and in the dynamic provider host it
# starts (through one no-op dynamic resource): the 0-lookup baseline then carries every fixed cost, and the
# difference from it is per-lookup work. A ``str.format`` template (``endpoint``, ``region``); the programs
# put their own imports before it and their lookups after it.
PYTHON_FIXED_COSTS: Final = """\
from typing import Any

from pulumi import dynamic

from pulumi_sagemaker_image.lookup import AwsSettings, sagemaker_client

ENDPOINT = {endpoint!r}
REGION = {region!r}


def warm_up() -> None:
    # What the first lookup in a process pays once is paid here too (see benchmarks.harness).
    sagemaker_client(AwsSettings(region=REGION, endpoint_url=ENDPOINT))


class _AnchorProvider(dynamic.ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        from pulumi_sagemaker_image.lookup import AwsSettings, sagemaker_client

        sagemaker_client(AwsSettings(region=REGION, endpoint_url=ENDPOINT))
        return dynamic.CheckResult(news, [])

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        return dynamic.CreateResult(id_="anchor", outs={{}})


class Anchor(dynamic.Resource):
    \"\"\"Starts the dynamic provider host (and warms it as above) even when there are no lookups.\"\"\"

    def __init__(self, name: str) -> None:
        super().__init__(_AnchorProvider(), name, {{}})


warm_up()
Anchor("anchor")
"""


@dataclass(frozen=True)
class Observed:
    """One Pulumi command: its process, and what the emulator and the counting proxy saw meanwhile."""

    sample: ProcessSample
    scratch: Path
    describe: int
    list_aliases: int
    other_requests: int
    connections: int
    max_in_flight: int


@dataclass
class EngineWorkspace:
    """Generated projects under ``root``, a file backend beside them, and the environment the CLI runs in.

    The set-up every engine benchmark shares; :class:`benchmarks.engine.PulumiWorkspace` and
    :class:`benchmarks.yaml_engine.YamlWorkspace` add their programs and what else they observe. Lookups
    go through ``proxy`` to ``emulator``.
    """

    root: Path
    pulumi_bin: Path
    base_env: Mapping[str, str]
    emulator: SageMakerImageEmulator
    proxy: CountingProxy
    env: dict[str, str] = field(default_factory=dict)
    _serial: int = 0

    def engine_env(self, *, first_on_path: Sequence[Path] = (), **extra: str) -> dict[str, str]:
        """``base_env`` with a local file backend, no update checks or plugin downloads, a private
        ``PULUMI_HOME``, and on ``PATH`` the folders ``first_on_path`` then the CLI's folder (which holds
        the language hosts)."""
        (self.root / "state").mkdir(parents=True, exist_ok=True)
        path = [*(str(folder) for folder in first_on_path), str(self.pulumi_bin.parent), self.base_env.get("PATH", "")]
        return dict(
            self.base_env,
            PULUMI_BACKEND_URL=f"file://{self.root / 'state'}",
            PULUMI_CONFIG_PASSPHRASE="benchmark",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_HOME=str(self.root / "pulumi-home"),
            PATH=":".join(path),
            **extra,
        )

    def command_env(self, scratch: Path) -> dict[str, str]:
        """The environment of one command whose files go to ``scratch`` (a subclass may add to it)."""
        return dict(self.env)

    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def pulumi(
        self, project: Path, args: Sequence[str], scratch: Path, extra_env: Mapping[str, str] | None = None
    ) -> ProcessSample:
        scratch.mkdir(parents=True, exist_ok=True)
        argv = [str(self.pulumi_bin), *args, "--cwd", str(project), "--non-interactive", "--color", "never"]
        return run_process(argv, dict(self.command_env(scratch), **(extra_env or {})), scratch).check()

    def python_project(self, directory: Path, name: str, program: str) -> Path:
        """A Python project in ``directory`` whose program runs in this virtualenv."""
        directory.mkdir(parents=True)
        (directory / "Pulumi.yaml").write_text(
            f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {VENV_PYTHON.parent.parent}\n",
            encoding="utf-8",
        )
        (directory / "__main__.py").write_text(program, encoding="utf-8")
        return directory

    def init_stack(self, project: Path) -> str:
        stack = f"s{self.next_serial()}"
        self.pulumi(project, ["stack", "init", stack], self.root / "runs" / f"init-{stack}")
        return stack

    def observe(
        self, project: Path, stack: str, args: Sequence[str], extra_env: Mapping[str, str] | None = None
    ) -> Observed:
        """Run one command on ``stack``, counting the requests and connections it made."""
        scratch = self.root / "runs" / f"{self.next_serial()}-{stack}"
        self.emulator.clear_requests()
        self.proxy.reset()
        sample = self.pulumi(project, [*args, "--stack", stack], scratch, extra_env)
        describe = self.emulator.request_count("DescribeImageVersion")
        list_aliases = self.emulator.request_count("ListAliases")
        proxy = self.proxy.stats()
        return Observed(
            sample=sample,
            scratch=scratch,
            describe=describe,
            list_aliases=list_aliases,
            other_requests=self.emulator.request_count() - describe - list_aliases,
            connections=proxy.connections,
            max_in_flight=proxy.max_in_flight,
        )

    def version(self) -> str:
        return str(run_process([str(self.pulumi_bin), "version"], self.env, self.root).check().stdout.strip())
