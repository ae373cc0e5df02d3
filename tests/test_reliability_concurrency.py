"""Many lookups at once: every result is right, one client per AWS setting, no shared-state races.

The engine runs the checks of a stack's resources concurrently inside one provider host, and programs
call ``get_image_version`` from threads; both share the process-wide client cache. Figures:
``tests/reliability_report.py``.
"""

from __future__ import annotations

import os
import shlex
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_sagemaker_image import ImageVersionInfo, ImageVersionProvider, get_image_version
from pulumi_sagemaker_image.lookup import AwsSettings, clear_client_cache, client_cache_stats, sagemaker_client
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

from .conftest import to_struct
from .reliability_report import (
    CLEARED_BEFORE_ROUNDS,
    CONCURRENCY_ROUNDS,
    CONCURRENCY_THREADS,
    HOST_CHECKS,
    LOOKUPS_PER_ROUND,
    SETTINGS_PER_ROUND,
)

IMAGE = "demo-pytorch"
SELECTORS: list[dict[str, Any]] = [
    {},
    {"version": 1},
    {"version": 2},
    {"version": 3},
    {"version": 4},
    {"alias": "stable"},
    {"alias": "canary"},
    {"alias": "legacy"},
]
# Distinct settings, hence distinct clients: timeouts and attempt budgets users pick.
SETTINGS: list[dict[str, Any]] = [
    {},
    {"read_timeout": 7.0},
    {"max_attempts": 5},
    {"connect_timeout": 2.0, "read_timeout": 9.0},
    {"region": "us-east-1"},
    {"max_attempts": 4, "read_timeout": 11.0},
]


def expected_versions(emulator: SageMakerImageEmulator) -> dict[int, dict[str, Any]]:
    """What each version is, from raw boto3."""
    client = emulator.client()
    result = {}
    for version in (1, 2, 3, 4):
        raw = client.describe_image_version(ImageName=IMAGE, Version=version)
        aliases = client.list_aliases(ImageName=IMAGE, Version=version)["SageMakerImageVersionAliases"]
        result[version] = {
            "container_image": raw["ContainerImage"],
            "image_version_arn": raw["ImageVersionArn"],
            "aliases": tuple(sorted(aliases)),
        }
    return result


def resolves_to(selector: dict[str, Any]) -> int:
    if "version" in selector:
        return int(selector["version"])
    return {"stable": 3, "canary": 4, "legacy": 1}.get(selector.get("alias", ""), 4)


def test_the_settings_mix_matches_the_documented_figure() -> None:
    assert len(SETTINGS) == SETTINGS_PER_ROUND
    assert len({AwsSettings(**s) for s in SETTINGS}) == SETTINGS_PER_ROUND


def test_rounds_of_concurrent_lookups_are_all_correct(emulator: SageMakerImageEmulator) -> None:
    expected = expected_versions(emulator)
    clients_seen: dict[AwsSettings, set[int]] = {}
    seen_lock = threading.Lock()

    def one(index: int) -> tuple[dict[str, Any], ImageVersionInfo]:
        selector = SELECTORS[index % len(SELECTORS)]
        settings = SETTINGS[(index // len(SELECTORS)) % len(SETTINGS)]
        info = get_image_version(IMAGE, **selector, endpoint_url=emulator.endpoint_url, **settings)
        key = AwsSettings(endpoint_url=emulator.endpoint_url, **settings)
        with seen_lock:
            clients_seen.setdefault(key, set()).add(id(sagemaker_client(key)))
        return selector, info

    created_before = 0
    for round_ in range(CONCURRENCY_ROUNDS):
        cleared = round_ in CLEARED_BEFORE_ROUNDS
        if cleared:
            clear_client_cache()
            clients_seen.clear()
            created_before = 0
        # A burst of faults one short of the attempt budget: no single request can meet more of
        # them than it can retry, so every lookup must still succeed.
        emulator.inject("*", Fault.internal(), Fault.unavailable())
        with ThreadPoolExecutor(max_workers=CONCURRENCY_THREADS) as pool:
            results = list(pool.map(one, range(LOOKUPS_PER_ROUND)))

        assert len(results) == LOOKUPS_PER_ROUND
        for selector, info in results:
            version = resolves_to(selector)
            assert info.version == version, (round_, selector)
            assert info.container_image == expected[version]["container_image"]
            assert info.image_version_arn == expected[version]["image_version_arn"]
            assert info.aliases == expected[version]["aliases"]
            assert info.alias == selector.get("alias")
        assert emulator.pending_faults == {}
        stats = client_cache_stats()
        # One client per setting, created once however many threads asked for it first.
        assert stats.cached == SETTINGS_PER_ROUND
        assert stats.created == SETTINGS_PER_ROUND, (round_, stats)
        assert stats.created - created_before == (SETTINGS_PER_ROUND if round_ == 0 or cleared else 0)
        assert all(len(ids) == 1 for ids in clients_seen.values())
        created_before = stats.created


def test_first_use_from_many_threads_creates_one_client(emulator: SageMakerImageEmulator) -> None:
    settings = AwsSettings(endpoint_url=emulator.endpoint_url, read_timeout=13.0)
    start = threading.Barrier(CONCURRENCY_THREADS)

    def first_use(_: int) -> int:
        start.wait()
        return id(sagemaker_client(settings))

    with ThreadPoolExecutor(max_workers=CONCURRENCY_THREADS) as pool:
        ids = set(pool.map(first_use, range(CONCURRENCY_THREADS)))
    assert len(ids) == 1
    assert client_cache_stats().created == 1


def test_building_one_settings_client_does_not_hold_up_lookups_with_other_settings(
    emulator: SageMakerImageEmulator, tmp_path: Path
) -> None:
    # A profile whose credential_process is slow (an SSO broker, a hardware token) is asked while its
    # client is built; lookups with other settings (a program's other resources) must not queue behind it.
    started = tmp_path / "started"
    script = tmp_path / "slow_credentials.py"
    credentials = {"Version": 1, "AccessKeyId": "AKIASLOWPROCESS00001", "SecretAccessKey": "slow"}
    script.write_text(
        f"import json, pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(3)\n"
        f"print(json.dumps({credentials!r}))\n",
        encoding="utf-8",
    )
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        f"[profile slow]\ncredential_process = {shlex.quote(sys.executable)} {shlex.quote(str(script))}\n",
        encoding="utf-8",
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(get_image_version, IMAGE, profile="slow", endpoint_url=emulator.endpoint_url)
        while not started.exists():
            time.sleep(0.01)
        fast = get_image_version("demo-sklearn", endpoint_url=emulator.endpoint_url)
        assert slow.result().image_name == IMAGE
    assert fast.image_name == "demo-sklearn"
    # Whoever asked first while the slow client was being built was served first.
    assert [entry.params["ImageName"] for entry in emulator.request_log][:2] == ["demo-sklearn", "demo-sklearn"]
    assert client_cache_stats().created == 2


def test_an_alias_moving_during_concurrent_lookups_gives_whole_answers(emulator: SageMakerImageEmulator) -> None:
    # Each answer describes one version entirely (never version 3 with version 4's image), whichever
    # side of a move it saw.
    expected = expected_versions(emulator)
    stop = threading.Event()
    moves: list[int] = []

    def mover() -> None:
        target = 4
        while not stop.wait(0.002):
            emulator.move_alias(IMAGE, "stable", target)
            moves.append(target)
            target = 7 - target  # 3 <-> 4

    def one(_: int) -> ImageVersionInfo:
        return get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)

    moving = threading.Thread(target=mover)
    moving.start()
    try:
        with ThreadPoolExecutor(max_workers=CONCURRENCY_THREADS) as pool:
            results = list(pool.map(one, range(LOOKUPS_PER_ROUND)))
    finally:
        stop.set()
        moving.join()
    assert len(moves) >= 2  # the alias did move while the lookups ran
    assert {info.version for info in results} <= {3, 4}
    for info in results:
        assert info.container_image == expected[info.version]["container_image"]
        assert info.image_version_arn == expected[info.version]["image_version_arn"]
        assert info.alias == "stable"


# -- through the dynamic provider host ------------------------------------------------------------------

URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/sagemaker-image:ImageVersion::image"


def test_concurrent_checks_through_the_provider_host(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator
) -> None:
    expected = expected_versions(emulator)
    provider = serialize_provider(ImageVersionProvider())
    host_settings: list[dict[str, Any]] = [{}, {"region": "us-east-1"}, {"failOnArchived": True}]

    def one(index: int) -> tuple[int, dict[str, Any]]:
        selector = SELECTORS[index % len(SELECTORS)]
        inputs = {key: float(value) if key == "version" else value for key, value in selector.items()}
        news = {
            "imageName": IMAGE,
            "endpointUrl": emulator.endpoint_url,
            "__provider": provider,
            **inputs,
            **host_settings[index % len(host_settings)],
        }
        response = host.Check(provider_pb2.CheckRequest(urn=URN, olds=to_struct({}), news=to_struct(news)))
        assert list(response.failures) == []
        return resolves_to(selector), dict(rpc.deserialize_properties(response.inputs))

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one, range(HOST_CHECKS)))
    assert len(results) == HOST_CHECKS
    for version, state in results:
        assert state["version"] == version
        assert state["containerImage"] == expected[version]["container_image"]
        assert tuple(state["aliases"]) == expected[version]["aliases"]
