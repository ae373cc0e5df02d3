"""`drift` on an S3 backend the real Pulumi CLI wrote, through `--backend s3://` and through `--pulumi`.

The CLI is logged into a bucket on moto's S3-compatible server on loopback (started and stopped here);
a Python project's two stacks are deployed there against the emulator. The same checks as the file
backend's run on it: clean right after `up`, then drift once an alias moves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.demo import sample_seed_path
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..s3_server import s3_server
from .conftest import PulumiProject, team_env

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
PROGRAM = f"""\
import pulumi
from pulumi_sagemaker_image import ImageVersion

endpoint = pulumi.Config().require("endpointUrl")
ImageVersion("stable", image_name="{IMAGE}", alias="stable", endpoint_url=endpoint)
ImageVersion("two", image_name="{IMAGE}", version=2, endpoint_url=endpoint)
"""


def rows(result: subprocess.CompletedProcess[str]) -> dict[tuple[str, str], str]:
    return {(f"{r['project']}/{r['stack']}", r["name"]): r["status"] for r in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def runs(pulumi_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("drift-s3")
    with s3_server() as s3, SageMakerImageEmulator(sample_seed_path()) as emulator:
        s3.client().create_bucket(Bucket="team-state")
        url = s3.backend_url("team-state", "pulumi")
        env = team_env(pulumi_cli, root, url)
        project_dir = root / "s3fleet"
        project_dir.mkdir()
        (project_dir / "Pulumi.yaml").write_text(
            f"name: s3fleet\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n", encoding="utf-8"
        )
        (project_dir / "__main__.py").write_text(PROGRAM, encoding="utf-8")
        for stack in ("dev", "prod"):
            project = PulumiProject(pulumi_cli, project_dir, env)
            project.run("stack", "init", stack)
            project.config(**{"aws:region": emulator.region, "endpointUrl": emulator.endpoint_url})
            project.up()
        keys = [item["Key"] for item in s3.client().list_objects_v2(Bucket="team-state")["Contents"]]

        def drift(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [CLI, "drift", *args, "--output", "json"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )

        emulator.clear_requests()
        found: dict[str, Any] = {"keys": keys, "clean": drift("--backend", url)}
        found["clean_requests"] = emulator.request_count("DescribeImageVersion")
        found["clean_pulumi"] = drift("--pulumi")
        emulator.move_alias(IMAGE, "stable", 4)
        found["moved"] = drift("--backend", url)
        found["moved_pulumi"] = drift("--pulumi")
        found["prod_only"] = drift("--backend", url, "--stack", "s3fleet/prod")
        yield found


def test_the_cli_wrote_the_bucket_in_the_project_scoped_layout(runs: dict[str, Any]) -> None:
    assert "pulumi/.pulumi/meta.yaml" in runs["keys"]
    assert {"pulumi/.pulumi/stacks/s3fleet/dev.json", "pulumi/.pulumi/stacks/s3fleet/prod.json"} <= set(runs["keys"])


def test_s3_backend_clean_then_drift_through_both_routes(runs: dict[str, Any]) -> None:
    every = {(f"s3fleet/{stack}", name) for stack in ("dev", "prod") for name in ("stable", "two")}
    for key in ("clean", "clean_pulumi"):
        assert runs[key].returncode == 0, runs[key].stderr
        assert rows(runs[key]) == dict.fromkeys(every, "ok")
    assert runs["clean_requests"] == 2  # two questions across both stacks
    for key in ("moved", "moved_pulumi"):
        assert runs[key].returncode == 1, runs[key].stderr
        assert rows(runs[key]) == {key: "drift" if key[1] == "stable" else "ok" for key in every}
    assert set(rows(runs["prod_only"])) == {("s3fleet/prod", "stable"), ("s3fleet/prod", "two")}
