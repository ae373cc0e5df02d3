"""The real dynamic provider host (``python -m pulumi.dynamic``) driven over gRPC, as the engine drives it.

Two measurements on one host process:

* client reuse: 100 sequential ``Check`` calls with one AWS setting, counted three independent ways —
  the host's own ``client_cache_stats()`` read at exit (see :mod:`benchmarks.host_launcher`), TCP
  connections through :class:`~benchmarks.tcp_proxy.CountingProxy` (one per client, since sequential
  requests on one client reuse its single pooled connection), and requests the emulator served;
* host concurrency: 100 ``Check`` calls from 16 concurrent callers with 50 ms emulator latency, which
  shows what the host can do when the engine does not serialize Check (the ideal's denominator).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import grpc
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from benchmarks.harness import ALIAS, REGION, VENV_PYTHON, image_name
from benchmarks.report import Figure, Table
from benchmarks.tcp_proxy import CountingProxy
from pulumi_sagemaker_image import ImageVersionProvider

if TYPE_CHECKING:
    from google.protobuf import struct_pb2

    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

LAUNCHER: Final = Path(__file__).resolve().parent / "host_launcher.py"
URN: Final = "urn:pulumi:bench::bench::pulumi-python:dynamic/sagemaker-image:ImageVersion::image"


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    struct: struct_pb2.Struct = asyncio.run(rpc.serialize_properties(props, {}))
    return struct


@dataclass(frozen=True)
class HostRun:
    """What one provider host process did, from the launcher's record."""

    clients_created: int | None
    peak_rss_kb: int
    records: list[dict[str, Any]]


def read_host_records(stats_dir: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(stats_dir.glob("*.json")):
        if path.name.endswith(".clients.json"):
            continue
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return records


def summarize_hosts(records: list[dict[str, Any]]) -> HostRun:
    created: int | None = None
    for record in records:
        clients = record.get("clients")
        if isinstance(clients, dict):
            created = (created or 0) + int(clients["created"])
    peak = max((max(int(r.get("maxrss_kb", 0)), int(r.get("vm_hwm_kb", 0))) for r in records), default=0)
    return HostRun(clients_created=created, peak_rss_kb=peak, records=records)


class ProviderHost:
    """One host process started through the launcher; a context manager yielding a gRPC stub."""

    def __init__(self, env: Mapping[str, str], stats_dir: Path) -> None:
        self._env = dict(env, BENCH_HOST_STATS_DIR=str(stats_dir), PULUMI_PROJECT="bench")
        self._env.pop("PULUMI_RUNTIME_VIRTUALENV", None)
        self._env["BENCH_HOST_PYTHON"] = str(VENV_PYTHON)
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None

    def __enter__(self) -> provider_pb2_grpc.ResourceProviderStub:
        # A session of its own, so SIGINT can go to the whole group as the engine sends it.
        self._process = subprocess.Popen(
            [str(VENV_PYTHON), str(LAUNCHER)],
            stdout=subprocess.PIPE,
            env=self._env,
            start_new_session=True,
        )
        assert self._process.stdout is not None
        port = int(self._process.stdout.readline().decode().strip())
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self._channel).result(timeout=30)
        stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        stub.Configure(provider_pb2.ConfigureRequest(args=_struct({"aws:region": REGION})))
        return stub

    def __exit__(self, *_: object) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._process is not None:
            os.killpg(self._process.pid, signal.SIGINT)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()


@dataclass(frozen=True)
class HostReuse:
    checks: int
    clients_created: int | None
    connections: int
    requests_served: int
    describe_calls: int
    list_alias_calls: int
    concurrent_checks: int
    concurrent_seconds: float
    concurrent_max_in_flight: int
    concurrent_latency_s: float


def measure_host(emulator: SageMakerImageEmulator, env: Mapping[str, str], scratch: Path, checks: int) -> HostReuse:
    stats_dir = scratch / "host-stats"
    provider = serialize_provider(ImageVersionProvider())
    host, port = emulator.endpoint_url.removeprefix("http://").rsplit(":", 1)
    with CountingProxy(host, int(port)) as proxy:

        def news(index: int) -> struct_pb2.Struct:
            return _struct(
                {
                    "imageName": image_name(index % 100),
                    "alias": ALIAS,
                    "endpointUrl": proxy.endpoint_url,
                    "__provider": provider,
                }
            )

        requests = [news(index) for index in range(checks)]
        with ProviderHost(env, stats_dir) as stub:

            def check(request: struct_pb2.Struct) -> None:
                response = stub.Check(provider_pb2.CheckRequest(urn=URN, olds=_struct({}), news=request))
                if list(response.failures):
                    raise RuntimeError(f"Check failed: {response.failures}")

            emulator.clear_requests()
            proxy.reset()
            for request in requests:
                check(request)
            sequential = proxy.stats()
            served = emulator.request_count()
            describe = emulator.request_count("DescribeImageVersion")
            list_aliases = emulator.request_count("ListAliases")

            # Concurrency: the same host, more callers than its worker threads, real-ish latency.
            latency = 0.05
            previous, emulator.latency = emulator.latency, latency
            proxy.reset()
            try:
                start = time.perf_counter()
                with ThreadPoolExecutor(max_workers=16) as pool:
                    list(pool.map(check, requests))
                concurrent_seconds = time.perf_counter() - start
            finally:
                emulator.latency = previous
            concurrent = proxy.stats()
    run = summarize_hosts(read_host_records(stats_dir))
    return HostReuse(
        checks=checks,
        clients_created=run.clients_created,
        connections=sequential.connections,
        requests_served=served,
        describe_calls=describe,
        list_alias_calls=list_aliases,
        concurrent_checks=checks,
        concurrent_seconds=concurrent_seconds,
        concurrent_max_in_flight=concurrent.max_in_flight,
        concurrent_latency_s=latency,
    )


def client_reuse_figure(in_process_created: int, in_process_requests: int, host: HostReuse | None) -> Figure:
    figure = Figure(
        key="client_reuse",
        title="Client reuse",
        target="1 boto3 client for 100 lookups with one setting",
        how=(
            "In this process: `clear_client_cache()`, 100 `get_image_version` calls with one AWS setting, then "
            "`client_cache_stats().created`. In the provider host: the real `python -m pulumi.dynamic` started "
            f"as the engine starts it and sent {host.checks if host else 100} sequential `Check` calls over gRPC "
            "(one setting, different images), then counted three independent ways: the host's own "
            "`client_cache_stats()` written by an `atexit` hook when the engine-style SIGINT stops it (no code "
            "under test is patched); TCP connections through a counting proxy in front of the emulator "
            "(sequential requests keep one pooled connection per client, so connections = clients created); and "
            "the requests the emulator served."
        ),
    )
    table = Table(("where", "lookups", "clients created", "TCP connections", "requests served"))
    table.add("this process (`get_image_version`)", 100, in_process_created, "—", in_process_requests)
    worst = float(in_process_created)
    if host is not None:
        created = host.clients_created
        table.add(
            "provider host (gRPC `Check`)",
            host.checks,
            "unavailable" if created is None else created,
            host.connections,
            f"{host.requests_served} ({host.describe_calls} Describe, {host.list_alias_calls} ListAliases)",
        )
        worst = max(worst, float(host.connections), float(created if created is not None else host.connections))
        figure.notes.append(
            f"Host concurrency: {host.concurrent_checks} `Check` calls from 16 concurrent callers with "
            f"{host.concurrent_latency_s * 1e3:.0f} ms emulator latency took {host.concurrent_seconds:.2f} s, "
            f"at most {host.concurrent_max_in_flight} requests in flight (the host's gRPC pool)."
        )
    figure.tables.append(("", table))
    figure.judge(worst, 1.0, "==")
    figure.result = f"{in_process_created} in process, " + (
        f"{host.clients_created} in the provider host ({host.connections} TCP connection)"
        if host
        else "host not measured"
    )
    figure.details = {
        "in_process_created": in_process_created,
        "in_process_requests": in_process_requests,
        "host": None if host is None else host.__dict__,
    }
    return figure
