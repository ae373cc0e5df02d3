"""Shared fixtures: an isolated AWS environment and a seeded emulator.

Tests never reach AWS: the environment is scrubbed of real credentials and settings, and the
emulator answers on loopback.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, NoReturn

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_sagemaker_image.demo import sample_seed_path
from pulumi_sagemaker_image.lookup import clear_client_cache, reset_warnings, set_warning_handler
from pulumi_sagemaker_image.testing import AWS_ENVIRONMENT_VARIABLES, SageMakerImageEmulator

REPO_ROOT = Path(__file__).resolve().parent.parent
DUMMY_ACCESS_KEY = "AKIAEMULATORTESTKEY1"
DUMMY_SECRET_KEY = "emulator-test-secret"


# CI promises every tool a user's clone may lack (the Pulumi CLI, ../shared): there a missing one is a
# failure, never a quiet skip. "0", "false" and empty count as unset.
REQUIRED_IN: Final = ("CI", "REQUIRE_PULUMI_E2E")


def everything_required() -> bool:
    """True under CI or REQUIRE_PULUMI_E2E, where tests must not skip for a missing tool."""
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false") for name in REQUIRED_IN)


def skip_unless_required(reason: str) -> NoReturn:
    """Skip with ``reason`` in a user's clone; fail with it under CI or REQUIRE_PULUMI_E2E."""
    if everything_required():
        pytest.fail(f"{' or '.join(REQUIRED_IN)} is set, so this must not skip: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Dummy credentials, no real AWS config, and a fresh client cache for every test."""
    for name in AWS_ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path_factory.mktemp("aws-config")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DUMMY_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    clear_client_cache()
    reset_warnings()  # each test is a run of its own: once-per-run warnings are given again
    set_warning_handler(None)  # the Pulumi adapters route them to pulumi.log when imported
    yield
    clear_client_cache()
    reset_warnings()
    set_warning_handler(None)


@pytest.fixture
def emulator() -> Iterator[SageMakerImageEmulator]:
    """An emulator seeded with the sample images (demo-pytorch, demo-sklearn)."""
    with SageMakerImageEmulator(sample_seed_path()) as running:
        yield running


def to_struct(props: dict[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine sends them over gRPC."""
    return asyncio.run(rpc.serialize_properties(props, {}))


@pytest.fixture
def host() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PULUMI_PROJECT": "proj"},
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().decode().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Configure(provider_pb2.ConfigureRequest(args=to_struct({"aws:region": "us-east-1"})))
        yield stub
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
