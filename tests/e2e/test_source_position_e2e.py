"""State written by the real engine records each ImageVersion at the user's line (sourcePosition)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_sagemaker_image.source_position import PACKAGE_URI
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import PulumiProject

pytestmark = pytest.mark.e2e

PROGRAM = """\
import pulumi
from pulumi_sagemaker_image import ImageVersion

endpoint = pulumi.Config().require("endpointUrl")
declared = ImageVersion("declared", image_name="demo-pytorch", alias="stable", endpoint_url=endpoint)
read = ImageVersion.get("read", "demo-pytorch:2")
"""


def test_state_records_the_declaring_line_of_the_program(make_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: PulumiProject = make_project(program=PROGRAM)
    project.config(endpointUrl=emulator.endpoint_url)
    project.env["AWS_ENDPOINT_URL_SAGEMAKER"] = emulator.endpoint_url  # for ImageVersion.get
    project.up()
    lines = PROGRAM.splitlines()
    expected = {
        name: f"project:///__main__.py#{next(i for i, text in enumerate(lines, 1) if text.startswith(name))}"
        for name in ("declared", "read")
    }
    state = project.image_versions()
    assert {name: state[name]["sourcePosition"] for name in expected} == expected
    for resource in state.values():
        frames = [frame.get("sourcePosition", "") for frame in resource.get("stackTrace", [])]
        assert frames[0] == resource["sourcePosition"]
        assert not [frame for frame in frames if "pulumi_sagemaker_image" in frame or frame.startswith(PACKAGE_URI)]
