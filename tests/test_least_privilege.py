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

from pulumi_sagemaker_image import ImageVersionProvider, get_image_version, semantics
from pulumi_sagemaker_image.errors import AwsAccessDenied, InvalidImageVersionQuery
from pulumi_sagemaker_image.lookup import LookupWarning, set_warning_handler
from pulumi_sagemaker_image.prefetch import prefetched_lookup, reuse
from pulumi_sagemaker_image.state import ResourceInputs
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


# -- the ImageVersion resource (its provider) and the invoke: the engine-neutral rules ---------------


def provider_inputs(emulator: SageMakerImageEmulator, **inputs: Any) -> dict[str, Any]:
    """Inputs as the provider host hands them over (camelCase, the pickled provider alongside)."""
    return {"imageName": IMAGE, "alias": "stable", "endpointUrl": emulator.endpoint_url, "__provider": "x", **inputs}


def test_the_resource_with_list_aliases_denied_resolves_and_is_not_drift(emulator: SageMakerImageEmulator) -> None:
    provider = ImageVersionProvider()
    before = provider.check({}, provider_inputs(emulator))
    assert before.failures == []
    assert "stable" in before.inputs["aliases"]

    seen: list[str] = []
    set_warning_handler(seen.append)
    deny_list_aliases(emulator)
    after = provider.check(before.inputs, provider_inputs(emulator))
    assert after.failures == []  # preview and up go on
    assert after.inputs["aliases"] == []
    assert after.inputs["containerImage"] == before.inputs["containerImage"]
    assert provider.diff("demo-pytorch@stable", before.inputs, after.inputs).changes is False  # not drift
    (text,) = seen
    assert "sagemaker:ListAliases" in text


def test_the_resource_with_list_aliases_false_makes_one_request(emulator: SageMakerImageEmulator) -> None:
    provider = ImageVersionProvider()
    emulator.clear_requests()
    result = provider.check({}, provider_inputs(emulator, listAliases=False))
    assert result.failures == []
    assert emulator.requests == ["DescribeImageVersion"]
    assert result.inputs["aliases"] == []
    assert result.inputs["listAliases"] is False
    # Turning the call on or off is not drift: it decides only whether `aliases` is filled in.
    on = provider.check(result.inputs, provider_inputs(emulator))
    assert provider.diff("demo-pytorch@stable", result.inputs, on.inputs).changes is False


def test_list_aliases_is_checked_like_any_input(emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    result = ImageVersionProvider().check({}, provider_inputs(emulator, listAliases="no"))
    assert [(failure.property, failure.reason) for failure in result.failures] == [
        ("listAliases", "list_aliases 'no' must be true or false")
    ]
    assert emulator.requests == []


def test_the_invoke_with_list_aliases_false_makes_one_request(emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    outcome = semantics.invoke(
        {"imageName": IMAGE, "alias": "stable", "endpointUrl": emulator.endpoint_url, "listAliases": False}
    )
    assert outcome.failures == ()
    assert outcome.properties["aliases"] == []
    assert emulator.requests == ["DescribeImageVersion"]


def test_a_program_lookup_reuses_only_an_answer_to_the_same_list_aliases(emulator: SageMakerImageEmulator) -> None:
    listed = ResourceInputs.from_properties(provider_inputs(emulator))
    skipped = ResourceInputs.from_properties(provider_inputs(emulator, listAliases=False))
    answer = prefetched_lookup(skipped)
    assert reuse(skipped, answer) is not None
    assert reuse(listed, answer) is None  # its aliases were never asked for
