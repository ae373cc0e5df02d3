"""schema.json: generated from the code, valid for Pulumi, and true to the dynamic resource's keys."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import botocore.session
import jsonschema
import pytest

from pulumi_sagemaker_image import ImageVersionInfo, __version__
from pulumi_sagemaker_image.models import IMAGE_VERSION_STATUSES, JOB_TYPES, PROCESSORS, VENDOR_GUIDANCE_VALUES
from pulumi_sagemaker_image.schema import FUNCTION_TOKEN, RESOURCE_TOKEN, build_schema, render_schema
from pulumi_sagemaker_image.state import INPUT_PROPERTIES, OUTPUT_PROPERTIES, SETTINGS_PROPERTIES

from .conftest import REPO_ROOT, REQUIRED_IN, skip_unless_required

METASCHEMA = REPO_ROOT.parent / "shared" / "data" / "pulumi-package-metaschema.json"


def committed() -> dict[str, Any]:
    return dict(json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def metaschema_validator() -> jsonschema.Draft202012Validator:
    if not METASCHEMA.exists():
        skip_unless_required(
            f"Pulumi's package metaschema is not at {METASCHEMA} (it ships in ../shared, beside CI's checkout)"
        )
    # The metaschema's regular expressions use ECMAScript named groups, (?<name>…); Python spells them (?P<name>…).
    text = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", METASCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(json.loads(text))


@pytest.mark.parametrize(
    ("environment", "outcome"),
    [
        ({}, "skipped"),
        ({"CI": "false"}, "skipped"),
        ({"CI": "true"}, "errors"),
        ({"REQUIRE_PULUMI_E2E": "1"}, "errors"),
    ],
    ids=["clone", "ci-false", "ci", "require-e2e"],
)
def test_without_shared_a_clone_skips_the_metaschema_tests_and_ci_fails_them(
    tmp_path: Path, environment: dict[str, str], outcome: str
) -> None:
    clone = tmp_path / "clone"  # nothing beside it: no ../shared
    (clone / "tests").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "pyproject.toml", clone)
    for name in ("__init__.py", "conftest.py", "test_schema.py"):
        shutil.copy(REPO_ROOT / "tests" / name, clone / "tests")
    tests = [
        "tests/test_schema.py::test_schema_validates_against_pulumis_metaschema",
        "tests/test_schema.py::test_the_metaschema_check_does_reject_a_broken_schema",
    ]
    env = {key: value for key, value in os.environ.items() if key not in REQUIRED_IN} | environment
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *tests],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert f"2 {outcome}" in result.stdout, result.stdout + result.stderr
    assert "Pulumi's package metaschema is not at" in result.stdout  # the reason, either way
    if outcome == "errors":  # the fixture fails, so each test errors and the run fails
        assert result.returncode == 1
        assert "CI or REQUIRE_PULUMI_E2E is set, so this must not skip" in result.stdout
    else:
        assert result.returncode == 0


def test_committed_schema_is_the_generated_one() -> None:
    text = (REPO_ROOT / "schema.json").read_text(encoding="utf-8")
    assert text == render_schema(), "schema.json is stale: run `make schema`"


def test_schema_validates_against_pulumis_metaschema(metaschema_validator: jsonschema.Draft202012Validator) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in metaschema_validator.iter_errors(committed())]
    assert errors == []


def test_the_metaschema_check_does_reject_a_broken_schema(
    metaschema_validator: jsonschema.Draft202012Validator,
) -> None:
    broken = committed()
    broken["resources"]["not a token"] = broken["resources"].pop(RESOURCE_TOKEN)
    broken["version"] = "one"
    assert len(list(metaschema_validator.iter_errors(broken))) >= 2


def test_property_names_are_the_keys_the_dynamic_resource_uses() -> None:
    resource = committed()["resources"][RESOURCE_TOKEN]
    assert set(resource["inputProperties"]) == set(INPUT_PROPERTIES)
    assert set(resource["properties"]) == set(OUTPUT_PROPERTIES)
    assert resource["requiredInputs"] == ["imageName"]
    assert set(resource["required"]) <= set(resource["properties"])
    function = committed()["functions"][FUNCTION_TOKEN]
    # Every output of the lookup (the 16 DescribeImageVersion fields, imageName, alias, aliases), the
    # settings as given, and the query.
    assert set(function["outputs"]["properties"]) == {*ImageVersionInfo.json_keys(), *SETTINGS_PROPERTIES, "query"}
    assert len(ImageVersionInfo.response_fields()) == 16
    assert set(function["outputs"]["required"]) <= set(function["outputs"]["properties"])
    assert set(function["inputs"]["properties"]) == {
        "imageName",
        "version",
        "alias",
        "region",
        "profile",
        "roleArn",
        "endpointUrl",
        "maxAttempts",
        "connectTimeout",
        "readTimeout",
        "listAliases",
    }


def test_the_provider_config_is_the_aws_settings_and_holds_no_credentials() -> None:
    schema = committed()
    keys = {"region", "profile", "roleArn", "endpointUrl", "maxAttempts", "connectTimeout", "readTimeout"}
    assert set(SETTINGS_PROPERTIES) == keys
    assert set(schema["config"]["variables"]) == keys
    assert schema["provider"]["inputProperties"] == schema["config"]["variables"]
    assert schema["config"]["variables"]["maxAttempts"]["type"] == "integer"
    assert schema["config"]["variables"]["readTimeout"]["type"] == "number"
    assert not [key for key in keys if re.search(r"(?i)secret|password|token|accesskey|credential", key)]


def test_the_schema_carries_the_package_version() -> None:
    pyproject = re.search(r'(?m)^version = "(.+)"$', (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject is not None
    assert committed()["version"] == __version__ == pyproject[1] == metadata.version("pulumi-sagemaker-image")
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_the_installed_package_serves_the_same_schema() -> None:
    # The plugin reads it from the package (package data), where `make schema` writes it.
    packaged = resources.files("pulumi_sagemaker_image").joinpath("schema.json").read_text(encoding="utf-8")
    assert packaged == render_schema()


def test_every_property_has_a_description() -> None:
    schema = build_schema()
    resource = schema["resources"][RESOURCE_TOKEN]
    function = schema["functions"][FUNCTION_TOKEN]
    for properties in (
        resource["properties"],
        resource["inputProperties"],
        function["inputs"]["properties"],
        function["outputs"]["properties"],
        schema["config"]["variables"],
    ):
        assert all(spec.get("description", "").strip() for spec in properties.values())


@pytest.mark.parametrize(
    ("member", "values"),
    [
        ("ImageVersionStatus", IMAGE_VERSION_STATUSES),
        ("VendorGuidance", VENDOR_GUIDANCE_VALUES),
        ("JobType", JOB_TYPES),
        ("Processor", PROCESSORS),
    ],
)
def test_enums_match_the_sagemaker_service_model(member: str, values: tuple[str, ...]) -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    output = model.operation_model("DescribeImageVersion").output_shape
    assert output is not None
    assert tuple(getattr(output.members[member], "enum", ())) == values
    enum_type = build_schema()["types"][f"sagemaker-image:index:{member}"]
    assert [entry["value"] for entry in enum_type["enum"]] == list(values)


def test_info_fields_are_exactly_the_describe_image_version_response() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    output = model.operation_model("DescribeImageVersion").output_shape
    assert output is not None
    assert {ImageVersionInfo.api_name(f) for f in ImageVersionInfo.response_fields()} == set(output.members)


def test_schema_command_check_detects_a_stale_file(tmp_path: Path) -> None:
    from pulumi_sagemaker_image.cli import main

    stale = tmp_path / "schema.json"
    stale.write_text("{}", encoding="utf-8")
    assert main(["schema", "--check", "--output", str(stale)]) == 1
    assert main(["schema", "--output", str(stale)]) == 0
    assert main(["schema", "--check", "--output", str(stale)]) == 0
