"""Outputs the SDKs type as always present are present, or the lookup fails saying which are missing.

The schema marks every output a CREATED version has as required, so TypeScript gets
``Output<string>`` for ``containerImage`` and Go ``pulumi.StringOutput``. A version that lacks one (a
version still CREATING may have no container image yet) is refused, by the resource and by
``getImageVersion`` alike, rather than handed to a program as ``undefined`` behind a ``string`` type.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from pulumi_sagemaker_image import ImageVersionInfo
from pulumi_sagemaker_image.errors import ImageVersionNotUsable
from pulumi_sagemaker_image.guardrails import check_complete, check_usable
from pulumi_sagemaker_image.schema import FUNCTION_TOKEN, RESOURCE_TOKEN, build_schema
from pulumi_sagemaker_image.semantics import invoke
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

IMAGE = "demo-pytorch"
ALWAYS_PRESENT = {
    "imageName",
    "imageArn",
    "imageVersionArn",
    "version",
    "baseImage",
    "containerImage",
    "creationTime",
    "lastModifiedTime",
    "imageVersionStatus",
    "aliases",
}
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def response(**overrides: Any) -> dict[str, Any]:
    """A DescribeImageVersion response as boto3 returns it for a CREATED version."""
    full: dict[str, Any] = {
        "BaseImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/base:1",
        "ContainerImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/smi/demo-pytorch:3",
        "CreationTime": NOW,
        "ImageArn": f"arn:aws:sagemaker:us-east-1:123456789012:image/{IMAGE}",
        "ImageVersionArn": f"arn:aws:sagemaker:us-east-1:123456789012:image-version/{IMAGE}/3",
        "ImageVersionStatus": "CREATED",
        "LastModifiedTime": NOW,
        "Version": 3,
    }
    full.update(overrides)
    return {key: value for key, value in full.items() if value is not None}


def info(**overrides: Any) -> ImageVersionInfo:
    return ImageVersionInfo.from_api(response(**overrides), image_name=IMAGE, alias="stable", aliases=("stable",))


def test_the_schema_requires_what_every_usable_version_has() -> None:
    schema = build_schema()
    resource = schema["resources"][RESOURCE_TOKEN]
    function = schema["functions"][FUNCTION_TOKEN]["outputs"]
    assert set(function["required"]) == {*ALWAYS_PRESENT, "query"}
    assert set(resource["required"]) >= ALWAYS_PRESENT
    # What SageMaker leaves out for some versions stays optional: the types say "maybe".
    for optional in ("failureReason", "vendorGuidance", "jobType", "mlFramework", "releaseNotes", "alias"):
        assert optional not in function["required"]
        assert optional not in resource["required"]


def test_a_created_version_has_everything_the_types_promise() -> None:
    complete = info()
    assert complete.missing_outputs() == ()
    check_complete(complete)
    assert check_usable(complete) == []


def test_a_version_without_a_container_image_is_refused_naming_what_is_missing() -> None:
    creating = info(ImageVersionStatus="CREATING", ContainerImage=None, LastModifiedTime=None)
    assert creating.missing_outputs() == ("containerImage", "lastModifiedTime")
    with pytest.raises(ImageVersionNotUsable) as raised:
        check_complete(creating)
    assert str(raised.value) == (
        f"image {IMAGE!r} version 3 (alias 'stable') has status CREATING and no containerImage, lastModifiedTime "
        "yet; getImageVersion and ImageVersion return only versions that have every output their types promise. "
        "Wait until it is CREATED, or pick another version or alias (`pulumi-sagemaker-image describe` shows the "
        "version as it is)"
    )


def test_a_created_version_missing_an_output_fails_the_resource_too() -> None:
    # Status alone does not make a version complete: the resource checks both.
    with pytest.raises(ImageVersionNotUsable, match="has status CREATED and no baseImage yet"):
        check_usable(info(BaseImage=None))


def test_the_function_still_reports_any_status_of_a_complete_version(emulator: SageMakerImageEmulator) -> None:
    emulator.set_version_fields(IMAGE, 2, ImageVersionStatus="CREATE_FAILED", FailureReason="image pull failed")
    outcome = invoke({"imageName": IMAGE, "version": 2, "endpointUrl": emulator.endpoint_url})
    assert outcome.failures == ()
    assert (outcome.properties["imageVersionStatus"], outcome.properties["failureReason"]) == (
        "CREATE_FAILED",
        "image pull failed",
    )
    assert all(outcome.properties[key] is not None for key in ALWAYS_PRESENT)
