"""`drift --backend s3://...`: Pulumi's layout in a bucket on an S3-compatible server on loopback.

The same checkpoints as tests/test_drift_stacks.py (both encodings, project-scoped), uploaded under a
prefix; URL parameters as Pulumi accepts them; a missing bucket, an unreachable endpoint and an object
that cannot be read. tests/e2e/test_drift_s3_e2e.py has the real Pulumi CLI write the bucket.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_sagemaker_image.backends import S3Location
from pulumi_sagemaker_image.cli import main
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .s3_server import S3Server, s3_server
from .test_drift_stacks import IMAGE, Backend

BUCKET = "team-state"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


def drift(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["drift", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def upload(s3: S3Server, backend: Backend, bucket: str, prefix: str) -> None:
    client = s3.client()
    client.create_bucket(Bucket=bucket)
    for path in sorted(backend.root.rglob("*")):
        if path.is_file():
            key = "/".join(part for part in (prefix, path.relative_to(backend.root).as_posix()) if part)
            client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


def test_a_bucket_backend_is_read_like_a_folder(s3: S3Server, emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    backend = Backend(tmp_path / "backend", emulator)
    for stack in ("dev", "prod"):
        backend.stack(
            "web",
            stack,
            backend.resource("web", stack, "stable", alias="stable"),
            backend.resource("web", stack, "two", version=2),
            compressed=stack == "prod",
        )
    upload(s3, backend, BUCKET, "pulumi/state")
    emulator.clear_requests()
    url = s3.backend_url(BUCKET, "pulumi/state")

    code, out, err = drift("--backend", url, "--output", "json")
    assert (code, err) == (0, "")
    rows = {(f"{row['project']}/{row['stack']}", row["name"]): row["status"] for row in json.loads(out)}
    assert rows == {(f"web/{stack}", name): "ok" for stack in ("dev", "prod") for name in ("stable", "two")}
    assert emulator.request_count("DescribeImageVersion") == 2

    emulator.move_alias(IMAGE, "stable", 4)
    code, out, _ = drift("--backend", url, "--stack", "web/prod")
    assert code == 1
    assert [line.split()[:4] for line in out.splitlines()[1:]] == [
        ["web/prod", "stable", f"{IMAGE}@stable", "DRIFT"],
        ["web/prod", "two", f"{IMAGE}:2", "OK"],
    ]


def test_an_unreadable_object_is_one_stack_not_checked(
    s3: S3Server, emulator: SageMakerImageEmulator, tmp_path: Path
) -> None:
    backend = Backend(tmp_path / "backend", emulator)
    backend.stack("api", "dev", backend.resource("api", "dev", "stable", alias="stable"))
    backend.path("api", "bad").write_bytes(b"\x00not json")
    upload(s3, backend, "with-a-bad-stack", "")
    code, out, _ = drift("--backend", s3.backend_url("with-a-bad-stack"), "--output", "json")
    assert code == 3
    statuses = {row["stack"]: (row["status"], row["reason"]) for row in json.loads(out)}
    assert statuses["dev"] == ("ok", None)
    assert statuses["bad"][0] == "not-checked"
    assert statuses["bad"][1].startswith("s3://with-a-bad-stack/.pulumi/stacks/api/bad.json is not JSON")


def test_a_missing_bucket_or_an_empty_one_is_bad_usage(s3: S3Server) -> None:
    code, _, err = drift("--backend", s3.backend_url("no-such-bucket"))
    assert code == 2
    assert "bucket 'no-such-bucket' does not exist; check the URL" in err
    s3.client().create_bucket(Bucket="empty")
    code, _, err = drift("--backend", s3.backend_url("empty"))
    assert code == 2
    assert "has no stacks" in err


def test_an_unreachable_endpoint_is_not_checked_and_says_where() -> None:
    url = "s3://b?region=us-east-1&endpoint=127.0.0.1:9&disableSSL=true&s3ForcePathStyle=true"
    code, out, err = drift("--backend", url)
    assert (code, out) == (3, "")
    assert "cannot reach it" in err
    assert "check ?endpoint= and ?region=" in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://b", S3Location("b", "")),
        (
            "s3://b/a/b/?region=eu-west-1&profile=ci&endpoint=minio:9000&disableSSL=true&s3ForcePathStyle=true",
            S3Location("b", "a/b", "eu-west-1", "http://minio:9000", "ci", path_style=True),
        ),
        (
            "s3://b?endpoint=https://s3.example:443&use_path_style=true",
            S3Location("b", "", endpoint_url="https://s3.example:443", path_style=True),
        ),
        ("s3://b?endpoint=minio:9000", S3Location("b", "", endpoint_url="https://minio:9000")),
    ],
)
def test_url_parameters_are_read_as_pulumi_reads_them(url: str, expected: S3Location) -> None:
    assert S3Location.parse(url) == expected
