"""The query and result models of an image version lookup.

Pure data: no AWS calls and no Pulumi import, so every adapter (CLI, dynamic provider, schema
generator) shares one definition of what a query is and what a lookup returns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from pulumi_sagemaker_image.errors import InvalidImageVersionQuery, QueryProblem

# Constraints of DescribeImageVersion's request members, from the SageMaker API reference. AWS
# applies the patterns to the whole value, hence fullmatch below.
IMAGE_NAME_MAX_LENGTH: Final = 63
IMAGE_NAME_PATTERN: Final = r"[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}"
ALIAS_MAX_LENGTH: Final = 128
ALIAS_PATTERN: Final = r"(?!^[.-])^([a-zA-Z0-9-_.]+)"

_IMAGE_NAME_RE: Final = re.compile(IMAGE_NAME_PATTERN)
_ALIAS_RE: Final = re.compile(ALIAS_PATTERN)

IMAGE_NAME_RULE: Final = (
    f"an image name is 1 to {IMAGE_NAME_MAX_LENGTH} ASCII letters and digits, optionally separated by "
    f"single '-' or '.' characters (pattern {IMAGE_NAME_PATTERN})"
)
ALIAS_RULE: Final = (
    f"an alias is 1 to {ALIAS_MAX_LENGTH} ASCII letters, digits, '-', '_' or '.', "
    f"not starting with '-' or '.' (pattern {ALIAS_PATTERN})"
)
# The API's Version is a 32-bit integer; a larger one could only be a typo (or 1e300 off the wire).
VERSION_MAX: Final = 2**31 - 1
VERSION_RULE: Final = f"a version is a whole number from 0 to {VERSION_MAX} (an int, not a bool, float or string)"
EXCLUSIVE_RULE: Final = "give a version or an alias, not both (give neither for the latest version)"

# Enumerations of DescribeImageVersion's response, kept here so the schema can state them; a test
# compares them with botocore's service model so they cannot drift from the API.
IMAGE_VERSION_STATUSES: Final = ("CREATING", "CREATED", "CREATE_FAILED", "DELETING", "DELETE_FAILED")
VENDOR_GUIDANCE_VALUES: Final = ("NOT_PROVIDED", "STABLE", "TO_BE_ARCHIVED", "ARCHIVED")
JOB_TYPES: Final = ("TRAINING", "INFERENCE", "NOTEBOOK_KERNEL")
PROCESSORS: Final = ("CPU", "GPU")
# The response members every usable (CREATED) version has: CreateImageVersion requires BaseImage, and
# SageMaker sets the others while it builds the version. The schema makes them required outputs, so the
# TypeScript and Go SDKs type them `Output<string>`; a version that lacks one (a CREATING version has
# no container image yet) fails the lookup instead of handing `undefined` to a string (see guardrails).
COMPLETE_VERSION_FIELDS: Final = (
    "base_image",
    "container_image",
    "creation_time",
    "image_version_status",
    "last_modified_time",
)


def _check_string(value: object, *, max_length: int, pattern: re.Pattern[str], rule: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string; {rule}")
    if not value:
        raise ValueError(f"must not be empty; {rule}")
    if len(value) > max_length:
        raise ValueError(f"is {len(value)} characters long, more than {max_length}; {rule}")
    if pattern.fullmatch(value) is None:
        raise ValueError(f"is not allowed: {rule}")
    return value


class ImageVersionQuery(BaseModel):
    """What to resolve: an image by name, plus a version number or an alias (neither = latest)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image_name: str
    version: int | None = None
    alias: str | None = None

    @field_validator("image_name", mode="before")
    @classmethod
    def _valid_image_name(cls, value: object) -> str:
        return _check_string(value, max_length=IMAGE_NAME_MAX_LENGTH, pattern=_IMAGE_NAME_RE, rule=IMAGE_NAME_RULE)

    @field_validator("alias", mode="before")
    @classmethod
    def _valid_alias(cls, value: object) -> str | None:
        if value is None:
            return None
        return _check_string(value, max_length=ALIAS_MAX_LENGTH, pattern=_ALIAS_RE, rule=ALIAS_RULE)

    @field_validator("version", mode="before")
    @classmethod
    def _valid_version(cls, value: object) -> int | None:
        # bool is an int subclass in Python; AWS would read True as 1, which nobody means.
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be an integer; {VERSION_RULE}")
        if value < 0:
            raise ValueError(f"is negative; {VERSION_RULE}")
        if value > VERSION_MAX:
            raise ValueError(f"is too large; {VERSION_RULE}")
        return value

    @model_validator(mode="after")
    def _version_or_alias(self) -> ImageVersionQuery:
        if self.version is not None and self.alias is not None:
            raise ValueError("version and alias are exclusive")
        return self

    @classmethod
    def create(cls, image_name: object, version: object = None, alias: object = None) -> ImageVersionQuery:
        """Validate the three inputs together; every problem is reported, each naming its field."""
        inputs = {"image_name": image_name, "version": version, "alias": alias}
        try:
            return cls.model_validate(inputs)
        except ValidationError as exc:
            problems = _problems(exc, inputs)
        # pydantic skips the cross-field rule once a field failed; report it as well.
        if version is not None and alias is not None and not any(p.field == "alias" for p in problems):
            problems = (*problems, _exclusive_problem(inputs))
        raise InvalidImageVersionQuery(problems) from None

    @property
    def selector(self) -> str:
        """How the query picks a version, for messages: ``version 3``, ``alias 'prod'`` or ``latest``."""
        if self.version is not None:
            return f"version {self.version}"
        if self.alias is not None:
            return f"alias {self.alias!r}"
        return "latest version"

    @property
    def id(self) -> str:
        """The query as a resource ID: ``name``, ``name:3`` or ``name@alias``."""
        if self.version is not None:
            return f"{self.image_name}:{self.version}"
        if self.alias is not None:
            return f"{self.image_name}@{self.alias}"
        return self.image_name

    @classmethod
    def from_id(cls, resource_id: str) -> ImageVersionQuery:
        """Parse an ID written by :attr:`id` (``name``, ``name:3``, ``name@alias``).

        Image names cannot contain ``:`` or ``@``, so the first of them separates the selector.
        """
        name, sep, selector = resource_id.partition("@")
        if sep:
            return cls.create(name, alias=selector)
        name, sep, selector = resource_id.partition(":")
        if not sep:
            return cls.create(name)
        if not selector.isascii() or not selector.isdigit():
            raise InvalidImageVersionQuery(
                (
                    QueryProblem(
                        "version",
                        selector,
                        f"must be an integer in the ID {resource_id!r}; IDs are 'name', 'name:VERSION' or 'name@ALIAS'",
                    ),
                )
            )
        return cls.create(name, version=int(selector))

    def describe_request(self) -> dict[str, Any]:
        """The DescribeImageVersion request parameters for this query."""
        params: dict[str, Any] = {"ImageName": self.image_name}
        if self.version is not None:
            params["Version"] = self.version
        if self.alias is not None:
            params["Alias"] = self.alias
        return params


def _problems(exc: ValidationError, inputs: Mapping[str, object]) -> tuple[QueryProblem, ...]:
    problems: list[QueryProblem] = []
    for error in exc.errors():
        ctx_error = error.get("ctx", {}).get("error")
        rule = str(ctx_error) if ctx_error is not None else error["msg"]
        if error["loc"]:
            field = str(error["loc"][0])
            problems.append(QueryProblem(field, inputs.get(field), rule))
        else:
            problems.append(_exclusive_problem(inputs))
    return tuple(problems)


def _exclusive_problem(inputs: Mapping[str, object]) -> QueryProblem:
    # The only rule across fields; it is reported on alias, the second of the two.
    return QueryProblem(
        "alias", inputs.get("alias"), f"cannot be combined with version {inputs.get('version')!r}; {EXCLUSIVE_RULE}"
    )


class ImageVersionInfo(BaseModel):
    """Everything DescribeImageVersion says about one image version, plus its aliases.

    Field names are snake_case in Python; :meth:`to_json_dict` gives the camelCase keys that the
    Pulumi state, the CLI's JSON and ``schema.json`` share.
    """

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    # Request echo.
    image_name: str = Field(description="The name of the image the version belongs to.")
    alias: str | None = Field(
        default=None,
        description="The alias that was asked for, when the version was selected by alias.",
    )
    # DescribeImageVersion response.
    base_image: str | None = Field(
        default=None,
        description="The registry path of the container image on which this image version is based.",
    )
    container_image: str | None = Field(
        default=None,
        description="The registry path of the container image that contains this image version.",
    )
    creation_time: datetime | None = Field(default=None, description="When the version was created (ISO-8601, UTC).")
    failure_reason: str | None = Field(
        default=None, description="Why creating or deleting the version failed, when it did."
    )
    image_arn: str = Field(description="The ARN of the image the version belongs to.")
    image_version_arn: str = Field(description="The ARN of the version.")
    image_version_status: str | None = Field(
        default=None,
        description="The status of the version: CREATING, CREATED, CREATE_FAILED, DELETING or DELETE_FAILED.",
        json_schema_extra={"enum": list(IMAGE_VERSION_STATUSES)},
    )
    last_modified_time: datetime | None = Field(
        default=None, description="When the version was last modified (ISO-8601, UTC)."
    )
    version: int = Field(description="The version number.")
    vendor_guidance: str | None = Field(
        default=None,
        description=(
            "The stability of the version as its vendor states it: NOT_PROVIDED, STABLE, TO_BE_ARCHIVED "
            "(candidate for archiving) or ARCHIVED (no longer maintained)."
        ),
        json_schema_extra={"enum": list(VENDOR_GUIDANCE_VALUES)},
    )
    job_type: str | None = Field(
        default=None,
        description="The SageMaker job type the version is meant for: TRAINING, INFERENCE or NOTEBOOK_KERNEL.",
        json_schema_extra={"enum": list(JOB_TYPES)},
    )
    ml_framework: str | None = Field(
        default=None, description="The machine learning framework in the image, e.g. 'PyTorch 2.1'."
    )
    programming_lang: str | None = Field(
        default=None, description="The programming language and version in the image, e.g. 'Python 3.10'."
    )
    processor: str | None = Field(
        default=None,
        description="The processor the image is built for: CPU or GPU.",
        json_schema_extra={"enum": list(PROCESSORS)},
    )
    horovod: bool | None = Field(default=None, description="Whether the image supports Horovod.")
    release_notes: str | None = Field(
        default=None, description="The maintainer's description of changes in this version."
    )
    # ListAliases.
    aliases: tuple[str, ...] = Field(
        default=(),
        description="Every alias of the resolved version, sorted. Empty, and then unknown rather than none, "
        "when listAliases is false or the identity may not call sagemaker:ListAliases (a warning says so).",
    )

    @field_validator("creation_time", "last_modified_time", mode="after")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # boto3 hands out dateutil's tzutc/tzlocal; one timezone makes equal instants compare and
        # serialize identically wherever the lookup ran.
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    # DescribeImageVersion member names that do not follow to_camel of the snake_case name.
    _API_NAMES: ClassVar[dict[str, str]] = {"ml_framework": "MLFramework"}

    @classmethod
    def from_api(
        cls,
        response: Mapping[str, Any],
        *,
        image_name: str,
        alias: str | None,
        aliases: tuple[str, ...],
    ) -> ImageVersionInfo:
        """Build the result from a DescribeImageVersion response (as boto3 returns it)."""
        values: dict[str, Any] = {"image_name": image_name, "alias": alias, "aliases": tuple(sorted(aliases))}
        for name in cls.response_fields():
            api_name = cls.api_name(name)
            if api_name in response:
                values[name] = response[api_name]
        return cls.model_validate(values)

    @classmethod
    def response_fields(cls) -> tuple[str, ...]:
        """The snake_case names of the 16 DescribeImageVersion response members."""
        return tuple(name for name in cls.model_fields if name not in {"image_name", "alias", "aliases"})

    @classmethod
    def api_name(cls, field: str) -> str:
        """The DescribeImageVersion member name of a response field (``ml_framework`` -> ``MLFramework``)."""
        if field in cls._API_NAMES:
            return cls._API_NAMES[field]
        camel = to_camel(field)
        return camel[0].upper() + camel[1:]

    @classmethod
    def json_keys(cls) -> tuple[str, ...]:
        """The camelCase keys of :meth:`to_json_dict`, in field order."""
        return tuple(to_camel(name) for name in cls.model_fields)

    def missing_outputs(self) -> tuple[str, ...]:
        """The camelCase keys of :data:`COMPLETE_VERSION_FIELDS` this version lacks (none for a CREATED one)."""
        return tuple(to_camel(name) for name in COMPLETE_VERSION_FIELDS if getattr(self, name) is None)

    def to_json_dict(self) -> dict[str, Any]:
        """camelCase, JSON-ready (ISO-8601 timestamps); the keys of Pulumi state, CLI JSON and schema."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> ImageVersionInfo:
        """Inverse of :meth:`to_json_dict`; extra keys (such as Pulumi's own) are ignored."""
        return cls.model_validate({key: data[key] for key in cls.json_keys() if key in data})
