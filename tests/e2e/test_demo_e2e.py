"""`pulumi-sagemaker-image demo` (what `make demo` runs) under the real Pulumi CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_sagemaker_image.testing import AWS_ENVIRONMENT_VARIABLES

pytestmark = pytest.mark.e2e

CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")


def test_demo_runs_the_real_workflow_and_leaves_nothing_behind(pulumi_cli: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items() if name not in AWS_ENVIRONMENT_VARIABLES}
    env.update({"HOME": str(home), "TMPDIR": str(tmp_path), "PATH": f"{pulumi_cli.parent}{os.pathsep}{env['PATH']}"})
    result = subprocess.run(
        [CLI, "demo"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False
    )
    story = result.stdout
    assert result.returncode == 0, f"{story}\n{result.stderr}"
    print(story)  # what a newcomer sees, for the log

    # The engine resolved the alias and the dependent got the image.
    assert "$ pulumi up" in story
    up_outputs = re.search(r"containerImage (\S+)\n\s+deployedImage\s+(\S+)", story)
    assert up_outputs is not None, story
    assert up_outputs.group(1) == up_outputs.group(2)
    # The engine's own diff and its failing exit code, then drift on the exported state.
    preview = story[story.index("$ pulumi preview --expect-no-changes --diff") : story.index("$ pulumi stack export")]
    assert re.search(r"~ containerImage\s*: \"\S+\" => \"\S+\"", preview), preview
    assert "error: no changes were expected for preview but changes were proposed" in preview
    exit_code = re.search(r"\[exit (\d+)\]", preview)
    assert exit_code is not None
    assert exit_code.group(1) != "0"
    drift = story[story.index("$ pulumi-sagemaker-image drift") :]
    assert re.search(r"training-image\s+demo-pytorch@stable\s+DRIFT\s+v3 .*v4", drift), drift
    assert "[exit 1]" in drift

    # Everything it made is gone: the temp directory with project, state and Pulumi home, and no
    # trace in the user's home (no ~/.pulumi login, no stack).
    scratch = re.search(r"live in (\S+) until the end", story)
    assert scratch is not None
    assert not Path(scratch.group(1)).exists()
    assert list(tmp_path.iterdir()) == [home]
    assert list(home.iterdir()) == []
