"""The SageMaker image emulator, exercised the way users exercise it: real boto3 clients over HTTP.

Every later test stands on the emulator, so these pin down the API behaviour it reproduces:
operations, AWS's error codes and messages, pagination, validation against botocore's model,
seeds, the request log, concurrency and the STS endpoint.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, EndpointConnectionError

from pulumi_sagemaker_image.testing import (
    ApiError,
    ResponseShapeError,
    SageMakerImageEmulator,
    SeedError,
    container_image_for,
    load_seed,
)
from pulumi_sagemaker_image.testing.wire import operation_model, shape_response

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

SAMPLE_SEED = Path(__file__).resolve().parent.parent / "provider/pulumi_sagemaker_image/testing/sample_seed.json"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
IMAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:image/demo-pytorch"
# The patterns AWS quotes are the service model's, which botocore ships; older models anchor them (^...$).
_MODEL = botocore.session.get_session().get_service_model("sagemaker")
NAME_PATTERN = _MODEL.shape_for("ImageName").metadata["pattern"]
ALIAS_PATTERN = _MODEL.shape_for("SageMakerImageVersionAlias").metadata["pattern"]
FRAMEWORK_PATTERN = _MODEL.shape_for("MLFramework").metadata["pattern"]
# No retries: error tests must see the first answer, fast.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def seeded() -> Iterator[SageMakerImageEmulator]:
    with SageMakerImageEmulator(SAMPLE_SEED) as emulator:
        yield emulator


@pytest.fixture
def sm(seeded: SageMakerImageEmulator) -> SageMakerClient:
    return seeded.client(config=NO_RETRIES)


@pytest.fixture
def blank() -> Iterator[SageMakerImageEmulator]:
    with SageMakerImageEmulator() as emulator:
        yield emulator


def token() -> str:
    return str(uuid.uuid4())


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def signed_post(
    emulator: SageMakerImageEmulator, body: bytes, headers: dict[str, str], *, sign: bool = True
) -> tuple[int, dict[str, str], bytes]:
    """A raw HTTP request, SigV4-signed like any SDK's, for what boto3 refuses to send."""
    request = AWSRequest(method="POST", url=emulator.endpoint_url + "/", data=body, headers=headers)
    if sign:
        SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "sagemaker", emulator.region).add_auth(request)
    raw = urllib.request.Request(
        emulator.endpoint_url + "/", data=body, headers=dict(request.headers.items()), method="POST"
    )
    try:
        with urllib.request.urlopen(raw, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def sagemaker_post(
    emulator: SageMakerImageEmulator, operation: str, body: bytes, *, sign: bool = True
) -> tuple[int, dict[str, str], Any]:
    headers = {"X-Amz-Target": f"SageMaker.{operation}", "Content-Type": "application/x-amz-json-1.1"}
    status, response_headers, payload = signed_post(emulator, body, headers, sign=sign)
    return status, response_headers, json.loads(payload)


# -- reading the sample images ----------------------------------------------------------------------


def test_sample_seed_resolves_aliases_versions_and_latest(sm: SageMakerClient) -> None:
    stable = sm.describe_image_version(ImageName="demo-pytorch", Alias="stable")
    assert stable["Version"] == 3
    assert stable["BaseImage"] == f"{REGISTRY}/demo-pytorch:2.1-v3"
    assert stable["ContainerImage"] == container_image_for("demo-pytorch", 3, stable["BaseImage"])
    assert stable["ContainerImage"].startswith(f"{REGISTRY}/demo-pytorch@sha256:")
    assert len(stable["ContainerImage"].rsplit(":", 1)[1]) == 64
    assert stable["ImageArn"] == IMAGE_ARN
    assert stable["ImageVersionArn"] == "arn:aws:sagemaker:us-east-1:123456789012:image-version/demo-pytorch/3"
    assert stable["ImageVersionStatus"] == "CREATED"
    assert (stable["VendorGuidance"], stable["JobType"], stable["Processor"]) == ("STABLE", "TRAINING", "GPU")
    assert (stable["MLFramework"], stable["ProgrammingLang"], stable["Horovod"]) == (
        "PyTorch 2.1",
        "Python 3.10",
        False,
    )
    assert stable["CreationTime"].tzinfo is not None

    assert sm.describe_image_version(ImageName="demo-pytorch", Alias="canary")["Version"] == 4
    legacy = sm.describe_image_version(ImageName="demo-pytorch", Alias="legacy")
    assert (legacy["Version"], legacy["VendorGuidance"]) == (1, "TO_BE_ARCHIVED")
    assert sm.describe_image_version(ImageName="demo-pytorch")["Version"] == 4  # latest
    assert sm.describe_image_version(ImageName="demo-pytorch", Version=2)["BaseImage"].endswith(":2.0-v2")
    assert sm.describe_image_version(ImageName="demo-sklearn")["Version"] == 2


def test_responses_use_the_json_protocol_on_the_wire(seeded: SageMakerImageEmulator) -> None:
    status, headers, body = sagemaker_post(seeded, "DescribeImageVersion", b'{"ImageName":"demo-pytorch"}')
    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert len(headers["x-amzn-RequestId"]) == 36
    # Timestamps travel as epoch seconds with sub-second precision, as SageMaker sends them.
    assert isinstance(body["CreationTime"], float)
    assert abs(body["CreationTime"] - time.time()) < 60
    assert body["Version"] == 4


def test_create_describe_and_delete_image(blank: SageMakerImageEmulator) -> None:
    sm = blank.client(config=NO_RETRIES)
    role = "arn:aws:iam::123456789012:role/ImageRole"
    created = sm.create_image(ImageName="My-Image", RoleArn=role, DisplayName="Mine", Description="d")
    # SageMaker lowercases names in ARNs and treats names case-insensitively, preserving the case.
    assert created["ImageArn"] == "arn:aws:sagemaker:us-east-1:123456789012:image/my-image"
    described = sm.describe_image(ImageName="my-image")
    assert described["ImageName"] == "My-Image"
    assert (described["ImageStatus"], described["RoleArn"], described["DisplayName"]) == ("CREATED", role, "Mine")
    assert described["CreationTime"] == described["LastModifiedTime"]

    with pytest.raises(ClientError) as excinfo:
        sm.create_image(ImageName="MY-IMAGE", RoleArn=role)
    assert error_of(excinfo) == ("ResourceInUse", "Image MY-IMAGE already exists.")

    sm.create_image_version(ImageName="My-Image", ClientToken=token(), BaseImage=f"{REGISTRY}/mine:1")
    sm.delete_image(ImageName="My-Image")
    with pytest.raises(ClientError) as excinfo:
        sm.describe_image_version(ImageName="My-Image")
    assert error_of(excinfo) == ("ResourceNotFound", "Image My-Image does not exist.")
    with pytest.raises(ClientError) as excinfo:
        sm.delete_image(ImageName="My-Image")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_region_and_account_shape_arns() -> None:
    with SageMakerImageEmulator(region="eu-west-1", account_id="210987654321") as emulator:
        arn = emulator.create_image("eu-image", role_arn="arn:aws:iam::210987654321:role/R")
        assert arn == "arn:aws:sagemaker:eu-west-1:210987654321:image/eu-image"
        emulator.create_image_version("eu-image", "210987654321.dkr.ecr.eu-west-1.amazonaws.com/x:1")
        described = emulator.client().describe_image_version(ImageName="eu-image")
        assert described["ImageVersionArn"] == "arn:aws:sagemaker:eu-west-1:210987654321:image-version/eu-image/1"
        assert emulator.client().meta.region_name == "eu-west-1"


# -- versions -------------------------------------------------------------------------------------


def test_version_numbers_count_up_and_are_never_reused(sm: SageMakerClient) -> None:
    sm.delete_image_version(ImageName="demo-pytorch", Version=4)
    created = sm.create_image_version(
        ImageName="demo-pytorch", ClientToken=token(), BaseImage=f"{REGISTRY}/demo-pytorch:next"
    )
    assert created["ImageVersionArn"].endswith("/demo-pytorch/5")
    sm.delete_image_version(ImageName="demo-pytorch", Version=2)
    versions = [v["Version"] for v in sm.list_image_versions(ImageName="demo-pytorch")["ImageVersions"]]
    assert versions == [5, 3, 1]
    with pytest.raises(ClientError) as excinfo:
        sm.describe_image_version(ImageName="demo-pytorch", Version=2)
    assert error_of(excinfo) == ("ResourceNotFound", "Image version 2 of image demo-pytorch does not exist.")


def test_delete_by_alias_removes_the_version_and_its_aliases(sm: SageMakerClient) -> None:
    sm.delete_image_version(ImageName="demo-pytorch", Alias="canary")
    assert sm.describe_image_version(ImageName="demo-pytorch")["Version"] == 3
    assert sm.list_aliases(ImageName="demo-pytorch")["SageMakerImageVersionAliases"] == ["legacy", "stable"]
    with pytest.raises(ClientError) as excinfo:
        sm.delete_image_version(ImageName="demo-pytorch", Alias="canary")
    assert error_of(excinfo) == ("ResourceNotFound", "Alias canary does not exist for image demo-pytorch.")
    with pytest.raises(ClientError) as excinfo:
        sm.delete_image_version(ImageName="demo-pytorch")
    assert error_of(excinfo) == ("ValidationException", "Either Version or Alias must be specified.")


def test_client_token_makes_create_image_version_idempotent(sm: SageMakerClient) -> None:
    first = sm.create_image_version(ImageName="demo-sklearn", BaseImage=f"{REGISTRY}/x:1", ClientToken="retry-1")
    again = sm.create_image_version(ImageName="demo-sklearn", BaseImage=f"{REGISTRY}/x:1", ClientToken="retry-1")
    other = sm.create_image_version(ImageName="demo-sklearn", BaseImage=f"{REGISTRY}/x:1", ClientToken="retry-2")
    assert first["ImageVersionArn"] == again["ImageVersionArn"]
    assert first["ImageVersionArn"].endswith("/3")
    assert other["ImageVersionArn"].endswith("/4")
    # boto3 fills ClientToken in itself, so plain calls still create a version each.
    assert sm.create_image_version(ImageName="demo-sklearn", BaseImage="x")["ImageVersionArn"].endswith("/5")  # type: ignore[call-arg]


def test_an_alias_names_at_most_one_version(sm: SageMakerClient) -> None:
    message = "Alias stable is already associated with version 3 of image demo-pytorch."
    with pytest.raises(ClientError) as excinfo:
        sm.create_image_version(ImageName="demo-pytorch", BaseImage="x", ClientToken=token(), Aliases=["stable"])
    assert error_of(excinfo) == ("ValidationException", message)
    with pytest.raises(ClientError) as excinfo:
        sm.update_image_version(ImageName="demo-pytorch", Version=4, AliasesToAdd=["stable"])
    assert error_of(excinfo) == ("ValidationException", message)
    # Moving it takes two steps: delete from the holder, then add to the new version.
    sm.update_image_version(ImageName="demo-pytorch", Alias="stable", AliasesToDelete=["stable"])
    sm.update_image_version(ImageName="demo-pytorch", Version=4, AliasesToAdd=["stable"])
    assert sm.describe_image_version(ImageName="demo-pytorch", Alias="stable")["Version"] == 4
    assert sm.list_aliases(ImageName="demo-pytorch", Version=4)["SageMakerImageVersionAliases"] == ["canary", "stable"]


def test_update_image_version_changes_metadata_and_moves_last_modified(sm: SageMakerClient) -> None:
    before = sm.describe_image_version(ImageName="demo-pytorch", Version=2)
    updated = sm.update_image_version(
        ImageName="demo-pytorch", Version=2, VendorGuidance="ARCHIVED", ReleaseNotes="gone", Horovod=True
    )
    assert updated["ImageVersionArn"] == before["ImageVersionArn"]
    after = sm.describe_image_version(ImageName="demo-pytorch", Version=2)
    assert (after["VendorGuidance"], after["ReleaseNotes"], after["Horovod"]) == ("ARCHIVED", "gone", True)
    assert after["MLFramework"] == before["MLFramework"]
    assert after["CreationTime"] == before["CreationTime"]
    assert after["LastModifiedTime"] > before["LastModifiedTime"]

    # Neither Version nor Alias: the latest version is updated.
    assert sm.update_image_version(ImageName="demo-pytorch", JobType="INFERENCE")["ImageVersionArn"].endswith("/4")
    assert sm.describe_image_version(ImageName="demo-pytorch", Alias="canary")["JobType"] == "INFERENCE"

    with pytest.raises(ClientError) as excinfo:
        sm.update_image_version(ImageName="demo-pytorch", Version=2, AliasesToDelete=["stable"])
    assert error_of(excinfo) == (
        "ValidationException",
        "Alias stable is not associated with version 2 of image demo-pytorch.",
    )


# -- listing --------------------------------------------------------------------------------------


@pytest.fixture
def many_versions(blank: SageMakerImageEmulator) -> SageMakerImageEmulator:
    blank.create_image("many")
    for number in range(1, 26):
        blank.create_image_version("many", f"{REGISTRY}/many:{number}", aliases=[f"alias-{number:02d}"])
    return blank


def test_list_image_versions_pages_newest_first(many_versions: SageMakerImageEmulator) -> None:
    sm = many_versions.client(config=NO_RETRIES)
    pages, token = [], None
    while True:
        kwargs: dict[str, Any] = {"NextToken": token} if token else {}
        page = sm.list_image_versions(ImageName="many", MaxResults=10, **kwargs)
        pages.append([v["Version"] for v in page["ImageVersions"]])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [10, 10, 5]
    assert list(itertools.chain(*pages)) == list(range(25, 0, -1))  # default: CREATION_TIME, DESCENDING

    entry = sm.list_image_versions(ImageName="many", MaxResults=1)["ImageVersions"][0]
    assert set(entry) == {
        "CreationTime",
        "ImageArn",
        "ImageVersionArn",
        "ImageVersionStatus",
        "LastModifiedTime",
        "Version",
    }
    assert len(sm.list_image_versions(ImageName="many")["ImageVersions"]) == 10  # default page size

    paginator = sm.get_paginator("list_image_versions")
    pages_seen = list(
        paginator.paginate(ImageName="many", SortBy="VERSION", SortOrder="ASCENDING", PaginationConfig={"PageSize": 10})
    )
    assert len(pages_seen) == 3
    assert [v["Version"] for p in pages_seen for v in p["ImageVersions"]] == list(range(1, 26))


def test_list_image_versions_sorts_by_last_modified_and_rejects_foreign_tokens(
    many_versions: SageMakerImageEmulator,
) -> None:
    sm = many_versions.client(config=NO_RETRIES)
    sm.update_image_version(ImageName="many", Version=7, ReleaseNotes="touched")
    newest = sm.list_image_versions(ImageName="many", SortBy="LAST_MODIFIED_TIME", MaxResults=2)
    assert [v["Version"] for v in newest["ImageVersions"]] == [7, 25]
    with pytest.raises(ClientError) as excinfo:
        sm.list_image_versions(ImageName="many", SortBy="VERSION", NextToken=newest["NextToken"])
    assert error_of(excinfo) == ("ValidationException", "Invalid pagination token.")
    with pytest.raises(ClientError) as excinfo:
        sm.list_image_versions(ImageName="many", NextToken="not-a-token")
    assert error_of(excinfo)[0] == "ValidationException"


def test_list_image_versions_time_filters(seeded: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for number in range(1, 5):
        moment = base + timedelta(days=number)
        seeded.set_version_fields("demo-pytorch", number, CreationTime=moment, LastModifiedTime=moment)
    after = sm.list_image_versions(ImageName="demo-pytorch", CreationTimeAfter=base + timedelta(days=2))
    assert [v["Version"] for v in after["ImageVersions"]] == [4, 3]
    window = sm.list_image_versions(
        ImageName="demo-pytorch",
        LastModifiedTimeAfter=base + timedelta(days=1),
        LastModifiedTimeBefore=base + timedelta(days=4),
        SortOrder="ASCENDING",
    )
    assert [v["Version"] for v in window["ImageVersions"]] == [2, 3]
    before = sm.list_image_versions(ImageName="demo-pytorch", CreationTimeBefore=base + timedelta(days=2))
    assert [v["Version"] for v in before["ImageVersions"]] == [1]
    assert before["ImageVersions"][0]["CreationTime"] == base + timedelta(days=1)


def test_list_aliases_filters_and_pages(many_versions: SageMakerImageEmulator) -> None:
    sm = many_versions.client(config=NO_RETRIES)
    sm.update_image_version(ImageName="many", Version=3, AliasesToAdd=["prod", "blue"])
    assert sm.list_aliases(ImageName="many", Version=3)["SageMakerImageVersionAliases"] == ["alias-03", "blue", "prod"]
    # Alias names one version; its aliases are listed, the named one included.
    assert sm.list_aliases(ImageName="many", Alias="prod")["SageMakerImageVersionAliases"] == [
        "alias-03",
        "blue",
        "prod",
    ]
    first = sm.list_aliases(ImageName="many", Version=3, MaxResults=2)
    assert first["SageMakerImageVersionAliases"] == ["alias-03", "blue"]
    rest = sm.list_aliases(ImageName="many", Version=3, MaxResults=2, NextToken=first["NextToken"])
    assert rest["SageMakerImageVersionAliases"] == ["prod"]
    assert "NextToken" not in rest

    paginator = sm.get_paginator("list_aliases")
    pages = [
        p["SageMakerImageVersionAliases"]
        for p in paginator.paginate(ImageName="many", PaginationConfig={"PageSize": 10})
    ]
    assert [len(p) for p in pages] == [10, 10, 7]
    assert list(itertools.chain(*pages)) == sorted([f"alias-{n:02d}" for n in range(1, 26)] + ["prod", "blue"])

    with pytest.raises(ClientError) as excinfo:
        sm.list_aliases(ImageName="many", Version=99)
    assert error_of(excinfo) == ("ResourceNotFound", "Image version 99 of image many does not exist.")
    with pytest.raises(ClientError) as excinfo:
        sm.list_aliases(ImageName="many", Version=3, Alias="prod")
    assert error_of(excinfo) == ("ValidationException", "Only one of Version or Alias can be specified.")


# -- validation against botocore's model ----------------------------------------------------------

LONG_NAME = "a" * 64


@pytest.mark.parametrize(
    ("call", "code", "message"),
    [
        pytest.param(
            lambda sm: sm.describe_image(ImageName="bad name!"),
            "ValidationException",
            "1 validation error detected: Value 'bad name!' at 'imageName' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {NAME_PATTERN}",
            id="pattern",
        ),
        pytest.param(
            lambda sm: sm.describe_image(ImageName="-leading-dash"),
            "ValidationException",
            "1 validation error detected: Value '-leading-dash' at 'imageName' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {NAME_PATTERN}",
            id="pattern-must-match-whole-value",
        ),
        pytest.param(
            lambda sm: sm.describe_image(ImageName=LONG_NAME),
            "ValidationException",
            f"2 validation errors detected: Value '{LONG_NAME}' at 'imageName' failed to satisfy constraint: "
            f"Member must have length less than or equal to 63; Value '{LONG_NAME}' at 'imageName' failed to "
            f"satisfy constraint: Member must satisfy regular expression pattern: {NAME_PATTERN}",
            id="length-and-pattern",
        ),
        pytest.param(
            lambda sm: sm.update_image_version(ImageName="demo-pytorch", Version=3, Processor="TPU"),
            "ValidationException",
            "1 validation error detected: Value 'TPU' at 'processor' failed to satisfy constraint: "
            "Member must satisfy enum value set: [CPU, GPU]",
            id="enum",
        ),
        pytest.param(
            lambda sm: sm.list_image_versions(ImageName="demo-pytorch", MaxResults=101),
            "ValidationException",
            "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
            id="integer-range",
        ),
        pytest.param(
            lambda sm: sm.create_image_version(
                ImageName="demo-pytorch", BaseImage="x", Aliases=["ok", ".hidden"], MLFramework="PyTorch"
            ),
            "ValidationException",
            "2 validation errors detected: Value '[ok, .hidden]' at 'aliases' failed to satisfy constraint: "
            f"Member must satisfy constraint: [Member must satisfy regular expression pattern: {ALIAS_PATTERN}]; "
            "Value 'PyTorch' at 'mLFramework' failed to satisfy constraint: Member must satisfy regular "
            f"expression pattern: {FRAMEWORK_PATTERN}",
            id="list-member-and-framework",
        ),
        pytest.param(
            # botocore lets a bool through as an integer; SageMaker's deserializer does not.
            lambda sm: sm.describe_image_version(ImageName="demo-pytorch", Version=True),
            "SerializationException",
            "Value 'true' at 'version' can not be converted to an Integer",
            id="bool-is-not-an-integer",
        ),
        pytest.param(
            lambda sm: sm.describe_image_version(ImageName="demo-pytorch", Version=3, Alias="stable"),
            "ValidationException",
            "Only one of Version or Alias can be specified.",
            id="version-and-alias",
        ),
        pytest.param(
            lambda sm: sm.delete_image_version(ImageName="no-such-image", Version=1, Alias="stable"),
            "ValidationException",
            "Only one of Version or Alias can be specified.",
            id="version-and-alias-before-lookup",
        ),
    ],
)
def test_validation_errors_match_aws(sm: SageMakerClient, call: Any, code: str, message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        call(sm)
    assert error_of(excinfo) == (code, message)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_server_side_validation_catches_what_botocore_lets_through(seeded: SageMakerImageEmulator) -> None:
    unchecked = seeded.client(config=Config(retries={"total_max_attempts": 1}, parameter_validation=False))
    with pytest.raises(ClientError) as excinfo:
        unchecked.create_image(ImageName="x")  # type: ignore[call-arg]
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    )

    status, _, body = sagemaker_post(seeded, "DescribeImage", b'{"ImageName": "demo-pytorch", "Extra": 1}')
    assert (status, body["__type"]) == (400, "SerializationException")
    assert "'extra'" in body["message"]
    assert "DescribeImageRequest" in body["message"]

    status, _, body = sagemaker_post(seeded, "DescribeImage", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")
    assert [r.error_code for r in seeded.request_log] == [
        "ValidationException",
        "SerializationException",
        "SerializationException",
    ]


@pytest.mark.parametrize(
    ("operation", "body", "code"),
    [
        ("DescribeImage", b'{"ImageName": "\\ud800"}', "ValidationException"),
        ("ListImageVersions", b'{"ImageName": "demo-pytorch", "CreationTimeAfter": 1e30}', "SerializationException"),
        ("DescribeImage", b"[1]", "SerializationException"),
        ("ListAliases", b'{"ImageName": "demo-pytorch", "NextToken": "e30="}', "ValidationException"),
    ],
    ids=["lone-surrogate", "timestamp-out-of-range", "not-an-object", "forged-token"],
)
def test_malformed_requests_get_aws_errors_not_dead_connections(
    seeded: SageMakerImageEmulator, operation: str, body: bytes, code: str
) -> None:
    status, _, answer = sagemaker_post(seeded, operation, body)
    assert (status, answer["__type"]) == (400, code)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ImageName": "nope"}, "Image nope does not exist."),
        ({"ImageName": "demo-pytorch", "Version": 7}, "Image version 7 of image demo-pytorch does not exist."),
        ({"ImageName": "demo-pytorch", "Alias": "prod"}, "Alias prod does not exist for image demo-pytorch."),
    ],
)
def test_resource_not_found_names_what_is_missing(sm: SageMakerClient, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        sm.describe_image_version(**params)
    assert error_of(excinfo) == ("ResourceNotFound", message)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_image_without_versions_has_no_latest(blank: SageMakerImageEmulator) -> None:
    blank.create_image("empty")
    with pytest.raises(ClientError) as excinfo:
        blank.client(config=NO_RETRIES).describe_image_version(ImageName="empty")
    assert error_of(excinfo) == ("ResourceNotFound", "No versions exist for image empty.")


def test_unsigned_request_is_rejected_like_aws(seeded: SageMakerImageEmulator) -> None:
    status, headers, body = sagemaker_post(seeded, "DescribeImage", b'{"ImageName":"demo-pytorch"}', sign=False)
    assert status == 400
    assert body == {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert seeded.request_log[-1].status == 400
    assert seeded.request_log[-1].error_code == "MissingAuthenticationTokenException"


def test_unknown_operations_are_rejected(seeded: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    with pytest.raises(ClientError) as excinfo:
        sm.list_images()  # a real SageMaker operation the emulator does not serve
    assert error_of(excinfo)[0] == "UnknownOperationException"
    status, _, body = sagemaker_post(seeded, "NoSuchThing", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    assert seeded.requests == ["ListImages", "NoSuchThing"]


def test_responses_are_checked_against_the_output_shape() -> None:
    describe = operation_model("DescribeImageVersion")
    with pytest.raises(ResponseShapeError, match="Aliases"):
        shape_response(describe, {"Version": 1, "Aliases": ["stable"]})
    with pytest.raises(ResponseShapeError, match="Version"):
        shape_response(describe, {"Version": "1"})
    with pytest.raises(ResponseShapeError, match="CreationTime"):
        shape_response(describe, {"CreationTime": datetime(2024, 1, 1)})  # naive: no timezone
    assert shape_response(describe, {"CreationTime": datetime(2024, 1, 1, 0, 0, 0, 250000, tzinfo=timezone.utc)}) == {
        "CreationTime": 1704067200.25
    }


# -- seeds ----------------------------------------------------------------------------------------

SEED_DOCUMENT: dict[str, Any] = {
    "Images": [
        {
            "ImageName": "seeded",
            "Versions": [
                {"BaseImage": f"{REGISTRY}/seeded:1", "Aliases": ["old"]},
                {
                    "Version": 5,
                    "BaseImage": f"{REGISTRY}/seeded:5",
                    "ImageVersionStatus": "CREATE_FAILED",
                    "FailureReason": "pull failed",
                },
            ],
        }
    ],
    "Faults": {"DescribeImage": [{"Kind": "throttle"}]},
}


def check_seeded(emulator: SageMakerImageEmulator) -> None:
    sm = emulator.client(config=NO_RETRIES)
    latest = sm.describe_image_version(ImageName="seeded")
    assert (latest["Version"], latest["ImageVersionStatus"], latest["FailureReason"]) == (
        5,
        "CREATE_FAILED",
        "pull failed",
    )
    assert sm.describe_image_version(ImageName="seeded", Alias="old")["Version"] == 1
    with pytest.raises(ClientError, match="Rate exceeded"):
        sm.describe_image(ImageName="seeded")
    assert sm.describe_image(ImageName="seeded")["RoleArn"].startswith("arn:aws:iam::")
    assert sm.create_image_version(ImageName="seeded", ClientToken=token(), BaseImage="x")["ImageVersionArn"].endswith(
        "/6"
    )


def test_seed_from_json_file(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED_DOCUMENT))
    with SageMakerImageEmulator(path) as emulator:
        check_seeded(emulator)


def test_seed_from_yaml_file(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED_DOCUMENT))
    with SageMakerImageEmulator(str(path)) as emulator:
        check_seeded(emulator)


def test_seed_from_mapping_and_load_seed_later(blank: SageMakerImageEmulator) -> None:
    blank.load_seed(SEED_DOCUMENT)
    check_seeded(blank)
    with pytest.raises(SeedError, match=r"Images\[0\]\.ImageName: image seeded already exists"):
        blank.load_seed(SEED_DOCUMENT)


def test_bad_seed_names_file_path_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    document = json.loads(json.dumps(SEED_DOCUMENT))
    document["Images"][0]["Versions"][1]["VendorGuidance"] = "MAYBE"
    path.write_text(json.dumps(document))
    with pytest.raises(SeedError) as excinfo:
        SageMakerImageEmulator(path)
    assert str(excinfo.value) == (
        f"{path}: Images[0].Versions[1].VendorGuidance: Value 'MAYBE' failed to satisfy constraint: "
        "Member must satisfy enum value set: [NOT_PROVIDED, STABLE, TO_BE_ARCHIVED, ARCHIVED]"
    )

    document = json.loads(json.dumps(SEED_DOCUMENT))
    document["Images"][0]["Versions"][1]["Aliases"] = ["old"]
    document["Faults"]["DescribeImages"] = [{"Kind": "drop"}]
    path.write_text(json.dumps(document))
    with pytest.raises(SeedError) as excinfo:
        load_seed(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: 2 problems:")
    assert "Images[0].Versions[1].Aliases[0]: alias 'old' already belongs to version 1" in message
    assert "Faults.DescribeImages: unknown operation" in message

    path.write_text('{"Images": [')
    with pytest.raises(SeedError, match=r"broken\.json: not valid JSON"):
        load_seed(path)


def test_sample_seed_is_valid_and_complete() -> None:
    seed = load_seed(SAMPLE_SEED)
    names = [image.request["ImageName"] for image in seed.images]
    assert names == ["demo-pytorch", "demo-sklearn"]
    assert [len(image.versions) for image in seed.images] == [4, 2]


# -- request log and direct manipulation ------------------------------------------------------------


def test_request_log_records_every_request_in_order(seeded: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    seeded.clear_requests()
    sm.describe_image_version(ImageName="demo-pytorch", Alias="stable")
    sm.list_aliases(ImageName="demo-pytorch", Version=3)
    with pytest.raises(ClientError):
        sm.describe_image(ImageName="missing")
    assert seeded.requests == ["DescribeImageVersion", "ListAliases", "DescribeImage"]
    assert seeded.request_count() == 3
    assert seeded.request_count("ListAliases") == 1
    first, _, failed = seeded.request_log
    assert (first.operation, first.params, first.status, first.error_code) == (
        "DescribeImageVersion",
        {"ImageName": "demo-pytorch", "Alias": "stable"},
        200,
        None,
    )
    assert (failed.status, failed.error_code) == (400, "ResourceNotFound")
    # Direct manipulation bypasses HTTP and is not logged.
    seeded.move_alias("demo-pytorch", "stable", 2)
    assert seeded.request_count() == 3
    seeded.clear_requests()
    assert seeded.requests == []


def test_request_times_tell_sequential_from_overlapping_requests(
    seeded: SageMakerImageEmulator, sm: SageMakerClient
) -> None:
    seeded.latency = 0.2
    sm.describe_image_version(ImageName="demo-pytorch", Version=1)
    sm.describe_image_version(ImageName="demo-pytorch", Version=2)
    assert seeded.peak_concurrency() == 1  # one client, one request after the other
    first, second = seeded.request_log
    assert first.finished is not None
    assert first.received + 0.2 <= first.finished <= second.received  # the latency is part of serving

    seeded.clear_requests()
    start = threading.Barrier(3)

    def describe(version: int) -> None:
        start.wait()
        sm.describe_image_version(ImageName="demo-pytorch", Version=version)

    threads = [threading.Thread(target=describe, args=(version,)) for version in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seeded.peak_concurrency() == 3


def test_direct_manipulation_is_visible_through_the_api(seeded: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    before = sm.describe_image_version(ImageName="demo-pytorch", Version=3)
    seeded.move_alias("demo-pytorch", "stable", 4)
    moved = sm.describe_image_version(ImageName="demo-pytorch", Alias="stable")
    assert moved["Version"] == 4
    assert (
        sm.describe_image_version(ImageName="demo-pytorch", Version=3)["LastModifiedTime"] > before["LastModifiedTime"]
    )

    seeded.set_version_fields("demo-pytorch", 2, ImageVersionStatus="CREATE_FAILED", FailureReason="pull failed")
    listed = {v["Version"]: v for v in sm.list_image_versions(ImageName="demo-pytorch")["ImageVersions"]}
    assert (listed[2]["ImageVersionStatus"], listed[2]["FailureReason"]) == ("CREATE_FAILED", "pull failed")
    seeded.set_version_fields("demo-pytorch", 2, FailureReason=None)
    assert "FailureReason" not in sm.describe_image_version(ImageName="demo-pytorch", Version=2)

    number = seeded.create_image_version(
        "demo-pytorch", f"{REGISTRY}/demo-pytorch:2.3", aliases=["next"], Processor="CPU"
    )
    assert number == 5
    created = sm.describe_image_version(ImageName="demo-pytorch", Alias="next")
    assert (created["Version"], created["Processor"]) == (5, "CPU")
    seeded.delete_image_version("demo-pytorch", 5)
    assert sm.describe_image_version(ImageName="demo-pytorch")["Version"] == 4

    # The same rules apply to direct calls as to requests.
    with pytest.raises(ApiError, match="enum value set"):
        seeded.set_version_fields("demo-pytorch", 2, VendorGuidance="SOMEDAY")
    with pytest.raises(ApiError, match="Cannot set Version"):
        seeded.set_version_fields("demo-pytorch", 2, Version=9)
    with pytest.raises(ApiError, match="Image version 9 of image demo-pytorch does not exist"):
        seeded.move_alias("demo-pytorch", "stable", 9)
    with pytest.raises(ApiError, match="imageName"):
        seeded.create_image("bad name")
    assert seeded.requests == [
        "DescribeImageVersion",
        "DescribeImageVersion",
        "DescribeImageVersion",
        "ListImageVersions",
        "DescribeImageVersion",
        "DescribeImageVersion",
        "DescribeImageVersion",
    ]


def test_two_hundred_concurrent_clients_each_get_their_version(blank: SageMakerImageEmulator) -> None:
    blank.create_image("busy")
    for number in range(1, 21):
        blank.create_image_version("busy", f"{REGISTRY}/busy:{number}")
    client = blank.client(config=Config(max_pool_connections=200, retries={"total_max_attempts": 1}))
    start = threading.Barrier(200)
    results: dict[int, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def describe(index: int) -> None:
        try:
            start.wait()
            version = index % 20 + 1
            response = client.describe_image_version(ImageName="busy", Version=version)
            results[index] = (response["Version"], response["BaseImage"])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=describe, args=(index,)) for index in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == 200
    for index, (version, base_image) in results.items():
        assert version == index % 20 + 1
        assert base_image == f"{REGISTRY}/busy:{version}"
    assert blank.request_count("DescribeImageVersion") == 200


# -- STS --------------------------------------------------------------------------------------------


def test_sts_assume_role_hands_out_fresh_credentials(
    seeded: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sts = boto3.client(
        "sts",
        endpoint_url=seeded.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    role = "arn:aws:iam::123456789012:role/deploy/SageMakerReader"
    first = sts.assume_role(RoleArn=role, RoleSessionName="pulumi", DurationSeconds=900)
    second = sts.assume_role(RoleArn=role, RoleSessionName="pulumi")
    assert first["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/SageMakerReader/pulumi"
    assert first["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert first["Credentials"]["AccessKeyId"] != second["Credentials"]["AccessKeyId"]
    assert first["Credentials"]["SessionToken"] != second["Credentials"]["SessionToken"]
    expires_in = first["Credentials"]["Expiration"] - datetime.now(timezone.utc)
    assert timedelta(minutes=14) < expires_in <= timedelta(minutes=15)
    assert seeded.requests == ["AssumeRole", "AssumeRole"]
    assert seeded.request_log[0].params["RoleArn"] == role

    # The assumed credentials work against the SageMaker API too, and STS knows who they belong to.
    creds = first["Credentials"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", seeded.endpoint_url)
    assumed = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    assert assumed.client("sts").get_caller_identity()["Arn"] == first["AssumedRoleUser"]["Arn"]
    sm = assumed.client("sagemaker", endpoint_url=seeded.endpoint_url)
    assert sm.describe_image_version(ImageName="demo-pytorch", Alias="stable")["Version"] == 3

    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn="arn:aws:iam::123456789012:user/someone", RoleSessionName="pulumi")
    assert excinfo.value.response["Error"]["Code"] == "ValidationError"


def test_request_log_records_the_signing_access_key(seeded: SageMakerImageEmulator) -> None:
    # Which identity a client really used: the profile's key for AssumeRole, the role's key after it.
    sts = seeded.sts_client(aws_access_key_id="AKIABASEIDENTITY0001")
    role = "arn:aws:iam::123456789012:role/Reader"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="lookup")["Credentials"]
    seeded.client(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ).describe_image_version(ImageName="demo-pytorch", Alias="stable")
    sagemaker_post(seeded, "DescribeImage", b'{"ImageName":"demo-pytorch"}', sign=False)

    assume, describe, unsigned = seeded.request_log
    assert (assume.operation, assume.access_key_id) == ("AssumeRole", "AKIABASEIDENTITY0001")
    assert (describe.operation, describe.access_key_id) == ("DescribeImageVersion", credentials["AccessKeyId"])
    assert unsigned.access_key_id is None
    assert seeded.assumed_role_arn(describe.access_key_id) == "arn:aws:sts::123456789012:assumed-role/Reader/lookup"
    assert seeded.assumed_role_arn(assume.access_key_id) is None
    assert seeded.assumed_role_arn(None) is None


# -- lifecycle --------------------------------------------------------------------------------------


def test_lifecycle_start_stop_and_endpoint() -> None:
    emulator = SageMakerImageEmulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.endpoint_url
    began = time.monotonic()
    emulator.start()
    assert time.monotonic() - began < 1.0
    assert emulator.endpoint_url.startswith("http://127.0.0.1:")
    client = emulator.client(config=NO_RETRIES)
    client.create_image(ImageName="x", RoleArn="arn:aws:iam::123456789012:role/R")  # leaves a keep-alive connection
    began = time.monotonic()
    emulator.stop()
    emulator.stop()
    assert time.monotonic() - began < 2.0
    with pytest.raises(EndpointConnectionError):
        client.describe_image(ImageName="x")
    with pytest.raises(ValueError, match="latency"):
        emulator.latency = -1


def test_serve_forever_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import signal, threading, time
        from pulumi_sagemaker_image.testing import SageMakerImageEmulator
        emulator = SageMakerImageEmulator()
        emulator.start()

        def announce_when_ready():
            # Only once serve_forever has taken over SIGTERM is the test's signal meaningful.
            while signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                time.sleep(0.01)
            print(emulator.endpoint_url, flush=True)

        threading.Thread(target=announce_when_ready, daemon=True).start()
        emulator.serve_forever()
        print("stopped", flush=True)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read().strip() == "stopped"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
