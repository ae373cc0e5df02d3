"""Prefetch rules that tests/test_prefetch.py leaves open (found by `make mutation`).

The README promises that a program's lookups overlap "up to 16 at a time": more declared resources
queue for a worker rather than all hitting SageMaker at once, and fewer than 16 never wait.
"""

from __future__ import annotations

import asyncio

from pulumi_sagemaker_image.prefetch import prefetch
from pulumi_sagemaker_image.state import ResourceInputs
from pulumi_sagemaker_image.testing import SageMakerImageEmulator


def test_a_program_runs_up_to_16_lookups_at_once(emulator: SageMakerImageEmulator) -> None:
    emulator.latency = 0.5
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
