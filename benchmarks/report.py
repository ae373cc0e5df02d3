"""The result of one figure, and the JSON and Markdown reports built from all of them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Comparison = Literal["<=", "=="]


@dataclass
class Table:
    """A detail table shown under a figure (and kept in the JSON as rows of cells)."""

    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append(tuple(_cell(cell) for cell in cells))

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |", "|" + "|".join("---" for _ in self.header) + "|"]
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        return "\n".join(lines)


@dataclass
class Figure:
    """One row of the report: a measured value held against a target.

    ``value`` is the number the target applies to (a ratio, a count, bytes); ``met`` is ``None`` when
    the figure could not be measured or is informational. ``result`` is the short text of the table
    cell; ``details`` holds every raw number for the JSON report.
    """

    key: str
    title: str
    target: str
    result: str = "not measured"
    value: float | None = None
    limit: float | None = None
    comparison: Comparison = "<="
    met: bool | None = None
    how: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    tables: list[tuple[str, Table]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def judge(self, value: float, limit: float, comparison: Comparison = "<=") -> None:
        self.value, self.limit, self.comparison = value, limit, comparison
        self.met = value <= limit if comparison == "<=" else value == limit

    def skip(self, reason: str) -> None:
        self.result = f"skipped: {reason}"
        self.met = None

    @property
    def status(self) -> str:
        return {True: "met", False: "**missed**", None: "—"}[self.met]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "target": self.target,
            "result": self.result,
            "value": self.value,
            "limit": self.limit,
            "comparison": self.comparison,
            "met": self.met,
            "how": self.how,
            "details": self.details,
            "tables": [{"title": title, "header": table.header, "rows": table.rows} for title, table in self.tables],
            "notes": self.notes,
        }


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value).replace("|", "\\|")


def write_json(path: Path, meta: dict[str, Any], figures: Sequence[Figure]) -> None:
    document = {"meta": meta, "figures": [figure.to_json() for figure in figures]}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def render_markdown(meta: dict[str, Any], figures: Sequence[Figure]) -> str:
    """The summary table, then each figure's method, detail tables and notes."""
    lines = [
        f"Run: {meta['started']} · {meta['mode']} mode · {meta['duration_s']:.0f} s · "
        f"{meta['cpus']} CPUs · load {meta['load_before']} → {meta['load_after']} · Python {meta['python']} · "
        f"Pulumi {meta['pulumi_version']} · commit {meta['commit']}",
        *(
            [
                "",
                "Load average by section: "
                + ", ".join(f"{name} {load}" for name, load in meta["section_load"].items()),
            ]
            if meta.get("section_load")
            else []
        ),
        "",
        "| figure | result | target | status |",
        "|---|---|---|---|",
    ]
    for figure in figures:
        lines.append(f"| {figure.title} | {_cell(figure.result)} | {_cell(figure.target)} | {figure.status} |")
    for figure in figures:
        lines += ["", f"### {figure.title}", ""]
        if figure.how:
            lines += [figure.how, ""]
        for title, table in figure.tables:
            if title:
                lines += [f"*{title}*", ""]
            lines += [table.markdown(), ""]
        lines += [f"- {note}" for note in figure.notes]
    return "\n".join(lines).rstrip() + "\n"
