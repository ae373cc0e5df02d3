"""The real `pulumi-sagemaker-image` command, run as a user runs it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator, sample_seed_path

from .conftest import REPO_ROOT

CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
IMAGE = "demo-pytorch"


def run(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, input=stdin, timeout=timeout, env=dict(os.environ), check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pulumi-sagemaker-image: error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "params"),
    [((), {}), (("--version", "2"), {"Version": 2}), (("--alias", "stable"), {"Alias": "stable"})],
    ids=["latest", "version", "alias"],
)
def test_describe_json_matches_boto3(
    emulator: SageMakerImageEmulator, args: tuple[str, ...], params: dict[str, Any]
) -> None:
    result = run("describe", IMAGE, *args, "--endpoint-url", emulator.endpoint_url, "--output", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    raw = emulator.client().describe_image_version(ImageName=IMAGE, **params)
    assert data["containerImage"] == raw["ContainerImage"]
    assert data["imageVersionArn"] == raw["ImageVersionArn"]
    assert data["version"] == raw["Version"]
    assert data["mlFramework"] == raw.get("MLFramework")
    assert data["creationTime"].endswith("Z")
    assert set(data) >= {"imageName", "alias", "aliases", "baseImage", "vendorGuidance", "horovod"}


def test_describe_table_is_readable(emulator: SageMakerImageEmulator) -> None:
    result = run("describe", IMAGE, "--alias", "stable", "--endpoint-url", emulator.endpoint_url)
    assert result.returncode == 0, result.stderr
    rows = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert rows["version"] == "3"
    assert rows["alias"] == "stable"
    assert rows["containerImage"].startswith("123456789012.dkr.ecr.us-east-1.amazonaws.com/")


def test_the_endpoint_can_come_from_the_environment(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", emulator.endpoint_url)
    result = run("describe", IMAGE, "--version", "1", "--output", "json")
    assert json.loads(result.stdout)["version"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bad name!",), "image_name 'bad name!' is not allowed"),
        (("img", "--alias=-x"), "alias '-x' is not allowed"),
        (("img", "--endpoint-url", "localhost:1"), "endpoint_url 'localhost:1' must be an http:// or https:// URL"),
        (("img", "--region", "mars"), "region 'mars' is not an AWS region name"),
    ],
)
def test_invalid_input_exits_2_with_one_line_and_no_request(
    emulator: SageMakerImageEmulator, args: tuple[str, ...], message: str
) -> None:
    emulator.clear_requests()
    endpoint = [] if "--endpoint-url" in args else ["--endpoint-url", emulator.endpoint_url]
    line = assert_one_line_error(run("describe", *args, *endpoint), 2)
    assert message in line
    assert emulator.requests == []


@pytest.mark.parametrize(
    "args", [("img", "--version", "-1"), ("img", "--version", "2.0"), ("img", "--version", "3", "--alias", "x")]
)
def test_argument_errors_exit_2(args: tuple[str, ...]) -> None:
    result = run("describe", *args)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("pulumi-sagemaker-image describe: error: ")
    assert "see `pulumi-sagemaker-image describe --help`" in line


def test_lookup_failures_exit_1_with_what_exists(emulator: SageMakerImageEmulator) -> None:
    line = assert_one_line_error(run("describe", IMAGE, "--alias", "prod", "--endpoint-url", emulator.endpoint_url), 1)
    assert "has no alias 'prod'" in line
    assert "stable" in line


def test_unreachable_endpoint_fails_fast_and_clearly() -> None:
    line = assert_one_line_error(
        run("describe", IMAGE, "--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1"), 1
    )
    assert "could not reach SageMaker at http://127.0.0.1:9" in line


def test_missing_credentials_say_what_to_do(emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    line = assert_one_line_error(run("describe", IMAGE, "--endpoint-url", emulator.endpoint_url), 1)
    assert "no AWS credentials found" in line
    assert "AWS_PROFILE" in line


def test_python_dash_m_is_the_same_command(emulator: SageMakerImageEmulator) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pulumi_sagemaker_image",
            "describe",
            IMAGE,
            "--version",
            "2",
            "--endpoint-url",
            emulator.endpoint_url,
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert json.loads(result.stdout)["version"] == 2


def test_describe_does_not_import_pulumi(emulator: SageMakerImageEmulator) -> None:
    code = (
        "import sys; from pulumi_sagemaker_image.cli import main;"
        f"main(['describe', '{IMAGE}', '--endpoint-url', '{emulator.endpoint_url}']);"
        "print('pulumi' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.strip().splitlines()[-1] == "False"


@contextlib.contextmanager
def emulator_command(*args: str) -> Iterator[tuple[str, list[str]]]:
    """`pulumi-sagemaker-image emulator ARGS`: its endpoint and start-up banner, then Ctrl+C."""
    process = subprocess.Popen([CLI, "emulator", *args], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline()]
        while banner[-1] and not banner[-1].startswith("Press Ctrl+C"):
            banner.append(process.stdout.readline())
        yield banner[0].split(" on ")[1].split()[0], [line.rstrip() for line in banner]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) in (0, 130, -signal.SIGINT)


def test_emulator_command_serves_a_seed_until_interrupted(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"Images": [{"ImageName": "seeded", "Versions": [{"BaseImage": "repo:1"}]}]}))
    with emulator_command("--seed", str(seed)) as (endpoint, banner):
        client = boto3.client("sagemaker", endpoint_url=endpoint, region_name="us-east-1")
        assert client.describe_image_version(ImageName="seeded")["Version"] == 1
        with pytest.raises(client.exceptions.ResourceNotFound):  # the seed replaces the sample images
            client.describe_image_version(ImageName=IMAGE)
    assert banner[1:3] == [f"Serving the images of {seed}:", "  seeded  version 1"]


def test_emulator_command_serves_the_sample_images_by_default_and_says_which() -> None:
    with emulator_command() as (endpoint, banner):
        client = boto3.client("sagemaker", endpoint_url=endpoint, region_name="us-east-1")
        assert client.describe_image_version(ImageName=IMAGE, Alias="stable")["Version"] == 3
    assert banner[1:4] == [
        "Serving the sample images (--seed FILE for yours, --empty for none):",
        "  demo-pytorch  versions 1-4  aliases legacy -> 1, stable -> 3, canary -> 4",
        "  demo-sklearn  versions 1-2",
    ]
    assert f"export AWS_ENDPOINT_URL_SAGEMAKER={endpoint}" in banner[4]


def test_emulator_command_empty_serves_nothing() -> None:
    with emulator_command("--empty") as (endpoint, banner):
        client = boto3.client("sagemaker", endpoint_url=endpoint, region_name="us-east-1")
        with pytest.raises(client.exceptions.ResourceNotFound):
            client.describe_image_version(ImageName=IMAGE)
    assert banner[1] == "Serving no images (create them through the API)."


def test_the_testing_emulator_starts_empty_unless_given_the_sample_seed() -> None:
    with SageMakerImageEmulator() as empty, SageMakerImageEmulator(sample_seed_path()) as sample:
        assert empty.store.image_names() == []
        assert sample.store.image_names() == ["demo-pytorch", "demo-sklearn"]


def test_emulator_command_on_a_busy_port_says_so_in_one_line(emulator: SageMakerImageEmulator) -> None:
    port = emulator.endpoint_url.rsplit(":", 1)[1]
    line = assert_one_line_error(run("emulator", "--port", port), 1)
    assert f"cannot listen on 127.0.0.1:{port}" in line
    assert "pick another --port" in line


def test_emulator_command_with_a_bad_seed_exits_2(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"Images": [{"ImageName": "bad name!", "Versions": []}]}))
    line = assert_one_line_error(run("emulator", "--seed", str(seed)), 2)
    assert str(seed) in line


def test_demo_with_a_pulumi_that_is_not_there_says_so(tmp_path: Path) -> None:
    line = assert_one_line_error(run("demo", "--pulumi", str(tmp_path / "pulumi")), 1)
    assert f"--pulumi {tmp_path / 'pulumi'}: not an executable file" in line


def test_demo_without_pulumi_or_a_checkout_shows_the_library_and_how_to_get_the_real_one(tmp_path: Path) -> None:
    # The package as a user installs it (no tools/, no examples/ around it), and no pulumi on PATH.
    shutil.copytree(REPO_ROOT / "provider" / "pulumi_sagemaker_image", tmp_path / "pulumi_sagemaker_image")
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_sagemaker_image", "demo"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Moving alias 'stable' from version 3 to version 4" in result.stdout
    assert "This showed the library alone, without Pulumi." in result.stdout
    assert "run `make demo` there" in result.stdout


def test_library_demo_shows_the_alias_move() -> None:
    result = run("demo", "--library", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Moving alias 'stable' from version 3 to version 4" in result.stdout
    assert "~ version:        3 => 4" in result.stdout


def test_makefile_demo_target_runs_the_demo_command() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "pulumi-sagemaker-image demo" in makefile


def test_a_yaml_seed_without_pyyaml_names_the_extra_to_install(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("Images: []\n")
    # As in an environment without PyYAML: the import fails.
    code = (
        "import sys; sys.modules['yaml'] = None; from pulumi_sagemaker_image.cli import run;"
        f"sys.argv = ['pulumi-sagemaker-image', 'emulator', '--seed', {str(seed)!r}]; run()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    line = assert_one_line_error(result, 2)
    assert "pip install 'pulumi-sagemaker-image[testing]'" in line
    assert str(seed) in line
