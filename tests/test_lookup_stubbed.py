"""The lookup's requests and its reading of responses, checked by botocore's Stubber.

Stubber validates every expected request and every canned response against the sagemaker service
model, so these tests pin the exact calls the lookup makes and how it names failures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.stub import Stubber

from pulumi_sagemaker_image import (
    AwsAccessDenied,
    AwsCredentialsError,
    AwsServiceError,
    ImageNotFound,
    ImageVersionNotFound,
    get_image_version,
)
from pulumi_sagemaker_image.lookup import AwsSettings, sagemaker_client

ENDPOINT = "http://127.0.0.1:9"  # never contacted: Stubber answers before any connection
IMAGE = "my-image"
ARN = f"arn:aws:sagemaker:us-east-1:123456789012:image/{IMAGE}"
CREATED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def describe_response(version: int, **extra: Any) -> dict[str, Any]:
    return {
        "BaseImage": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{IMAGE}:v{version}",
        "ContainerImage": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{IMAGE}@sha256:{version:064x}",
        "CreationTime": CREATED,
        "ImageArn": ARN,
        "ImageVersionArn": f"arn:aws:sagemaker:us-east-1:123456789012:image-version/{IMAGE}/{version}",
        "ImageVersionStatus": "CREATED",
        "LastModifiedTime": CREATED,
        "Version": version,
        **extra,
    }


@pytest.fixture
def stub() -> Iterator[Stubber]:
    # The lookup reuses the cached client for these settings, so stubbing it intercepts the lookup.
    client = sagemaker_client(AwsSettings(endpoint_url=ENDPOINT))
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_alias_lookup_makes_one_describe_and_one_list_aliases(stub: Stubber) -> None:
    response = describe_response(
        3,
        VendorGuidance="STABLE",
        JobType="TRAINING",
        MLFramework="PyTorch 2.1",
        ProgrammingLang="Python 3.10",
        Processor="GPU",
        Horovod=False,
        ReleaseNotes="notes",
    )
    stub.add_response("describe_image_version", response, {"ImageName": IMAGE, "Alias": "prod"})
    stub.add_response(
        "list_aliases",
        {"SageMakerImageVersionAliases": ["prod", "canary"]},
        {"ImageName": IMAGE, "Version": 3, "MaxResults": 100},
    )

    info = get_image_version(IMAGE, alias="prod", endpoint_url=ENDPOINT)

    assert info.version == 3
    assert info.alias == "prod"
    assert info.aliases == ("canary", "prod")
    assert info.container_image == response["ContainerImage"]
    assert info.ml_framework == "PyTorch 2.1"
    assert info.horovod is False
    assert info.creation_time == CREATED
    data = info.to_json_dict()
    assert data["mlFramework"] == "PyTorch 2.1"
    assert data["creationTime"] == "2026-01-02T03:04:05.678000Z"
    assert data["aliases"] == ["canary", "prod"]


def test_version_lookup_sends_the_version_and_latest_sends_neither(stub: Stubber) -> None:
    stub.add_response("describe_image_version", describe_response(2), {"ImageName": IMAGE, "Version": 2})
    stub.add_response(
        "list_aliases",
        {"SageMakerImageVersionAliases": []},
        {"ImageName": IMAGE, "Version": 2, "MaxResults": 100},
    )
    stub.add_response("describe_image_version", describe_response(5), {"ImageName": IMAGE})
    stub.add_response(
        "list_aliases",
        {"SageMakerImageVersionAliases": []},
        {"ImageName": IMAGE, "Version": 5, "MaxResults": 100},
    )

    assert get_image_version(IMAGE, version=2, endpoint_url=ENDPOINT).version == 2
    latest = get_image_version(IMAGE, endpoint_url=ENDPOINT)
    assert latest.version == 5
    assert latest.aliases == ()
    assert latest.alias is None


def test_aliases_are_collected_across_pages(stub: Stubber) -> None:
    stub.add_response("describe_image_version", describe_response(1), {"ImageName": IMAGE, "Version": 1})
    stub.add_response(
        "list_aliases",
        {"SageMakerImageVersionAliases": ["a"], "NextToken": "t1"},
        {"ImageName": IMAGE, "Version": 1, "MaxResults": 100},
    )
    stub.add_response(
        "list_aliases",
        {"SageMakerImageVersionAliases": ["b"]},
        {"ImageName": IMAGE, "Version": 1, "MaxResults": 100, "NextToken": "t1"},
    )
    assert get_image_version(IMAGE, version=1, endpoint_url=ENDPOINT).aliases == ("a", "b")


def test_missing_alias_lists_the_aliases_that_exist(stub: Stubber) -> None:
    stub.add_client_error("describe_image_version", "ResourceNotFound", "Alias prod does not exist.")
    stub.add_response(
        "list_aliases",
        {"SageMakerImageVersionAliases": ["stable", "canary"]},
        {"ImageName": IMAGE, "MaxResults": 100},
    )
    with pytest.raises(ImageVersionNotFound) as caught:
        get_image_version(IMAGE, alias="prod", endpoint_url=ENDPOINT)
    assert not isinstance(caught.value, ImageNotFound)
    assert "image 'my-image' has no alias 'prod'" in str(caught.value)
    assert "(aliases: canary, stable)" in str(caught.value)
    assert isinstance(caught.value, LookupError)


def test_missing_version_lists_the_versions_that_exist(stub: Stubber) -> None:
    stub.add_client_error("describe_image_version", "ResourceNotFound", "not found")
    stub.add_response(
        "list_image_versions",
        {
            "ImageVersions": [
                {
                    k: describe_response(v)[k]
                    for k in (
                        "CreationTime",
                        "ImageArn",
                        "ImageVersionArn",
                        "ImageVersionStatus",
                        "LastModifiedTime",
                        "Version",
                    )
                }
                for v in (1, 2)
            ]
        },
        {"ImageName": IMAGE, "SortBy": "VERSION", "SortOrder": "ASCENDING", "MaxResults": 100},
    )
    with pytest.raises(ImageVersionNotFound, match=r"has no version 7 in us-east-1 \(versions: 1, 2\)"):
        get_image_version(IMAGE, version=7, endpoint_url=ENDPOINT)


def test_missing_image_is_told_apart_from_a_missing_version(stub: Stubber) -> None:
    stub.add_client_error("describe_image_version", "ResourceNotFound", "not found")
    stub.add_client_error("list_image_versions", "ResourceNotFound", "Image my-image does not exist.")
    with pytest.raises(ImageNotFound, match="image 'my-image' does not exist in us-east-1"):
        get_image_version(IMAGE, endpoint_url=ENDPOINT)


def test_access_denied_names_the_iam_action_and_resource(stub: Stubber) -> None:
    resource = f"arn:aws:sagemaker:us-east-1:123456789012:image-version/{IMAGE}/3"
    stub.add_client_error(
        "describe_image_version",
        "AccessDeniedException",
        f"User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: "
        f"sagemaker:DescribeImageVersion on resource: {resource} because no identity-based policy allows it",
        http_status_code=400,
    )
    with pytest.raises(AwsAccessDenied) as caught:
        get_image_version(IMAGE, version=3, endpoint_url=ENDPOINT)
    assert caught.value.action == "sagemaker:DescribeImageVersion"
    assert caught.value.resource_arn == resource
    assert "sagemaker:ListAliases" in str(caught.value)


def test_expired_token_says_to_refresh_credentials(stub: Stubber) -> None:
    stub.add_client_error(
        "describe_image_version",
        "ExpiredTokenException",
        "The security token included in the request is expired",
    )
    with pytest.raises(AwsCredentialsError, match=r"ExpiredTokenException.*Refresh them"):
        get_image_version(IMAGE, endpoint_url=ENDPOINT)


def test_other_aws_errors_keep_their_code(stub: Stubber) -> None:
    stub.add_client_error("describe_image_version", "ResourceLimitExceeded", "too many", http_status_code=400)
    with pytest.raises(AwsServiceError) as caught:
        get_image_version(IMAGE, alias="x", endpoint_url=ENDPOINT)
    assert caught.value.code == "ResourceLimitExceeded"
    assert "image 'my-image' (alias 'x') in us-east-1" in str(caught.value)
