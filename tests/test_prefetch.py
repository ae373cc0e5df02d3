"""Lookups made in the program and reused by ``check``: reused only when they answer the same question.

What a user notices: a stack's lookups overlap instead of running one after another, and nothing
else changes — the same state, the same errors, the same pin behaviour, the same request count.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.lookup import clear_client_cache
from pulumi_sagemaker_image.prefetch import PREFETCH_WORKERS, PREFETCHED_KEY, prefetch, prefetched_lookup
from pulumi_sagemaker_image.state import ResourceInputs
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .test_dynamic_provider import IMAGE, checked, news, raw_describe

BOTH_CALLS = ["DescribeImageVersion", "ListAliases"]


def program_inputs(emulator: SageMakerImageEmulator, **props: Any) -> ResourceInputs:
    """Inputs as the program validates them (plain values, before the wire turns ints into floats)."""
    return ResourceInputs.from_properties({"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, **props})


def prefetched(emulator: SageMakerImageEmulator, **props: Any) -> str:
    payload = prefetched_lookup(program_inputs(emulator, **props))
    assert payload is not None
    return payload


def test_check_reuses_the_programs_lookup_without_asking_aws_and_stores_the_same_state(
    emulator: SageMakerImageEmulator,
) -> None:
    payload = prefetched(emulator, alias="stable")
    emulator.clear_requests()
    reused = checked(ImageVersionProvider(), {}, news(emulator, alias="stable", **{PREFETCHED_KEY: payload}))
    assert emulator.requests == []

    own = checked(ImageVersionProvider(), {}, news(emulator, alias="stable"))
    assert emulator.requests == BOTH_CALLS
    assert reused == own  # same state whoever looked up; the hidden input is not part of it
    assert PREFETCHED_KEY not in reused
    assert reused["containerImage"] == raw_describe(emulator, Alias="stable")["ContainerImage"]


@pytest.mark.parametrize(
    ("program", "resource"),
    [
        ({"alias": "stable"}, {"alias": "legacy"}),  # another query
        ({"version": 1}, {"alias": "legacy"}),  # another query for the same version
        ({"alias": "stable", "readTimeout": 7}, {"alias": "stable"}),  # other settings
        ({"alias": "stable", "region": "eu-west-1"}, {"alias": "stable"}),  # another region
    ],
)
def test_an_answer_to_another_question_is_not_reused(
    emulator: SageMakerImageEmulator, program: dict[str, Any], resource: dict[str, Any]
) -> None:
    payload = prefetched(emulator, **program)
    emulator.clear_requests()
    state = checked(ImageVersionProvider(), {}, news(emulator, **resource, **{PREFETCHED_KEY: payload}))
    assert emulator.requests == BOTH_CALLS
    expected = raw_describe(emulator, **{key[0].upper() + key[1:]: value for key, value in resource.items()})
    assert state["imageVersionArn"] == expected["ImageVersionArn"]


def test_a_program_whose_environment_points_elsewhere_is_not_trusted(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same settings, but the program ran with another AWS_REGION than the provider host has.
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    clear_client_cache()
    payload = prefetched(emulator, alias="stable")
    assert json.loads(payload)["region"] == "eu-west-1"

    monkeypatch.setenv("AWS_REGION", "us-east-1")
    clear_client_cache()
    emulator.clear_requests()
    state = checked(ImageVersionProvider(), {}, news(emulator, alias="stable", **{PREFETCHED_KEY: payload}))
    assert emulator.requests == BOTH_CALLS
    assert state["containerImage"] == raw_describe(emulator, Alias="stable")["ContainerImage"]


def test_the_stacks_default_region_must_be_the_one_the_program_used(emulator: SageMakerImageEmulator) -> None:
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    provider = ImageVersionProvider()
    provider.configure(ConfigureRequest(Config({"aws:region": "eu-west-1"}, "proj")))
    props = {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, "alias": "stable"}

    with_default = prefetched_lookup(ResourceInputs.from_properties(props, default_region="eu-west-1"))
    emulator.clear_requests()
    state = checked(provider, {}, news(emulator, alias="stable", **{PREFETCHED_KEY: with_default}))
    assert emulator.requests == []
    assert state["containerImage"] == raw_describe(emulator, Alias="stable")["ContainerImage"]

    without_default = prefetched_lookup(ResourceInputs.from_properties(props))  # AWS_REGION: us-east-1
    emulator.clear_requests()
    state = checked(provider, {}, news(emulator, alias="stable", **{PREFETCHED_KEY: without_default}))
    assert emulator.requests == BOTH_CALLS


@pytest.mark.parametrize(
    "garbage",
    ["", "null", "not json", "{}", '{"query": "demo-pytorch@stable"}', 42],
    ids=["empty", "null", "not-json", "empty-object", "partial", "number"],
)
def test_a_malformed_hidden_input_means_an_ordinary_lookup(emulator: SageMakerImageEmulator, garbage: object) -> None:
    emulator.clear_requests()
    state = checked(ImageVersionProvider(), {}, news(emulator, alias="stable", **{PREFETCHED_KEY: garbage}))
    assert emulator.requests == BOTH_CALLS
    assert state["containerImage"] == raw_describe(emulator, Alias="stable")["ContainerImage"]


def test_a_truncated_answer_is_not_reused(emulator: SageMakerImageEmulator) -> None:
    payload = json.loads(prefetched(emulator, alias="stable"))
    del payload["info"]["containerImage"]
    emulator.clear_requests()
    state = checked(ImageVersionProvider(), {}, news(emulator, alias="stable", **{PREFETCHED_KEY: json.dumps(payload)}))
    assert emulator.requests == BOTH_CALLS
    assert state["containerImage"] == raw_describe(emulator, Alias="stable")["ContainerImage"]


def test_a_failed_program_lookup_is_reported_by_check_exactly_as_without_prefetching(
    emulator: SageMakerImageEmulator,
) -> None:
    assert prefetched_lookup(program_inputs(emulator, imageName="no-such-image")) is None  # never raises
    with_prefetch = ImageVersionProvider().check(
        {}, news(emulator, imageName="no-such-image", **{PREFETCHED_KEY: None})
    )
    without = ImageVersionProvider().check({}, news(emulator, imageName="no-such-image"))
    assert [(f.property, f.reason) for f in with_prefetch.failures] == [
        (f.property, f.reason) for f in without.failures
    ]
    assert with_prefetch.failures
    assert "no-such-image" in with_prefetch.failures[0].reason


def test_a_held_pin_that_drifted_costs_only_the_pinned_versions_lookup(emulator: SageMakerImageEmulator) -> None:
    provider = ImageVersionProvider()
    first = checked(provider, {}, news(emulator, alias="stable"))
    emulator.move_alias(IMAGE, "stable", 4)
    payload = prefetched(emulator, alias="stable")  # the program sees where the alias is now

    emulator.clear_requests()
    held = news(emulator, alias="stable", pinnedVersion=first["pinnedVersion"], **{PREFETCHED_KEY: payload})
    second = checked(provider, first, held)
    assert emulator.requests == BOTH_CALLS  # the pinned version's data; the drift came from the program
    assert emulator.request_log[0].params["Version"] == first["version"]
    assert second["version"] == second["pinnedVersion"] == first["version"]
    assert second["currentVersion"] == 4
    assert second["containerImage"] == first["containerImage"]


def test_prefetches_overlap_up_to_the_pool_size(emulator: SageMakerImageEmulator) -> None:
    emulator.latency = 0.2
    names = ["demo-pytorch", "demo-sklearn"]
    inputs = [program_inputs(emulator, imageName=names[i % 2], version=1 + i % 2) for i in range(PREFETCH_WORKERS)]

    async def declare_all() -> list[str | None]:
        futures = [prefetch(each) for each in inputs]
        return await asyncio.gather(*(future for future in futures if future is not None))

    # A private loop: asyncio.run would leave the thread without a current loop for later tests.
    loop = asyncio.new_event_loop()
    try:
        payloads = loop.run_until_complete(declare_all())
    finally:
        loop.close()
    assert len(payloads) == PREFETCH_WORKERS
    assert all(payloads)
    assert emulator.peak_concurrency() == PREFETCH_WORKERS


def test_no_prefetch_without_a_running_event_loop(emulator: SageMakerImageEmulator) -> None:
    assert prefetch(program_inputs(emulator, alias="stable")) is None
    assert emulator.requests == []
