"""Lookups start in the program as resources are declared, under the real engine.

The engine asks the provider to check one resource at a time, so without this a stack's lookups
would run one after another. What a user notices: they overlap, everything else is as before, and a
lookup ordered after another resource with ``depends_on`` still sees what that resource did.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import PulumiProject
from .test_workflows import steps_of_type

pytestmark = pytest.mark.e2e

QUERIES = [
    ("demo-pytorch", "version=1"),
    ("demo-pytorch", "version=2"),
    ("demo-pytorch", 'alias="stable"'),
    ("demo-pytorch", ""),
    ("demo-sklearn", "version=1"),
    ("demo-sklearn", ""),
]


def test_a_stacks_lookups_overlap_and_state_is_as_without_prefetching(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    declarations = "\n".join(
        f'images.append(ImageVersion("image-{i}", "{name}", {selector}{", " if selector else ""}endpoint_url=endpoint))'
        for i, (name, selector) in enumerate(QUERIES)
    )
    program = f"""
import pulumi
from pulumi_sagemaker_image import ImageVersion

endpoint = pulumi.Config().require("endpointUrl")
images = []
{declarations}
pulumi.export("images", [image.container_image for image in images])
"""
    project: PulumiProject = make_project(program=program)
    project.config(endpointUrl=emulator.endpoint_url)
    emulator.latency = 0.5
    emulator.clear_requests()
    preview = project.preview_json()
    assert emulator.peak_concurrency() == len(QUERIES)  # one after another, this would be 1
    assert emulator.request_count("DescribeImageVersion") == emulator.request_count("ListAliases") == len(QUERIES)
    planned = [step["newState"]["inputs"] for step in steps_of_type(preview)]
    assert len(planned) == len(QUERIES)
    assert all("containerImage" in inputs and "__prefetched" not in inputs for inputs in planned)

    emulator.latency = 0
    project.up()
    for resource in project.image_versions().values():
        # The engine lists every program input's name among the dependencies; the value is never kept.
        assert "__prefetched" not in resource["inputs"]
        assert "__prefetched" not in resource["outputs"]
        assert resource["propertyDependencies"].get("__prefetched", []) == []
    client = emulator.client()
    expected = []
    for name, selector in QUERIES:
        params: dict[str, Any] = {"ImageName": name}
        if selector:
            key, value = selector.split("=")
            params[key.capitalize()] = json.loads(value)
        expected.append(client.describe_image_version(**params)["ContainerImage"])
    assert project.outputs()["images"] == expected
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0


def test_depends_on_makes_the_lookup_wait_for_what_it_depends_on(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    # A resource publishes a new version of demo-sklearn; the lookup of the latest version declared
    # after it with depends_on must see that version, not the one that was latest when declared.
    program = """
import uuid

import boto3
import pulumi
from pulumi import dynamic
from pulumi_sagemaker_image import ImageVersion

endpoint = pulumi.Config().require("endpointUrl")


class PublishProvider(dynamic.ResourceProvider):
    def create(self, props):
        client = boto3.client("sagemaker", endpoint_url=props["endpoint"], region_name="us-east-1")
        client.create_image_version(
            ImageName="demo-sklearn", BaseImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:new",
            ClientToken=str(uuid.uuid4()),
        )
        return dynamic.CreateResult(id_="published", outs=props)


class Publish(dynamic.Resource):
    def __init__(self, name, endpoint):
        super().__init__(PublishProvider(), name, {"endpoint": endpoint})


publish = Publish("publish", endpoint)
latest = ImageVersion("latest", "demo-sklearn", endpoint_url=endpoint,
                      opts=pulumi.ResourceOptions(depends_on=[publish]))
pulumi.export("version", latest.version)
"""
    project: PulumiProject = make_project(program=program)
    project.config(endpointUrl=emulator.endpoint_url)
    before = emulator.client().describe_image_version(ImageName="demo-sklearn")["Version"]
    project.up()
    after = emulator.client().describe_image_version(ImageName="demo-sklearn")["Version"]
    assert after == before + 1
    assert project.outputs()["version"] == after
