"""The Python transport's own rule that tests/test_dynamic_provider.py leaves open (found by `make mutation`).

Only a non-empty ``aws:region``/``aws:profile`` in the stack's config is a default; an empty one (``pulumi
config set aws:region ""``) leaves the environment's region in force instead of becoming an invalid region.
"""

from __future__ import annotations

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.testing import SageMakerImageEmulator


def test_an_empty_stack_region_leaves_the_environments_in_force(emulator: SageMakerImageEmulator) -> None:
    provider = ImageVersionProvider()
    provider.configure(ConfigureRequest(Config({"aws:region": "", "aws:profile": ""}, "proj")))
    result = provider.check({}, {"imageName": "demo-pytorch", "alias": "stable", "endpointUrl": emulator.endpoint_url})
    assert [failure.reason for failure in result.failures] == []
    assert result.inputs["version"] == 3
    assert result.inputs["region"] is None  # not recorded: it came from the environment (AWS_REGION)
