"""schema.json: generated from the code, valid for Pulumi, and true to the dynamic resource's keys."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
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
# The committed schema: package data, which the plugin serves (schema.json at the top links to it).
PACKAGED = REPO_ROOT / "provider" / "pulumi_sagemaker_image" / "schema.json"


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
    # One committed schema: the package's data file, which the plugin serves and `make schema` writes;
    # schema.json at the top is a link to it, so the two cannot differ.
    top = REPO_ROOT / "schema.json"
    assert top.is_symlink(), "schema.json must stay a link to the package's copy, not a second file"
    assert top.resolve() == PACKAGED.resolve()
    # The generator builds it from the models, never from the file: compared with its output, a stale or
    # hand-edited file fails (the tests below show both).
    assert PACKAGED.read_text(encoding="utf-8") == render_schema(), "schema.json is stale: run `make schema`"


def test_the_generator_follows_the_models_so_a_model_change_makes_the_file_stale(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pulumi_sagemaker_image.cli import main

    # A model changed without `make schema`: the generator's output changes, the committed file does not.
    field = ImageVersionInfo.model_fields["base_image"]
    monkeypatch.setattr(field, "description", "A description changed in the model.")
    generated = json.loads(render_schema())
    output = generated["functions"][FUNCTION_TOKEN]["outputs"]["properties"]["baseImage"]
    assert output["description"] == "A description changed in the model."
    assert PACKAGED.read_text(encoding="utf-8") != render_schema()
    assert main(["schema", "--check", "--output", str(PACKAGED)]) == 1
    assert "is out of date with the models; regenerate it with `make schema`" in capsys.readouterr().err


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


def test_the_schema_command_prints_the_generators_output_and_check_fails_a_hand_edited_file(
    tmp_path: Path,
) -> None:
    command = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
    printed = subprocess.run([command, "schema"], capture_output=True, text=True, timeout=120, check=True)
    assert printed.stdout == render_schema()

    edited = tmp_path / "schema.json"
    schema = json.loads(printed.stdout)
    schema["resources"][RESOURCE_TOKEN]["description"] += " Edited by hand."
    edited.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    check = [command, "schema", "--check", "--output", str(edited)]
    failed = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr == (
        f"pulumi-sagemaker-image: error: {edited} is out of date with the models; regenerate it with `make schema`\n"
    )
    written = subprocess.run([command, "schema", "--output", str(edited)], capture_output=True, text=True, check=True)
    assert written.stdout == f"wrote {edited}\n"
    passed = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
    assert (passed.returncode, passed.stdout) == (0, f"{edited} is up to date\n")
