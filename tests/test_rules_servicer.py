"""Protocol decisions of the plugin that tests/test_plugin_grpc.py leaves open (found by `make mutation`).

What the engine gets back from the plugin for the calls a program's run makes around the lookups: the
provider configuration's check, diff and answer (older engines' flat variables too), the diff's kinds
and its shape while inputs are unknown, a create or update of an unresolved query, and calls for types
and functions the plugin does not have.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.rpc import UNKNOWN

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from . import test_plugin_grpc
from .test_plugin_grpc import (
    FUNCTION,
    IMAGE,
    PROVIDER_URN,
    RESOURCE,
    URN,
    Plugin,
    program,
    to_dict,
    to_struct,
)

# The plugin and the fake engine it reports to, as test_plugin_grpc.py starts them.
engine = test_plugin_grpc.engine
plugin = test_plugin_grpc.plugin


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requested before ``plugin``: should a broken configuration path lose the emulator's endpoint, the
    plugin's request for AWS's own (https) endpoint goes to a closed port on this machine instead."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")


SETTINGS = ("region", "profile", "roleArn", "endpointUrl", "maxAttempts", "connectTimeout", "readTimeout")


def refused(call: Any) -> tuple[Any, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code(), caught.value.details() or ""


def test_the_provider_configuration(offline: None, plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    stub = plugin.stub
    # The engine's own keys (`__`-prefixed ones too) and settings not known yet (preview) are accepted as given.
    config = {"__internal": "x", "version": "0.1.0", "region": UNKNOWN}
    checked = stub.CheckConfig(provider_pb2.CheckRequest(urn=PROVIDER_URN, news=to_struct(config)))
    assert (list(checked.failures), to_dict(checked.inputs)) == ([], config)
    # A misspelt key is named, with every key there is, and not on its property (its value could be a secret).
    (failure,) = stub.CheckConfig(provider_pb2.CheckRequest(urn=PROVIDER_URN, news=to_struct({"regoin": "x"}))).failures
    assert failure.property == ""
    assert failure.reason == (
        "sagemaker-image:regoin is not a configuration key of the sagemaker-image provider; its keys are "
        + ", ".join(f"sagemaker-image:{key}" for key in SETTINGS)
    )

    # Only a changed setting is a change of the provider, and it never replaces anything.
    olds = to_struct({"region": "us-east-1", "version": "0.1.0"})
    same = stub.DiffConfig(
        provider_pb2.DiffRequest(urn=PROVIDER_URN, olds=olds, news=to_struct({"region": "us-east-1"}))
    )
    assert (same.changes, list(same.diffs)) == (provider_pb2.DiffResponse.DIFF_NONE, [])
    news = to_struct({"region": "eu-west-1", "readTimeout": "5"})
    changed = stub.DiffConfig(provider_pb2.DiffRequest(urn=PROVIDER_URN, olds=olds, news=news))
    assert (changed.changes, list(changed.diffs), list(changed.replaces)) == (
        provider_pb2.DiffResponse.DIFF_SOME,
        ["readTimeout", "region"],
        [],
    )

    # A bad configuration that reaches Configure fails it, saying which.
    code, details = refused(lambda: stub.Configure(provider_pb2.ConfigureRequest(args=to_struct({"maxAttempts": "0"}))))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("invalid sagemaker-image provider configuration: ")
    assert details.endswith(" 0 must be a whole number >= 1")

    # An older engine sends only `package:key` variables; unknown settings are left to the environment.
    answer = stub.Configure(
        provider_pb2.ConfigureRequest(
            variables={"sagemaker-image:endpointUrl": emulator.endpoint_url, "sagemaker-image:region": UNKNOWN}
        )
    )
    # Secrets arrive as secrets (the plugin carries their secretness to what holds them); no resources on
    # the wire; Create and Update answer in preview.
    assert (answer.acceptSecrets, answer.supportsPreview, answer.acceptResources) == (True, True, False)
    emulator.clear_requests()
    invoked = plugin.invoke(imageName=IMAGE, alias="stable")
    assert list(invoked.failures) == []
    assert emulator.requests == ["DescribeImageVersion", "ListAliases"]


def test_diff_kinds_and_unknown_inputs(plugin: Plugin, emulator: SageMakerImageEmulator) -> None:
    state = to_dict(plugin.check(program(emulator, alias="stable")).inputs)

    def diff(olds: dict[str, Any], news: dict[str, Any], ignore: tuple[str, ...] = ()) -> Any:
        request = provider_pb2.DiffRequest(
            id=f"{IMAGE}@stable", urn=URN, olds=to_struct(olds), news=to_struct(news), ignoreChanges=list(ignore)
        )
        return plugin.stub.Diff(request)

    # A property the old state lacked is added, one the new state lacks is deleted.
    without_job_type = {key: value for key, value in state.items() if key != "jobType"}
    response = diff(without_job_type, {**state, "mlFramework": None})
    assert response.hasDetailedDiff
    assert response.detailedDiff["jobType"].kind == provider_pb2.PropertyDiff.ADD
    assert response.detailedDiff["mlFramework"].kind == provider_pb2.PropertyDiff.DELETE
    assert response.deleteBeforeReplace is False

    # Ignored properties are not changes.
    ignored = diff(state, {**state, "containerImage": "elsewhere"}, ignore=("containerImage",))
    assert ignored.changes == provider_pb2.DiffResponse.DIFF_NONE

    # While an input is unknown (preview), the engine shows its own diff of the inputs: none of outputs.
    response = diff(state, {"imageName": UNKNOWN, "alias": "stable", "endpointUrl": emulator.endpoint_url})
    assert response.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert (response.hasDetailedDiff, dict(response.detailedDiff)) == (False, {})


def test_unresolved_creates_and_updates_and_what_the_plugin_does_not_have(
    plugin: Plugin, emulator: SageMakerImageEmulator
) -> None:
    stub = plugin.stub
    unresolved = to_struct({"imageName": IMAGE, "alias": "stable"})
    code, details = refused(lambda: stub.Create(provider_pb2.CreateRequest(urn=URN, properties=unresolved)))
    assert (code, details) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "cannot create an ImageVersion whose query is not resolved",
    )
    # An update of inputs still unknown echoes them; one of a resolved query answers its outputs.
    updated = stub.Update(provider_pb2.UpdateRequest(id=f"{IMAGE}@stable", urn=URN, news=unresolved, preview=True))
    assert to_dict(updated.properties) == {"imageName": IMAGE, "alias": "stable"}

    # The resource's type comes from the request when the engine gives it, else from the URN, whose last
    # type is the resource's when it has a parent's in front of it.
    nested = f"urn:pulumi:dev::proj::my:index:Component${RESOURCE}::training"
    assert list(plugin.check(program(emulator, alias="stable"), urn=nested).failures) == []
    # A name may hold "::" itself: the URN then has more parts, and its type is still the third.
    named = f"urn:pulumi:dev::proj::{RESOURCE}::team::training"
    assert list(plugin.check(program(emulator, alias="stable"), urn=named).failures) == []
    # Types other than ours, sorting after it and before it (a prefix of it), are refused alike.
    for token in ("sagemaker-image:index:Other", "sagemaker-image:index:Image"):
        typed = provider_pb2.CheckRequest(urn=URN, type=token, news=to_struct(program(emulator)))
        code, details = refused(lambda typed=typed: stub.Check(typed))
        assert (code, details) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            f"unknown resource type {token!r}; this provider has {RESOURCE}",
        )
    other = "urn:pulumi:dev::proj::sagemaker-image:index:Other::x"
    for call in (
        lambda: stub.Diff(provider_pb2.DiffRequest(urn=other)),
        lambda: stub.Create(provider_pb2.CreateRequest(urn=other)),
        lambda: stub.Update(provider_pb2.UpdateRequest(urn=other)),
        lambda: stub.Read(provider_pb2.ReadRequest(id="x", urn=other)),
        lambda: stub.Delete(provider_pb2.DeleteRequest(id="x", urn=other)),
    ):
        assert refused(call)[0] == grpc.StatusCode.INVALID_ARGUMENT

    # Functions of other packages, and other functions of this one, whichever way their names sort.
    for token in ("aws:index:getImageVersion", "sagemaker-image:index:getImageVersions", "sagemaker-image:index:get"):
        code, details = refused(lambda: stub.Invoke(provider_pb2.InvokeRequest(tok=token)))  # noqa: B023 (called at once)
        assert (code, details) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            f"unknown function {token!r}; this provider has {FUNCTION}",
        )
