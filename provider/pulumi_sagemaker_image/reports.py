"""The drift command's reports for CI: JSON rows, JUnit XML, SARIF 2.1.0 and Markdown.

Each writer reads only a finished :class:`~pulumi_sagemaker_image.drift.DriftReport`, whose rows already
show ``[secret]`` for every value that was secret in state, so no report can print one. No Pulumi import.

* JUnit: one ``testsuite`` per stack, one ``testcase`` per ImageVersion; a finding (drift, a held pin,
  a query that no longer resolves) is a ``failure``, could-not-check is an ``error``.
* SARIF: one rule per kind of finding; each result points at the line that declares the ImageVersion
  (the resource's ``sourcePosition`` in state, relative to its project's folder).
* Markdown: the counts first, then one table per stack that has findings (for ``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from pulumi_sagemaker_image.drift import (
    DRIFT,
    ERROR,
    FINDINGS,
    KIND_ARCHIVE,
    KIND_DRIFT,
    KIND_NOT_CHECKED,
    KIND_NOT_USABLE,
    NOT_CHECKED,
    OK,
    PIN_HELD,
    DriftReport,
    DriftResult,
    version_text,
)

TOOL: Final = "pulumi-sagemaker-image"
SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
# The SARIF base every result's file is relative to: the Pulumi project's folder (where Pulumi.yaml is).
PROJECT_ROOT: Final = "PROJECTROOT"

# One SARIF rule per kind of finding: (id, name, short description, level).
RULES: Final = (
    (KIND_DRIFT, "ImageDrift", "The image this ImageVersion resolves to changed since the stack was deployed", "error"),
    (
        KIND_NOT_USABLE,
        "ImageVersionNotUsable",
        "The version in state no longer resolves or is no longer usable (deleted, failed, alias removed)",
        "error",
    ),
    (
        KIND_ARCHIVE,
        "ImageArchiveGuidance",
        "The vendor marked the version TO_BE_ARCHIVED or ARCHIVED since the stack was deployed",
        "warning",
    ),
    (
        KIND_NOT_CHECKED,
        "ImageDriftNotChecked",
        "The ImageVersion (or its stack) could not be checked: a partial check is not a clean one",
        "error",
    ),
)
FORMATS: Final = ("json", "junit", "sarif", "markdown")
_POSITION_RE: Final = re.compile(r"^(?P<uri>[^#]+)#(?P<line>\d+)(?:,(?P<column>\d+))?$")


def rows(report: DriftReport) -> list[dict[str, Any]]:
    """The JSON rows (``--output json`` and ``--report json=PATH``)."""
    return [result.to_json_dict() for result in report.results]


def render_json(report: DriftReport) -> str:
    """``json.dumps(rows, indent=2)``, byte for byte, at the C encoder's speed.

    The indenting encoder is pure Python, about a second per 5,000 rows; rows are flat objects whose only
    nested values are lists of strings, so each value is encoded on its own and laid out here.
    """
    blocks = []
    for row in rows(report):
        fields = ",\n".join(f"    {json.dumps(key)}: {_indented(value)}" for key, value in row.items())
        blocks.append("  {\n" + fields + "\n  }")
    return ("[\n" + ",\n".join(blocks) + "\n]" if blocks else "[]") + "\n"


def _indented(value: Any) -> str:
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(f"      {json.dumps(item)}" for item in value) + "\n    ]"
    return json.dumps(value)


def _by_stack(report: DriftReport) -> Iterator[tuple[str, list[DriftResult]]]:
    """Rows grouped by stack, in the run's stack order (stacks without ImageVersions included)."""
    grouped: dict[str, list[DriftResult]] = {label: [] for label in report.stacks}
    for result in report.results:
        grouped.setdefault(result.stack_label, []).append(result)
    yield from grouped.items()


def _details(result: DriftResult) -> str:
    lines = [f"query: {result.query}", f"resource: {result.urn or '-'}"]
    if result.urn:
        lines.append(f"state: {version_text(result.state_version, result.state_image)} ({result.state_image or '-'})")
    if result.current_version is not None:
        lines.append(f"now: {version_text(result.current_version, result.current_image)} ({result.current_image})")
    if result.changed:
        lines.append(f"changed: {', '.join(result.changed)}")
    if result.reason:
        lines.append(f"reason: {result.reason}")
    return "\n".join(lines)


def render_junit(report: DriftReport) -> str:
    """JUnit XML in the shape Jenkins, GitLab and the usual viewers read."""
    root = ET.Element(
        "testsuites",
        name=f"{TOOL} drift",
        tests=str(len(report.results)),
        failures=str(report.count(*FINDINGS)),
        errors=str(report.count(NOT_CHECKED)),
    )
    for label, results in _by_stack(report):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=label,
            tests=str(len(results)),
            failures=str(sum(1 for r in results if r.status in FINDINGS)),
            errors=str(sum(1 for r in results if r.status == NOT_CHECKED)),
            skipped="0",
            time="0",
        )
        for result in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=label,
                name=f"{result.name} ({result.query})" if result.urn else "(stack)",
                time="0",
            )
            if result.status in FINDINGS:
                failure = ET.SubElement(case, "failure", message=result.reason or result.status, type=result.status)
                failure.text = _details(result)
            elif result.status == NOT_CHECKED:
                error = ET.SubElement(case, "error", message=result.reason or NOT_CHECKED, type=NOT_CHECKED)
                error.text = _details(result)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = _details(result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def source_location(position: str | None) -> dict[str, Any] | None:
    """A SARIF physicalLocation from a state ``sourcePosition`` (``project:///main.py#12,5``), if it has one.

    Pulumi records positions inside the project as ``project:///<path relative to Pulumi.yaml's folder>``;
    a position outside it stays an absolute ``file://`` URI and is given as such.
    """
    match = _POSITION_RE.match(position or "")
    if match is None:
        return None
    parts = urlsplit(match["uri"])
    region: dict[str, Any] = {"startLine": int(match["line"])}
    if match["column"]:
        region["startColumn"] = int(match["column"])
    if parts.scheme == "project":
        artifact = {"uri": unquote(parts.path).lstrip("/"), "uriBaseId": PROJECT_ROOT}
    elif parts.scheme == "file":
        artifact = {"uri": match["uri"]}
    else:
        return None
    if region["startLine"] < 1:
        return None
    return {"artifactLocation": artifact, "region": region}


def _sarif_result(result: DriftResult, rule_index: Mapping[str, int]) -> dict[str, Any]:
    kind = result.kind or KIND_DRIFT
    where = f" in stack {result.stack_label}" if result.stack else ""
    if result.urn:
        text = f"ImageVersion {result.name} ({result.query}){where}: {result.reason}"
    else:
        text = f"Stack {result.stack_label} could not be read: {result.reason}"
    entry: dict[str, Any] = {
        "ruleId": kind,
        "ruleIndex": rule_index[kind],
        "level": RULES[rule_index[kind]][3],
        "message": {"text": text},
        "properties": {
            "stack": result.stack,
            "project": result.project,
            "status": result.status,
            "query": result.query,
            "changed": list(result.changed),
        },
    }
    location = source_location(result.source_position)
    logical = [{"fullyQualifiedName": result.urn, "kind": "resource"}] if result.urn else []
    if location is not None or logical:
        place: dict[str, Any] = {}
        if location is not None:
            place["physicalLocation"] = location
        if logical:
            place["logicalLocations"] = logical
        entry["locations"] = [place]
    # Code scanning keeps one alert per fingerprint: the same resource's finding in the next run is the same alert.
    entry["partialFingerprints"] = {"imageVersion/v1": f"{result.stack_label}|{result.urn or '-'}|{kind}"}
    return entry


def render_sarif(report: DriftReport, version: str = "") -> str:
    """SARIF 2.1.0, valid against the OASIS schema; results only for rows that are not ok."""
    rule_index = {rule[0]: index for index, rule in enumerate(RULES)}
    driver: dict[str, Any] = {
        "name": TOOL,
        "rules": [
            {
                "id": rule_id,
                "name": name,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": level},
            }
            for rule_id, name, text, level in RULES
        ],
    }
    if version:
        driver["version"] = version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {
            PROJECT_ROOT: {"description": {"text": "The folder of the Pulumi project (Pulumi.yaml) of each stack"}}
        },
        "results": [_sarif_result(result, rule_index) for result in report.results if result.status != OK],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, one line."""
    return " ".join(str(text).split()).replace("|", "\\|") or " "


_STATUS_WORDS: Final = {
    OK: "ok",
    DRIFT: "drift",
    PIN_HELD: "pin held",
    ERROR: "no longer resolves",
    NOT_CHECKED: "could not check",
}


def render_markdown(report: DriftReport) -> str:
    """A CI job summary: the counts, then a table per stack with findings."""
    resources = sum(1 for result in report.results if result.urn is not None)
    lines = [
        "## SageMaker image drift",
        "",
        f"**{report.summary()}**",
        "",
        "| stacks | ImageVersions | ok | drift | pin held | no longer resolves | could not check |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(report.stacks)} | {resources} | {report.count(OK)} | {report.count(DRIFT)} | {report.count(PIN_HELD)} "
        f"| {report.count(ERROR)} | {report.count(NOT_CHECKED)} |",
    ]
    for label, results in _by_stack(report):
        findings = [result for result in results if result.status != OK]
        if not findings:
            continue
        lines += [
            "",
            f"### {_cell(label)}",
            "",
            "| resource | query | status | state | now | reason |",
            "|---|---|---|---|---|---|",
        ]
        for result in findings:
            state = version_text(result.state_version, result.state_image) if result.urn else "-"
            now = version_text(result.current_version, result.current_image) if result.current_version else "-"
            lines.append(
                f"| {_cell(result.name)} | `{_cell(result.query)}` | {_STATUS_WORDS[result.status]} | {_cell(state)} "
                f"| {_cell(now)} | {_cell(result.reason or '')} |"
            )
    return "\n".join(lines) + "\n"


RENDERERS: Final[Mapping[str, Callable[[DriftReport], str]]] = {
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "markdown": render_markdown,
}


def parse_report_option(text: str) -> tuple[str, Path]:
    """``FORMAT=PATH`` from ``--report``; a ValueError says what is wrong and what is accepted."""
    fmt, equals, path = text.partition("=")
    if not equals or not path:
        raise ValueError(f"--report {text!r}: write FORMAT=PATH, e.g. junit=drift.xml (formats: {', '.join(FORMATS)})")
    if fmt not in FORMATS:
        raise ValueError(f"--report {text!r}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    target = Path(path)
    if not target.parent.is_dir():
        raise ValueError(f"--report {text!r}: folder {target.parent} does not exist; create it first")
    return fmt, target


def write_report(fmt: str, path: Path, report: DriftReport) -> None:
    path.write_text(RENDERERS[fmt](report), encoding="utf-8")
