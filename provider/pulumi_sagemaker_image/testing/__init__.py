"""A local emulator of the Amazon SageMaker image APIs, for tests and demos.

Moto has no SageMaker image APIs, so this package ships its own: an HTTP server speaking
SageMaker's JSON protocol (and STS ``AssumeRole``), validating every request against botocore's
service model, with scriptable faults and a request log::

    from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

    with SageMakerImageEmulator(seed="seed.json") as emulator:
        emulator.inject("DescribeImageVersion", Fault.throttle())
        client = emulator.client()
        ...

Nothing here imports Pulumi.
"""

from .aws_environment import AWS_ENVIRONMENT_VARIABLES
from .faults import ANY_OPERATION, Fault, FaultKind
from .server import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY, RecordedRequest, SageMakerImageEmulator
from .store import (
    DEFAULT_ROLE_ARN,
    SAGEMAKER_OPERATIONS,
    SERVED_OPERATIONS,
    VERSION_METADATA_FIELDS,
    ImageStore,
    Seed,
    SeedError,
    container_image_for,
    image_arn,
    image_version_arn,
    load_seed,
    sample_seed_path,
)
from .wire import ApiError, ResponseShapeError

__all__ = [
    "ANY_OPERATION",
    "AWS_ENVIRONMENT_VARIABLES",
    "DEFAULT_ROLE_ARN",
    "DUMMY_ACCESS_KEY_ID",
    "DUMMY_SECRET_ACCESS_KEY",
    "SAGEMAKER_OPERATIONS",
    "SERVED_OPERATIONS",
    "VERSION_METADATA_FIELDS",
    "ApiError",
    "Fault",
    "FaultKind",
    "ImageStore",
    "RecordedRequest",
    "ResponseShapeError",
    "SageMakerImageEmulator",
    "Seed",
    "SeedError",
    "container_image_for",
    "image_arn",
    "image_version_arn",
    "load_seed",
    "sample_seed_path",
]
