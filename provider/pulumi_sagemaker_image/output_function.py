"""``get_image_version_output``: the lookup for Pulumi programs, without a resource in state.

Follows Pulumi's generated-SDK convention: ``get_x`` takes plain values and returns the result,
``get_x_output`` takes inputs and returns an ``Output`` of the same result. The lookup runs in the
program when every input is known; while any is unknown (preview), the output stays unknown.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pulumi

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
    """Resolve an image version once its inputs are known; see :func:`get_image_version`."""

    async def lookup(args: list[Any]) -> ImageVersionInfo:
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
        # In the program's lookup threads: a plain apply runs on the program's event loop, which would make
        # a program's lookups wait for each other (100 lookups at 100 ms each: 10 s instead of about 0.7 s).
        return await asyncio.get_running_loop().run_in_executor(lookup_pool(), call)

    return pulumi.Output.all(
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
    ).apply(lookup)
