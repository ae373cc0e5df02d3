"""The drift reports' own rules that tests/test_drift_stacks.py leaves open (found by `make mutation`).

Where a SARIF result points for each form of ``sourcePosition`` Pulumi records, which rows become
results, and which stacks get a Markdown table. The reports are rendered from rows as the drift run
builds them.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from pulumi_sagemaker_image.drift import DriftReport, DriftResult
from pulumi_sagemaker_image.reports import render_junit, render_markdown, render_sarif, source_location

TYPE = "pulumi-python:dynamic/sagemaker-image:ImageVersion"


def row(stack: str, name: str, **fields: object) -> DriftResult:
    base: dict[str, object] = {
        "urn": f"urn:pulumi:{stack}::proj::{TYPE}::{name}",
        "query": "img@stable",
        "state_version": 3,
        "state_image": "repo/img@sha256:aaaa",
        "current_version": 3,
        "current_image": "repo/img@sha256:aaaa",
        "stack": stack,
        "project": "proj",
    }
    base.update(fields)
    return DriftResult(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        (
            "project:///src/main.py#12,5",
            {
                "artifactLocation": {"uri": "src/main.py", "uriBaseId": "PROJECTROOT"},
                "region": {"startLine": 12, "startColumn": 5},
            },
        ),
        (
            "project:///Pulumi.yaml#1",
            {"artifactLocation": {"uri": "Pulumi.yaml", "uriBaseId": "PROJECTROOT"}, "region": {"startLine": 1}},
        ),
        (
            "file:///opt/shared/lib.py#7,1",
            {"artifactLocation": {"uri": "file:///opt/shared/lib.py"}, "region": {"startLine": 7, "startColumn": 1}},
        ),
        ("project:///main.py#0,1", None),  # no such line
        ("https://example.com/main.py#3,1", None),
        ("project:///main.py", None),
        (None, None),
    ],
)
def test_sarif_locations_follow_the_recorded_source_position(position: str | None, expected: object) -> None:
    assert source_location(position) == expected


def test_sarif_has_a_result_for_each_row_that_is_not_ok() -> None:
    report = DriftReport(
        [
            row("dev", "fine"),
            row("dev", "moved", current_version=4, changed=("version",)),
            row("dev", "gone", error="image 'img' has no version 3"),
        ],
        ["proj/dev"],
    )
    (run,) = json.loads(render_sarif(report))["runs"]
    assert [(r["ruleId"], r["message"]["text"].split(" ")[1]) for r in run["results"]] == [
        ("drift", "moved"),
        ("version-not-usable", "gone"),
    ]


def test_markdown_tables_only_for_stacks_with_findings_in_any_order() -> None:
    report = DriftReport(
        [row("a", "fine"), row("b", "moved", current_version=4, changed=("version",)), row("c", "fine")],
        ["proj/a", "proj/b", "proj/c"],
    )
    text = render_markdown(report)
    assert [line for line in text.splitlines() if line.startswith("### ")] == ["### proj/b"]
    (line,) = [line for line in text.splitlines() if line.startswith("| moved |")]
    assert line.endswith("| drift | v3 img@sha256:aaaa | v4 img@sha256:aaaa | changed: version |")


def test_sarif_results_without_a_recorded_line_still_name_the_resource() -> None:
    report = DriftReport(
        [
            row("dev", "moved", current_version=4, changed=("version",)),
            row("dev", "placed", current_version=4, changed=("version",), source_position="project:///main.py#4,1"),
        ],
        ["proj/dev"],
    )
    text = render_sarif(report)
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
    moved, placed = json.loads(text)["runs"][0]["results"]
    assert moved["locations"] == [
        {"logicalLocations": [{"fullyQualifiedName": row("dev", "moved").urn, "kind": "resource"}]}
    ]
    assert placed["locations"][0]["physicalLocation"]["region"] == {"startLine": 4, "startColumn": 1}
    # The same finding keeps its fingerprint from run to run, so code scanning keeps one alert for it.
    assert moved["partialFingerprints"] == {"imageVersion/v1": f"proj/dev|{row('dev', 'moved').urn}|drift"}
    assert source_location("data:///main.py#3,1") is None


def test_junit_counts_each_suite_and_details_state_against_now() -> None:
    report = DriftReport(
        [
            row("dev", "fine"),
            row("dev", "unchecked", current_version=None, current_image=None, not_checked=True, error="lookup failed"),
            row("prod", "moved", current_version=4, current_image="repo/img@sha256:bbbb", changed=("version",)),
        ],
        ["proj/dev", "proj/prod"],
    )
    root = ElementTree.fromstring(render_junit(report))
    suites = {suite.get("name"): suite for suite in root}
    assert [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites.values()] == [
        ("2", "0", "1"),
        ("1", "1", "0"),
    ]
    error = suites["proj/dev"].find("testcase/error")
    assert error is not None
    assert error.text == (
        f"query: img@stable\nresource: {row('dev', 'unchecked').urn}\n"
        "state: v3 img@sha256:aaaa (repo/img@sha256:aaaa)\nreason: lookup failed"
    )
    failure = suites["proj/prod"].find("testcase/failure")
    assert failure is not None
    assert "now: v4 img@sha256:bbbb (repo/img@sha256:bbbb)\nchanged: version" in (failure.text or "")
