"""Generate the Pulumi package schema (``schema.json``) from the models and the state layout.

The schema is derived, never hand-edited: property names come from :mod:`pulumi_sagemaker_image.state`
(the keys the dynamic provider writes), types and descriptions from :class:`ImageVersionInfo`, so the
three cannot disagree. ``pulumi-sagemaker-image schema`` writes it; a test keeps the committed copy
in sync.
"""

from __future__ import annotations

import json
import types
import typing
from datetime import datetime
from typing import Any, Final

from pydantic.alias_generators import to_camel

from pulumi_sagemaker_image import __version__
from pulumi_sagemaker_image.models import (
    COMPLETE_VERSION_FIELDS,
    IMAGE_VERSION_STATUSES,
    JOB_TYPES,
    PROCESSORS,
    VENDOR_GUIDANCE_VALUES,
    ImageVersionInfo,
)
from pulumi_sagemaker_image.semantics import FUNCTION_INPUTS, FUNCTION_OUTPUTS
from pulumi_sagemaker_image.state import (
    CURRENT_VERSION_KEY,
    INPUT_PROPERTIES,
    OUTPUT_PROPERTIES,
    PINNED_KEY,
    PINNED_VERSION_KEY,
    QUERY_KEY,
    SETTINGS_PROPERTIES,
)

PACKAGE: Final = "sagemaker-image"
RESOURCE_TOKEN: Final = f"{PACKAGE}:index:ImageVersion"
FUNCTION_TOKEN: Final = f"{PACKAGE}:index:getImageVersion"
# Where the generated SDKs live for their languages' package managers (schema `language` section).
NPM_PACKAGE: Final = "pulumi-sagemaker-image"
GO_IMPORT_BASE_PATH: Final = "pulumi-sagemaker-image/sdk/go/sagemakerimage"
# Where the engine fetches the plugin archives (pulumi-resource-sagemaker-image-v<version>-<os>-<arch>.tar.gz)
# when a program needs the plugin: the release page. The SDKs generated from the schema carry it. A team
# that mirrors plugins builds with `make dist PLUGIN_DOWNLOAD_URL=https://mirror/...` instead.
DEFAULT_PLUGIN_DOWNLOAD_URL: Final = "github://api.github.com/pulumi-sagemaker-image"

# Enumerated response members, as schema types.
_ENUMS: Final = {
    "imageVersionStatus": ("ImageVersionStatus", IMAGE_VERSION_STATUSES, "The status of an image version."),
    "vendorGuidance": ("VendorGuidance", VENDOR_GUIDANCE_VALUES, "The vendor's stability guidance for a version."),
    "jobType": ("JobType", JOB_TYPES, "The SageMaker job type an image version is meant for."),
    "processor": ("Processor", PROCESSORS, "The processor an image version is built for."),
}

_QUERY_DESCRIPTIONS: Final = {
    "imageName": "The name of the SageMaker image. 1-63 letters and digits, optionally separated by single '-' or '.'.",
    "version": "The version number to resolve (pins hard). Give a version or an alias, not both; give neither "
    "to follow the latest version. As an output, the version the lookup resolved to.",
    "alias": "The alias to resolve, e.g. 'stable'. Give a version or an alias, not both.",
}
# The AWS settings, as provider configuration (`sagemaker-image:KEY`, the native plugin's defaults).
_CONFIG_DESCRIPTIONS: Final = {
    "region": "The AWS region to look in. Default: AWS_REGION / the profile's region.",
    "profile": "The AWS profile to use. Default: AWS_PROFILE / botocore's default credential chain.",
    "roleArn": "An IAM role to assume through STS for the lookups.",
    "endpointUrl": "A SageMaker endpoint URL (http or https, without credentials), e.g. a local emulator. "
    "Default: AWS's endpoint or AWS_ENDPOINT_URL_SAGEMAKER.",
    "maxAttempts": "Total attempts per request, retries included (standard retry mode). Default: "
    "AWS_MAX_ATTEMPTS or the profile's max_attempts, else 3.",
    "connectTimeout": "Seconds to wait for a connection to SageMaker (default 5).",
    "readTimeout": "Seconds to wait for SageMaker to answer a request (default 20).",
}
_CONFIG_NOTE: Final = (
    " Each setting comes from the resource's or the invoke's own input, else from this provider configuration, "
    "else from the AWS environment. Credentials are never configuration: they come from the environment, a "
    "profile or the assumed role."
)
# The same settings as inputs: they override the provider configuration (the Python dynamic resource's
# defaults are the stack's `aws:region` / `aws:profile` instead).
_SETTING_DESCRIPTIONS: Final = {
    "region": "The AWS region to look in. Default: the provider's `sagemaker-image:region` (for the Python "
    "dynamic resource: the stack's `aws:region`), then AWS_REGION / the profile.",
    "profile": "The AWS profile to use. Default: the provider's `sagemaker-image:profile` (for the Python "
    "dynamic resource: the stack's `aws:profile`), then AWS_PROFILE / the default chain.",
    "roleArn": "An IAM role to assume through STS for the lookup. Default: the provider's `sagemaker-image:roleArn`.",
    "endpointUrl": "A SageMaker endpoint URL (http or https), e.g. a local emulator. Default: the provider's "
    "`sagemaker-image:endpointUrl`, then AWS's endpoint or AWS_ENDPOINT_URL_SAGEMAKER.",
    "maxAttempts": "Total attempts per request, retries included (standard retry mode). Default: the provider's "
    "`sagemaker-image:maxAttempts`, then AWS_MAX_ATTEMPTS or the profile's max_attempts, else 3.",
    "connectTimeout": "Seconds to wait for a connection to SageMaker. Default: the provider's "
    "`sagemaker-image:connectTimeout`, else 5.",
    "readTimeout": "Seconds to wait for SageMaker to answer a request. Default: the provider's "
    "`sagemaker-image:readTimeout`, else 20.",
    "failOnArchived": "Fail the lookup when the resolved version is ARCHIVED by its vendor (default: warn).",
    "listAliases": "Call ListAliases to fill `aliases` (default: true). false skips the call: the lookup is one "
    "DescribeImageVersion request and needs only the sagemaker:DescribeImageVersion permission.",
}
_BOOKKEEPING_DESCRIPTIONS: Final = {
    QUERY_KEY: "The query as written: 'name', 'name:VERSION' or 'name@ALIAS'. It is also the resource ID.",
    PINNED_VERSION_KEY: "The version the outputs describe. Add it to `ignore_changes` to keep the first "
    "resolution of an alias or of latest until you move it on purpose.",
    PINNED_KEY: "Whether pinnedVersion is being held by `ignore_changes` instead of following the query.",
    CURRENT_VERSION_KEY: "The version the query resolves to now; differs from `version` while a pin holds "
    "an older resolution, which is how pinned drift stays visible.",
}


def _type_of(annotation: Any) -> dict[str, Any]:
    """Schema type of a model annotation (Optional is expressed by `required`, not by the type)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _type_of(inner)
    if typing.get_origin(annotation) is tuple:
        return {"type": "array", "items": _type_of(typing.get_args(annotation)[0])}
    simple = {str: "string", int: "integer", bool: "boolean", datetime: "string", float: "number"}
    return {"type": simple[annotation]}


def _info_properties() -> dict[str, dict[str, Any]]:
    properties: dict[str, dict[str, Any]] = {}
    for name, field in ImageVersionInfo.model_fields.items():
        key = to_camel(name)
        if key in _ENUMS:
            spec: dict[str, Any] = {"$ref": f"#/types/{PACKAGE}:index:{_ENUMS[key][0]}"}
        else:
            spec = _type_of(field.annotation)
        properties[key] = {**spec, "description": field.description or ""}
    return properties


def _always_present() -> set[str]:
    """Outputs every version the lookups hand out has (the guardrails refuse one that lacks any)."""
    required = {name for name, field in ImageVersionInfo.model_fields.items() if field.is_required()}
    return {to_camel(name) for name in (*required, *COMPLETE_VERSION_FIELDS, "aliases")}


def _required_outputs() -> list[str]:
    return sorted({*_always_present(), "failOnArchived", *_BOOKKEEPING_DESCRIPTIONS})


_TYPES: Final = {
    "imageName": "string",
    "version": "integer",
    "alias": "string",
    "failOnArchived": "boolean",
    "listAliases": "boolean",
    "maxAttempts": "integer",
    "connectTimeout": "number",
    "readTimeout": "number",
}


def _config_properties() -> dict[str, dict[str, Any]]:
    return {
        key: {"type": _TYPES.get(key, "string"), "description": _CONFIG_DESCRIPTIONS[key]}
        for key in SETTINGS_PROPERTIES
    }


def _input_properties() -> dict[str, dict[str, Any]]:
    descriptions = {**_QUERY_DESCRIPTIONS, **_SETTING_DESCRIPTIONS}
    return {key: {"type": _TYPES.get(key, "string"), "description": descriptions[key]} for key in INPUT_PROPERTIES}


def build_schema(plugin_download_url: str = DEFAULT_PLUGIN_DOWNLOAD_URL) -> dict[str, Any]:
    inputs = _input_properties()
    info = _info_properties()
    outputs: dict[str, dict[str, Any]] = {}
    for key in OUTPUT_PROPERTIES:
        if key in info:
            outputs[key] = dict(info[key])
        elif key in inputs:
            outputs[key] = dict(inputs[key])
        else:
            kind = {QUERY_KEY: "string", PINNED_KEY: "boolean"}.get(key, "integer")
            outputs[key] = {"type": kind, "description": _BOOKKEEPING_DESCRIPTIONS[key]}
    # As an input `version` is the selector; as an output it is what was resolved.
    outputs["version"]["description"] = "The version number the query resolved to."

    function_inputs = {key: inputs[key] for key in FUNCTION_INPUTS}
    function_outputs = {key: info.get(key) or outputs[key] for key in FUNCTION_OUTPUTS}
    config = _config_properties()
    return {
        "name": PACKAGE,
        "displayName": "SageMaker Image",
        "version": __version__,
        "description": "Reference Amazon SageMaker image versions from Pulumi programs: a read-only lookup "
        "of DescribeImageVersion with drift detection.",
        "keywords": ["pulumi", "aws", "sagemaker", "category/cloud"],
        "license": "Apache-2.0",
        "pluginDownloadURL": plugin_download_url,
        # supportPack: the generators write versioned, self-contained packages (the npm package.json
        # and the Go go.mod carry this schema's version), as `pulumi package gen-sdk` does for local SDKs.
        "meta": {"moduleFormat": "(.*)", "supportPack": True},
        "language": {
            "python": {"packageName": "pulumi_sagemaker_image"},
            # Our own npm name, the same as the Python distribution's: the @pulumi scope is Pulumi's.
            "nodejs": {
                "packageName": NPM_PACKAGE,
                "packageDescription": "Reference Amazon SageMaker image versions from Pulumi programs (TypeScript "
                "SDK of the sagemaker-image provider).",
                # `make dist` compiles the SDK before packing it (nothing compiles at install time); this is the
                # TypeScript it compiles with, one that reads current @types/node.
                "typescriptVersion": "^5.0.0",
            },
            # sdk/go is its own module. Its path has no domain, so `go get` can never fetch it from someone
            # else's repository: Go programs use it through a replace to a checkout (see the README).
            "go": {"importBasePath": GO_IMPORT_BASE_PATH},
        },
        "config": {"variables": config},
        "provider": {
            "description": "The sagemaker-image provider: where and as whom its lookups ask SageMaker." + _CONFIG_NOTE,
            "properties": config,
            "inputProperties": config,
        },
        "types": {
            f"{PACKAGE}:index:{type_name}": {
                "type": "string",
                "description": description,
                "enum": [{"name": value, "value": value} for value in values],
            }
            for type_name, values, description in _ENUMS.values()
        },
        "resources": {
            RESOURCE_TOKEN: {
                "description": "A read-only lookup of one SageMaker image version (DescribeImageVersion). "
                "Select it by version, by alias, or neither for the latest. `pulumi preview` shows an update "
                "when the resolution drifts. Nothing in SageMaker is created, changed or deleted.",
                "properties": outputs,
                "required": _required_outputs(),
                "inputProperties": inputs,
                "requiredInputs": ["imageName"],
            }
        },
        "functions": {
            FUNCTION_TOKEN: {
                "description": "Resolve one SageMaker image version (DescribeImageVersion plus ListAliases).",
                "inputs": {"properties": function_inputs, "required": ["imageName"]},
                "outputs": {
                    "properties": function_outputs,
                    "required": sorted({*_always_present(), QUERY_KEY}),
                },
            }
        },
    }


def render_schema(plugin_download_url: str = DEFAULT_PLUGIN_DOWNLOAD_URL) -> str:
    return json.dumps(build_schema(plugin_download_url), indent=2, sort_keys=False) + "\n"
