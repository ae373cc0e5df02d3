"""Fault injection in the SageMaker image emulator, seen through real boto3 clients.

Each fault kind must look to a client exactly like the failure it stands for: the error codes,
statuses and messages botocore parses, or a connection that closes or stalls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

SAMPLE_SEED = Path(__file__).resolve().parent.parent / "provider/pulumi_sagemaker_image/testing/sample_seed.json"
IMAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:image/demo-pytorch"
VERSION_3_ARN = "arn:aws:sagemaker:us-east-1:123456789012:image-version/demo-pytorch/3"


@pytest.fixture
def emulator() -> Iterator[SageMakerImageEmulator]:
    with SageMakerImageEmulator(SAMPLE_SEED) as running:
        yield running


@pytest.fixture
def sm(emulator: SageMakerImageEmulator) -> SageMakerClient:
    # No retries and a short read timeout: each request shows its own fault, quickly.
    config = Config(retries={"total_max_attempts": 1}, read_timeout=0.5, connect_timeout=2)
    return emulator.client(config=config)


def describe(sm: SageMakerClient) -> int:
    return sm.describe_image_version(ImageName="demo-pytorch", Alias="stable")["Version"]


def client_error(sm: SageMakerClient) -> ClientError:
    with pytest.raises(ClientError) as excinfo:
        describe(sm)
    return excinfo.value


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.throttle(), (400, "ThrottlingException", "Rate exceeded")),
        (
            Fault.internal(),
            (
                500,
                "InternalFailure",
                "The request processing has failed because of an unknown error, exception or failure.",
            ),
        ),
        (
            Fault.unavailable(),
            (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
        ),
        (
            Fault.error(400, "ExpiredTokenException", "The security token included in the request is expired"),
            (400, "ExpiredTokenException", "The security token included in the request is expired"),
        ),
    ],
    ids=["throttle", "internal", "unavailable", "custom-error"],
)
def test_error_faults_reach_the_client_as_aws_errors(
    emulator: SageMakerImageEmulator, sm: SageMakerClient, fault: Fault, expected: tuple[int, str, str]
) -> None:
    status, code, message = expected
    emulator.inject("DescribeImageVersion", fault)
    error = client_error(sm)
    assert error.response["Error"] == {"Code": code, "Message": message}
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert describe(sm) == 3  # the queue is spent: served normally again
    assert [(r.status, r.error_code) for r in emulator.request_log] == [(status, code), (200, None)]


def test_access_denied_names_the_resource_of_the_request(emulator: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    emulator.inject("DescribeImageVersion", Fault.access_denied(), Fault.access_denied())
    emulator.inject("ListAliases", Fault.access_denied())

    def denial(operation: str, resource: str) -> str:
        return (
            "User: arn:aws:sts::123456789012:assumed-role/emulator/session is not authorized to perform: "
            f"sagemaker:{operation} on resource: {resource} because no identity-based policy allows the "
            f"sagemaker:{operation} action"
        )

    with pytest.raises(ClientError) as excinfo:
        sm.describe_image_version(ImageName="demo-pytorch", Version=3)
    assert excinfo.value.response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": denial("DescribeImageVersion", VERSION_3_ARN),
    }
    # An alias is resolved to the version ARN it stands for.
    assert client_error(sm).response["Error"]["Message"] == denial("DescribeImageVersion", VERSION_3_ARN)
    with pytest.raises(ClientError) as excinfo:
        sm.list_aliases(ImageName="demo-pytorch")
    assert excinfo.value.response["Error"]["Message"] == denial("ListAliases", IMAGE_ARN)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_latency_fault_delays_then_serves(emulator: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    emulator.inject("DescribeImageVersion", Fault.latency(0.3))
    began = time.monotonic()
    assert describe(sm) == 3
    assert time.monotonic() - began >= 0.3
    began = time.monotonic()
    assert describe(sm) == 3
    assert time.monotonic() - began < 0.3


def test_a_slow_request_does_not_hold_up_other_clients(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("DescribeImageVersion", Fault.latency(0.8))
    slow_client = emulator.client(config=Config(retries={"total_max_attempts": 1}))
    fast_client = emulator.client(config=Config(retries={"total_max_attempts": 1}))
    slow = threading.Thread(target=describe, args=(slow_client,))
    slow.start()
    time.sleep(0.1)
    began = time.monotonic()
    assert fast_client.list_aliases(ImageName="demo-pytorch")["SageMakerImageVersionAliases"]
    assert time.monotonic() - began < 0.4
    slow.join()


def test_drop_closes_the_connection_without_a_response(emulator: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    emulator.inject("DescribeImageVersion", Fault.drop())
    with pytest.raises(ConnectionClosedError):
        describe(sm)
    assert describe(sm) == 3
    dropped, served = emulator.request_log
    assert (dropped.operation, dropped.status, dropped.error_code) == ("DescribeImageVersion", 0, None)
    assert served.status == 200


def test_hang_trips_the_client_read_timeout(emulator: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    emulator.inject("DescribeImageVersion", Fault.hang(3.0))
    began = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        describe(sm)
    assert time.monotonic() - began < 2.0
    assert describe(sm) == 3  # other connections are served while one hangs
    began = time.monotonic()
    emulator.stop()  # and stopping does not wait out the hang
    assert time.monotonic() - began < 2.0


def test_faults_queue_in_order_per_operation_then_any(emulator: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    emulator.inject("DescribeImageVersion", Fault.throttle(), Fault.internal())
    emulator.inject("*", Fault.unavailable())
    codes = []
    for _ in range(3):
        with pytest.raises(ClientError) as excinfo:
            describe(sm)
        codes.append(excinfo.value.response["Error"]["Code"])
    # The operation's own queue comes first; the "*" queue serves whatever comes next.
    assert codes == ["ThrottlingException", "InternalFailure", "ServiceUnavailable"]
    assert describe(sm) == 3
    emulator.inject("*", Fault.throttle())
    with pytest.raises(ClientError, match="Rate exceeded"):
        sm.list_aliases(ImageName="demo-pytorch")
    assert emulator.pending_faults == {}


def test_clear_faults_and_unknown_operations(emulator: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    emulator.inject("DescribeImageVersion", Fault.throttle(), Fault.drop())
    emulator.clear_faults()
    assert describe(sm) == 3
    with pytest.raises(ValueError, match="DescribeImageVersions"):
        emulator.inject("DescribeImageVersions", Fault.throttle())  # a typo must not silently never fire
    with pytest.raises(ValueError, match=r"400\.\.599"):
        Fault.error(200, "Fine", "not an error")
    with pytest.raises(ValueError, match="seconds"):
        Fault.latency(-1)


def test_default_boto3_retries_recover_from_a_throttle(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("DescribeImageVersion", Fault.throttle())
    response = emulator.client().describe_image_version(ImageName="demo-pytorch", Alias="stable")
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [(r.operation, r.error_code) for r in emulator.request_log] == [
        ("DescribeImageVersion", "ThrottlingException"),
        ("DescribeImageVersion", None),
    ]


def test_latency_setting_delays_every_response(emulator: SageMakerImageEmulator, sm: SageMakerClient) -> None:
    emulator.latency = 0.25
    began = time.monotonic()
    describe(sm)
    with pytest.raises(ClientError):
        sm.describe_image(ImageName="missing")  # errors are delayed too
    assert time.monotonic() - began >= 0.5
    emulator.latency = 0.0
    began = time.monotonic()
    describe(sm)
    assert time.monotonic() - began < 0.2


def test_faults_from_the_seed_apply_in_order() -> None:
    seed = {
        "Images": [{"ImageName": "seeded", "Versions": [{"BaseImage": "registry/seeded:1"}]}],
        "Faults": {
            "DescribeImageVersion": [
                {"Kind": "throttle"},
                {"Kind": "latency", "Seconds": 0.2},
                {"Kind": "error", "Status": 400, "Code": "ExpiredTokenException", "Message": "Token expired"},
            ]
        },
    }
    with SageMakerImageEmulator(seed) as emulator:
        sm = emulator.client(config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(ClientError, match="Rate exceeded"):
            sm.describe_image_version(ImageName="seeded")
        began = time.monotonic()
        assert sm.describe_image_version(ImageName="seeded")["Version"] == 1
        assert time.monotonic() - began >= 0.2
        with pytest.raises(ClientError) as excinfo:
            sm.describe_image_version(ImageName="seeded")
        assert excinfo.value.response["Error"] == {"Code": "ExpiredTokenException", "Message": "Token expired"}
        assert sm.describe_image_version(ImageName="seeded")["Version"] == 1


def test_sts_faults_use_the_query_protocol(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("AssumeRole", Fault.access_denied(), Fault.throttle())
    sts = emulator.sts_client(config=Config(retries={"total_max_attempts": 1}))
    role = "arn:aws:iam::123456789012:role/Reader"
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role, RoleSessionName="pulumi")
    assert excinfo.value.response["Error"]["Code"] == "AccessDenied"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"sts:AssumeRole on resource: {role}" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role, RoleSessionName="pulumi")
    assert excinfo.value.response["Error"] == {
        "Type": "Sender",
        "Code": "ThrottlingException",
        "Message": "Rate exceeded",
    }
    assert sts.assume_role(RoleArn=role, RoleSessionName="pulumi")["Credentials"]["AccessKeyId"]
