"""The engine's side of the wire: the real dynamic provider host, driven over gRPC.

The host is started as the engine starts it (``python -m pulumi.dynamic``, which prints its port),
and the provider travels pickled exactly as the SDK pickles it, so unpickling, protobuf Struct
encoding (numbers as floats, unknowns as sentinels) and the host's own plumbing are all exercised.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import to_struct

IMAGE = "demo-pytorch"
URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/sagemaker-image:ImageVersion::pytorch"
PROVIDER = serialize_provider(ImageVersionProvider())


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


def program(emulator: SageMakerImageEmulator, **inputs: Any) -> dict[str, Any]:
    return {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, "__provider": PROVIDER, **inputs}


def check(
    host: provider_pb2_grpc.ResourceProviderStub, olds: dict[str, Any], news: dict[str, Any]
) -> provider_pb2.CheckResponse:
    response: provider_pb2.CheckResponse = host.Check(
        provider_pb2.CheckRequest(urn=URN, olds=to_struct(olds), news=to_struct(news))
    )
    return response


def test_lifecycle_over_grpc(host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    checked = check(host, {}, program(emulator, alias="stable"))
    assert list(checked.failures) == []
    inputs = from_struct(checked.inputs)
    stable = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")
    assert inputs["containerImage"] == stable["ContainerImage"]
    assert emulator.request_count("DescribeImageVersion") == 2  # the check's lookup + ours just now

    created = host.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
    assert created.id == f"{IMAGE}@stable"
    state = from_struct(created.properties)
    assert state["version"] == stable["Version"]

    emulator.move_alias(IMAGE, "stable", 1)
    rechecked = check(host, inputs, program(emulator, alias="stable"))
    new_inputs = from_struct(rechecked.inputs)
    assert new_inputs["version"] == 1

    diff = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=rechecked.inputs))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []

    updated = host.Update(
        provider_pb2.UpdateRequest(id=created.id, urn=URN, olds=created.properties, news=rechecked.inputs)
    )
    assert from_struct(updated.properties)["containerImage"] != state["containerImage"]

    same = check(host, new_inputs, program(emulator, alias="stable"))
    steady = host.Diff(provider_pb2.DiffRequest(id=created.id, urn=URN, olds=updated.properties, news=same.inputs))
    assert steady.changes == provider_pb2.DiffResponse.DIFF_NONE

    read = host.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=updated.properties))
    assert read.id == created.id
    assert from_struct(read.properties)["version"] == 1

    emulator.clear_requests()
    host.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=updated.properties))
    assert emulator.requests == []
    assert emulator.client().describe_image_version(ImageName=IMAGE, Version=1)["Version"] == 1


def test_check_failures_reach_the_engine_on_their_property(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator
) -> None:
    emulator.clear_requests()
    response = check(host, {}, program(emulator, version=3, alias="stable", imageName="no spaces"))
    failures = {failure.property: failure.reason for failure in response.failures}
    assert set(failures) == {"imageName", "alias"}
    assert "cannot be combined with version 3" in failures["alias"]
    assert emulator.requests == []


def test_numbers_arrive_as_floats_and_still_select_a_version(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator
) -> None:
    response = check(host, {}, program(emulator, version=2))
    assert list(response.failures) == []
    assert from_struct(response.inputs)["query"] == f"{IMAGE}:2"


def test_unknown_inputs_pass_through_without_a_lookup(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator
) -> None:
    emulator.clear_requests()
    response = check(host, {}, program(emulator, imageName=rpc.UNKNOWN, alias="stable"))
    assert list(response.failures) == []
    assert isinstance(from_struct(response.inputs)["imageName"], Unknown)
    assert emulator.requests == []


def test_concurrent_checks_through_the_host_are_all_correct(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator
) -> None:
    expected = {
        v: emulator.client().describe_image_version(ImageName=IMAGE, Version=v)["ContainerImage"] for v in (1, 2, 3, 4)
    }

    def one(index: int) -> tuple[int, str]:
        version = index % 4 + 1
        response = check(host, {}, program(emulator, version=version))
        assert list(response.failures) == []
        return version, from_struct(response.inputs)["containerImage"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(200)))
    assert all(image == expected[version] for version, image in results)


def test_secret_inputs_come_back_secret_through_the_host(
    host: provider_pb2_grpc.ResourceProviderStub, emulator: SageMakerImageEmulator
) -> None:
    # The host strips secretness (acceptSecrets false), so the resource names its secret inputs in
    # __secretInputs; the provider returns what holds them in Pulumi's envelope, which the host keeps.
    news = program(emulator, alias="stable", __secretInputs=["alias"])
    checked = check(host, {}, news)
    raw = json_format.MessageToDict(checked.inputs)
    secret = {key for key, value in raw.items() if isinstance(value, dict) and value.get(rpc._special_sig_key)}
    assert secret == {"alias", "query", "aliases"}
    assert raw["__secretInputs"] == ["alias"]
    # The engine hands create the checked inputs without the envelopes; the ID masks the alias.
    plain = {key: rpc.unwrap_rpc_secret(value) for key, value in from_struct(checked.inputs).items()}
    created = host.Create(provider_pb2.CreateRequest(urn=URN, properties=to_struct(plain)))
    assert created.id == f"{IMAGE}@[secret]"
    assert json_format.MessageToDict(created.properties)["query"]["value"] == f"{IMAGE}@stable"
    read = host.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=to_struct(plain)))
    assert read.id == created.id
    assert json_format.MessageToDict(read.properties)["alias"]["value"] == "stable"
