"""Pulumi YAML programs (`runtime: yaml`) under the real CLI, served by the native plugin.

The engine runs `pulumi-resource-sagemaker-image` (the package's console script) for the
`sagemaker-image` package and `pulumi-language-yaml` (built by `make pulumi-cli`) for the program.
Every project gets its own file backend and plugin home, reaches the emulator on 127.0.0.1, and runs
with automatic plugin downloads off and every proxy pointed at a closed port, so nothing can be
fetched from anywhere.

Without the CLI or the YAML host these tests skip with the reason, except under CI or
REQUIRE_PULUMI_E2E, where that is a failure. A missing plugin is always a failure: it ships with the
package.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image import __version__
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import (
    PLUGIN,
    PLUGIN_DIR,
    YamlProject,
    describe,
    mutating_requests,
)

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
RESOURCE_TYPE = "sagemaker-image:index:ImageVersion"
FUNCTION = "sagemaker-image:index:getImageVersion"
PROVIDER_TYPE = "pulumi:providers:sagemaker-image"
# pip puts console scripts next to the interpreter that installed the package.
# The 16 DescribeImageVersion fields, as the schema names them.
DESCRIBE_FIELDS = {
    "baseImage": "BaseImage",
    "containerImage": "ContainerImage",
    "creationTime": "CreationTime",
    "failureReason": "FailureReason",
    "imageArn": "ImageArn",
    "imageVersionArn": "ImageVersionArn",
    "imageVersionStatus": "ImageVersionStatus",
    "lastModifiedTime": "LastModifiedTime",
    "version": "Version",
    "vendorGuidance": "VendorGuidance",
    "jobType": "JobType",
    "mlFramework": "MLFramework",
    "programmingLang": "ProgrammingLang",
    "processor": "Processor",
    "horovod": "Horovod",
    "releaseNotes": "ReleaseNotes",
}


def text_of(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


INVOKE_VARIABLES = f"""
variables:
  stable:
    fn::invoke:
      function: {FUNCTION}
      arguments:
        imageName: {IMAGE}
        alias: stable
  latest:
    fn::invoke:
      function: {FUNCTION}
      arguments:
        imageName: {IMAGE}
"""
INVOKE_PROGRAM = (
    INVOKE_VARIABLES
    + """outputs:
  stable: ${stable}
  latestVersion: ${latest.version}
  latestImage: ${latest.containerImage}
"""
)


def resource_program(options: str = "") -> str:
    """An ImageVersion with `options` (YAML lines) and a dependent fed its containerImage."""
    return f"""
resources:
  trainingImage:
    type: {RESOURCE_TYPE}
    properties:
      imageName: {IMAGE}
      alias: stable
{options}
  # Pulumi's built-in Stash keeps the value it is given: a dependent that needs no cloud.
  model:
    type: pulumi:index:Stash
    properties:
      input: ${{trainingImage.containerImage}}
outputs:
  containerImage: ${{trainingImage.containerImage}}
  version: ${{trainingImage.version}}
  currentVersion: ${{trainingImage.currentVersion}}
  imageVersionArn: ${{trainingImage.imageVersionArn}}
  deployedImage: ${{model.input}}
"""


# Both routes in one program: the resource (and its dependent) and the invokes.
BOTH_ROUTES = resource_program() + "  invoked: ${stable}\n" + INVOKE_VARIABLES

PIN_OPTIONS = """    options:
      ignoreChanges:
        - pinnedVersion
"""


# -- the invoke: a data source -----------------------------------------------------------------


def test_invoke_runs_in_preview_and_up_returns_every_output_and_writes_nothing_to_state(
    make_yaml_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: YamlProject = make_yaml_project(INVOKE_PROGRAM)
    stable = describe(emulator, Alias="stable")

    emulator.clear_requests()
    preview = project.run("preview")
    assert stable["ContainerImage"] in preview.stdout  # resolved while previewing, shown as the output
    assert emulator.request_count("DescribeImageVersion") >= 2  # both invokes ran in the preview
    assert mutating_requests(emulator) == []

    project.up()
    outputs = project.outputs()
    returned = outputs["stable"]
    for name, field in DESCRIBE_FIELDS.items():
        if field not in stable:  # e.g. FailureReason of a good version: null, which Pulumi leaves out
            assert returned.get(name) is None, name
        elif name.endswith("Time"):  # ISO-8601 in UTC
            assert returned[name].startswith(stable[field].strftime("%Y-%m-%dT%H:%M:%S")), name
        else:
            assert returned[name] == stable[field], name
    assert returned["imageName"] == IMAGE
    assert returned["alias"] == "stable"
    assert "stable" in returned["aliases"]
    assert returned["query"] == f"{IMAGE}@stable"
    assert outputs["latestVersion"] == 4
    assert outputs["latestImage"] == describe(emulator, Version=4)["ContainerImage"]

    # A data source leaves no resource behind: only the stack and the provider the engine ran it with.
    resources = project.resources()
    assert {r["type"] for r in resources.values()} <= {"pulumi:pulumi:Stack", PROVIDER_TYPE}
    for resource in resources.values():
        if resource["type"] != "pulumi:pulumi:Stack":
            assert stable["ContainerImage"] not in json.dumps(resource)

    # Every preview asks SageMaker again: a moved alias shows in the next preview's outputs.
    emulator.move_alias(IMAGE, "stable", 4)
    again = project.run("preview", "--diff")
    assert describe(emulator, Version=4)["ContainerImage"] in again.stdout


def test_invoke_reports_a_missing_version_in_one_actionable_message(
    make_yaml_project: Any, emulator: SageMakerImageEmulator
) -> None:
    program = f"""
variables:
  missing:
    fn::invoke:
      function: {FUNCTION}
      arguments:
        imageName: {IMAGE}
        version: 9
outputs:
  image: ${{missing.containerImage}}
"""
    project: YamlProject = make_yaml_project(program)
    preview = project.run("preview", check=False)
    assert preview.returncode != 0
    text = text_of(preview)
    assert "has no version 9 in us-east-1 (versions: 1, 2, 3, 4)" in text
    assert "Traceback" not in text
    assert project.run("up", "--yes", "--skip-preview", check=False).returncode != 0
    assert project.image_versions() == {}


# -- the resource --------------------------------------------------------------------------------


def test_resource_preview_shows_the_image_up_is_steady_and_a_moved_alias_fails_the_ci_check(
    make_yaml_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: YamlProject = make_yaml_project(resource_program())
    stable = describe(emulator, Alias="stable")

    preview = project.preview_json()
    steps = {step["urn"].rsplit("::", 1)[-1]: step for step in preview["steps"]}
    assert steps["trainingImage"]["op"] == "create"
    # The dependent already sees the resolved image: a known value, not an output still to come.
    assert steps["model"]["newState"]["inputs"]["input"] == stable["ContainerImage"]
    text_preview = project.run("preview")
    assert stable["ContainerImage"] in text_preview.stdout

    project.up()
    outputs = project.outputs()
    assert outputs["containerImage"] == outputs["deployedImage"] == stable["ContainerImage"]
    assert outputs["version"] == stable["Version"] == 3
    assert outputs["imageVersionArn"] == stable["ImageVersionArn"]
    (image,) = project.image_versions().values()
    assert image["id"] == f"{IMAGE}@stable"
    assert image["outputs"]["containerImage"] == stable["ContainerImage"]
    assert project.run("preview", "--expect-no-changes").returncode == 0

    emulator.move_alias(IMAGE, "stable", 4)
    moved = describe(emulator, Version=4)["ContainerImage"]
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    text = text_of(check)
    assert "containerImage" in text
    assert f'"{stable["ContainerImage"]}" => "{moved}"' in text
    ops = {
        step["urn"].rsplit("::", 1)[-1]: step["op"] for step in project.preview_json()["steps"] if step["op"] != "same"
    }
    assert ops == {"trainingImage": "update", "model": "update"}

    project.up()
    after = project.outputs()
    assert after["version"] == 4
    assert after["deployedImage"] == after["containerImage"] == moved
    assert project.run("preview", "--expect-no-changes").returncode == 0


def test_the_pin_holds_with_ignore_changes_and_the_drift_stays_visible(
    make_yaml_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: YamlProject = make_yaml_project(resource_program(PIN_OPTIONS))
    project.up()
    pinned = project.outputs()
    assert pinned["version"] == 3

    emulator.move_alias(IMAGE, "stable", 4)
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0  # drift is visible ...
    assert "currentVersion" in check.stdout
    assert "pinned to version 3" in text_of(check)
    project.up()
    after = project.outputs()
    assert after["containerImage"] == pinned["containerImage"]  # ... but what runs did not move
    assert after["deployedImage"] == pinned["deployedImage"]
    assert after["version"] == 3
    assert after["currentVersion"] == 4


def test_refresh_reads_the_drift_into_state_by_id(make_yaml_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: YamlProject = make_yaml_project(resource_program())
    project.up()
    emulator.move_alias(IMAGE, "stable", 1)
    emulator.clear_requests()
    project.run("refresh", "--yes", "--skip-preview")
    image = project.image_versions()["trainingImage"]
    assert image["id"] == f"{IMAGE}@stable"  # the ID states the query, not its resolution
    assert image["outputs"]["version"] == 1
    assert image["outputs"]["containerImage"] == describe(emulator, Version=1)["ContainerImage"]
    assert mutating_requests(emulator) == []


@pytest.mark.parametrize("settings_from", ["provider config", "AWS environment"])
def test_pulumi_import_reads_by_id_and_the_generated_code_is_steady(
    make_yaml_project: Any, emulator: SageMakerImageEmulator, tmp_path: Path, settings_from: str
) -> None:
    from_config = settings_from == "provider config"
    project: YamlProject = make_yaml_project("", endpoint_config=from_config)
    if not from_config:
        project.env["AWS_ENDPOINT_URL_SAGEMAKER"] = emulator.endpoint_url
    resource_id = f"{IMAGE}@stable" if from_config else f"{IMAGE}:2"
    expected = describe(emulator, Alias="stable") if from_config else describe(emulator, Version=2)
    generated = tmp_path / "imported.yaml"

    emulator.clear_requests()
    project.run("import", RESOURCE_TYPE, "prod", resource_id, "--yes", "--out", str(generated))
    assert mutating_requests(emulator) == []
    image = project.image_versions()["prod"]
    assert image["id"] == resource_id
    assert image["outputs"]["containerImage"] == expected["ContainerImage"]
    assert image["outputs"]["version"] == expected["Version"]

    code = generated.read_text(encoding="utf-8")
    # YAML's code generator writes the short form of the type token (the `index` module left out).
    assert "type: sagemaker-image:ImageVersion\n" in code or f"type: {RESOURCE_TYPE}\n" in code
    assert f"imageName: {IMAGE}" in code
    assert emulator.endpoint_url not in code  # settings stay with the provider config / environment
    # The user pastes the generated code into the program: the stack then has nothing to change.
    pulumi_yaml = project.directory / "Pulumi.yaml"
    pulumi_yaml.write_text(pulumi_yaml.read_text(encoding="utf-8") + code, encoding="utf-8")
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0, project.log[-1]


def test_destroy_leaves_sagemaker_untouched(make_yaml_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: YamlProject = make_yaml_project(BOTH_ROUTES)
    project.up()
    assert set(project.image_versions()) == {"trainingImage"}
    sagemaker = emulator.client()
    before = sagemaker.list_image_versions(ImageName=IMAGE)["ImageVersions"]
    emulator.clear_requests()

    project.run("destroy", "--yes", "--skip-preview")
    assert project.image_versions() == {}
    assert mutating_requests(emulator) == []
    assert sagemaker.describe_image(ImageName=IMAGE)["ImageStatus"] == "CREATED"
    assert sagemaker.list_image_versions(ImageName=IMAGE)["ImageVersions"] == before


# -- failures ------------------------------------------------------------------------------------


BAD_INPUTS = [
    pytest.param({"imageName": "bad name!"}, "imageName", "imageName", id="bad-name"),
    pytest.param(
        {"imageName": IMAGE, "version": 2, "alias": "stable"},
        "alias",
        "cannot be combined with version 2",
        id="version-and-alias",
    ),
]


def yaml_properties(properties: dict[str, Any], indent: int) -> str:
    return "".join(f"{' ' * indent}{key}: {json.dumps(value)}\n" for key, value in properties.items())


@pytest.mark.parametrize(("properties", "property_name", "message"), BAD_INPUTS)
def test_bad_resource_input_fails_on_the_property_before_any_aws_call(
    make_yaml_project: Any,
    emulator: SageMakerImageEmulator,
    properties: dict[str, Any],
    property_name: str,
    message: str,
) -> None:
    program = f"resources:\n  bad:\n    type: {RESOURCE_TYPE}\n    properties:\n{yaml_properties(properties, 6)}"
    project: YamlProject = make_yaml_project(program)
    emulator.clear_requests()
    preview = project.run("preview", check=False)
    assert preview.returncode != 0
    text = text_of(preview)
    assert message in text
    assert f"property {property_name} value" in text  # the engine names the property
    assert "Traceback" not in text
    assert project.run("up", "--yes", check=False).returncode != 0
    assert project.image_versions() == {}
    assert emulator.requests == []


@pytest.mark.parametrize(("properties", "property_name", "message"), BAD_INPUTS)
def test_bad_invoke_input_fails_on_the_property_before_any_aws_call(
    make_yaml_project: Any,
    emulator: SageMakerImageEmulator,
    properties: dict[str, Any],
    property_name: str,
    message: str,
) -> None:
    program = (
        f"variables:\n  bad:\n    fn::invoke:\n      function: {FUNCTION}\n      arguments:\n"
        f"{yaml_properties(properties, 8)}outputs:\n  image: ${{bad.containerImage}}\n"
    )
    project: YamlProject = make_yaml_project(program)
    emulator.clear_requests()
    preview = project.run("preview", check=False)
    assert preview.returncode != 0
    text = text_of(preview)
    assert message in text
    assert f"{FUNCTION} invoke failed" in text
    assert f"({property_name})" in text  # the failure names the property
    assert "Traceback" not in text
    assert emulator.requests == []


def good_state(project: YamlProject) -> dict[str, Any]:
    """What must survive a failed command: the resolution, the stack outputs, no pending operations."""
    deployment = project.export()["deployment"]
    resources = deployment.get("resources") or []
    (image,) = [r for r in resources if r["type"] == RESOURCE_TYPE]
    (stack,) = [r for r in resources if r["type"] == "pulumi:pulumi:Stack"]
    return {
        "id": image["id"],
        "inputs": image["inputs"],
        "outputs": image["outputs"],
        "stack outputs": stack.get("outputs"),
        "pending": deployment.get("pending_operations") or [],
    }


def test_a_vanished_version_fails_clearly_and_state_keeps_the_last_good_resolution(
    make_yaml_project: Any, emulator: SageMakerImageEmulator
) -> None:
    program = f"""
resources:
  image:
    type: {RESOURCE_TYPE}
    properties:
      imageName: {IMAGE}
      version: 2
outputs:
  containerImage: ${{image.containerImage}}
"""
    project: YamlProject = make_yaml_project(program)
    project.up()
    before = good_state(project)
    assert before["pending"] == []
    assert before["outputs"]["containerImage"] == describe(emulator, Version=2)["ContainerImage"]

    emulator.delete_image_version(IMAGE, 2)
    says = "has no version 2 in us-east-1 (versions: 1, 3, 4)"
    for command in (("preview",), ("up", "--yes", "--skip-preview"), ("refresh", "--yes", "--skip-preview")):
        result = project.run(*command, check=False)
        assert result.returncode != 0, command
        assert says in text_of(result), command
        assert "Traceback" not in text_of(result)
        assert good_state(project) == before, command  # nothing half-written: the last resolution stands


# -- how the engine finds the plugin -------------------------------------------------------------


def cached_plugins(project: YamlProject) -> list[Path]:
    return sorted((Path(project.env["PULUMI_HOME"]) / "plugins").glob("resource-sagemaker-image*/*"))


@pytest.mark.parametrize("discovery", ["path", "plugins", "packages", "package add"])
def test_the_engine_finds_the_plugin_each_documented_way(
    make_yaml_project: Any, emulator: SageMakerImageEmulator, discovery: str
) -> None:
    project: YamlProject = make_yaml_project(BOTH_ROUTES, discovery="none" if discovery == "package add" else discovery)
    plugin = PLUGIN_DIR / PLUGIN
    if discovery == "package add":
        # `package add` runs the plugin for its schema but records it by name and version only, so the
        # engine then looks for it on PATH or in the plugin cache: install it there from the file.
        project.run("plugin", "install", "resource", "sagemaker-image", __version__, "--file", str(plugin))
        project.run("package", "add", str(plugin))
        assert f"sagemaker-image: sagemaker-image@{__version__}" in (project.directory / "Pulumi.yaml").read_text()
        (cached,) = cached_plugins(project)
        assert cached.name == PLUGIN
        assert cached.read_bytes() == plugin.read_bytes()
        project.run("install")
    else:
        assert cached_plugins(project) == []  # the engine runs the plugin where it is
    project.up()
    stable = describe(emulator, Alias="stable")
    assert project.outputs()["containerImage"] == stable["ContainerImage"]
    assert project.outputs()["invoked"]["containerImage"] == stable["ContainerImage"]
    if discovery == "packages":
        # The engine runs a `packages:` folder, but `pulumi install` (and `package add`) cannot: for a
        # folder without PulumiPlugin.yaml the CLI looks for an executable named "pulumi-resource-" (an
        # empty package name). The README says so; this notices the day Pulumi fixes it.
        install = project.run("install", check=False)
        assert install.returncode != 0
        assert 'executable named "pulumi-resource-"' in text_of(install)


def test_without_any_of_them_the_engine_names_the_missing_plugin_and_downloads_nothing(
    make_yaml_project: Any,
) -> None:
    project: YamlProject = make_yaml_project(BOTH_ROUTES, discovery="none")
    preview = project.run("preview", check=False)
    assert preview.returncode != 0
    assert f"no resource plugin '{PLUGIN}' found" in text_of(preview)
    assert cached_plugins(project) == []


# -- the example -----------------------------------------------------------------------------------


def test_the_yaml_pin_image_example(make_yaml_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: YamlProject = make_yaml_project(example="yaml-pin-image")
    stable = describe(emulator, Alias="stable")
    preview = project.run("preview")
    assert stable["ContainerImage"] in preview.stdout

    project.up()
    outputs = project.outputs()
    assert outputs["containerImage"] == outputs["deployedImage"] == stable["ContainerImage"]
    assert outputs["pinnedImage"] == stable["ContainerImage"]
    assert outputs["version"] == outputs["pinnedVersion"] == 3
    assert project.run("preview", "--expect-no-changes").returncode == 0

    # The alias moves: the looked-up image follows it into the deployment, the pinned one stays.
    emulator.move_alias(IMAGE, "stable", 4)
    moved = describe(emulator, Version=4)["ContainerImage"]
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    assert f'"{stable["ContainerImage"]}" => "{moved}"' in check.stdout
    project.up()
    after = project.outputs()
    assert after["deployedImage"] == after["containerImage"] == moved
    assert after["pinnedImage"] == stable["ContainerImage"]
    assert after["pinnedVersion"] == 3
    assert after["currentVersion"] == 4
