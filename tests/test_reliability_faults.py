"""Flaky AWS: the lookup recovers from bursts within its retry budget, and fails clearly and in bounded
time when the budget is spent.

Faults are scripted in the emulator (one per request); the lookup under test is the real
``get_image_version`` with its real botocore client. ``random`` is seeded before each test because
botocore draws its backoff jitter from it, so the waits between attempts are the same on every run.
The cases and their expected outcomes are the constants of ``tests/reliability_report.py``, which also
renders docs/reliability.md; the last test keeps that page in step.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_sagemaker_image import (
    AwsConnectionError,
    ImageVersionInfo,
    ImageVersionLookupError,
    get_image_version,
)
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

from . import reliability_report as report
from .reliability_report import (
    CONNECT_TIMEOUT,
    FAULT_CASES,
    FAULT_SEED,
    HANG_SECONDS,
    HANG_WALL_LIMIT,
    LATENCY_SECONDS,
    QUOTA_LOOKUPS,
    READ_TIMEOUT,
    SEED_FILE_LOOKUPS,
    FaultCase,
)

CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
IMAGE = "demo-pytorch"
SUBJECT = f"image '{IMAGE}' (alias 'stable') in us-east-1"

FAULTS: dict[str, Callable[[], Fault]] = {
    "throttle": Fault.throttle,
    "internal": Fault.internal,
    "unavailable": Fault.unavailable,
    "access_denied": Fault.access_denied,
    "drop": Fault.drop,
    "hang": lambda: Fault.hang(HANG_SECONDS),
    "latency": lambda: Fault.latency(LATENCY_SECONDS),
}
# What the message of an exhausted budget names besides the image and selector.
NAMED_IN_MESSAGE = {
    "throttle": "ThrottlingException",
    "internal": "InternalFailure",
    "unavailable": "ServiceUnavailable",
    "drop": "closed the connection without answering",
    "hang": f"did not answer in time for {SUBJECT}",
    "access_denied": "sagemaker:DescribeImageVersion",
}


@pytest.fixture(autouse=True)
def seeded_backoff() -> Iterator[None]:
    state = random.getstate()
    random.seed(FAULT_SEED)
    yield
    random.setstate(state)


def lookup(emulator: SageMakerImageEmulator, **kwargs: Any) -> ImageVersionInfo:
    return get_image_version(
        IMAGE,
        alias="stable",
        endpoint_url=emulator.endpoint_url,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        **kwargs,
    )


def apply_budget(budget: str, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], int]:
    """Set the attempt budget the way the case says a user does; returns lookup kwargs and the budget."""
    kwargs: dict[str, Any] = {}
    sources: dict[str, int] = {}
    for part in budget.split(", "):
        if part == "default":
            continue
        name, _, value = part.rpartition("=")
        if name == "max_attempts":
            kwargs["max_attempts"] = sources["input"] = int(value)
        elif name == "AWS_MAX_ATTEMPTS":
            monkeypatch.setenv("AWS_MAX_ATTEMPTS", value)
            sources["env"] = int(value)
        elif name == "profile max_attempts":
            # A named profile replaces the environment's credentials in botocore's chain: give it some.
            Path(os.environ["AWS_CONFIG_FILE"]).write_text(
                f"[profile retrying]\nmax_attempts = {value}\n"
                "aws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profile-secret\n"
            )
            kwargs["profile"] = "retrying"
            sources["profile"] = int(value)
        else:
            raise AssertionError(f"unknown budget {part!r}")
    effective = next((sources[s] for s in ("input", "env", "profile") if s in sources), 3)
    return kwargs, effective


def test_every_fault_kind_and_budget_source_is_exercised() -> None:
    kinds = {kind for case in FAULT_CASES for kind in case.faults}
    assert kinds == set(FAULTS)
    assert len({case.id for case in FAULT_CASES}) == len(FAULT_CASES)
    assert {case.operation for case in FAULT_CASES} == {"DescribeImageVersion", "ListAliases"}


@pytest.mark.parametrize("case", FAULT_CASES, ids=lambda case: case.id)
def test_fault_burst(case: FaultCase, emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs, budget = apply_budget(case.budget, monkeypatch)
    emulator.inject(case.operation, *(FAULTS[kind]() for kind in case.faults))
    emulator.clear_requests()
    began = time.monotonic()

    if case.outcome == "recovered":
        info = lookup(emulator, **kwargs)
        elapsed = time.monotonic() - began
        assert emulator.request_count() == case.requests
        assert emulator.pending_faults == {}
        # The same answer as a lookup that met no fault at all.
        assert info == lookup(emulator, **kwargs)
        assert (info.version, info.alias) == (3, "stable")
        if "latency" in case.faults:
            assert elapsed >= LATENCY_SECONDS
        return

    with pytest.raises(ImageVersionLookupError) as caught:
        lookup(emulator, **kwargs)
    elapsed = time.monotonic() - began
    error = caught.value
    message = str(error)
    assert type(error).__name__ == case.outcome
    assert emulator.request_count() == case.requests
    assert emulator.pending_faults == {}
    made = emulator.request_count(case.operation)
    assert SUBJECT in message
    assert NAMED_IN_MESSAGE[case.faults[-1]] in message
    if case.outcome != "AwsAccessDenied":
        assert made == len(case.faults) == budget  # spent exactly its budget, no more
        assert f"after {made} attempt{'s' if made != 1 else ''}" in message
    if case.faults[-1] in ("throttle", "internal", "unavailable"):
        assert case.operation in message
    if "hang" in case.faults:
        assert f"read timeout {READ_TIMEOUT:g}s" in message
        assert elapsed < HANG_WALL_LIMIT
    assert "\n" not in message


def test_a_connect_that_never_completes_is_bounded_by_connect_timeout() -> None:
    # A listener whose accept queue is full: the kernel drops further SYNs, so connect() stalls.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            time.sleep(0.1)
            began = time.monotonic()
            with pytest.raises(AwsConnectionError) as caught:
                get_image_version(
                    IMAGE,
                    endpoint_url=f"http://127.0.0.1:{port}",
                    connect_timeout=CONNECT_TIMEOUT,
                    max_attempts=2,
                )
            elapsed = time.monotonic() - began
        finally:
            for filler in fillers:
                filler.close()
    # Two connects of CONNECT_TIMEOUT, standard retry mode's first backoff (at most 1 s), and slack for a
    # busy machine (make compat runs this beside three other test workers); botocore's own default
    # connect timeout, 60 s, would take over two minutes.
    assert elapsed < 2 * CONNECT_TIMEOUT + 1.0 + 3.0
    message = str(caught.value)
    assert "did not answer in time" in message
    assert f"connect timeout {CONNECT_TIMEOUT:g}s" in message
    assert "after 2 attempts" in message


def test_attempts_reported_are_attempts_made_when_botocore_stops_retrying(emulator: SageMakerImageEmulator) -> None:
    # botocore's standard mode keeps a retry quota per client; once failures have spent it, it stops
    # retrying. The message must then say how many attempts were really made, not the budget.
    emulator.inject("DescribeImageVersion", *(Fault.drop() for _ in range(3 * QUOTA_LOOKUPS)))
    made: list[int] = []
    for _ in range(QUOTA_LOOKUPS):
        before = emulator.request_count()
        with pytest.raises(AwsConnectionError) as caught:
            lookup(emulator)
        attempts = emulator.request_count() - before
        made.append(attempts)
        message = str(caught.value)
        assert f"after {attempts} attempt{'s' if attempts != 1 else ''}" in message
        if attempts < 3:
            assert "of up to 3" in message
            assert "retry quota" in message
        if attempts == 1:
            break
    assert made[0] == 3
    assert made[-1] == 1, f"botocore never stopped retrying in {QUOTA_LOOKUPS} lookups: {made}"
    emulator.clear_faults()
    # A healthy endpoint again: the next lookup works (a success refills the quota).
    assert lookup(emulator).version == 3


def _seed_fault(kind: str) -> dict[str, Any]:
    if kind == "latency":
        return {"Kind": "latency", "Seconds": LATENCY_SECONDS}
    if kind == "latency 0":  # serves the request: seed faults queue per operation, not per lookup
        return {"Kind": "latency", "Seconds": 0}
    if kind == "hang":
        return {"Kind": "hang", "Seconds": HANG_SECONDS}
    if kind.startswith("error "):
        code = kind.split()[1]
        message = "The security token included in the request is expired"
        return {"Kind": "error", "Status": 400, "Code": code, "Message": message}
    return {"Kind": kind}


@pytest.fixture
def seeded_cli_emulator(tmp_path: Path) -> Iterator[str]:
    """`pulumi-sagemaker-image emulator --seed seed.yaml`, the seed's faults scripted from SEED_FILE_LOOKUPS."""
    seed = {
        "Images": [
            {
                "ImageName": IMAGE,
                "Versions": [
                    {"BaseImage": f"registry.example/{IMAGE}:1"},
                    {"BaseImage": f"registry.example/{IMAGE}:2", "Aliases": ["stable"]},
                ],
            }
        ],
        "Faults": {
            "DescribeImageVersion": [_seed_fault(kind) for faults, _, _ in SEED_FILE_LOOKUPS for kind in faults]
        },
    }
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(seed), encoding="utf-8")
    process = subprocess.Popen([CLI, "emulator", "--seed", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        yield first.split(" on ")[1].split()[0]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_seed_file_faults_through_the_emulator_command(
    seeded_cli_emulator: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes: list[tuple[str, str]] = []
    for faults, budget, _ in SEED_FILE_LOOKUPS:
        kwargs, _ = apply_budget(budget, monkeypatch)
        began = time.monotonic()
        try:
            info = get_image_version(
                IMAGE,
                alias="stable",
                endpoint_url=seeded_cli_emulator,
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                **kwargs,
            )
        except ImageVersionLookupError as exc:
            outcomes.append((type(exc).__name__, str(exc)))
        else:
            outcomes.append(("recovered", ""))
            assert (info.version, info.base_image) == (2, f"registry.example/{IMAGE}:2")
            if "latency" in faults:
                assert time.monotonic() - began >= LATENCY_SECONDS
    assert [name for name, _ in outcomes] == [outcome for _, _, outcome in SEED_FILE_LOOKUPS]
    for (faults, _, _), (_, message) in zip(SEED_FILE_LOOKUPS, outcomes, strict=True):
        if "throttle" in faults and message:
            assert f"(ThrottlingException) after {len(faults)} attempts" in message
        if "hang" in faults:
            assert "did not answer in time" in message
            assert "after 1 attempt " in message
    # The emulator's queue is spent exactly: every scripted fault met the lookup it was meant for.
    assert get_image_version(IMAGE, alias="stable", endpoint_url=seeded_cli_emulator, max_attempts=1).version == 2


def test_reliability_doc_is_current() -> None:
    current = report.DOC_PATH.read_text(encoding="utf-8") if report.DOC_PATH.exists() else ""
    assert current == report.render(), (
        "docs/reliability.md differs from the figures the tests assert; "
        "regenerate it with `.venv/bin/python -m tests.reliability_report`"
    )
