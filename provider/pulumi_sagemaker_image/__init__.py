"""Reference Amazon SageMaker image versions from Pulumi programs.

The lookup core (:func:`get_image_version`, :class:`ImageVersionInfo`, the errors) imports neither
Pulumi nor anything heavy beyond boto3 and pydantic, so the CLI starts fast. The Pulumi adapters
(:class:`ImageVersion`, :class:`ImageVersionProvider`, :func:`get_image_version_output`) are
imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pulumi_sagemaker_image.errors import (
    AwsAccessDenied,
    AwsConfigurationError,
    AwsConnectionError,
    AwsCredentialsError,
    AwsServiceError,
    AwsThrottled,
    ImageNotFound,
    ImageVersionLookupError,
    ImageVersionNotFound,
    ImageVersionNotUsable,
    InvalidImageVersionQuery,
    QueryProblem,
)
from pulumi_sagemaker_image.lookup import AwsSettings, get_image_version
from pulumi_sagemaker_image.models import ImageVersionInfo, ImageVersionQuery

if TYPE_CHECKING:
    from pulumi_sagemaker_image.dynamic_provider import ImageVersionProvider
    from pulumi_sagemaker_image.output_function import get_image_version_output
    from pulumi_sagemaker_image.resource import ImageVersion

__version__ = "0.1.0"

# Public names that need Pulumi, and the module each lives in.
_PULUMI_ADAPTERS = {
    "ImageVersion": "pulumi_sagemaker_image.resource",
    "ImageVersionProvider": "pulumi_sagemaker_image.dynamic_provider",
    "get_image_version_output": "pulumi_sagemaker_image.output_function",
}


def __getattr__(name: str) -> Any:
    module = _PULUMI_ADAPTERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AwsAccessDenied",
    "AwsConfigurationError",
    "AwsConnectionError",
    "AwsCredentialsError",
    "AwsServiceError",
    "AwsSettings",
    "AwsThrottled",
    "ImageNotFound",
    "ImageVersion",
    "ImageVersionInfo",
    "ImageVersionLookupError",
    "ImageVersionNotFound",
    "ImageVersionNotUsable",
    "ImageVersionProvider",
    "ImageVersionQuery",
    "InvalidImageVersionQuery",
    "QueryProblem",
    "__version__",
    "get_image_version",
    "get_image_version_output",
]
