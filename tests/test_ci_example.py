"""The example GitHub Actions workflow (examples/drift-across-stacks/drift.yml) is valid and runs a real command.

actionlint, built from its Go module (tools/actionlint/build.sh), checks the workflow as GitHub would
read it: syntax, expressions, action inputs, and the shell of every `run:` step. The command the
workflow runs is parsed by the command's own parser, so an option renamed here fails this test.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pulumi_sagemaker_image.cli import build_parser

from .conftest import REPO_ROOT, skip_unless_required

WORKFLOW = REPO_ROOT / "examples" / "drift-across-stacks" / "drift.yml"
BUILD = REPO_ROOT / "tools" / "actionlint" / "build.sh"
ACTIONLINT = REPO_ROOT / ".tools" / "bin" / "actionlint"


def drift_commands() -> list[list[str]]:
    """Every `pulumi-sagemaker-image ...` command in the workflow's `run:` steps, as argv lists."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    commands = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            script = step.get("run", "").replace("\\\n", " ")
            for line in script.splitlines():
                if line.strip().startswith("pulumi-sagemaker-image "):
                    commands.append(shlex.split(line)[1:])
    return commands


def test_the_workflow_runs_the_drift_command_with_options_it_has() -> None:
    (argv,) = drift_commands()
    args = build_parser().parse_args([arg.replace('"$BACKEND_URL"', "s3://b") for arg in argv])
    assert args.command == "drift"
    assert sorted(report.split("=")[0] for report in args.report) == ["junit", "markdown", "sarif"]


@pytest.mark.e2e
def test_actionlint_finds_nothing_in_the_workflow() -> None:
    if not ACTIONLINT.exists():
        if shutil.which("go") is None and not Path("/usr/local/go/bin/go").exists():
            skip_unless_required("no Go to build actionlint from its module (tools/actionlint/build.sh)")
        subprocess.run(["bash", str(BUILD)], check=True, timeout=900)
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
