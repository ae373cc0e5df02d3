"""``get_image_version_output``: the lookup for Pulumi programs, without a resource in state.

Follows Pulumi's generated-SDK convention: ``get_x`` takes plain values and returns the result,
``get_x_output`` takes inputs and returns an ``Output`` of the same result. The lookup runs in the
program when every input is known; while any is unknown (preview), the output stays unknown.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from typing import Any

import pulumi

from pulumi_sagemaker_image import semantics
from pulumi_sagemaker_image.errors import ImageVersionLookupError
from pulumi_sagemaker_image.lookup import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    get_image_version,
    set_warning_handler,
)
from pulumi_sagemaker_image.models import ImageVersionInfo
from pulumi_sagemaker_image.prefetch import lookup_pool

# Lookup warnings (a denied ListAliases) are Pulumi warnings in a program.
set_warning_handler(pulumi.log.warn)


# The function's inputs, by their camelCase names, in the order of the lookup's arguments below.
_INPUT_NAMES = semantics.FUNCTION_INPUTS


def secret_input_names(inputs: Mapping[str, pulumi.Input[Any]]) -> pulumi.Output[list[str]]:
    """The names of the inputs given as secret outputs (for the rules of :mod:`pulumi_sagemaker_image.secrecy`).

    The names are not secret, and knowing them waits only for the inputs' secretness, not their values.
    """

    async def names() -> list[str]:
        return sorted(
            [name for name, value in inputs.items() if isinstance(value, pulumi.Output) and await value.is_secret()]
        )

    return pulumi.Output.from_input(names())


def get_image_version_output(
    image_name: pulumi.Input[str],
    version: pulumi.Input[int | None] = None,
    alias: pulumi.Input[str | None] = None,
    *,
    region: pulumi.Input[str | None] = None,
    profile: pulumi.Input[str | None] = None,
    role_arn: pulumi.Input[str | None] = None,
    endpoint_url: pulumi.Input[str | None] = None,
    max_attempts: pulumi.Input[int | None] = None,
    connect_timeout: pulumi.Input[float] = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: pulumi.Input[float] = DEFAULT_READ_TIMEOUT,
    list_aliases: pulumi.Input[bool] = True,
) -> pulumi.Output[ImageVersionInfo]:
    """Resolve an image version once its inputs are known; see :func:`get_image_version`.

    The result is secret when any input is (Pulumi's own rule for an ``apply``), and an error leaves
    the secret inputs' values out of its message.
    """
    given = (
        image_name,
        version,
        alias,
        region,
        profile,
        role_arn,
        endpoint_url,
        max_attempts,
        connect_timeout,
        read_timeout,
        list_aliases,
    )

    async def lookup(all_args: list[Any]) -> ImageVersionInfo:
        secret, args = all_args[0], all_args[1:]
        name, version_, alias_, region_, profile_, role_arn_, endpoint_url_, attempts, connect, read, aliases = args
        call = functools.partial(
            get_image_version,
            name,
            version_,
            alias_,
            region=region_,
            profile=profile_,
            role_arn=role_arn_,
            endpoint_url=endpoint_url_,
            max_attempts=attempts,
            connect_timeout=connect,
            read_timeout=read,
            list_aliases=aliases,
        )
        try:
            # In the program's lookup threads: a plain apply runs on the program's event loop, which would make
            # a program's lookups wait for each other (100 lookups at 100 ms each: 10 s instead of about 0.7 s).
            return await asyncio.get_running_loop().run_in_executor(lookup_pool(), call)
        except ImageVersionLookupError as exc:
            raise semantics.redacted(exc, dict(zip(_INPUT_NAMES, args, strict=True)), secret, ()) from None

    return pulumi.Output.all(secret_input_names(dict(zip(_INPUT_NAMES, given, strict=True))), *given).apply(lookup)
