"""Every user workflow under the real Pulumi CLI: preview, up, drift, refresh, import, pin, bad input, destroy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import IMAGE_VERSION_TYPE, PulumiProject, describe

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")


def steps_of_type(preview: dict[str, Any], type_: str = IMAGE_VERSION_TYPE) -> list[dict[str, Any]]:
    return [step for step in preview.get("steps", []) if step["urn"].split("::")[2] == type_]


def test_new_stack_preview_shows_the_resolved_image_and_up_matches_boto3(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("pin-image")
    emulator.clear_requests()
    preview = project.preview_json()
    (step,) = steps_of_type(preview)
    assert step["op"] == "create"
    stable = describe(emulator, Alias="stable")
    planned = step["newState"]["inputs"]
    assert planned["containerImage"] == stable["ContainerImage"]  # a known value, not output<string>
    assert planned["version"] == stable["Version"]
    assert planned["imageVersionArn"] == stable["ImageVersionArn"]
    assert emulator.request_count("DescribeImageVersion") == 2  # the preview's one lookup + ours

    project.up()
    outputs = project.outputs()
    assert outputs["containerImage"] == stable["ContainerImage"]
    assert outputs["imageVersionArn"] == stable["ImageVersionArn"]
    assert outputs["version"] == stable["Version"]
    assert outputs["deployedImage"] == stable["ContainerImage"]

    # No drift: a second preview shows no change at all.
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0


def test_a_moved_alias_fails_the_ci_check_then_up_updates_the_dependent(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("pin-image")
    project.up()
    before = project.outputs()

    emulator.move_alias(IMAGE, "stable", 4)
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    text = check.stdout + check.stderr
    assert "containerImage" in text
    assert f'"{before["containerImage"]}" => "{describe(emulator, Version=4)["ContainerImage"]}"' in text
    preview = project.preview_json()
    ops = {step["urn"].rsplit("::", 1)[-1]: step["op"] for step in preview["steps"] if step["op"] != "same"}
    assert ops == {"training-image": "update", "model": "update"}

    project.up()
    after = project.outputs()
    assert after["version"] == 4
    assert after["deployedImage"] == describe(emulator, Version=4)["ContainerImage"] != before["deployedImage"]
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0


@pytest.mark.parametrize("change", ["new-latest", "deleted-latest", "to-be-archived"])
def test_other_drift_is_caught_by_the_ci_check(
    make_project: Any, emulator: SageMakerImageEmulator, change: str
) -> None:
    project: PulumiProject = make_project("drift-check")
    project.up()
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0

    if change == "new-latest":
        emulator.create_image_version(IMAGE, "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-pytorch:2.3")
        expected_version, changed = 5, "containerImage"
    elif change == "deleted-latest":
        emulator.delete_image_version(IMAGE, 4)
        expected_version, changed = 3, "containerImage"
    else:
        emulator.set_version_fields(IMAGE, 4, VendorGuidance="TO_BE_ARCHIVED")
        expected_version, changed = 4, "vendorGuidance"

    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    assert changed in check.stdout
    if change == "to-be-archived":
        assert "TO_BE_ARCHIVED" in check.stdout + check.stderr

    project.up()
    assert project.outputs()["latestVersion"] == expected_version
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0


def test_refresh_reads_the_drift_into_state(make_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: PulumiProject = make_project("drift-check")
    project.up()
    emulator.move_alias(IMAGE, "stable", 1)
    project.run("refresh", "--yes", "--skip-preview")
    state = project.image_versions()["by-alias"]
    assert state["outputs"]["version"] == 1
    assert state["outputs"]["containerImage"] == describe(emulator, Version=1)["ContainerImage"]
    assert state["id"] == f"{IMAGE}@stable"  # the ID states the query, not its resolution


def test_get_reads_by_the_documented_id(make_project: Any, emulator: SageMakerImageEmulator) -> None:
    program = f"""
import pulumi
from pulumi_sagemaker_image import ImageVersion

by_alias = ImageVersion.get("by-alias", "{IMAGE}@stable")
by_version = ImageVersion.get("by-version", "{IMAGE}:2")
latest = ImageVersion.get("latest", "{IMAGE}")
pulumi.export("aliasImage", by_alias.container_image)
pulumi.export("versionImage", by_version.container_image)
pulumi.export("latestVersion", latest.version)
"""
    project: PulumiProject = make_project(program=program)
    # ImageVersion.get carries nothing but the ID, so the endpoint comes from the environment.
    project.env["AWS_ENDPOINT_URL_SAGEMAKER"] = emulator.endpoint_url
    project.up()
    outputs = project.outputs()
    assert outputs["aliasImage"] == describe(emulator, Alias="stable")["ContainerImage"]
    assert outputs["versionImage"] == describe(emulator, Version=2)["ContainerImage"]
    assert outputs["latestVersion"] == 4


def test_import_is_refused_by_the_dynamic_provider_host_as_documented(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    # The engine reads an imported resource without its inputs, so Python's dynamic provider host has
    # no pickled provider to load. The README says so and offers get / a plain declaration instead;
    # this test notices the day Pulumi lifts the limitation.
    program = f"""
import pulumi
from pulumi_sagemaker_image import ImageVersion
ImageVersion("adopted", image_name="{IMAGE}", version=2, endpoint_url="{emulator.endpoint_url}",
             opts=pulumi.ResourceOptions(import_="{IMAGE}:2"))
"""
    project: PulumiProject = make_project(program=program)
    result = project.run("up", "--yes", "--skip-preview", check=False)
    assert result.returncode != 0
    assert "__provider" in result.stdout + result.stderr


def test_the_pinning_recipe_holds_across_an_alias_move_and_shows_the_drift(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("pin-image")
    project.config(pin="true")
    project.up()
    pinned = project.outputs()
    assert pinned["version"] == 3

    emulator.move_alias(IMAGE, "stable", 4)
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0  # drift is visible ...
    assert "currentVersion" in check.stdout
    assert "pinned to version 3" in check.stdout + check.stderr
    project.up()
    after = project.outputs()
    assert after["containerImage"] == pinned["containerImage"]  # ... but what runs did not move
    assert after["deployedImage"] == pinned["deployedImage"]
    assert after["version"] == 3
    assert after["currentVersion"] == 4


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('image_name="bad name!"', "imageName"),
        (f'image_name="{IMAGE}", version=2, alias="stable"', "cannot be combined with version 2"),
    ],
)
def test_bad_input_fails_preview_on_the_property_and_writes_nothing(
    make_project: Any, emulator: SageMakerImageEmulator, arguments: str, message: str
) -> None:
    program = f"""
from pulumi_sagemaker_image import ImageVersion
ImageVersion("bad", {arguments}, endpoint_url="{emulator.endpoint_url}")
"""
    project: PulumiProject = make_project(program=program)
    emulator.clear_requests()
    preview = project.run("preview", check=False)
    assert preview.returncode != 0
    assert message in preview.stdout + preview.stderr
    assert "has a problem" in preview.stdout + preview.stderr
    assert project.run("up", "--yes", check=False).returncode != 0
    assert project.image_versions() == {}
    assert emulator.requests == []


def test_destroy_leaves_sagemaker_untouched(make_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: PulumiProject = make_project("drift-check")
    project.up()
    before = emulator.client().list_image_versions(ImageName=IMAGE)["ImageVersions"]
    emulator.clear_requests()
    project.run("destroy", "--yes", "--skip-preview")
    assert project.image_versions() == {}
    assert [r for r in emulator.requests if r.startswith(("Delete", "Update", "Create"))] == []
    assert emulator.client().list_image_versions(ImageName=IMAGE)["ImageVersions"] == before


def test_drift_command_on_state_exported_by_the_engine(
    make_project: Any, emulator: SageMakerImageEmulator, tmp_path: Path
) -> None:
    project: PulumiProject = make_project("drift-check")
    project.up()
    exported = tmp_path / "state.json"
    exported.write_text(json.dumps(project.export()))

    clean = subprocess.run([CLI, "drift", str(exported)], capture_output=True, text=True, timeout=60, check=False)
    assert clean.returncode == 0, clean.stderr
    assert [line.split()[2] for line in clean.stdout.splitlines()[1:]] == ["OK", "OK"]

    emulator.move_alias(IMAGE, "stable", 1)
    drifted = subprocess.run(
        [CLI, "drift", "-"], input=exported.read_text(), capture_output=True, text=True, timeout=60, check=False
    )
    assert drifted.returncode == 1
    rows = {line.split()[0]: line for line in drifted.stdout.splitlines()[1:]}
    assert "DRIFT" in rows["by-alias"]
    assert "OK" in rows["latest"]


def test_the_lookup_function_example_leaves_nothing_in_state(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("lookup-function")
    project.up()
    outputs = project.outputs()
    assert outputs["stableImage"] == describe(emulator, Alias="stable")["ContainerImage"]
    assert outputs["latestVersion"] == 4
    assert "stable" not in outputs["latestAliases"]
    assert project.image_versions() == {}
