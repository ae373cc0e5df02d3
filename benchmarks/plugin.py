"""The native plugin (``pulumi-resource-sagemaker-image``) on its own: how fast it starts, what an invoke costs.

* Plugin start: exec to the port line, the moment the engine can connect, against the dynamic provider
  host (``python -u -m pulumi.dynamic``, as Pulumi's launcher runs it), whole processes interleaved.
  Exec to the first lookup answered (configure, then one lookup: an invoke for the plugin, a ``Check``
  of a pickled ``ImageVersionProvider`` for the dynamic host) is reported beside it, so that printing
  the port early and making the first call wait for the rest would show.
* Invoke overhead: a warm ``getImageVersion`` invoke over gRPC (the plugin configured for the emulator,
  as the engine configures it) against ``get_image_version`` in this process, interleaved. Context rows
  take the invoke apart: a ``GetPluginInfo`` round trip (gRPC alone) and the servicer's work done in
  this process without gRPC (Struct in, :func:`~pulumi_sagemaker_image.semantics.invoke`, Struct out).

Both sides of each ratio run against the same emulator, which answers from this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from benchmarks.harness import (
    ALIAS,
    REGION,
    VENV_PYTHON,
    Summary,
    compare_lookups,
    image_name,
    interleave,
    paired_ratio,
)
from benchmarks.report import Figure, Table

if TYPE_CHECKING:
    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

PLUGIN: Final = VENV_PYTHON.parent / "pulumi-resource-sagemaker-image"
FUNCTION_TOKEN: Final = "sagemaker-image:index:getImageVersion"
PROVIDER_URN: Final = "urn:pulumi:bench::bench::pulumi:providers:sagemaker-image::default"
START_TARGET: Final = 1.0
INVOKE_TARGET: Final = 1.3
_CALL_TIMEOUT_S: Final = 60.0


def plugin_argv(engine_address: str) -> list[str]:
    return [str(PLUGIN), engine_address]


def dynamic_host_argv(engine_address: str) -> list[str]:
    # What pulumi-resource-pulumi-python execs (less the shell in front of it).
    return [str(VENV_PYTHON), "-u", "-m", "pulumi.dynamic", engine_address]


@contextmanager
def fake_engine() -> Iterator[str]:
    """A gRPC server on 127.0.0.1 standing for the engine: the address plugins are given, and a ``Log`` sink."""

    class _Engine(engine_pb2_grpc.EngineServicer):
        def Log(self, request: Any, context: Any) -> empty_pb2.Empty:
            return empty_pb2.Empty()

    server = grpc.server(futures.ThreadPoolExecutor(2))
    engine_pb2_grpc.add_EngineServicer_to_server(_Engine(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None).wait()


@dataclass(frozen=True)
class StartSample:
    port_s: float  # exec to the port line
    answer_s: float  # exec to the first lookup answered


class StartedPlugin:
    """A provider process started as the engine starts one: its port, read from the first stdout line."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        start = time.perf_counter()
        # Its own session, so that everything it started goes with it.
        self.process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode(errors="replace").strip()
        self.port_s = time.perf_counter() - start
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"{argv[0]} printed {line!r} instead of a port (exit {self.process.returncode})")
        self.port = int(line)
        self.started = start
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def stop(self) -> None:
        if hasattr(self, "channel"):
            self.channel.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> StartedPlugin:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def configure(stub: Any, endpoint: str) -> None:
    """Configure a started plugin as the engine does for a provider with ``endpointUrl`` and ``region``."""
    config = _struct({"endpointUrl": endpoint, "region": REGION})
    checked = stub.CheckConfig(
        provider_pb2.CheckRequest(urn=PROVIDER_URN, news=config), timeout=_CALL_TIMEOUT_S, wait_for_ready=True
    )
    if list(checked.failures):
        raise RuntimeError(f"CheckConfig failed: {checked.failures}")
    stub.Configure(provider_pb2.ConfigureRequest(args=checked.inputs), timeout=_CALL_TIMEOUT_S)


def invoke(stub: Any, name: str) -> struct_pb2.Struct:
    """``getImageVersion`` of ``name`` by the benchmark alias: the returned properties, as the engine gets them."""
    response = stub.Invoke(
        provider_pb2.InvokeRequest(tok=FUNCTION_TOKEN, args=_struct({"imageName": name, "alias": ALIAS})),
        timeout=_CALL_TIMEOUT_S,
    )
    if list(response.failures):
        raise RuntimeError(f"Invoke failed: {response.failures}")
    returned: struct_pb2.Struct = getattr(response, "return")
    return returned


def _first_plugin_lookup(stub: Any, endpoint: str) -> None:
    configure(stub, endpoint)
    invoke(stub, image_name(0))


def _first_dynamic_lookup(stub: Any, check_request: Any) -> None:
    stub.Configure(
        provider_pb2.ConfigureRequest(args=_struct({"aws:region": REGION})),
        timeout=_CALL_TIMEOUT_S,
        wait_for_ready=True,
    )
    response = stub.Check(check_request, timeout=_CALL_TIMEOUT_S)
    if list(response.failures):
        raise RuntimeError(f"Check failed: {response.failures}")


def _start_once(argv: Sequence[str], env: Mapping[str, str], first_lookup: Callable[[Any], None]) -> StartSample:
    with StartedPlugin(argv, env) as started:
        first_lookup(started.stub)
        return StartSample(port_s=started.port_s, answer_s=time.perf_counter() - started.started)


def plugin_start(emulator: SageMakerImageEmulator, env: Mapping[str, str], rounds: int) -> Figure:
    from pulumi.dynamic.dynamic import serialize_provider

    from benchmarks.provider_host import URN as DYNAMIC_URN
    from benchmarks.provider_host import _struct as serialize_struct
    from pulumi_sagemaker_image import ImageVersionProvider

    figure = Figure(
        key="plugin_start",
        title="Plugin start",
        target=f"≤ {START_TARGET:.1f}x `python -m pulumi.dynamic`",
        how=(
            f"Whole processes, {rounds} interleaved rounds after two warm-up rounds: `pulumi-resource-sagemaker-image "
            "<engine>` (the console script) against `python -u -m pulumi.dynamic <engine>` (what Pulumi's "
            "`pulumi-resource-pulumi-python` launcher execs for a dynamic provider), each given the address of a "
            "gRPC server standing for the engine. Time from exec to the port line on stdout, which is when the "
            "engine can connect; the ratio is the median of per-round ratios. Exec to the first lookup answered "
            "is reported alongside: the plugin gets `CheckConfig`, `Configure` and a `getImageVersion` invoke, "
            "the dynamic host `Configure` and a `Check` of a pickled `ImageVersionProvider` (which loads this "
            "package there), each resolving one image from the emulator. Same interpreter, same private "
            "bytecode cache; the dynamic host is started without its shell launcher."
        ),
    )
    endpoint = emulator.endpoint_url
    check_request = provider_pb2.CheckRequest(
        urn=DYNAMIC_URN,
        olds=serialize_struct({}),
        news=serialize_struct(
            {
                "imageName": image_name(0),
                "alias": ALIAS,
                "endpointUrl": endpoint,
                "region": REGION,
                "__provider": serialize_provider(ImageVersionProvider()),
            }
        ),
    )
    dynamic_env = dict(env, PULUMI_PROJECT="bench")
    with fake_engine() as address:
        variants: dict[str, Callable[[], StartSample]] = {
            "plugin": lambda: _start_once(plugin_argv(address), env, lambda stub: _first_plugin_lookup(stub, endpoint)),
            "dynamic": lambda: _start_once(
                dynamic_host_argv(address), dynamic_env, lambda stub: _first_dynamic_lookup(stub, check_request)
            ),
        }
        samples = interleave(variants, rounds=rounds, warmup=2)
    port = {name: [s.port_s for s in values] for name, values in samples.items()}
    answer = {name: [s.answer_s for s in values] for name, values in samples.items()}
    ratio = paired_ratio(port["plugin"], port["dynamic"])
    answer_ratio = paired_ratio(answer["plugin"], answer["dynamic"])
    summaries = {name: (Summary.of(port[name]), Summary.of(answer[name])) for name in samples}
    figure.judge(ratio, START_TARGET)
    figure.result = (
        f"{ratio:.2f}x ({summaries['plugin'][0].median * 1e3:.0f} ms vs {summaries['dynamic'][0].median * 1e3:.0f} ms "
        "to the port line)"
    )
    table = Table(("process", "exec → port, median ms", "p90 ms", "exec → first lookup answered, median ms", "p90 ms"))
    labels = {"plugin": "pulumi-resource-sagemaker-image", "dynamic": "python -u -m pulumi.dynamic"}
    for name, label in labels.items():
        to_port, to_answer = summaries[name]
        table.add(label, to_port.median * 1e3, to_port.p90 * 1e3, to_answer.median * 1e3, to_answer.p90 * 1e3)
    figure.tables.append(("", table))
    figure.notes.append(
        f"Exec to the first lookup answered: {answer_ratio:.2f}x. The plugin prints its port having loaded only "
        "grpc; Pulumi's generated stubs (and with them the Pulumi SDK), botocore and pydantic load right after, in "
        "the background, while the engine connects. The dynamic host loads the Pulumi SDK and dill before its "
        "port, and this package (botocore, pydantic) when the first `Check` unpickles the provider."
    )
    figure.details = {
        "rounds": rounds,
        "ratio": ratio,
        "answer_ratio": answer_ratio,
        "port_s": {name: summaries[name][0].to_json() for name in samples},
        "answer_s": {name: summaries[name][1].to_json() for name in samples},
    }
    return figure


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def invoke_overhead(emulator: SageMakerImageEmulator, env: Mapping[str, str], rounds: int) -> Figure:
    from pulumi_sagemaker_image import semantics
    from pulumi_sagemaker_image.lookup import get_image_version
    from pulumi_sagemaker_image.plugin._servicer import to_dict, to_struct

    figure = Figure(
        key="invoke_overhead",
        title="Invoke overhead",
        target=f"≤ {INVOKE_TARGET:.1f}x in-process `get_image_version`",
        how=(
            "A warm `getImageVersion` invoke (`imageName`, `alias`) over gRPC to the running plugin, configured "
            "as the engine configures it (`CheckConfig` + `Configure` with `endpointUrl` and `region`), against "
            "`get_image_version(name, alias=..., region=..., endpoint_url=...)` in this process; the same emulator "
            f"(no added latency) answers both. {rounds} interleaved rounds after a warm-up; the ratio is the median "
            "of per-round ratios. Context, timed in the same rounds: a `GetPluginInfo` round trip (gRPC and "
            "the plugin's call handling alone) and what the servicer does for an invoke, run in this process "
            "without gRPC (Struct to dict, `semantics.invoke`, dict to Struct)."
        ),
    )
    name = image_name(0)
    endpoint = emulator.endpoint_url
    args_struct = _struct({"imageName": name, "alias": ALIAS})
    defaults = semantics.defaults_from_config({"endpointUrl": endpoint, "region": REGION})

    with fake_engine() as address, StartedPlugin(plugin_argv(address), env) as plugin:
        stub = plugin.stub
        configure(stub, endpoint)

        def over_grpc() -> struct_pb2.Struct:
            return invoke(stub, name)

        def in_process() -> object:
            return get_image_version(name, alias=ALIAS, region=REGION, endpoint_url=endpoint)

        def servicer_work() -> object:
            outcome = semantics.invoke(to_dict(args_struct), defaults=defaults)
            return to_struct(outcome.properties)

        def round_trip() -> object:
            return stub.GetPluginInfo(empty_pb2.Empty(), timeout=_CALL_TIMEOUT_S)

        # The same answer from both sides, or the comparison means nothing.
        invoked = to_dict(over_grpc())
        looked_up = get_image_version(name, alias=ALIAS, region=REGION, endpoint_url=endpoint).to_json_dict()
        if invoked["containerImage"] != looked_up["containerImage"] or invoked["version"] != looked_up["version"]:
            raise AssertionError("the invoke and get_image_version disagree; the benchmark compares different work")

        compared = compare_lookups(
            emulator,
            {"invoke": over_grpc, "lookup": in_process, "servicer": servicer_work, "round_trip": round_trip},
            rounds=rounds,
            lookups=3,  # the invoke, the lookup and the servicer's work; the round trip makes no request
        )
        cpu = _cpu_per_call(plugin.process.pid, over_grpc, in_process, max(100, rounds // 2))
    ratio = compared.ratio("invoke", "lookup")
    figure.judge(ratio, INVOKE_TARGET)
    figure.result = compared.result("invoke", "lookup", digits=2)
    labels = {
        "invoke": "`getImageVersion` invoke over gRPC",
        "lookup": "`get_image_version` in process",
        "servicer": "the servicer's work in process, no gRPC (context)",
        "round_trip": "`GetPluginInfo` round trip (context)",
    }
    figure.tables.append(("", compared.table(labels, "lookup", "ratio to in-process get_image_version")))
    figure.notes.append(
        f"CPU per lookup, from {cpu['calls']} more calls of each after the timed rounds: the plugin process (all its "
        f"threads) {cpu['plugin_process_ms']:.2f} ms per invoke, against {cpu['in_process_thread_ms']:.2f} ms on the "
        f"calling thread for `get_image_version` in this process (and {cpu['client_thread_ms']:.2f} ms on the calling "
        "thread for the gRPC client's side of an invoke). Time beyond the two sides' CPU is waiting to be scheduled: "
        "an invoke wakes threads in three processes (client, plugin, emulator) several times, an in-process lookup "
        "only this process's two, and every wake-up waits its turn on a loaded machine."
    )
    figure.notes.append(
        f"Every lookup made {compared.requests_per_lookup:.2f} requests (DescribeImageVersion + ListAliases)."
    )
    figure.details = {
        **compared.details(),
        "ratio": ratio,
        "ratios_to_lookup": {key: compared.ratio(key, "lookup") for key in compared.samples},
        "cpu": cpu,
    }
    return figure


_CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process, every thread, from ``/proc/<pid>/stat``."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _cpu_per_call(
    pid: int, over_grpc: Callable[[], object], in_process: Callable[[], object], calls: int
) -> dict[str, Any]:
    """CPU milliseconds per call: the plugin process's (all threads) and this thread's, for each side."""
    plugin_before, thread_before = process_cpu_s(pid), time.thread_time()
    for _ in range(calls):
        over_grpc()
    plugin_cpu, client_cpu = process_cpu_s(pid) - plugin_before, time.thread_time() - thread_before
    thread_before = time.thread_time()
    for _ in range(calls):
        in_process()
    lookup_cpu = time.thread_time() - thread_before
    return {
        "calls": calls,
        "plugin_process_ms": plugin_cpu / calls * 1e3,
        "client_thread_ms": client_cpu / calls * 1e3,
        "in_process_thread_ms": lookup_cpu / calls * 1e3,
    }


def plugin_installed() -> Path | None:
    """The console script, or None when the package was installed without it."""
    return PLUGIN if PLUGIN.exists() else None
