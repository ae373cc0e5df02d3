"""The dynamic provider's methods, called directly, against the emulator.

These pin the engine-facing semantics: what check resolves and reports, when diff sees drift, what
read and delete do, and how many SageMaker requests each costs.
"""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from pulumi_sagemaker_image import ImageVersionInfo, ImageVersionProvider
from pulumi_sagemaker_image.state import INPUT_PROPERTIES, OUTPUT_PROPERTIES
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

IMAGE = "demo-pytorch"


@pytest.fixture
def provider() -> ImageVersionProvider:
    return ImageVersionProvider()


def news(emulator: SageMakerImageEmulator, **inputs: Any) -> dict[str, Any]:
    """Program inputs as the provider host hands them over: camelCase, numbers as floats."""
    props: dict[str, Any] = {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, "__provider": "x"}
    props.update(inputs)
    return {
        key: float(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for key, value in props.items()
    }


def raw_describe(emulator: SageMakerImageEmulator, **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = dict(emulator.client().describe_image_version(ImageName=IMAGE, **params))
    response.pop("ResponseMetadata")
    return response


def checked(provider: ImageVersionProvider, olds: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    result = provider.check(olds, new)
    assert result.failures == [], [f.reason for f in result.failures]
    return result.inputs


def test_check_resolves_the_query_into_the_checked_inputs(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    emulator.clear_requests()
    inputs = checked(provider, {}, news(emulator, alias="stable"))
    assert emulator.requests == ["DescribeImageVersion", "ListAliases"]

    expected = raw_describe(emulator, Alias="stable")
    assert inputs["containerImage"] == expected["ContainerImage"]
    assert inputs["imageVersionArn"] == expected["ImageVersionArn"]
    assert inputs["version"] == expected["Version"]
    assert inputs["alias"] == "stable"
    assert "stable" in inputs["aliases"]
    assert inputs["query"] == f"{IMAGE}@stable"
    assert inputs["pinnedVersion"] == inputs["currentVersion"] == expected["Version"]
    assert inputs["pinned"] is False
    assert set(inputs) == set(OUTPUT_PROPERTIES)


def test_create_returns_the_checked_inputs_without_another_request(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    inputs = checked(provider, {}, news(emulator, version=2))
    emulator.clear_requests()
    result = provider.create({**inputs, "__provider": "x"})
    assert result.id == f"{IMAGE}:2"
    assert result.outs == inputs
    assert emulator.requests == []


def test_no_drift_means_no_diff(provider: ImageVersionProvider, emulator: SageMakerImageEmulator) -> None:
    first = checked(provider, {}, news(emulator, alias="stable"))
    second = checked(provider, first, news(emulator, alias="stable"))
    assert provider.diff(f"{IMAGE}@stable", first, second).changes is False


def test_a_moved_alias_is_drift(provider: ImageVersionProvider, emulator: SageMakerImageEmulator) -> None:
    first = checked(provider, {}, news(emulator, alias="stable"))
    emulator.move_alias(IMAGE, "stable", 1)
    second = checked(provider, first, news(emulator, alias="stable"))

    assert provider.diff(f"{IMAGE}@stable", first, second).changes is True
    assert second["version"] == 1
    assert second["containerImage"] != first["containerImage"]
    assert second["containerImage"] == raw_describe(emulator, Version=1)["ContainerImage"]
    update = provider.update(f"{IMAGE}@stable", first, {**second, "__provider": "x"})
    assert update.outs == second


def test_a_newer_version_is_drift_for_a_latest_query(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    first = checked(provider, {}, news(emulator))
    new_version = emulator.create_image_version(IMAGE, "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-pytorch:next")
    second = checked(provider, first, news(emulator))
    assert second["version"] == new_version == first["version"] + 1
    assert provider.diff(IMAGE, first, second).changes is True


def test_new_vendor_guidance_is_drift_of_a_pinned_version(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    first = checked(provider, {}, news(emulator, version=2))
    emulator.set_version_fields(IMAGE, 2, VendorGuidance="TO_BE_ARCHIVED")
    second = checked(provider, first, news(emulator, version=2))
    assert second["vendorGuidance"] == "TO_BE_ARCHIVED"
    assert second["version"] == first["version"] == 2
    assert provider.diff(f"{IMAGE}:2", first, second).changes is True


def test_a_deleted_version_fails_check_on_the_version_property(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    first = checked(provider, {}, news(emulator, version=2))
    emulator.delete_image_version(IMAGE, 2)
    result = provider.check(first, news(emulator, version=2))
    assert [f.property for f in result.failures] == ["version"]
    assert "has no version 2" in result.failures[0].reason
    assert "versions: 1, 3, 4" in result.failures[0].reason


def test_unknown_inputs_skip_the_lookup(provider: ImageVersionProvider, emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    program = news(emulator, alias="stable")
    program["imageName"] = rpc.UNKNOWN
    result = provider.check({}, program)
    assert result.failures == []
    assert result.inputs["imageName"] == rpc.UNKNOWN
    assert "containerImage" not in result.inputs
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("inputs", "bad_properties"),
    [
        ({"imageName": "bad name!"}, ["imageName"]),
        ({"version": 3, "alias": "stable"}, ["alias"]),
        ({"version": 2.5}, ["version"]),
        ({"version": -1, "alias": "-x"}, ["version", "alias"]),
        ({"endpointUrl": "file:///etc/passwd"}, ["endpointUrl"]),
        ({"roleArn": "admin"}, ["roleArn"]),
        ({"failOnArchived": "yes"}, ["failOnArchived"]),
    ],
)
def test_bad_inputs_are_check_failures_on_their_property_before_any_request(
    provider: ImageVersionProvider,
    emulator: SageMakerImageEmulator,
    inputs: dict[str, Any],
    bad_properties: list[str],
) -> None:
    emulator.clear_requests()
    result = provider.check({}, news(emulator, **inputs))
    assert sorted(f.property for f in result.failures) == sorted(bad_properties)
    assert all(f.reason for f in result.failures)
    assert emulator.requests == []


def test_a_wire_float_version_is_a_version(provider: ImageVersionProvider, emulator: SageMakerImageEmulator) -> None:
    inputs = checked(provider, {}, news(emulator, version=3.0))
    assert inputs["version"] == 3
    assert inputs["query"] == f"{IMAGE}:3"


def test_a_failed_version_fails_check_with_its_failure_reason(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    emulator.set_version_fields(IMAGE, 2, ImageVersionStatus="CREATE_FAILED", FailureReason="image pull failed")
    result = provider.check({}, news(emulator, version=2))
    assert [f.property for f in result.failures] == ["version"]
    assert "CREATE_FAILED: image pull failed" in result.failures[0].reason


def test_archived_warns_by_default_and_fails_when_asked(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    emulator.set_version_fields(IMAGE, 1, VendorGuidance="ARCHIVED")
    assert checked(provider, {}, news(emulator, version=1))["vendorGuidance"] == "ARCHIVED"
    result = provider.check({}, news(emulator, version=1, failOnArchived=True))
    assert [f.property for f in result.failures] == ["version"]
    assert "ARCHIVED" in result.failures[0].reason


def test_stack_config_region_is_the_default(emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    unconfigured = ImageVersionProvider()
    failures = unconfigured.check({}, news(emulator)).failures
    assert [f.property for f in failures] == [""]
    assert "no AWS region" in failures[0].reason

    configured = ImageVersionProvider()
    configured.configure(ConfigureRequest(Config({"aws:region": "eu-west-1"}, "proj")))
    assert checked(configured, {}, news(emulator))["version"] == 4


def test_an_ignored_pin_keeps_the_resolution_and_shows_the_drift(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    first = checked(provider, {}, news(emulator, alias="stable"))
    emulator.move_alias(IMAGE, "stable", 4)
    # ignore_changes=["pinnedVersion"] makes the engine copy the old value into the new inputs.
    second = checked(provider, first, news(emulator, alias="stable", pinnedVersion=first["pinnedVersion"]))

    assert second["version"] == second["pinnedVersion"] == first["version"]
    assert second["containerImage"] == first["containerImage"]
    assert second["currentVersion"] == 4
    assert second["pinned"] is True
    assert provider.diff(f"{IMAGE}@stable", first, second).changes is True  # drift stays visible


def test_the_first_check_after_a_pinned_create_proposes_no_change(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    # `pulumi up` created the resource without a pinnedVersion input (the program passes none) ...
    created = provider.create({**checked(provider, {}, news(emulator, alias="stable")), "__provider": "x"}).outs
    assert created is not None
    assert created["pinned"] is False
    # ... and the next preview's check gets the held value from the engine (ignore_changes).
    held = checked(provider, created, news(emulator, alias="stable", pinnedVersion=created["pinnedVersion"]))
    assert held["pinned"] is True  # recorded with the next real update
    assert provider.diff(f"{IMAGE}@stable", created, held).changes is False  # nothing moved

    emulator.move_alias(IMAGE, "stable", 4)
    moved = checked(provider, created, news(emulator, alias="stable", pinnedVersion=created["pinnedVersion"]))
    assert provider.diff(f"{IMAGE}@stable", created, moved).changes is True
    updated = provider.update(f"{IMAGE}@stable", created, {**moved, "__provider": "x"}).outs
    assert updated is not None
    assert (updated["pinned"], updated["version"], updated["currentVersion"]) == (True, 3, 4)


def test_refresh_never_moves_the_recorded_pin(provider: ImageVersionProvider, emulator: SageMakerImageEmulator) -> None:
    # Freshly created: state cannot yet say whether ignore_changes holds pinnedVersion (`pinned` is false).
    created = provider.create({**checked(provider, {}, news(emulator, alias="stable")), "__provider": "x"}).outs
    assert created is not None
    emulator.move_alias(IMAGE, "stable", 4)

    refreshed = provider.read(f"{IMAGE}@stable", created)
    assert refreshed.outs is not None
    assert refreshed.inputs is not None
    assert refreshed.outs["version"] == 4  # the outputs read where the alias points now ...
    assert refreshed.inputs["pinnedVersion"] == 3  # ... the inputs keep what a held pin holds
    # The next check gets that recorded value from the engine when ignore_changes holds it: still version 3.
    held = checked(
        provider, refreshed.outs, news(emulator, alias="stable", pinnedVersion=refreshed.inputs["pinnedVersion"])
    )
    assert (held["version"], held["currentVersion"], held["pinned"]) == (3, 4, True)
    # Without ignore_changes the program passes no pinnedVersion, and the alias is followed as before.
    followed = checked(provider, refreshed.outs, news(emulator, alias="stable"))
    assert followed["version"] == 4
    assert provider.diff(f"{IMAGE}@stable", refreshed.outs, followed).changes is False


def test_read_resolves_the_query_stated_by_the_id(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    result = provider.read(f"{IMAGE}@stable", {"endpointUrl": emulator.endpoint_url})
    assert result.outs is not None
    assert result.id == f"{IMAGE}@stable"
    assert result.outs["containerImage"] == raw_describe(emulator, Alias="stable")["ContainerImage"]
    assert result.inputs == result.outs

    emulator.move_alias(IMAGE, "stable", 1)
    refreshed = provider.read(f"{IMAGE}@stable", result.outs)
    assert refreshed.outs is not None
    assert refreshed.outs["version"] == 1
    assert refreshed.id == f"{IMAGE}@stable"  # the ID states the query; it does not drift


def test_delete_never_touches_sagemaker(provider: ImageVersionProvider, emulator: SageMakerImageEmulator) -> None:
    inputs = checked(provider, {}, news(emulator, alias="stable"))
    emulator.clear_requests()
    provider.delete(f"{IMAGE}@stable", inputs)
    assert emulator.requests == []
    versions = emulator.client().list_image_versions(ImageName=IMAGE)["ImageVersions"]
    assert len(versions) == 4


def test_the_serialized_provider_is_small_and_carries_no_configuration(emulator: SageMakerImageEmulator) -> None:
    provider = ImageVersionProvider()
    provider.configure(ConfigureRequest(Config({"aws:region": "eu-west-1", "aws:profile": "ops"}, "proj")))
    serialized = serialize_provider(provider)
    assert len(serialized) < 2048
    raw = base64.b64decode(serialized)
    assert b"pulumi_sagemaker_image.dynamic_provider" in raw  # by reference to the installed package
    assert b"eu-west-1" not in raw
    assert b"ops" not in raw

    restored = dill.loads(raw)
    assert isinstance(restored, ImageVersionProvider)
    assert checked(restored, {}, news(emulator, version=2))["version"] == 2


def test_inputs_and_info_keys_are_state_keys() -> None:
    assert set(INPUT_PROPERTIES) <= set(OUTPUT_PROPERTIES)
    assert set(ImageVersionInfo.json_keys()) <= set(OUTPUT_PROPERTIES)


def test_boto3_and_provider_agree_on_every_field(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    inputs = checked(provider, {}, news(emulator, version=3))
    expected = raw_describe(emulator, Version=3)
    info = ImageVersionInfo.from_json_dict(inputs)
    for field in ImageVersionInfo.response_fields():
        api = ImageVersionInfo.api_name(field)
        assert getattr(info, field) == expected.get(api), field


def test_another_alias_on_the_resolved_version_is_not_drift(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    first = checked(provider, {}, news(emulator))
    emulator.move_alias(IMAGE, "stable", first["version"])  # tags the latest version, bumping its timestamp
    second = checked(provider, first, news(emulator))
    assert "stable" in second["aliases"]
    assert second["lastModifiedTime"] != first["lastModifiedTime"]
    assert provider.diff(IMAGE, first, second).changes is False


def test_retry_and_timeout_inputs_reach_the_lookup(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    emulator.inject("DescribeImageVersion", Fault.throttle(), Fault.throttle())
    result = provider.check({}, news(emulator, version=2, maxAttempts=2))
    assert [f.property for f in result.failures] == [""]
    assert "ThrottlingException" in result.failures[0].reason
    assert "2 attempts" in result.failures[0].reason

    emulator.inject("DescribeImageVersion", Fault.throttle())
    assert checked(provider, {}, news(emulator, version=2, maxAttempts=3, readTimeout=5))["maxAttempts"] == 3

    bad = provider.check({}, news(emulator, maxAttempts=0, readTimeout=-1))
    assert sorted(f.property for f in bad.failures) == ["maxAttempts", "readTimeout"]


def test_an_endpoint_with_credentials_is_refused_without_echoing_them(
    provider: ImageVersionProvider, emulator: SageMakerImageEmulator
) -> None:
    result = provider.check({}, news(emulator, endpointUrl="https://key:hunter2@127.0.0.1:1"))
    # On property "" the engine prints no input value, so the secret is not repeated.
    assert [f.property for f in result.failures] == [""]
    assert "hunter2" not in result.failures[0].reason
