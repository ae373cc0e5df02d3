"""`drift` across many stacks: backends read in Pulumi's layout, one lookup per question, reports CI reads.

The backends here are laid out as the Pulumi CLI lays out a self-managed backend (``.pulumi/meta.yaml``,
``.pulumi/stacks/<project>/<stack>.json``, gzip-compressed checkpoints, the legacy flat layout), and each
resource's state is written by the provider's own check and create. tests/e2e/test_drift_stacks_e2e.py
runs the same command on backends the real CLI wrote.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.cli import main
from pulumi_sagemaker_image.drift import SECRET_SIGNATURE, SECRET_SIGNATURE_KEY
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import REPO_ROOT, skip_unless_required

IMAGE = "demo-pytorch"
TYPE = "pulumi-python:dynamic/sagemaker-image:ImageVersion"
SARIF_SCHEMA = REPO_ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"


class Backend:
    """A self-managed backend folder written in the Pulumi CLI's layout."""

    def __init__(self, root: Path, emulator: SageMakerImageEmulator, *, legacy: bool = False) -> None:
        self.root = root
        self.emulator = emulator
        self.legacy = legacy
        self.provider = ImageVersionProvider()
        (root / ".pulumi" / "stacks").mkdir(parents=True)
        if not legacy:
            (root / ".pulumi" / "meta.yaml").write_text("version: 1\n", encoding="utf-8")

    @property
    def url(self) -> str:
        return f"file://{self.root}"

    def resource(self, project: str, stack: str, name: str, line: int = 5, **query: Any) -> dict[str, Any]:
        checked = self.provider.check({}, {"imageName": IMAGE, "endpointUrl": self.emulator.endpoint_url, **query})
        assert checked.failures == []
        created = self.provider.create(checked.inputs)
        return {
            "urn": f"urn:pulumi:{stack}::{project}::{TYPE}::{name}",
            "type": TYPE,
            "id": created.id,
            "outputs": created.outs,
            "sourcePosition": f"project:///__main__.py#{line},7",
        }

    def path(self, project: str, stack: str, *, compressed: bool = False) -> Path:
        folder = self.root / ".pulumi" / "stacks" / ("" if self.legacy else project)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{stack}.json{'.gz' if compressed else ''}"

    def stack(self, project: str, stack: str, *resources: dict[str, Any], compressed: bool = False) -> Path:
        stack_resource = {
            "urn": f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}",
            "type": "pulumi:pulumi:Stack",
        }
        name = stack if self.legacy else f"organization/{project}/{stack}"
        document = {
            "version": 3,
            "checkpoint": {"stack": name, "latest": {"manifest": {}, "resources": [stack_resource, *resources]}},
        }
        data = json.dumps(document).encode("utf-8")
        path = self.path(project, stack, compressed=compressed)
        path.write_bytes(gzip.compress(data) if compressed else data)
        return path


def drift(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["drift", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def rows(out: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["stack"] and f"{row['project']}/{row['stack']}", row["name"]): row for row in json.loads(out)}


@pytest.fixture
def fleet(emulator: SageMakerImageEmulator, tmp_path: Path) -> Backend:
    """Two projects with two stacks each; the same three questions asked across them."""
    backend = Backend(tmp_path / "backend", emulator)
    for project in ("web", "train"):
        for stack in ("dev", "prod"):
            backend.stack(
                project,
                stack,
                backend.resource(project, stack, "stable", line=4, alias="stable"),
                backend.resource(project, stack, "latest", line=5),
                backend.resource(project, stack, "two", line=6, version=2),
                compressed=stack == "prod",  # both checkpoint encodings in one backend
            )
    emulator.clear_requests()
    return backend


def test_a_backend_is_checked_with_one_lookup_per_distinct_question(
    fleet: Backend, emulator: SageMakerImageEmulator
) -> None:
    code, out, err = drift("--backend", fleet.url, "--output", "json")
    assert (code, err) == (0, "")
    found = rows(out)
    assert sorted({stack for stack, _ in found}) == ["train/dev", "train/prod", "web/dev", "web/prod"]
    assert len(found) == 12
    assert {row["status"] for row in found.values()} == {"ok"}
    # 12 resources, 3 questions: each asked once (one DescribeImageVersion and one ListAliases).
    assert emulator.request_count("DescribeImageVersion") == 3
    assert emulator.request_count("ListAliases") == 3


def test_a_moved_alias_is_reported_in_every_stack_with_the_stack_column(
    fleet: Backend, emulator: SageMakerImageEmulator
) -> None:
    emulator.move_alias(IMAGE, "stable", 4)
    code, out, _ = drift("--backend", fleet.url, "--output", "json")
    assert out == json.dumps(json.loads(out), indent=2) + "\n"  # indented like describe's JSON
    code, out, err = drift("--backend", fleet.url)
    assert code == 1
    header, *lines = out.splitlines()
    assert header.split() == ["STACK", "RESOURCE", "QUERY", "STATUS", "STATE", "CURRENT", "CHANGED"]
    drifted = sorted((line.split()[0], line.split()[1]) for line in lines if line.split()[3] == "DRIFT")
    assert drifted == [(stack, "stable") for stack in ("train/dev", "train/prod", "web/dev", "web/prod")]
    # Drift is counted in the summary; nothing went unchecked.
    assert "4 drifted" in err
    assert "0 could not be checked (exit 1: drift found)" in err


def test_stack_globs_select_by_project_and_stack(fleet: Backend) -> None:
    code, out, _ = drift("--backend", fleet.url, "--stack", "*/prod", "--output", "json")
    assert code == 0
    assert sorted({stack for stack, _ in rows(out)}) == ["train/prod", "web/prod"]
    code, out, _ = drift(
        "--backend", fleet.url, "--stack", "organization/web/*", "--stack", "train/dev", "--output", "json"
    )
    assert sorted({stack for stack, _ in rows(out)}) == ["train/dev", "web/dev", "web/prod"]
    code, out, err = drift("--backend", fleet.url, "--stack", "nothing/*")
    assert (code, out) == (2, "")
    assert "no stack matches --stack nothing/*" in err


def test_the_legacy_layout_and_export_files_and_folders(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    legacy = Backend(tmp_path / "legacy", emulator, legacy=True)
    legacy.stack("old", "dev", legacy.resource("old", "dev", "stable", alias="stable"))
    legacy.stack("old", "qa", legacy.resource("old", "qa", "latest"), compressed=True)
    code, out, _ = drift("--backend", legacy.url, "--output", "json")
    assert code == 0
    assert sorted(rows(out)) == [("old/dev", "stable"), ("old/qa", "latest")]

    # Exports (`pulumi stack export` documents), named one by one or as a folder.
    exports = tmp_path / "exports"
    exports.mkdir()
    for stack in ("dev", "qa"):
        checkpoint = json.loads(gzip.decompress(legacy.path("old", "qa", compressed=True).read_bytes()))
        if stack == "dev":
            checkpoint = json.loads(legacy.path("old", "dev").read_text(encoding="utf-8"))
        export = {"version": 3, "deployment": checkpoint["checkpoint"]["latest"]}
        (exports / f"{stack}.json").write_text(json.dumps(export), encoding="utf-8")
    by_file = drift(str(exports / "dev.json"), str(exports / "qa.json"), "--output", "json")
    by_folder = drift(str(exports), "--output", "json")
    assert by_file == by_folder
    assert sorted(rows(by_folder[1])) == [("old/dev", "stable"), ("old/qa", "latest")]


def test_bad_stacks_are_reported_per_stack_and_every_other_stack_is_checked(
    fleet: Backend, emulator: SageMakerImageEmulator
) -> None:
    fleet.path("web", "broken").write_text('{"version": 3, "checkpoint": ', encoding="utf-8")
    fleet.path("web", "future").write_text(json.dumps({"version": 4, "checkpoint": {}}), encoding="utf-8")
    fleet.path("web", "zipped", compressed=True).write_bytes(b"\x1f\x8bnot really gzip")
    emulator.move_alias(IMAGE, "stable", 4)

    code, out, err = drift("--backend", fleet.url, "--output", "json")
    assert code == 3  # could-not-check wins over the drift found ...
    assert "4 drifted" in err  # ... and the summary says both
    assert "3 could not be checked (exit 3: not everything could be checked; the drift found is real too)" in err
    found = rows(out)
    assert len(found) == 15
    reasons = {stack: row["reason"] for (stack, _), row in found.items() if row["status"] == "not-checked"}
    assert set(reasons) == {"web/broken", "web/future", "web/zipped"}
    assert "is not JSON" in reasons["web/broken"]
    assert "written by a newer Pulumi (format version 4" in reasons["web/future"]
    assert "upgrade pulumi-sagemaker-image, or use `drift --pulumi`" in reasons["web/future"]
    assert "damaged gzip file" in reasons["web/zipped"]
    assert all(found[(stack, "-")]["urn"] is None for stack in reasons)


def test_a_failed_lookup_is_not_checked_and_never_clean(fleet: Backend, emulator: SageMakerImageEmulator) -> None:
    emulator.delete_image_version(IMAGE, 2)  # a finding: the version state holds is gone
    code, out, _ = drift("--backend", fleet.url, "--stack", "web/dev", "--output", "json")
    assert code == 1
    assert rows(out)[("web/dev", "two")]["status"] == "error"
    assert "has no version 2" in rows(out)[("web/dev", "two")]["reason"]
    emulator.stop()  # nothing answers: every lookup fails, nothing is reported clean
    code, out, err = drift("--backend", fleet.url, "--stack", "web/dev", "--output", "json")
    assert code == 3
    assert {row["status"] for row in rows(out).values()} == {"not-checked"}
    assert all(row["reason"].startswith("the lookup failed: ") for row in rows(out).values())
    assert "Traceback" not in err


def envelope(value: Any, *, readable: bool) -> dict[str, Any]:
    if readable:
        return {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "plaintext": json.dumps(value)}
    return {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "ciphertext": "v1:c2VjcmV0:AAAAbm90IHJlYWxseQ=="}


def secret_query(resource: dict[str, Any], *, readable: bool) -> dict[str, Any]:
    """The resource as state holds it once its query inputs are secret: every query-derived output too."""
    outputs = resource["outputs"]
    for key in ("query", "imageName", "alias", "version", "containerImage", "imageVersionArn", "pinnedVersion"):
        outputs[key] = envelope(outputs[key], readable=readable)
    return resource


def test_secrets_are_checked_when_readable_and_never_printed(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    backend = Backend(tmp_path / "backend", emulator)
    hidden = backend.resource("p", "shown", "hidden", alias="stable")
    image = hidden["outputs"]["containerImage"]
    backend.stack("p", "shown", secret_query(hidden, readable=True))
    backend.stack(
        "p", "sealed", secret_query(backend.resource("p", "sealed", "hidden", alias="stable"), readable=False)
    )
    emulator.move_alias(IMAGE, "stable", 4)
    now = emulator.client().describe_image_version(ImageName=IMAGE, Version=4)["ContainerImage"]
    reports = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "junit", "sarif", "markdown")}
    report_args = [arg for fmt, path in reports.items() for arg in ("--report", f"{fmt}={path}")]

    code, out, err = drift("--backend", backend.url, "--output", "json", *report_args)
    assert code == 3
    found = rows(out)
    shown = found[("p/shown", "hidden")]
    assert (shown["status"], shown["query"], shown["stateVersion"], shown["currentContainerImage"]) == (
        "drift",
        "[secret]",
        "[secret]",
        "[secret]",
    )
    assert "containerImage" in shown["changed"]
    sealed = found[("p/sealed", "hidden")]
    assert sealed["status"] == "not-checked"
    assert "secret and encrypted" in sealed["reason"]
    assert "`pulumi stack export --show-secrets --stack p/sealed | pulumi-sagemaker-image drift -`" in sealed["reason"]
    assert "`pulumi-sagemaker-image drift --pulumi`" in sealed["reason"]
    table = drift("--backend", backend.url)
    for text in [out, err, *table[1:], *(path.read_text(encoding="utf-8") for path in reports.values())]:
        for secret in (IMAGE, "stable", image, now):
            assert secret not in text
    assert "[secret]" in table[1]


def test_junit_report_reads_in_a_junit_parser(fleet: Backend, emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    fleet.path("web", "broken").write_text("{}", encoding="utf-8")
    emulator.move_alias(IMAGE, "stable", 4)
    report = tmp_path / "drift.xml"
    code, _, _ = drift("--backend", fleet.url, "--report", f"junit={report}")
    assert code == 3
    xml = JUnitXml.fromfile(str(report))
    suites = {suite.name: suite for suite in xml}
    assert sorted(suites) == ["train/dev", "train/prod", "web/broken", "web/dev", "web/prod"]
    assert (xml.tests, xml.failures, xml.errors) == (13, 4, 1)
    dev = suites["web/dev"]
    cases = {case.name: case for case in dev}
    assert sorted(cases) == [f"latest ({IMAGE})", f"stable ({IMAGE}@stable)", f"two ({IMAGE}:2)"]
    (failure,) = cases[f"stable ({IMAGE}@stable)"].result
    assert isinstance(failure, Failure)
    assert failure.type == "drift"
    assert "containerImage" in (failure.message or "")
    assert cases[f"two ({IMAGE}:2)"].is_passed
    (error,) = next(iter(suites["web/broken"])).result
    assert isinstance(error, Error)
    assert "has no 'deployment' object" in (error.message or "") or "malformed" in (error.message or "")


def test_sarif_report_is_valid_and_points_at_the_declaring_line(
    fleet: Backend, emulator: SageMakerImageEmulator, tmp_path: Path
) -> None:
    fleet.path("web", "broken").write_text("[]", encoding="utf-8")
    emulator.move_alias(IMAGE, "stable", 4)  # drift
    emulator.set_version_fields(IMAGE, 2, VendorGuidance="TO_BE_ARCHIVED")  # archive guidance
    emulator.set_version_fields(IMAGE, 4, ImageVersionStatus="CREATE_FAILED")  # latest not usable
    report = tmp_path / "drift.sarif"
    drift("--backend", fleet.url, "--stack", "web/*", "--report", f"sarif={report}")
    log = json.loads(report.read_text(encoding="utf-8"))
    (run,) = log["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == ["drift", "version-not-usable", "archive-guidance", "could-not-check"]
    by_resource = {
        (r["properties"]["stack"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].rsplit("::", 1)[-1])
        if r.get("locations")
        else (r["properties"]["stack"], "-"): r
        for r in run["results"]
    }
    assert by_resource[("dev", "stable")]["ruleId"] == "version-not-usable"  # stable -> v4, which failed
    assert by_resource[("dev", "latest")]["ruleId"] == "version-not-usable"
    assert by_resource[("dev", "two")]["ruleId"] == "archive-guidance"
    assert by_resource[("broken", "-")]["ruleId"] == "could-not-check"
    place = by_resource[("dev", "two")]["locations"][0]["physicalLocation"]
    assert place == {
        "artifactLocation": {"uri": "__main__.py", "uriBaseId": "PROJECTROOT"},
        "region": {"startLine": 6, "startColumn": 7},
    }
    assert all(r["ruleIndex"] == rules.index(r["ruleId"]) for r in run["results"])
    # Last, so that what is checked above is checked in a clone without ../shared too.
    if not SARIF_SCHEMA.exists():
        skip_unless_required(f"the SARIF 2.1.0 schema is not at {SARIF_SCHEMA} (it ships in ../shared)")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(log)] == []


def test_markdown_summary_counts_first_then_a_table_per_stack_with_findings(
    fleet: Backend, emulator: SageMakerImageEmulator, tmp_path: Path
) -> None:
    emulator.move_alias(IMAGE, "stable", 4)
    report = tmp_path / "summary.md"
    drift("--backend", fleet.url, "--stack", "web/*", "--stack", "train/dev", "--report", f"markdown={report}")
    text = report.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "## SageMaker image drift"
    assert lines[4].startswith("| stacks | ImageVersions | ok | drift |")
    assert lines[6] == "| 3 | 9 | 6 | 3 | 0 | 0 | 0 |"
    assert [line for line in lines if line.startswith("### ")] == [
        "### train/dev",
        "### web/dev",
        "### web/prod",
    ]  # backend order
    assert f"| stable | `{IMAGE}@stable` | drift | v3 " in text
    assert "| latest |" not in text  # tables list findings only


def test_no_drift_markdown_has_counts_and_no_tables(fleet: Backend, tmp_path: Path) -> None:
    report = tmp_path / "summary.md"
    assert drift("--backend", fleet.url, "--report", f"markdown={report}")[0] == 0
    text = report.read_text(encoding="utf-8")
    assert "(exit 0: no drift)" in text
    assert "###" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "gs://bucket"], "only file:// and s3:// backends are read directly"),
        (["--backend", "https://api.pulumi.com"], "use `drift --pulumi`"),
        (["--backend", "file:///nowhere/at/all"], "is not a folder"),
        (["--backend", "s3://"], "no bucket"),
        (["--backend", "s3://b?colour=blue"], "unknown parameter(s) colour"),
        (["--report", "xml=out.xml"], "unknown format 'xml'; use one of json, junit, sarif, markdown"),
        (["--report", "junit"], "write FORMAT=PATH"),
        (["--report", "junit=/nowhere/at/all/x.xml"], "folder /nowhere/at/all does not exist"),
        (["--backend", "file:///tmp", "x.json"], "not several of them"),
    ],
)
def test_bad_usage_exits_2_saying_what_to_do(args: list[str], message: str) -> None:
    code, out, err = drift(*args)
    assert (code, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1


def test_a_backend_without_stacks_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = drift("--backend", f"file://{tmp_path}")
    assert code == 2
    assert f"--backend file://{tmp_path} has no stacks" in err


def test_progress_is_shown_when_asked(fleet: Backend) -> None:
    code, _, err = drift("--backend", fleet.url, "--progress")
    assert code == 0
    assert err.splitlines()[-2] == "drift: 4 stacks read, 3 of 3 questions resolved"
    assert err.splitlines()[-1].endswith("(exit 0: no drift)")
    assert drift("--backend", fleet.url)[2] == ""  # not a terminal: quiet


def test_native_resources_take_unset_settings_from_their_provider_config(
    emulator: SageMakerImageEmulator, tmp_path: Path
) -> None:
    # A Pulumi YAML (native plugin) stack: the endpoint is provider config, kept as the provider's inputs.
    backend = Backend(tmp_path / "backend", emulator)
    provider_urn = "urn:pulumi:dev::y::pulumi:providers:sagemaker-image::default"

    def stack(name: str, endpoint: Any) -> None:
        resource = backend.resource("y", name, "stable", alias="stable")
        del resource["outputs"]["endpointUrl"]
        resource["provider"] = f"{provider_urn}::4b1c"
        provider: dict[str, Any] = {"urn": provider_urn, "type": "pulumi:providers:sagemaker-image", "id": "4b1c"}
        provider["inputs"] = {"endpointUrl": endpoint, "version": "0.1.0"}
        backend.stack("y", name, provider, resource)

    stack("plain", emulator.endpoint_url)
    stack("shown", envelope(emulator.endpoint_url, readable=True))
    stack("sealed", envelope(emulator.endpoint_url, readable=False))
    code, out, _ = drift("--backend", backend.url, "--output", "json")
    assert code == 3
    found = rows(out)
    assert found[("y/plain", "stable")]["status"] == "ok"
    assert found[("y/shown", "stable")]["status"] == "ok"
    sealed = found[("y/sealed", "stable")]
    assert sealed["status"] == "not-checked"
    assert sealed["reason"].startswith("provider endpointUrl is secret and encrypted")


def test_the_pulumi_route_without_a_pulumi_cli_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    code, out, err = drift("--pulumi")
    assert (code, out) == (2, "")
    assert "--pulumi: no `pulumi` on PATH; install the Pulumi CLI or use --backend URL" in err
