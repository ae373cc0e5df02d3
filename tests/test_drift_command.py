"""`pulumi-sagemaker-image drift` on exported state: exit codes and the table users read in CI.

The state documents here are built the way the engine builds them: the provider's own check and
create produce each resource's outputs. The end-to-end suite runs the same command on state exported
by the real engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
IMAGE = "demo-pytorch"
TYPE = "pulumi-python:dynamic/sagemaker-image:ImageVersion"


def exported(emulator: SageMakerImageEmulator, **queries: dict[str, Any]) -> dict[str, Any]:
    provider = ImageVersionProvider()
    resources: list[dict[str, Any]] = [
        {"urn": "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev", "type": "pulumi:pulumi:Stack"}
    ]
    for name, query in queries.items():
        checked = provider.check({}, {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, **query})
        assert checked.failures == []
        created = provider.create(checked.inputs)
        resources.append(
            {
                "urn": f"urn:pulumi:dev::proj::{TYPE}::{name}",
                "type": TYPE,
                "id": created.id,
                "inputs": checked.inputs,
                "outputs": created.outs,
            }
        )
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def drift(document: dict[str, Any] | str, *args: str) -> subprocess.CompletedProcess[str]:
    text = document if isinstance(document, str) else json.dumps(document)
    return subprocess.run(
        [CLI, "drift", "-", *args], input=text, capture_output=True, text=True, timeout=60, check=False
    )


def test_no_drift_exits_0_with_an_ok_row_per_resource(emulator: SageMakerImageEmulator) -> None:
    result = drift(exported(emulator, stable={"alias": "stable"}, latest={}))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["RESOURCE", "QUERY", "STATUS", "STATE", "CURRENT", "CHANGED"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["stable", f"{IMAGE}@stable", "OK"],
        ["latest", IMAGE, "OK"],
    ]


def test_a_moved_alias_exits_1_and_names_the_change(emulator: SageMakerImageEmulator) -> None:
    state = exported(emulator, stable={"alias": "stable"}, pinned={"version": 2})
    emulator.move_alias(IMAGE, "stable", 4)
    result = drift(state)
    assert result.returncode == 1
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "DRIFT" in rows["stable"]
    assert "v3 " in rows["stable"]
    assert "v4 " in rows["stable"]
    assert "containerImage" in rows["stable"]
    assert "OK" in rows["pinned"]


def test_json_output_and_a_vanished_version(emulator: SageMakerImageEmulator) -> None:
    state = exported(emulator, two={"version": 2})
    emulator.delete_image_version(IMAGE, 2)
    result = drift(state, "--output", "json")
    assert result.returncode == 1
    (row,) = json.loads(result.stdout)
    assert row["status"] == "error"
    assert "has no version 2" in row["error"]
    assert row["stateVersion"] == 2


@pytest.mark.parametrize(("text", "message"), [("not json", "is not JSON"), ("{}", "has no 'deployment' object")])
def test_unreadable_input_exits_2(text: str, message: str) -> None:
    result = drift(text)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def rows_of(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """Table rows by resource name, split on the two-space column gaps."""
    return {
        line.split()[0]: [cell.strip() for cell in line.split("  ") if cell.strip()]
        for line in result.stdout.splitlines()[1:]
    }


def test_another_alias_on_the_resolved_version_is_not_drift(emulator: SageMakerImageEmulator) -> None:
    state = exported(emulator, stable={"alias": "stable"}, latest={})
    emulator.move_alias(IMAGE, "prod", 3)  # tags the version `stable` resolves to, bumping its timestamp
    emulator.move_alias(IMAGE, "prod", 4)  # and then the latest one
    result = drift(state, "--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [(row["name"], row["status"], row["changed"]) for row in json.loads(result.stdout)] == [
        ("stable", "ok", []),
        ("latest", "ok", []),
    ]


def test_a_bare_last_modified_time_bump_is_not_drift(emulator: SageMakerImageEmulator) -> None:
    state = exported(emulator, stable={"alias": "stable"}, held={"alias": "stable", "pinnedVersion": 3})
    emulator.set_version_fields(IMAGE, 3, LastModifiedTime=datetime(2031, 1, 2, tzinfo=timezone.utc))
    result = drift(state)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {name: row[2] for name, row in rows_of(result).items()} == {"stable": "OK", "held": "OK"}


def test_a_held_pin_whose_query_moved_is_a_finding_naming_the_resource(emulator: SageMakerImageEmulator) -> None:
    # State as `pulumi up` writes it once ignore_changes holds pinnedVersion: pinned, version 3.
    state = exported(emulator, training={"alias": "stable", "pinnedVersion": 3}, steady={"version": 2})
    assert drift(state).returncode == 0

    emulator.move_alias(IMAGE, "stable", 4)
    result = drift(state)
    assert result.returncode == 1
    rows = rows_of(result)
    assert rows["training"][:3] == ["training", f"{IMAGE}@stable", "PIN-HELD"]
    assert rows["training"][3].startswith("v3 ")  # what the pin holds ...
    assert rows["training"][4].startswith("v4 ")  # ... and what the query resolves to now
    assert rows["training"][5] == "pinned; the query now resolves to v4"
    assert rows["steady"][2] == "OK"

    (row, _) = json.loads(drift(state, "--output", "json").stdout)
    assert (row["pinned"], row["status"]) == (True, "pin-held")
    assert row["reason"] == "pinned at v3; the query now resolves to v4: move the pin"
    assert row["changed"] == ["currentVersion"]  # the pinned outputs themselves did not change

    # Still drift once `pulumi up` has recorded where the query points (preview then only warns): the
    # pin is held away from its query until someone moves it.
    recorded = exported(emulator, training={"alias": "stable", "pinnedVersion": 3})
    assert recorded["deployment"]["resources"][1]["outputs"]["currentVersion"] == 4
    again = drift(recorded)
    assert again.returncode == 1
    assert rows_of(again)["training"][2:] == [
        "PIN-HELD",
        rows["training"][3],
        rows["training"][4],
        "pinned; the query now resolves to v4",
    ]


def test_a_held_pin_drifts_when_the_pinned_version_itself_changes(emulator: SageMakerImageEmulator) -> None:
    # The provider's diff shows this in `pulumi preview`, so the drift command must report it too.
    state = exported(emulator, training={"alias": "stable", "pinnedVersion": 3})
    emulator.set_version_fields(IMAGE, 3, VendorGuidance="TO_BE_ARCHIVED")
    result = drift(state, "--output", "json")
    assert result.returncode == 1
    (row,) = json.loads(result.stdout)
    assert (row["status"], row["changed"]) == ("drift", ["vendorGuidance"])


def test_a_freshly_deployed_pin_is_drift_once_the_query_moves(emulator: SageMakerImageEmulator) -> None:
    # Right after the first `pulumi up` state cannot yet say the pin is held (`pinned` is false), so the
    # command sees a query that resolves elsewhere: drift all the same.
    state = exported(emulator, training={"alias": "stable"})
    emulator.move_alias(IMAGE, "stable", 4)
    result = drift(state)
    assert result.returncode == 1
    assert rows_of(result)["training"][2] == "DRIFT"
    assert "containerImage" in rows_of(result)["training"][5]
