"""Under the real engine, an identity without sagemaker:ListAliases deploys, previews and sees no drift."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

from .conftest import PulumiProject

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
PROGRAM = """\
import pulumi
from pulumi_sagemaker_image import ImageVersion

config = pulumi.Config()
endpoint = config.require("endpointUrl")
list_aliases = config.get_bool("listAliases")
stable = ImageVersion("stable", image_name="demo-pytorch", alias="stable", endpoint_url=endpoint,
                      list_aliases=list_aliases)
latest = ImageVersion("latest", image_name="demo-pytorch", endpoint_url=endpoint, list_aliases=list_aliases)
pulumi.export("image", stable.container_image)
pulumi.export("aliases", stable.aliases)
"""
WARNING = "may not call sagemaker:ListAliases"


def warnings_of(text: str) -> int:
    """How often the warning is among the run's diagnostics (the live display shows it once more)."""
    return text.split("Diagnostics:", 1)[-1].count(WARNING) if "Diagnostics:" in text else 0


def deny_list_aliases(emulator: SageMakerImageEmulator) -> None:
    # Every ListAliases call of the run is denied, as IAM denies an action the policy lacks.
    emulator.inject("ListAliases", *[Fault.access_denied()] * 50)


def test_a_denied_list_aliases_warns_once_and_fails_nothing(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project(program=PROGRAM)
    project.config(endpointUrl=emulator.endpoint_url)
    project.up()
    assert "stable" in project.outputs()["aliases"]

    deny_list_aliases(emulator)
    preview = project.run("preview", "--expect-no-changes", check=False)  # not drift
    text = preview.stdout + preview.stderr
    assert preview.returncode == 0, text
    assert warnings_of(text) == 1, text  # once per run, for both resources

    fresh: PulumiProject = make_project(program=PROGRAM)  # a new stack deploys with the role as it is
    fresh.config(endpointUrl=emulator.endpoint_url)
    up = fresh.up()
    assert warnings_of(up.stdout + up.stderr) == 1
    outputs = fresh.outputs()
    described = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")
    assert outputs["image"] == described["ContainerImage"]
    assert outputs["aliases"] == []


def test_list_aliases_false_makes_one_request_per_resource(make_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: PulumiProject = make_project(program=PROGRAM)
    project.config(endpointUrl=emulator.endpoint_url, listAliases="false")
    emulator.clear_requests()
    project.up()
    assert emulator.request_count("ListAliases") == 0
    assert emulator.request_count("DescribeImageVersion") == 2
    state = project.image_versions()
    assert {name: (r["outputs"]["listAliases"], r["outputs"]["aliases"]) for name, r in state.items()} == {
        "stable": (False, []),
        "latest": (False, []),
    }
