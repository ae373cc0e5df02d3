"""The native plugin as the engine drives it: the installed console script, spoken to over gRPC.

``pulumi-resource-sagemaker-image`` is started as the engine starts it (the engine's address as the
argument, the port read from the first stdout line) with a fake engine whose ``Log`` service records
what the plugin reports, and looks images up in the emulator. The real engine and Pulumi YAML drive it
in ``tests/e2e/test_yaml_plugin.py``; this file covers what those cannot reach cheaply: exact
request counts, concurrency, cancellation, the engine going away, and credentials.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from hypothesis import strategies as st
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from pulumi_sagemaker_image import __version__, get_image_version
from pulumi_sagemaker_image.drift import check_drift, image_version_resources
from pulumi_sagemaker_image.errors import ImageVersionLookupError
from pulumi_sagemaker_image.schema import render_schema
from pulumi_sagemaker_image.semantics import FUNCTION_OUTPUTS
from pulumi_sagemaker_image.state import OUTPUT_PROPERTIES
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator, sample_seed_path

from .conftest import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY
from .reliability_report import (
    BAD_INPUT_REQUESTS,
    PLUGIN_BAD_INPUT_EXAMPLES,
    PLUGIN_CONCURRENT_INVOKES,
    PLUGIN_FAULT_CASES,
    FaultCase,
)
from .test_reliability_errors import (
    bad_aliases,
    bad_endpoint_urls,
    bad_names,
    bad_settings,
    bad_versions,
    run_property,
)

PLUGIN = Path(sys.executable).parent / "pulumi-resource-sagemaker-image"
IMAGE = "demo-pytorch"
FUNCTION = "sagemaker-image:index:getImageVersion"
RESOURCE = "sagemaker-image:index:ImageVersion"
URN = f"urn:pulumi:dev::proj::{RESOURCE}::training"
# Calls that wait on something the test controls still end: a broken plugin fails the test instead of hanging it.
TIMEOUT = 60.0


def to_struct(props: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))


# -- a fake engine and the plugin ---------------------------------------------------------------------


@dataclass
class FakeEngine(engine_pb2_grpc.EngineServicer):
    """The engine's ``Log`` service on 127.0.0.1, recording (severity, urn, message)."""

    logs: list[tuple[int, str, str]] = field(default_factory=list)
    server: Any = None
    address: str = ""

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        self.logs.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()

    def warnings(self, urn: str = URN) -> list[str]:
        return [message for severity, at, message in self.logs if severity == engine_pb2.WARNING and at == urn]

    def start(self) -> None:
        self.server = grpc.server(futures.ThreadPoolExecutor(4))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self.server)
        self.address = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None).wait()


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    fake = FakeEngine()
    fake.start()
    yield fake
    fake.stop()


@dataclass
class Plugin:
    process: subprocess.Popen[bytes]
    stub: provider_pb2_grpc.ResourceProviderStub
    channel: Any

    def configure(self, **config: Any) -> None:
        checked = self.stub.CheckConfig(provider_pb2.CheckRequest(urn=PROVIDER_URN, news=to_struct(config)))
        assert list(checked.failures) == [], checked.failures
        self.stub.Configure(provider_pb2.ConfigureRequest(args=checked.inputs, acceptSecrets=True))

    def check(self, news: dict[str, Any], olds: dict[str, Any] | None = None, urn: str = URN) -> Any:
        return self.stub.Check(
            provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds or {}), news=to_struct(news)), timeout=TIMEOUT
        )

    def invoke(self, **args: Any) -> Any:
        return self.stub.Invoke(provider_pb2.InvokeRequest(tok=FUNCTION, args=to_struct(args)), timeout=TIMEOUT)


PROVIDER_URN = "urn:pulumi:dev::proj::pulumi:providers:sagemaker-image::default"


def start_plugin(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    assert PLUGIN.exists(), f"{PLUGIN} is not installed: the package's console scripts are (pip install -e .)"
    process = subprocess.Popen(
        [str(PLUGIN), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env if env is not None else dict(os.environ),
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline().decode().strip())


@pytest.fixture
def plugin(engine: FakeEngine) -> Iterator[Plugin]:
    process, port = start_plugin("--logtostderr", "-v=3", "--tracing", "127.0.0.1:9", engine.address)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Plugin(process, provider_pb2_grpc.ResourceProviderStub(channel), channel)
    finally:
        channel.close()
        process.kill()
        process.wait(timeout=TIMEOUT)


def program(emulator: SageMakerImageEmulator, **inputs: Any) -> dict[str, Any]:
    return {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, **inputs}


def describe(emulator: SageMakerImageEmulator, **params: Any) -> dict[str, Any]:
    return dict(emulator.client().describe_image_version(ImageName=IMAGE, **params))


# -- the plugin: info, schema, what it does not serve --------------------------------------------------


def test_plugin_info_is_the_package_version(plugin: Plugin) -> None:
    info = plugin.stub.GetPluginInfo(empty_pb2.Empty())
    assert info.version == __version__ == metadata.version("pulumi-sagemaker-image")


def test_get_schema_serves_the_generated_schema_json(plugin: Plugin) -> None:
    served = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema
    # Compared with what the generator makes of the models now, not with the file the plugin reads (the
    # same file, in an editable install): a stale or hand-edited schema.json fails here.
    assert served == render_schema(), "the plugin serves a schema.json the models no longer give: run `make schema`"
    schema = json.loads(served)
    assert schema["version"] == __version__
    assert set(schema["config"]["variables"]) == {
        "region",
        "profile",
        "roleArn",
        "endpointUrl",
        "maxAttempts",
        "connectTimeout",
        "readTimeout",
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda stub: stub.Handshake(provider_pb2.ProviderHandshakeRequest()),
        lambda stub: stub.Construct(provider_pb2.ConstructRequest()),
        lambda stub: stub.Call(provider_pb2.CallRequest()),
        lambda stub: stub.GetMapping(provider_pb2.GetMappingRequest()),
    ],
    ids=["Handshake", "Construct", "Call", "GetMapping"],
)
def test_other_methods_answer_unimplemented(
    plugin: Plugin, call: Callable[[provider_pb2_grpc.ResourceProviderStub], object]
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call(plugin.stub)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_the_handshake_is_answered_while_the_plugin_still_loads(engine: FakeEngine, tmp_path: Path) -> None:
    # The engine gives up on a plugin whose Handshake is not answered within 10 s of its port line, and on a
    # loaded machine loading the Pulumi SDK and botocore after the port can take longer (the benchmarks saw
    # "did not come alive"). Hold that loading at its first Pulumi import until the handshake is answered.
    gate = tmp_path / "open"
    (tmp_path / "sitecustomize.py").write_text(
        "import importlib.abc, os, sys, time\n"
        "class _Gate(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'pulumi':\n"
        f"            while not os.path.exists({str(gate)!r}):\n"
        "                time.sleep(0.01)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _Gate())\n",
        encoding="utf-8",
    )
    process, port = start_plugin(engine.address, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Handshake(provider_pb2.ProviderHandshakeRequest(engine_address=engine.address), timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED  # "no handshake": the engine goes on
        gate.touch()
        assert stub.GetPluginInfo(empty_pb2.Empty(), timeout=TIMEOUT).version == __version__
    finally:
        gate.touch()
        channel.close()
        process.kill()
        process.wait(timeout=TIMEOUT)


# -- the invoke ---------------------------------------------------------------------------------------


def test_invoke_returns_every_output_with_one_lookup(plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    response = plugin.invoke(**program(emulator, alias="stable"))
    assert list(response.failures) == []
    assert emulator.requests == ["DescribeImageVersion", "ListAliases"]
    result = to_dict(getattr(response, "return"))
    assert set(result) == set(FUNCTION_OUTPUTS)

    expected = get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url).to_json_dict()
    assert {key: result[key] for key in expected} == {**expected, "version": float(expected["version"])}
    assert result["containerImage"] == describe(emulator, Alias="stable")["ContainerImage"]
    assert result["query"] == f"{IMAGE}@stable"
    assert result["endpointUrl"] == emulator.endpoint_url
    assert result["region"] is None  # the settings as given: none, so the environment's


@pytest.mark.parametrize(
    ("args", "properties"),
    [
        ({"imageName": "bad name!"}, ["imageName"]),
        ({"version": 3, "alias": "stable"}, ["alias"]),
        ({"version": 2.5}, ["version"]),
        ({"region": "Mars"}, ["region"]),
        ({"maxAttempts": 0, "readTimeout": -1}, ["maxAttempts", "readTimeout"]),
        ({"failOnArchived": True}, ["failOnArchived"]),  # a resource input, not the function's
    ],
)
def test_invoke_bad_input_fails_on_the_property_without_a_request(
    plugin: Plugin, emulator: SageMakerImageEmulator, args: dict[str, Any], properties: list[str]
) -> None:
    emulator.clear_requests()
    response = plugin.invoke(**program(emulator, **args))
    assert sorted(f.property for f in response.failures) == properties
    assert all(f.reason for f in response.failures)
    assert not response.HasField("return")
    assert emulator.requests == []


def python_error(**kwargs: Any) -> ImageVersionLookupError:
    with pytest.raises(ImageVersionLookupError) as caught:
        get_image_version(IMAGE, **kwargs)
    return caught.value


def test_invoke_not_found_is_the_python_message_on_the_selector(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    response = plugin.invoke(**program(emulator, alias="prod"))
    (failure,) = response.failures
    assert failure.property == "alias"
    assert failure.reason == str(python_error(alias="prod", endpoint_url=emulator.endpoint_url))
    assert "has no alias 'prod'" in failure.reason


def test_invoke_aws_errors_are_the_python_message(plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    emulator.inject("DescribeImageVersion", Fault.access_denied())
    response = plugin.invoke(**program(emulator, version=3))
    emulator.inject("DescribeImageVersion", Fault.access_denied())
    (failure,) = response.failures
    assert failure.property == ""
    assert failure.reason == str(python_error(version=3, endpoint_url=emulator.endpoint_url))
    assert "sagemaker:DescribeImageVersion" in failure.reason


def test_invoke_reports_any_status_like_get_image_version(plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    emulator.set_version_fields(IMAGE, 2, ImageVersionStatus="CREATE_FAILED", FailureReason="image pull failed")
    result = to_dict(getattr(plugin.invoke(**program(emulator, version=2)), "return"))
    assert (result["imageVersionStatus"], result["failureReason"]) == ("CREATE_FAILED", "image pull failed")


@pytest.mark.parametrize("case", PLUGIN_FAULT_CASES, ids=lambda case: case.id)
def test_invoke_retries_or_reports_aws_faults_as_the_python_route(
    plugin: Plugin, emulator: SageMakerImageEmulator, case: FaultCase
) -> None:
    def faults() -> None:
        emulator.clear_requests()
        emulator.inject(case.operation, *(getattr(Fault, kind)() for kind in case.faults))

    faults()
    try:
        python: ImageVersionLookupError | None = None
        get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)
    except ImageVersionLookupError as exc:
        python = exc
    assert emulator.request_count() == case.requests

    faults()
    response = plugin.invoke(**program(emulator, alias="stable"))
    assert emulator.request_count() == case.requests
    if case.outcome == "recovered":
        assert python is None
        assert list(response.failures) == []
        assert to_dict(getattr(response, "return"))["version"] == 3
    else:
        assert type(python).__name__ == case.outcome
        (failure,) = response.failures
        assert (failure.property, failure.reason) == ("", str(python))


def test_concurrent_invokes_through_one_client_are_all_correct(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    expected = {v: describe(emulator, Version=v)["ContainerImage"] for v in (1, 2, 3, 4)}
    emulator.clear_requests()
    emulator.latency = 0.02  # so the calls overlap

    def one(index: int) -> tuple[int, Any]:
        version = index % 4 + 1
        return version, plugin.invoke(**program(emulator, version=version))

    with futures.ThreadPoolExecutor(PLUGIN_CONCURRENT_INVOKES) as pool:
        results = list(pool.map(one, range(PLUGIN_CONCURRENT_INVOKES)))
    for version, response in results:
        assert list(response.failures) == []
        result = to_dict(getattr(response, "return"))
        assert (result["version"], result["containerImage"]) == (version, expected[version])
    assert emulator.request_count("DescribeImageVersion") == PLUGIN_CONCURRENT_INVOKES
    assert emulator.request_count("ListAliases") == PLUGIN_CONCURRENT_INVOKES
    assert emulator.peak_concurrency() > 1


def test_bad_invoke_inputs_fail_on_their_property_and_send_nothing(
    plugin: Plugin, emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.clear_requests()
    cases: list[tuple[str, st.SearchStrategy[Any]]] = [
        ("imageName", bad_names),
        ("alias", bad_aliases),
        ("version", bad_versions),
        ("endpointUrl", bad_endpoint_urls),
    ]
    for prop, strategy in cases:

        def body(value: Any, prop: str = prop) -> None:
            response = plugin.invoke(**{**program(emulator), prop: value})
            properties = {f.property for f in response.failures}
            # A URL with credentials is reported on the invoke as a whole, and never echoed.
            assert properties in ({prop}, {""} if prop == "endpointUrl" else {prop})
            assert not response.HasField("return")

        assert run_property(PLUGIN_BAD_INPUT_EXAMPLES, strategy, body) == PLUGIN_BAD_INPUT_EXAMPLES

    def setting(pair: tuple[str, Any]) -> None:
        prop, value = pair
        response = plugin.invoke(**{**program(emulator), prop: value})
        assert {f.property for f in response.failures} == {prop}

    assert run_property(PLUGIN_BAD_INPUT_EXAMPLES, bad_settings, setting) == PLUGIN_BAD_INPUT_EXAMPLES
    assert emulator.request_count() == BAD_INPUT_REQUESTS


# -- the resource -------------------------------------------------------------------------------------


def test_resource_lifecycle(plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    checked = plugin.check(program(emulator, alias="stable"))
    assert list(checked.failures) == []
    assert emulator.requests == ["DescribeImageVersion", "ListAliases"]
    inputs = to_dict(checked.inputs)
    # The resolved image is in the checked inputs, which is what preview shows for a new stack.
    assert set(inputs) == set(OUTPUT_PROPERTIES)
    assert inputs["containerImage"] == describe(emulator, Alias="stable")["ContainerImage"]

    emulator.clear_requests()
    preview = plugin.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs, preview=True))
    created = plugin.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
    assert preview.id == created.id == f"{IMAGE}@stable"
    assert to_dict(preview.properties) == to_dict(created.properties) == inputs
    assert emulator.requests == []

    same = plugin.check(program(emulator, alias="stable"), olds=inputs)
    steady = plugin.stub.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=same.inputs)
    )
    assert steady.changes == provider_pb2.DiffResponse.DIFF_NONE

    assert engine.warnings() == []
    emulator.move_alias(IMAGE, "stable", 1)
    moved = plugin.check(program(emulator, alias="stable"), olds=inputs)
    # Version 1 of the sample image is marked TO_BE_ARCHIVED: a warning on the resource, by its URN.
    assert engine.warnings() == [f"image {IMAGE!r} version 1 is marked TO_BE_ARCHIVED by its vendor; plan a move"]
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=moved.inputs)
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert {"version", "containerImage", "imageVersionArn", "pinnedVersion", "currentVersion"} <= set(diff.diffs)
    assert not {"aliases", "lastModifiedTime", "pinned"} & set(diff.diffs)
    assert diff.hasDetailedDiff
    assert diff.detailedDiff["containerImage"].kind == provider_pb2.PropertyDiff.UPDATE
    assert list(diff.replaces) == []

    updated = plugin.stub.Update(
        provider_pb2.UpdateRequest(id=created.id, urn=URN, olds=created.properties, news=moved.inputs)
    )
    assert to_dict(updated.properties)["version"] == 1

    emulator.clear_requests()
    plugin.stub.Delete(provider_pb2.DeleteRequest(id=created.id, urn=URN, properties=updated.properties))
    assert emulator.requests == []
    assert describe(emulator, Version=1)["Version"] == 1


def test_bookkeeping_alone_is_not_drift(plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    first = plugin.check(program(emulator))
    version = int(to_dict(first.inputs)["version"])
    emulator.move_alias(IMAGE, "prod", version)  # another alias on it, and a new lastModifiedTime
    second = plugin.check(program(emulator), olds=to_dict(first.inputs))
    assert to_dict(second.inputs)["aliases"] != to_dict(first.inputs)["aliases"]
    diff = plugin.stub.Diff(provider_pb2.DiffRequest(id=IMAGE, urn=URN, olds=first.inputs, news=second.inputs))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE


def test_a_held_pin_keeps_its_version_and_warns_with_the_urn(
    plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator
) -> None:
    first = to_dict(plugin.check(program(emulator, alias="stable")).inputs)
    emulator.move_alias(IMAGE, "stable", 4)
    # ignoreChanges: [pinnedVersion] makes the engine copy the old input into the new ones.
    held = plugin.check(program(emulator, alias="stable", pinnedVersion=first["pinnedVersion"]), olds=first)
    state = to_dict(held.inputs)
    assert (state["version"], state["pinned"], state["currentVersion"]) == (3, True, 4)
    assert state["containerImage"] == first["containerImage"]
    assert engine.warnings() == [
        f"training is pinned to version 3, but alias 'stable' of image {IMAGE!r} is now version 4; to move, run "
        "`pulumi up` once without ignore_changes, or `pulumi up --target-replace URN`"
    ]
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(
            id="x", urn=URN, olds=to_struct(first), news=held.inputs, ignoreChanges=["pinnedVersion"]
        )
    )
    assert list(diff.diffs) == ["currentVersion"]  # the drift stays visible, the pin holds


def test_bad_inputs_fail_check_on_their_property_without_a_request(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    emulator.clear_requests()
    response = plugin.check(program(emulator, version=3, alias="stable", imageName="no spaces"))
    failures = {failure.property: failure.reason for failure in response.failures}
    assert set(failures) == {"imageName", "alias"}
    assert "cannot be combined with version 3" in failures["alias"]
    secret = plugin.check(program(emulator, endpointUrl="https://key:hunter2@127.0.0.1:1"))
    assert [f.property for f in secret.failures] == [""]
    assert "hunter2" not in secret.failures[0].reason
    assert emulator.requests == []


def test_guardrails_fail_the_check_on_the_selector(plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    emulator.set_version_fields(IMAGE, 2, ImageVersionStatus="CREATE_FAILED", FailureReason="image pull failed")
    response = plugin.check(program(emulator, version=2))
    assert [f.property for f in response.failures] == ["version"]
    assert "CREATE_FAILED: image pull failed" in response.failures[0].reason
    emulator.set_version_fields(IMAGE, 1, VendorGuidance="ARCHIVED")
    archived = plugin.check(program(emulator, version=1, failOnArchived=True))
    assert [f.property for f in archived.failures] == ["version"]


def test_unknown_inputs_are_not_looked_up(plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    from pulumi.runtime.rpc import UNKNOWN

    emulator.clear_requests()
    response = plugin.check(program(emulator, imageName=UNKNOWN, alias="stable"))
    assert list(response.failures) == []
    assert to_dict(response.inputs)["imageName"] == UNKNOWN
    assert emulator.requests == []
    preview = plugin.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=response.inputs, preview=True))
    assert preview.id == ""
    assert "containerImage" not in to_dict(preview.properties)  # unknown until the input is known


def test_read_by_id_with_settings_from_the_provider_config(
    plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator
) -> None:
    # What `pulumi import sagemaker-image:index:ImageVersion NAME demo-pytorch@stable` asks: an ID, no state.
    plugin.configure(endpointUrl=emulator.endpoint_url)
    read = plugin.stub.Read(provider_pb2.ReadRequest(id=f"{IMAGE}@stable", urn=URN), timeout=TIMEOUT)
    state = to_dict(read.properties)
    assert read.id == f"{IMAGE}@stable"
    assert state["containerImage"] == describe(emulator, Alias="stable")["ContainerImage"]
    assert state["endpointUrl"] is None  # from the provider config, which is not the resource's
    # The inputs a program declares for it (the generated code), and the version for ignoreChanges to hold.
    assert to_dict(read.inputs) == {"imageName": IMAGE, "alias": "stable", "pinnedVersion": 3}

    # Refresh: the same, from the recorded state.
    emulator.move_alias(IMAGE, "stable", 1)
    refreshed = plugin.stub.Read(provider_pb2.ReadRequest(id=read.id, urn=URN, properties=read.properties))
    assert to_dict(refreshed.properties)["version"] == 1
    assert engine.warnings() == [f"image {IMAGE!r} version 1 is marked TO_BE_ARCHIVED by its vendor; plan a move"]


def test_read_of_a_vanished_version_fails_instead_of_dropping_the_resource(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    state = plugin.check(program(emulator, version=2)).inputs
    emulator.delete_image_version(IMAGE, 2)
    with pytest.raises(grpc.RpcError) as caught:
        plugin.stub.Read(provider_pb2.ReadRequest(id=f"{IMAGE}:2", urn=URN, properties=state))
    assert caught.value.details() == str(python_error(version=2, endpoint_url=emulator.endpoint_url))
    with pytest.raises(grpc.RpcError) as bad_id:
        plugin.stub.Read(provider_pb2.ReadRequest(id="no spaces@x", urn=URN))
    assert bad_id.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "image_name 'no spaces'" in (bad_id.value.details() or "")


def test_another_type_is_refused(plugin: Plugin) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        plugin.check({}, urn="urn:pulumi:dev::proj::sagemaker-image:index:Other::x")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert RESOURCE in (caught.value.details() or "")


def test_the_drift_command_reads_the_native_type_in_exported_state(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    created = plugin.stub.Create(
        provider_pb2.CreateRequest(urn=URN, properties=plugin.check(program(emulator, alias="stable")).inputs)
    )
    export = {
        "deployment": {
            "resources": [
                {"urn": URN, "type": RESOURCE, "id": created.id, "outputs": to_dict(created.properties)},
                {"urn": "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b", "type": "aws:s3/bucket:Bucket"},
            ]
        }
    }
    resources = image_version_resources(export)
    assert [resource["urn"] for resource in resources] == [URN]
    assert [(r.status, r.changed) for r in check_drift(resources).results] == [("ok", ())]
    emulator.move_alias(IMAGE, "stable", 4)
    (result,) = check_drift(resources).results
    assert (result.status, result.current_version) == ("drift", 4)


# -- provider configuration ---------------------------------------------------------------------------


def test_settings_come_from_the_input_then_the_config_then_the_environment(engine: FakeEngine) -> None:
    seed = sample_seed_path()
    with (
        SageMakerImageEmulator(seed) as environment,
        SageMakerImageEmulator(seed) as configured,
        SageMakerImageEmulator(seed) as given,
    ):
        env = {**os.environ, "AWS_ENDPOINT_URL_SAGEMAKER": environment.endpoint_url}
        process, port = start_plugin(engine.address, env=env)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        try:
            plugin = Plugin(process, provider_pb2_grpc.ResourceProviderStub(channel), channel)
            assert list(plugin.check({"imageName": IMAGE}).failures) == []
            assert (environment.request_count(), configured.request_count()) == (2, 0)

            plugin.configure(endpointUrl=configured.endpoint_url, maxAttempts="2", readTimeout="7.5")
            state = to_dict(plugin.check({"imageName": IMAGE}).inputs)
            assert (environment.request_count(), configured.request_count()) == (2, 2)
            # The provider's settings are not the resource's: state records only what the resource gave.
            assert (state["endpointUrl"], state["maxAttempts"], state["readTimeout"]) == (None, None, None)
            configured.inject("DescribeImageVersion", Fault.throttle(), Fault.throttle())
            failures = plugin.check({"imageName": IMAGE}).failures
            assert "after 2 attempts" in failures[0].reason  # maxAttempts from the config

            state = to_dict(plugin.check({"imageName": IMAGE, "endpointUrl": given.endpoint_url}).inputs)
            assert (configured.request_count(), given.request_count()) == (4, 2)
            assert state["endpointUrl"] == given.endpoint_url
            invoked = plugin.invoke(imageName=IMAGE)
            assert list(invoked.failures) == []
            assert configured.request_count() == 6  # the invoke uses the config too
        finally:
            channel.close()
            process.kill()
            process.wait(timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("config", "prop", "says"),
    [
        ({"regoin": "us-east-1"}, "", "sagemaker-image:regoin is not a configuration key"),
        ({"maxAttempts": "zero"}, "maxAttempts", "sagemaker-image:maxAttempts 'zero' must be a whole number >= 1"),
        ({"region": "Mars"}, "region", "sagemaker-image:region 'Mars' is not an AWS region name"),
        ({"endpointUrl": "https://key:hunter2@127.0.0.1:1"}, "", "must not carry credentials"),
    ],
)
def test_bad_provider_config_fails_check_config(plugin: Plugin, config: dict[str, Any], prop: str, says: str) -> None:
    response = plugin.stub.CheckConfig(provider_pb2.CheckRequest(urn=PROVIDER_URN, news=to_struct(config)))
    (failure,) = response.failures
    assert failure.property == prop
    assert says in failure.reason
    assert "hunter2" not in failure.reason


def test_the_engines_own_config_keys_are_accepted(plugin: Plugin) -> None:
    config = {"version": "0.1.0", "region": "eu-west-1", "maxAttempts": 4.0}
    response = plugin.stub.CheckConfig(provider_pb2.CheckRequest(urn=PROVIDER_URN, news=to_struct(config)))
    assert list(response.failures) == []
    assert to_dict(response.inputs) == config


def test_no_credential_reaches_state_outputs_or_the_schema(
    plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator
) -> None:
    plugin.configure(region="us-east-1", endpointUrl=emulator.endpoint_url)
    emulator.set_version_fields(IMAGE, 1, VendorGuidance="ARCHIVED")
    texts = [plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema]
    for query in ({"alias": "stable"}, {"version": 1}):
        checked = plugin.check({"imageName": IMAGE, **query})
        created = plugin.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
        read = plugin.stub.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=created.properties))
        texts += [str(checked), str(created), str(read)]
    texts += [str(plugin.invoke(imageName=IMAGE)), str(plugin.invoke(imageName=IMAGE, alias="nope"))]
    texts += [message for _, _, message in engine.logs]
    assert engine.logs  # the ARCHIVED warning
    for text in texts:
        assert DUMMY_ACCESS_KEY not in text
        assert DUMMY_SECRET_KEY not in text


# -- cancellation and the engine going away ------------------------------------------------------------


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def test_cancel_ends_in_flight_lookups_and_refuses_new_ones(
    plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator
) -> None:
    # Ctrl+C in `pulumi up`: the engine sends Cancel while a lookup waits on a SageMaker that answers in a minute.
    emulator.inject("DescribeImageVersion", Fault.latency(TIMEOUT))
    outcome: list[BaseException | Any] = []

    def invoke() -> None:
        try:
            outcome.append(plugin.invoke(**program(emulator, alias="stable")))
        except grpc.RpcError as exc:
            outcome.append(exc)
        ended.append(time.monotonic())

    ended: list[float] = []
    caller = threading.Thread(target=invoke)
    caller.start()
    wait_for(lambda: emulator.request_count() == 1, "the lookup reached SageMaker")
    cancelled = time.monotonic()
    plugin.stub.Cancel(empty_pb2.Empty())
    caller.join(TIMEOUT)
    # The plugin ended the call (the client only waited, with a deadline of a minute), at once and while
    # its request was still unanswered: it did not wait for the lookup.
    (error,) = outcome
    assert isinstance(error, grpc.RpcError)
    assert error.code() == grpc.StatusCode.CANCELLED
    assert "Locally cancelled" not in str(error.details())  # what a cancel on the client's side would say
    assert ended[0] - cancelled < TIMEOUT / 4
    (request,) = emulator.request_log
    assert request.finished is None

    with pytest.raises(grpc.RpcError) as after:
        plugin.invoke(**program(emulator, version=1))
    assert after.value.code() == grpc.StatusCode.CANCELLED
    assert emulator.request_count() == 1

    # Then the engine goes away, as it does after a Cancel: the abandoned lookup, still waiting on its
    # answer, does not keep the plugin alive (the user's terminal is not held for the minute), and the
    # plugin leaves quietly, with nothing on stderr for the engine to show.
    gone = time.monotonic()
    engine.stop()
    assert plugin.process.wait(timeout=TIMEOUT) == 0
    assert time.monotonic() - gone < TIMEOUT / 4
    assert emulator.request_log[0].finished is None
    assert plugin.process.stderr is not None
    assert plugin.process.stderr.read() == b""


def test_a_call_the_engine_cancels_returns_at_once(
    plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator
) -> None:
    # The engine cancels one call (its deadline, its own cancellation) while its lookup waits on SageMaker.
    emulator.inject("DescribeImageVersion", Fault.latency(3.0))
    call = plugin.stub.Invoke.future(provider_pb2.InvokeRequest(tok=FUNCTION, args=to_struct(program(emulator))))
    wait_for(lambda: emulator.request_count() == 1, "the lookup reached SageMaker")
    call.cancel()
    # The plugin serves the next call although the abandoned lookup still waits for its answer.
    assert list(plugin.invoke(**program(emulator, version=2)).failures) == []
    assert emulator.request_log[0].finished is None
    # The abandoned lookup's answer comes; the plugin drops it (its call is gone) without harm: it goes
    # on serving, sends the engine nothing, and leaves quietly when told to, with nothing on stderr.
    wait_for(lambda: emulator.request_log[0].finished is not None, "SageMaker answered the abandoned lookup")
    assert emulator.request_log[0].status == 200
    assert list(plugin.invoke(**program(emulator, version=1)).failures) == []
    assert engine.logs == []
    plugin.process.send_signal(signal.SIGTERM)
    assert plugin.process.wait(timeout=TIMEOUT) == 0
    assert plugin.process.stderr is not None
    assert plugin.process.stderr.read() == b""


def test_the_plugin_exits_when_its_engine_goes_away(plugin: Plugin, engine: FakeEngine) -> None:
    plugin.stub.GetPluginInfo(empty_pb2.Empty())
    assert plugin.process.poll() is None
    engine.stop()
    assert plugin.process.wait(timeout=TIMEOUT) == 0
    assert plugin.process.stderr is not None
    assert plugin.process.stderr.read() == b""  # routine: nothing for the engine to show


def test_the_plugin_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    # A stand-in for an engine killed with SIGKILL: it starts the plugin (without an engine address,
    # so only the parent process tells) and reports the plugin's pid.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            f"p = subprocess.Popen([{str(PLUGIN)!r}], stdout=subprocess.PIPE)\n"
            "p.stdout.readline()\n"
            "print(p.pid, flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
    )
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=TIMEOUT)

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie (exited, not reaped by init yet) is gone too.
        status = Path(f"/proc/{pid}/stat")
        return status.exists() and status.read_text().split(") ", 1)[1].startswith("Z")

    wait_for(gone, f"the plugin (pid {pid}) exited")


def test_a_denied_list_aliases_warns_the_engine_once_and_the_invoke_still_resolves(
    plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator
) -> None:
    emulator.inject("ListAliases", Fault.access_denied(), Fault.access_denied())
    first = plugin.invoke(**program(emulator, alias="stable"))
    second = plugin.invoke(**program(emulator, version=2))
    assert list(first.failures) == list(second.failures) == []
    assert to_dict(getattr(first, "return"))["version"] == 3
    assert to_dict(getattr(first, "return")).get("aliases", []) == []
    denied = [message for _, _, message in engine.logs if "sagemaker:ListAliases" in message]
    assert len(denied) == 1, engine.logs
    assert engine.warnings(urn="") == denied


# -- secrets --------------------------------------------------------------------------------------------


def _secret(value: Any) -> dict[str, Any]:
    """Pulumi's secret envelope, as the engine sends a secret input to a provider that accepts secrets."""
    return {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": value}


def test_secret_inputs_come_back_secret_on_the_wire_with_a_masked_id(
    plugin: Plugin, engine: FakeEngine, emulator: SageMakerImageEmulator
) -> None:
    # The rules are semantics' (tests/test_rules_secrecy.py); this is the plugin applying them.
    checked = plugin.check(program(emulator, alias=_secret("stable")))
    inputs = to_dict(checked.inputs)
    assert {key for key, value in inputs.items() if isinstance(value, dict)} == {"alias", "query", "aliases"}
    assert inputs["query"] == _secret(f"{IMAGE}@stable")
    created = plugin.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=checked.inputs))
    assert created.id == f"{IMAGE}@[secret]"
    assert to_dict(created.properties) == inputs
    same = plugin.check(program(emulator, alias=_secret("stable")), olds=inputs)
    steady = plugin.stub.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=same.inputs)
    )
    assert steady.changes == provider_pb2.DiffResponse.DIFF_NONE
    # The same query given in plain text: an update, which re-records state with the new secretness.
    plain = plugin.check(program(emulator, alias="stable"), olds=inputs)
    diff = plugin.stub.Diff(
        provider_pb2.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=plain.inputs)
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert set(diff.diffs) == {"alias", "query", "aliases"}
    # Refresh reads the masked ID from state and keeps it secret.
    read = plugin.stub.Read(provider_pb2.ReadRequest(id=created.id, urn=URN, properties=created.properties))
    assert read.id == created.id
    assert to_dict(read.properties)["query"] == _secret(f"{IMAGE}@stable")
    assert to_dict(read.inputs)["alias"] == _secret("stable")
    # Without state, a masked ID cannot be read, and the error says what to do instead.
    with pytest.raises(grpc.RpcError) as caught:
        plugin.stub.Read(provider_pb2.ReadRequest(id=created.id, urn=URN))
    assert "hides a secret query" in str(caught.value.details())
    assert engine.warnings() == []


def test_a_secret_invoke_argument_stays_out_of_the_result_and_the_failure(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    result = to_dict(getattr(plugin.invoke(**program(emulator, alias=_secret("stable"))), "return"))
    assert result["alias"] == _secret("stable")
    assert result["containerImage"] == describe(emulator, Alias="stable")["ContainerImage"]  # holds no secret
    failed = plugin.invoke(**program(emulator, alias=_secret("zz-secret-gone")))
    assert [f.property for f in failed.failures] == [""]
    assert "zz-secret-gone" not in failed.failures[0].reason
    assert "[secret]" in failed.failures[0].reason


def test_secret_provider_config_is_accepted_and_hidden_where_it_shows(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    plugin.configure(region=_secret("us-east-1"), endpointUrl=emulator.endpoint_url)
    inputs = to_dict(plugin.check({"imageName": IMAGE, "alias": "stable"}).inputs)
    assert inputs["imageArn"] == _secret(f"arn:aws:sagemaker:us-east-1:123456789012:image/{IMAGE}")
    assert inputs["alias"] == "stable"
