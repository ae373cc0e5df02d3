"""Every way a lookup can fail, under one base class.

Each message names the input that failed and says what to do about it, because these messages are
what users see in ``pulumi preview``, in the CLI and in their own programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pydantic.alias_generators import to_camel

_MAX_LISTED: Final = 20
_MAX_SHOWN_VALUE: Final = 80


class ImageVersionLookupError(Exception):
    """Base class of every error raised by an image version lookup."""


@dataclass(frozen=True)
class QueryProblem:
    """One invalid input of a query: which field, the value given, and the rule it breaks."""

    field: str
    value: object
    rule: str

    @property
    def property_name(self) -> str:
        """The camelCase name of the field, as Pulumi state and schema.json spell it."""
        return to_camel(self.field)

    def __str__(self) -> str:
        # Rules read as the rest of a sentence ("must be …", "is negative; …"), so the message names
        # the field and the offending value first.
        shown = repr(self.value)
        if len(shown) > _MAX_SHOWN_VALUE:
            shown = f"{shown[:_MAX_SHOWN_VALUE]}…"
        return f"{self.field} {shown} {self.rule}"


class InvalidImageVersionQuery(ImageVersionLookupError, ValueError):
    """The inputs break the API's rules; raised before any request is sent."""

    def __init__(self, problems: Sequence[QueryProblem]) -> None:
        self.problems: tuple[QueryProblem, ...] = tuple(problems)
        super().__init__("invalid image version query: " + "; ".join(str(p) for p in self.problems))


class ImageVersionNotFound(ImageVersionLookupError, LookupError):
    """SageMaker has no image version matching the query (the image itself may exist)."""

    def __init__(self, message: str, *, image_name: str, selector: str) -> None:
        super().__init__(message)
        self.image_name = image_name
        self.selector = selector


class ImageNotFound(ImageVersionNotFound):
    """The image itself does not exist in the account and region looked in."""


class AwsConfigurationError(ImageVersionLookupError):
    """The AWS settings cannot work: no region, an unknown profile, a malformed endpoint URL."""


class AwsCredentialsError(ImageVersionLookupError):
    """No usable credentials: none found, expired, invalid, or the role could not be assumed."""


class AwsAccessDenied(ImageVersionLookupError, PermissionError):
    """The credentials work but lack an IAM permission the lookup needs."""

    def __init__(self, message: str, *, action: str, resource_arn: str) -> None:
        super().__init__(message)
        self.action = action
        self.resource_arn = resource_arn


class AwsThrottled(ImageVersionLookupError):
    """AWS kept throttling the request until the retry budget ran out."""


class AwsConnectionError(ImageVersionLookupError, ConnectionError):
    """The SageMaker endpoint could not be reached or did not answer in time."""


class AwsServiceError(ImageVersionLookupError):
    """Any other error AWS answered with, after retries where they apply."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class ImageVersionNotUsable(ImageVersionLookupError):
    """The version exists but a guardrail refuses it: not CREATED, or ARCHIVED where that is an error."""


def list_names(names: Sequence[str]) -> str:
    """A short comma-separated listing for messages, cut after a readable number of items."""
    if not names:
        return "none"
    shown = ", ".join(names[:_MAX_LISTED])
    return shown if len(names) <= _MAX_LISTED else f"{shown}, … ({len(names) - _MAX_LISTED} more)"
