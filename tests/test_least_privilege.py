"""An identity with only sagemaker:DescribeImageVersion can use every route of the lookup.

A denied ListAliases (the emulator's IAM-worded AccessDeniedException) leaves ``aliases`` empty and
warns once per process naming the permission; ``list_aliases=False`` / ``--no-aliases`` skips the call.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image import get_image_version
from pulumi_sagemaker_image.errors import AwsAccessDenied, InvalidImageVersionQuery
from pulumi_sagemaker_image.lookup import LookupWarning, set_warning_handler
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
IMAGE = "demo-pytorch"


def describe(emulator: SageMakerImageEmulator, **params: Any) -> dict[str, Any]:
    return dict(emulator.client().describe_image_version(ImageName=IMAGE, **params))


def deny_list_aliases(emulator: SageMakerImageEmulator, times: int = 10) -> None:
    emulator.inject("ListAliases", *[Fault.access_denied()] * times)


def test_a_denied_list_aliases_resolves_everything_else_and_warns_once(emulator: SageMakerImageEmulator) -> None:
    seen: list[str] = []
    set_warning_handler(seen.append)
    deny_list_aliases(emulator)
    emulator.clear_requests()
    first = get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)
    second = get_image_version(IMAGE, version=2, endpoint_url=emulator.endpoint_url)
    assert emulator.requests == ["DescribeImageVersion", "ListAliases", "DescribeImageVersion", "ListAliases"]
    assert first.container_image == describe(emulator, Alias="stable")["ContainerImage"]
    assert (first.version, second.version) == (3, 2)
    assert first.aliases == second.aliases == ()
    (text,) = seen  # once per process, however many lookups are denied
    assert "sagemaker:ListAliases" in text
    assert "arn:aws:sagemaker:us-east-1:123456789012:image-version/demo-pytorch/3" in text
    assert "list_aliases=False" in text


def test_without_a_handler_the_warning_is_a_python_warning(emulator: SageMakerImageEmulator) -> None:
    deny_list_aliases(emulator)
    with pytest.warns(LookupWarning, match="sagemaker:ListAliases"):
        get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)


def test_list_aliases_false_makes_one_request_and_no_warning(emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url, list_aliases=False)
    assert info.version == 3
    assert info.aliases == ()
    assert emulator.requests == ["DescribeImageVersion"]


def test_a_denied_describe_still_fails_and_says_what_to_grant(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("DescribeImageVersion", Fault.access_denied())
    with pytest.raises(AwsAccessDenied) as caught:
        get_image_version(IMAGE, version=3, endpoint_url=emulator.endpoint_url, list_aliases=False)
    assert caught.value.action == "sagemaker:DescribeImageVersion"


def test_other_list_aliases_errors_still_fail(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("ListAliases", Fault.error(400, "ValidationException", "something else is wrong"))
    with pytest.raises(Exception, match="ValidationException"):
        get_image_version(IMAGE, version=3, endpoint_url=emulator.endpoint_url)


def test_list_aliases_must_be_a_bool() -> None:
    with pytest.raises(InvalidImageVersionQuery, match="list_aliases"):
        get_image_version(IMAGE, list_aliases="no")  # type: ignore[arg-type]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60, check=False)


def test_cli_no_aliases_makes_one_request(emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    result = run("describe", IMAGE, "--alias", "stable", "--no-aliases", "--endpoint-url", emulator.endpoint_url)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert emulator.requests == ["DescribeImageVersion"]
    assert (
        json.loads(
            run("describe", IMAGE, "--no-aliases", "--output", "json", "--endpoint-url", emulator.endpoint_url).stdout
        )["aliases"]
        == []
    )


def test_cli_with_list_aliases_denied_prints_the_result_and_one_warning_line(
    emulator: SageMakerImageEmulator,
) -> None:
    deny_list_aliases(emulator)
    result = run("describe", IMAGE, "--alias", "stable", "--output", "json", "--endpoint-url", emulator.endpoint_url)
    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    assert described["containerImage"] == describe(emulator, Alias="stable")["ContainerImage"]
    assert described["aliases"] == []
    (line,) = result.stderr.splitlines()
    assert line.startswith("pulumi-sagemaker-image: warning: ")
    assert "sagemaker:ListAliases" in line
    assert "--no-aliases" in line
