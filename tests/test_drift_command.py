"""`pulumi-sagemaker-image drift` on exported state: exit codes and the table users read in CI.

The state documents here are built the way the engine builds them: the provider's own check and
create produce each resource's outputs. The end-to-end suite runs the same command on state exported
by the real engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
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
