"""`drift` across every stack of a file backend the real Pulumi CLI wrote, from Python and YAML programs.

One backend for the whole module (each `pulumi up` costs seconds): a Python project and a Pulumi YAML
project, two stacks each, one of them stored gzip-compressed. The command runs twice on it, through
``--backend file://`` and through ``--pulumi``: once right after `up`, once after an alias moved, a
version was marked for archiving and another was deleted. Every report of both runs is checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from pulumi_sagemaker_image.demo import sample_seed_path
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import PulumiProject, team_env

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
SARIF_SCHEMA = REPO_ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"
FORMATS = ("json", "junit", "sarif", "markdown")

PYTHON_PROGRAM = f"""\
import pulumi
from pulumi_sagemaker_image import ImageVersion

endpoint = pulumi.Config().require("endpointUrl")
ImageVersion("stable", image_name="{IMAGE}", alias="stable", endpoint_url=endpoint)
ImageVersion("two", image_name="{IMAGE}", version=2, endpoint_url=endpoint)
ImageVersion("legacy", image_name="{IMAGE}", alias="legacy", endpoint_url=endpoint)
"""
PYTHON_LINES = {"stable": 5, "two": 6, "legacy": 7}

YAML_PROGRAM = f"""\
name: yamlfleet
runtime: yaml
resources:
  stable:
    type: sagemaker-image:index:ImageVersion
    properties:
      imageName: {IMAGE}
      alias: stable
  two:
    type: sagemaker-image:index:ImageVersion
    properties:
      imageName: {IMAGE}
      version: 2
"""


@dataclass
class Run:
    """One `drift` run: its process and the reports it wrote."""

    result: subprocess.CompletedProcess[str]
    reports: dict[str, Path]

    def rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {(f"{row['project']}/{row['stack']}", row["name"]): row for row in json.loads(self.result.stdout)}


@dataclass
class Fleet:
    env: dict[str, str]
    url: str
    emulator: SageMakerImageEmulator
    folder: Path
    runs: dict[str, Run]
    clean_describe_requests: int


def drift(fleet_env: dict[str, str], folder: Path, label: str, *args: str) -> Run:
    reports = {fmt: folder / f"{label}.{fmt}" for fmt in FORMATS}
    report_args = [arg for fmt, path in reports.items() for arg in ("--report", f"{fmt}={path}")]
    result = subprocess.run(
        [CLI, "drift", *args, "--output", "json", *report_args],
        env=fleet_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(result, reports)


@pytest.fixture(scope="module")
def fleet(pulumi_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    root = tmp_path_factory.mktemp("drift-fleet")
    state = root / "state"
    env = team_env(pulumi_cli, root, f"file://{state}")
    with SageMakerImageEmulator(sample_seed_path()) as emulator:
        python_dir = root / "pyfleet"
        python_dir.mkdir()
        (python_dir / "Pulumi.yaml").write_text(
            f"name: pyfleet\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n", encoding="utf-8"
        )
        (python_dir / "__main__.py").write_text(PYTHON_PROGRAM, encoding="utf-8")
        yaml_dir = root / "yamlfleet"
        yaml_dir.mkdir()
        (yaml_dir / "Pulumi.yaml").write_text(YAML_PROGRAM, encoding="utf-8")
        for directory, config in (
            (python_dir, {"aws:region": emulator.region, "endpointUrl": emulator.endpoint_url}),
            (yaml_dir, {"sagemaker-image:endpointUrl": emulator.endpoint_url}),
        ):
            for stack in ("dev", "prod"):
                # prod's checkpoints are stored compressed, as PULUMI_DIY_BACKEND_GZIP makes the CLI do.
                stack_env = {**env, "PULUMI_DIY_BACKEND_GZIP": "true"} if stack == "prod" else env
                project = PulumiProject(pulumi_cli, directory, stack_env)
                project.run("stack", "init", stack)
                project.config(**config)
                project.up()
        assert (state / ".pulumi" / "stacks" / "pyfleet" / "prod.json.gz").exists()
        assert (state / ".pulumi" / "stacks" / "yamlfleet" / "dev.json").exists()

        emulator.clear_requests()
        runs = {"clean": drift(env, root, "clean", "--backend", f"file://{state}")}
        requests = emulator.request_count("DescribeImageVersion")
        runs["clean-pulumi"] = drift(env, root, "clean-pulumi", "--pulumi")

        emulator.move_alias(IMAGE, "stable", 4)
        emulator.set_version_fields(IMAGE, 2, VendorGuidance="TO_BE_ARCHIVED")
        emulator.delete_image_version(IMAGE, 1)  # the version alias `legacy` named
        runs["changed"] = drift(env, root, "changed", "--backend", f"file://{state}")
        runs["changed-pulumi"] = drift(env, root, "changed-pulumi", "--pulumi")
        yield Fleet(env, f"file://{state}", emulator, root, runs, requests)


STACKS = ("pyfleet/dev", "pyfleet/prod", "yamlfleet/dev", "yamlfleet/prod")


def test_a_clean_backend_exits_0_asking_each_question_once(fleet: Fleet) -> None:
    run = fleet.runs["clean"]
    assert run.result.returncode == 0, run.result.stderr
    rows = run.rows()
    assert sorted(rows) == sorted(
        [(stack, name) for stack in STACKS[:2] for name in ("stable", "two", "legacy")]
        + [(stack, name) for stack in STACKS[2:] for name in ("stable", "two")]
    )
    assert {row["status"] for row in rows.values()} == {"ok"}
    # 10 resources in 4 stacks of two projects and both routes, 3 questions: the YAML stacks' endpoint
    # comes from their provider config and is the same setting as the Python stacks' input.
    assert fleet.clean_describe_requests == 3
    assert "###" not in run.reports["markdown"].read_text(encoding="utf-8")


def test_the_pulumi_route_sees_the_same_stacks_and_results(fleet: Fleet) -> None:
    for label in ("clean", "changed"):
        direct, through_cli = fleet.runs[label], fleet.runs[f"{label}-pulumi"]
        assert through_cli.result.returncode == direct.result.returncode, through_cli.result.stderr
        strip = ("reason", "error")
        assert {k: {f: v for f, v in row.items() if f not in strip} for k, row in through_cli.rows().items()} == {
            k: {f: v for f, v in row.items() if f not in strip} for k, row in direct.rows().items()
        }


def test_a_moved_alias_an_archived_and_a_deleted_version_are_each_reported(fleet: Fleet) -> None:
    run = fleet.runs["changed"]
    assert run.result.returncode == 1, run.result.stderr
    rows = run.rows()
    for stack in STACKS:
        assert rows[(stack, "stable")]["status"] == "drift"
        assert (rows[(stack, "stable")]["stateVersion"], rows[(stack, "stable")]["currentVersion"]) == (3, 4)
        assert rows[(stack, "two")]["status"] == "drift"
        assert rows[(stack, "two")]["changed"] == ["vendorGuidance"]
    for stack in STACKS[:2]:
        assert rows[(stack, "legacy")]["status"] == "error"
        assert "legacy" in rows[(stack, "legacy")]["reason"]
    assert "10 drifted" not in run.result.stderr
    assert "8 drifted, 2 no longer resolve, 0 could not be checked (exit 1: drift found)" in run.result.stderr


def test_the_junit_report_has_a_suite_per_stack_and_a_failure_per_finding(fleet: Fleet) -> None:
    xml = JUnitXml.fromfile(str(fleet.runs["changed"].reports["junit"]))
    suites = {suite.name: suite for suite in xml}
    assert sorted(suites) == list(STACKS)
    assert (xml.tests, xml.failures, xml.errors) == (10, 10, 0)
    for suite in suites.values():
        for case in suite:
            (result,) = case.result
            assert isinstance(result, Failure)
    clean = JUnitXml.fromfile(str(fleet.runs["clean"].reports["junit"]))
    assert (clean.tests, clean.failures, clean.errors) == (10, 0, 0)


def test_the_sarif_report_validates_and_points_at_each_python_declaration(fleet: Fleet) -> None:
    if not SARIF_SCHEMA.exists():
        skip_unless_required(f"the SARIF 2.1.0 schema is not at {SARIF_SCHEMA} (it ships in ../shared)")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    for label in ("clean", "changed"):
        log = json.loads(fleet.runs[label].reports["sarif"].read_text(encoding="utf-8"))
        assert [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(log)] == []
    (run,) = json.loads(fleet.runs["changed"].reports["sarif"].read_text(encoding="utf-8"))["runs"]
    kinds: dict[tuple[str, str], str] = {}
    for result in run["results"]:
        place = result["locations"][0]
        name = place["logicalLocations"][0]["fullyQualifiedName"].rsplit("::", 1)[-1]
        stack = f"{result['properties']['project']}/{result['properties']['stack']}"
        kinds[(stack, name)] = result["ruleId"]
        if stack.startswith("pyfleet/"):
            # The line of __main__.py that declares the resource, relative to the project.
            assert place["physicalLocation"]["artifactLocation"] == {"uri": "__main__.py", "uriBaseId": "PROJECTROOT"}
            assert place["physicalLocation"]["region"]["startLine"] == PYTHON_LINES[name]
    assert kinds[("pyfleet/dev", "stable")] == "drift"
    assert kinds[("yamlfleet/prod", "two")] == "archive-guidance"
    assert kinds[("pyfleet/prod", "legacy")] == "version-not-usable"


def test_the_markdown_summary_lists_every_stack_with_findings(fleet: Fleet) -> None:
    text = fleet.runs["changed"].reports["markdown"].read_text(encoding="utf-8")
    assert "| 4 | 10 | 0 | 8 | 0 | 2 | 0 |" in text
    assert [line for line in text.splitlines() if line.startswith("### ")] == [f"### {stack}" for stack in STACKS]
    assert json.loads(fleet.runs["changed"].reports["json"].read_text(encoding="utf-8")) == json.loads(
        fleet.runs["changed"].result.stdout
    )
