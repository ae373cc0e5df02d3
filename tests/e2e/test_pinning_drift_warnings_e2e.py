"""The pinning recipe, the drift command and the warnings, under the real Pulumi CLI.

What a user sees: exit codes of `pulumi preview --expect-no-changes` and of
`pulumi stack export | pulumi-sagemaker-image drift -`, the drift table's rows, and the engine's
`warning:` diagnostics (a diff line such as `vendorGuidance: … => "TO_BE_ARCHIVED"` is not a warning).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import PulumiProject

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
MOVE_HINT = "to move, run `pulumi up` once without ignore_changes, or `pulumi up --target-replace URN`"


def warning_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The engine's warning diagnostics, as printed (each may appear in the progress and in Diagnostics)."""
    return re.findall(r"^\s*warning: (.+)$", result.stdout + result.stderr, flags=re.M)


def drift_of_exported_state(project: PulumiProject, *args: str) -> subprocess.CompletedProcess[str]:
    """`pulumi stack export | pulumi-sagemaker-image drift - ARGS`, as a CI job runs it."""
    pipeline = (
        f"set -o pipefail; {shlex.quote(str(project.cli))} stack export --non-interactive"
        f" | {shlex.quote(CLI)} drift - {' '.join(map(shlex.quote, args))}"
    )
    return subprocess.run(
        ["bash", "-c", pipeline],
        cwd=project.directory,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def drift_rows(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """Table rows by resource name; columns are separated by at least two spaces."""
    return {
        line.split()[0]: [cell.strip() for cell in re.split(r"\s{2,}", line.strip())]
        for line in result.stdout.splitlines()[1:]
    }


# -- the pinning recipe -------------------------------------------------------------------------------


@pytest.mark.parametrize("pin", [False, True], ids=["unpinned", "pinned"])
def test_a_fresh_stack_previews_no_changes_right_after_the_first_up(
    make_project: Any, emulator: SageMakerImageEmulator, pin: bool
) -> None:
    project: PulumiProject = make_project("pin-image")
    if pin:
        project.config(pin="true")
    project.up()

    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "pinned" not in check.stdout  # no `~ pinned: false => true` either
    assert warning_lines(check) == []

    # A second up changes nothing either (the engine keeps the state), and neither does the next preview.
    project.up()
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0
    assert project.outputs()["version"] == 3


def test_a_pinned_stack_records_pinned_with_the_update_that_holds_the_pin(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("pin-image")
    project.config(pin="true")
    project.up()
    project.up()
    assert project.image_versions()["training-image"]["outputs"]["pinned"] is False  # unknown until it matters

    emulator.move_alias(IMAGE, "stable", 4)
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    expected = (
        f"training-image is pinned to version 3, but alias 'stable' of image {IMAGE!r} is now version 4; {MOVE_HINT}"
    )
    assert expected in warning_lines(check)

    project.up()
    outputs = project.image_versions()["training-image"]["outputs"]
    assert (outputs["pinned"], outputs["version"], outputs["currentVersion"]) == (True, 3, 4)
    # The pin's drift stays a warning on every run, without proposing a change.
    steady = project.run("preview", "--expect-no-changes", check=False)
    assert steady.returncode == 0, steady.stdout + steady.stderr
    assert expected in warning_lines(steady)


def test_refresh_before_pinned_is_recorded_does_not_move_the_pin(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("pin-image")
    project.config(pin="true")
    project.up()
    deployed = project.outputs()["deployedImage"]

    emulator.move_alias(IMAGE, "stable", 4)
    project.run("refresh", "--yes", "--skip-preview")
    project.up()
    outputs = project.outputs()
    assert outputs["deployedImage"] == deployed  # what runs did not move
    assert (outputs["version"], outputs["currentVersion"]) == (3, 4)

    # `pulumi up --refresh` from then on holds it too.
    project.run("up", "--yes", "--skip-preview", "--refresh")
    assert project.outputs()["deployedImage"] == deployed


# -- the drift command on state exported by the engine ----------------------------------------------


def test_drift_ignores_another_alias_and_a_bare_timestamp_bump(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("drift-check")
    project.up()
    emulator.move_alias(IMAGE, "prod", 3)  # onto the version `stable` resolves to
    emulator.move_alias(IMAGE, "nightly", 4)  # onto the latest version
    later = datetime.now(timezone.utc) + timedelta(days=1)
    emulator.set_version_fields(IMAGE, 3, LastModifiedTime=later)
    emulator.set_version_fields(IMAGE, 4, LastModifiedTime=later)

    result = drift_of_exported_state(project)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = drift_rows(result)
    assert {name: row[2] for name, row in rows.items()} == {"by-alias": "OK", "latest": "OK"}
    # And the engine agrees: nothing to change.
    assert project.run("preview", "--expect-no-changes", check=False).returncode == 0


def test_drift_reports_a_held_pin_whose_query_moved(make_project: Any, emulator: SageMakerImageEmulator) -> None:
    project: PulumiProject = make_project("pin-image")
    project.config(pin="true")
    project.up()
    clean = drift_of_exported_state(project)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    emulator.move_alias(IMAGE, "stable", 4)
    fresh = drift_of_exported_state(project)  # state written by the first up: `pinned` not yet recorded
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr
    assert drift_rows(fresh)["training-image"][:3] == ["training-image", f"{IMAGE}@stable", "DRIFT"]

    project.up()  # holds the pin and records it
    held = drift_of_exported_state(project)
    assert held.returncode == 1, held.stdout + held.stderr
    row = drift_rows(held)["training-image"]
    assert row[:3] == ["training-image", f"{IMAGE}@stable", "PIN-HELD"]  # a finding of its own, exit 1
    assert row[3].startswith("v3 ")  # what the pin holds ...
    assert row[4].startswith("v4 ")  # ... and what the query resolves to now
    assert row[5] == "pinned; the query now resolves to v4"


# -- warnings ---------------------------------------------------------------------------------------


def test_vendor_guidance_reaches_the_user_as_warnings(make_project: Any, emulator: SageMakerImageEmulator) -> None:
    program = f"""
from pulumi_sagemaker_image import ImageVersion

ImageVersion("legacy", image_name="{IMAGE}", version=1, endpoint_url="{emulator.endpoint_url}")
ImageVersion("old", image_name="{IMAGE}", version=2, endpoint_url="{emulator.endpoint_url}")
ImageVersion("stable", image_name="{IMAGE}", alias="stable", endpoint_url="{emulator.endpoint_url}")
"""
    project: PulumiProject = make_project(program=program)
    emulator.set_version_fields(IMAGE, 2, VendorGuidance="ARCHIVED")  # version 1 is TO_BE_ARCHIVED in the seed
    to_be_archived = f"image {IMAGE!r} version 1 is marked TO_BE_ARCHIVED by its vendor; plan a move"
    archived = f"image {IMAGE!r} version 2 is ARCHIVED by its vendor and no longer maintained"

    for result in (project.run("preview"), project.up(), project.run("preview", "--expect-no-changes")):
        warnings = set(warning_lines(result))
        assert warnings == {to_be_archived, archived}, result.stdout + result.stderr


def test_a_version_that_becomes_to_be_archived_warns_beside_the_diff(
    make_project: Any, emulator: SageMakerImageEmulator
) -> None:
    project: PulumiProject = make_project("drift-check")
    project.up()
    emulator.set_version_fields(IMAGE, 4, VendorGuidance="TO_BE_ARCHIVED")
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    assert f"image {IMAGE!r} version 4 is marked TO_BE_ARCHIVED by its vendor; plan a move" in warning_lines(check)
