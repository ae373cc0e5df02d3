"""Guardrails, driven by SageMaker's own list of image version statuses.

An ``ImageVersion`` refuses every status but ``CREATED`` (its check fails, so preview and up stop,
naming the status), while ``get_image_version`` and ``describe`` report any status without judging
it. The statuses come from botocore's service model, so a status AWS adds is tested the day botocore
knows it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.loaders
import pytest
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_sagemaker_image import ImageVersionProvider, get_image_version
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import to_struct

IMAGE = "demo-pytorch"
CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/sagemaker-image:ImageVersion::pytorch"


def model_statuses() -> list[str]:
    shapes = botocore.loaders.create_loader().load_service_model("sagemaker", "service-2")["shapes"]
    return list(shapes["ImageVersionStatus"]["enum"])


STATUSES = model_statuses()
UNUSABLE = [status for status in STATUSES if status != "CREATED"]


def test_the_model_knows_created_and_the_failure_states() -> None:
    # Guards the parametrization below: an empty or renamed enum would otherwise test nothing.
    assert "CREATED" in STATUSES
    assert {"CREATING", "CREATE_FAILED", "DELETING", "DELETE_FAILED"} <= set(UNUSABLE)


def check_over_grpc(host: provider_pb2_grpc.ResourceProviderStub, **inputs: Any) -> provider_pb2.CheckResponse:
    news = {"imageName": IMAGE, "__provider": serialize_provider(ImageVersionProvider()), **inputs}
    response: provider_pb2.CheckResponse = host.Check(
        provider_pb2.CheckRequest(urn=URN, olds=to_struct({}), news=to_struct(news))
    )
    return response


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


@pytest.mark.parametrize("status", UNUSABLE)
def test_an_image_version_in_any_other_status_fails_check_naming_it(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator, status: str
) -> None:
    emulator.set_version_fields(IMAGE, 3, ImageVersionStatus=status)
    for selector, inputs in (("version", {"version": 3}), ("alias", {"alias": "stable"})):
        response = check_over_grpc(host, endpointUrl=emulator.endpoint_url, **inputs)
        failures = [(failure.property, failure.reason) for failure in response.failures]
        assert len(failures) == 1, failures
        ((prop, reason),) = failures
        assert prop == selector  # the engine shows it on the input that chose the version
        assert f"image {IMAGE!r} version 3" in reason
        assert f"has status {status};" in reason
        assert "Pick another version or alias" in reason
        assert "containerImage" not in from_struct(response.inputs)  # nothing resolved reaches state


def test_the_failure_reason_is_part_of_the_message(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator
) -> None:
    emulator.set_version_fields(IMAGE, 2, ImageVersionStatus="CREATE_FAILED", FailureReason="image pull failed")
    (failure,) = check_over_grpc(host, endpointUrl=emulator.endpoint_url, version=2).failures
    assert "has status CREATE_FAILED: image pull failed;" in failure.reason


def test_created_passes_check(host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator) -> None:
    response = check_over_grpc(host, endpointUrl=emulator.endpoint_url, version=3)
    assert list(response.failures) == []
    assert from_struct(response.inputs)["imageVersionStatus"] == "CREATED"


@pytest.mark.parametrize("status", STATUSES)
def test_get_image_version_reports_every_status_without_judging_it(
    emulator: SageMakerImageEmulator, status: str
) -> None:
    emulator.set_version_fields(IMAGE, 3, ImageVersionStatus=status)
    info = get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)
    assert (info.version, info.image_version_status) == (3, status)


@pytest.mark.parametrize("status", STATUSES)
def test_describe_reports_every_status_without_judging_it(emulator: SageMakerImageEmulator, status: str) -> None:
    emulator.set_version_fields(IMAGE, 3, ImageVersionStatus=status)
    base = [CLI, "describe", IMAGE, "--version", "3", "--endpoint-url", emulator.endpoint_url]
    as_json = subprocess.run([*base, "--output", "json"], capture_output=True, text=True, timeout=60, check=False)
    assert as_json.returncode == 0, as_json.stderr
    assert as_json.stderr == ""
    assert json.loads(as_json.stdout)["imageVersionStatus"] == status

    table = subprocess.run(base, capture_output=True, text=True, timeout=60, check=False)
    assert table.returncode == 0, table.stderr
    rows = dict(line.split(None, 1) for line in table.stdout.splitlines())
    assert rows["imageVersionStatus"] == status
