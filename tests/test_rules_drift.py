"""The drift command's own rules that tests/test_drift_command.py leaves open (found by `make mutation`).

Where it reads exported state from, what it says when there is nothing to check, which region it falls
back to, and the table a CI log shows. The command runs in-process through ``cli.main``, the function
the console script calls; the state is written by the provider's own check and create, as the engine
records it.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.cli import main
from pulumi_sagemaker_image.lookup import clear_client_cache
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

IMAGE = "demo-pytorch"
TYPE = "pulumi-python:dynamic/sagemaker-image:ImageVersion"
STACK = {"urn": "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev", "type": "pulumi:pulumi:Stack"}


def export(emulator: SageMakerImageEmulator, **queries: dict[str, Any]) -> dict[str, Any]:
    provider = ImageVersionProvider()
    resources: list[dict[str, Any]] = [STACK]
    for name, query in queries.items():
        checked = provider.check({}, {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, **query})
        assert checked.failures == []
        created = provider.create(checked.inputs)
        resources.append(
            {"urn": f"urn:pulumi:dev::proj::{TYPE}::{name}", "type": TYPE, "id": created.id, "outputs": created.outs}
        )
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def drift(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["drift", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def cells(line: str) -> list[tuple[int, str]]:
    """(column, text) of each cell; cells are separated by two or more spaces."""
    return [(match.start(), match.group()) for match in re.finditer(r"\S+(?: \S+)*", line)]


def test_a_state_file_is_read_like_standard_input(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    path = write(tmp_path, export(emulator, stable={"alias": "stable"}))
    code, out, err = drift(str(path), "--output", "json")
    assert (code, err) == (0, "")
    (row,) = json.loads(out)
    assert out == json.dumps([row], indent=2) + "\n"  # indented like describe's JSON
    assert row == {
        "stack": "dev",
        "project": "proj",
        "urn": f"urn:pulumi:dev::proj::{TYPE}::stable",
        "name": "stable",
        "query": f"{IMAGE}@stable",
        "status": "ok",
        "pinned": False,
        "stateVersion": 3,
        "stateContainerImage": emulator.client().describe_image_version(ImageName=IMAGE, Version=3)["ContainerImage"],
        "currentVersion": 3,
        "currentContainerImage": row["stateContainerImage"],
        "changed": [],
        "reason": None,
        "error": None,
    }


def test_a_state_file_that_cannot_be_read_exits_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    code, out, err = drift(str(missing))
    assert (code, out) == (2, "")
    assert err == f"pulumi-sagemaker-image: error: cannot read {missing}: No such file or directory\n"


@pytest.mark.parametrize(
    "deployment",
    [
        {
            "resources": [
                STACK,
                {"urn": "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b", "type": "aws:s3/bucket:Bucket"},
            ]
        },
        {},
    ],
    ids=["other-types", "no-resources"],
)
def test_state_without_image_versions_says_so_and_is_not_drift(tmp_path: Path, deployment: dict[str, Any]) -> None:
    path = write(tmp_path, {"version": 3, "deployment": deployment})
    assert drift(str(path)) == (0, f"no ImageVersion resources in {path}\n", "")
    assert drift(str(path), "--output", "json") == (0, "[]\n", "")


def test_the_region_option_is_for_state_that_names_none(
    emulator: SageMakerImageEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Deployed with the region from the environment, so state records none of its own.
    path = write(tmp_path, export(emulator, stable={"alias": "stable"}))
    monkeypatch.delenv("AWS_REGION")
    clear_client_cache()  # as in a new `pulumi-sagemaker-image` process: no client built with the old region
    code, out, err = drift(str(path), "--output", "json")
    assert code == 3  # not a finding: the lookup could not be made
    (row,) = json.loads(out)
    assert row["status"] == "not-checked"
    assert "region" in row["error"]
    assert row["reason"] == row["error"]
    assert "1 could not be checked (exit 3" in err
    code, out, _ = drift(str(path), "--output", "json", "--region", "us-east-1")
    assert code == 0
    assert json.loads(out)[0]["status"] == "ok"


def test_the_table_lines_up_and_shortens_images(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    digests = {
        version: emulator.client().describe_image_version(ImageName=IMAGE, Version=version)["ContainerImage"]
        for version in (1, 2, 3, 4)
    }
    short = {version: f"{IMAGE}@sha256:{uri.rsplit('@sha256:', 1)[1][:12]}" for version, uri in digests.items()}
    state = export(emulator, a={"alias": "stable"}, a_much_longer_name={"version": 2}, gone={"version": 1})
    emulator.move_alias(IMAGE, "stable", 4)
    emulator.delete_image_version(IMAGE, 1)

    code, out, _ = drift(str(write(tmp_path, state)))
    assert code == 1
    header, *rows = out.splitlines()
    assert [text for _, text in cells(header)] == ["RESOURCE", "QUERY", "STATUS", "STATE", "CURRENT", "CHANGED"]
    table = [[text for _, text in cells(row)] for row in rows]
    assert table[0][:5] == ["a", f"{IMAGE}@stable", "DRIFT", f"v3 {short[3]}", f"v4 {short[4]}"]
    assert "containerImage" in table[0][5].split(", ")
    assert table[1] == ["a_much_longer_name", f"{IMAGE}:2", "OK", f"v2 {short[2]}", f"v2 {short[2]}"]
    # A failed lookup: nothing current, and the error where the changes would be.
    assert table[2][:5] == ["gone", f"{IMAGE}:1", "ERROR", f"v1 {short[1]}", "-"]
    assert "has no version 1" in table[2][5]
    columns = [column for column, _ in cells(header)]
    for row in rows:
        assert [column for column, _ in cells(row)] == columns[: len(cells(row))]
        assert row == row.rstrip()  # the last column is not padded


def test_the_settings_recorded_in_state_are_the_ones_checked_with(
    emulator: SageMakerImageEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A region given as an input is recorded in state; the drift check needs no other.
    path = write(tmp_path, export(emulator, stable={"alias": "stable", "region": "us-east-1"}))
    monkeypatch.delenv("AWS_REGION")
    clear_client_cache()
    code, out, _ = drift(str(path), "--output", "json")
    assert code == 0, out
    assert json.loads(out)[0]["status"] == "ok"


def test_the_query_shown_is_the_one_state_recorded(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    # `pulumi import ... demo-pytorch:03` keeps the ID as typed; state records the query it means.
    state = export(emulator, two={"version": 2})
    state["deployment"]["resources"][1]["id"] = f"{IMAGE}:02"
    code, out, _ = drift(str(write(tmp_path, state)), "--output", "json")
    assert code == 0
    assert json.loads(out)[0]["query"] == f"{IMAGE}:2"


def test_an_image_without_a_registry_path_is_shown_whole(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    emulator.set_version_fields(IMAGE, 2, ContainerImage="pytorch-training:2.1")
    code, out, _ = drift(str(write(tmp_path, export(emulator, two={"version": 2}))))
    assert code == 0
    assert [text for _, text in cells(out.splitlines()[1])][3:] == ["v2 pytorch-training:2.1"] * 2


def test_state_that_records_no_pin_is_checked_as_unpinned(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    # State whose outputs lack `pinned` (written by hand, or by a provider from before it was recorded).
    state = export(emulator, stable={"alias": "stable"})
    del state["deployment"]["resources"][1]["outputs"]["pinned"]
    code, out, _ = drift(str(write(tmp_path, state)), "--output", "json")
    assert code == 0, out
    (row,) = json.loads(out)
    assert (row["status"], row["pinned"]) == ("ok", False)


def test_a_state_file_name_is_never_taken_for_standard_input(
    emulator: SageMakerImageEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only "-" means standard input, not any name that sorts near it.
    (tmp_path / "(copy) state.json").write_text(json.dumps(export(emulator, two={"version": 2})), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = drift("(copy) state.json", "--output", "json")
    assert code == 0
    assert json.loads(out)[0]["query"] == "demo-pytorch:2"
