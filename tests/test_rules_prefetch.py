"""Prefetch rules that tests/test_prefetch.py leaves open (found by `make mutation`).

The README promises that a program's lookups overlap "up to 16 at a time": more declared resources
queue for a worker rather than all hitting SageMaker at once. And an answer is reused only for exactly
the question ``check`` would ask: not for the other ``listAliases`` choice, not for another region
(whichever way round), not when it carries fields this version does not know.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.lookup import clear_client_cache
from pulumi_sagemaker_image.prefetch import PREFETCHED_KEY, prefetch
from pulumi_sagemaker_image.state import ResourceInputs
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .test_dynamic_provider import checked, news
from .test_prefetch import BOTH_CALLS, prefetched


def test_a_program_runs_up_to_16_lookups_at_once(emulator: SageMakerImageEmulator) -> None:
    # A second per call, so that the first wave's 16 are all in flight at once even when a busy machine
    # is slow to start their threads: with half a second the first ones could finish before the last
    # started, as 0.2 s gave 12 in tests/test_program_mocks.py under load. The 4 more queue for a
    # worker: at most 16, never 20.
    emulator.latency = 1.0
    inputs = [
        ResourceInputs.from_properties(
            {
                "imageName": ("demo-pytorch", "demo-sklearn")[i % 2],
                "version": 1 + i % 2,
                "endpointUrl": emulator.endpoint_url,
            }
        )
        for i in range(20)
    ]

    async def declare_all() -> list[str | None]:
        futures = [prefetch(each) for each in inputs]
        return await asyncio.gather(*(future for future in futures if future is not None))

    loop = asyncio.new_event_loop()  # a private loop: later tests keep their thread's current one
    try:
        payloads = loop.run_until_complete(declare_all())
    finally:
        loop.close()
    assert len(payloads) == 20
    assert all(payloads)
    assert emulator.peak_concurrency() == 16


@pytest.mark.parametrize(("program", "resource"), [(True, False), (False, True)])
def test_an_answer_for_the_other_list_aliases_choice_is_not_reused(
    emulator: SageMakerImageEmulator, program: bool, resource: bool
) -> None:
    payload = prefetched(emulator, alias="stable", listAliases=program)
    emulator.clear_requests()
    state = checked(
        ImageVersionProvider(), {}, news(emulator, alias="stable", listAliases=resource, **{PREFETCHED_KEY: payload})
    )
    assert emulator.requests == (BOTH_CALLS if resource else ["DescribeImageVersion"])
    assert (state["listAliases"], bool(state["aliases"])) == (resource, resource)


@pytest.mark.parametrize(("program", "host"), [("us-west-2", "eu-west-1"), ("eu-west-1", "us-west-2")])
def test_an_answer_from_another_region_is_not_reused_either_way(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch, program: str, host: str
) -> None:
    monkeypatch.setenv("AWS_REGION", program)
    clear_client_cache()
    payload = prefetched(emulator, alias="stable")
    monkeypatch.setenv("AWS_REGION", host)
    clear_client_cache()
    emulator.clear_requests()
    checked(ImageVersionProvider(), {}, news(emulator, alias="stable", **{PREFETCHED_KEY: payload}))
    assert emulator.requests == BOTH_CALLS


def test_an_answer_with_fields_this_version_does_not_know_is_not_reused(emulator: SageMakerImageEmulator) -> None:
    # A program running another version of the package may describe a version with other fields.
    payload = json.loads(prefetched(emulator, alias="stable"))
    payload["info"]["someNewField"] = "x"
    emulator.clear_requests()
    checked(ImageVersionProvider(), {}, news(emulator, alias="stable", **{PREFETCHED_KEY: json.dumps(payload)}))
    assert emulator.requests == BOTH_CALLS
