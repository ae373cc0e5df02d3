"""Reference Amazon SageMaker image versions from Pulumi programs.

Every public name is imported on first use, so each entry point pays only for what it uses: the CLI
and the lookup core (:func:`get_image_version`, :class:`ImageVersionInfo`, the errors) load boto3 and
pydantic but not Pulumi; the Pulumi adapters (:class:`ImageVersion`, :class:`ImageVersionProvider`,
:func:`get_image_version_output`) load Pulumi; and the native plugin (``pulumi-resource-sagemaker-image``)
prints its port before loading any of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_sagemaker_image.dynamic_provider import ImageVersionProvider
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
    from pulumi_sagemaker_image.output_function import get_image_version_output
    from pulumi_sagemaker_image.resource import ImageVersion

__version__ = "0.1.0"

# Every public name, and the module it lives in.
_PUBLIC = {
    **dict.fromkeys(
        (
            "AwsAccessDenied",
            "AwsConfigurationError",
            "AwsConnectionError",
            "AwsCredentialsError",
            "AwsServiceError",
            "AwsThrottled",
            "ImageNotFound",
            "ImageVersionLookupError",
            "ImageVersionNotFound",
            "ImageVersionNotUsable",
            "InvalidImageVersionQuery",
            "QueryProblem",
        ),
        "pulumi_sagemaker_image.errors",
    ),
    "AwsSettings": "pulumi_sagemaker_image.lookup",
    "get_image_version": "pulumi_sagemaker_image.lookup",
    "ImageVersionInfo": "pulumi_sagemaker_image.models",
    "ImageVersionQuery": "pulumi_sagemaker_image.models",
    "ImageVersion": "pulumi_sagemaker_image.resource",
    "ImageVersionProvider": "pulumi_sagemaker_image.dynamic_provider",
    "get_image_version_output": "pulumi_sagemaker_image.output_function",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
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
