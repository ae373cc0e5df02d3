"""``ImageVersion``: reference a SageMaker image version from a Pulumi program."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi import dynamic
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_monitor
from pydantic.alias_generators import to_camel, to_snake

from pulumi_sagemaker_image.dynamic_provider import SECRET_INPUTS_KEY, ImageVersionProvider
from pulumi_sagemaker_image.errors import InvalidImageVersionQuery
from pulumi_sagemaker_image.models import ImageVersionQuery
from pulumi_sagemaker_image.output_function import secret_input_names
from pulumi_sagemaker_image.prefetch import PREFETCHED_KEY, prefetch
from pulumi_sagemaker_image.semantics import state_warnings
from pulumi_sagemaker_image.source_position import user_source_position
from pulumi_sagemaker_image.state import OUTPUT_PROPERTIES, ResourceInputs

_CAMEL_TO_SNAKE = {camel: to_snake(camel) for camel in OUTPUT_PROPERTIES}
_SNAKE_TO_CAMEL = {snake: camel for camel, snake in _CAMEL_TO_SNAKE.items()} | {
    PREFETCHED_KEY: PREFETCHED_KEY,
    SECRET_INPUTS_KEY: SECRET_INPUTS_KEY,
}


def _prefetch(props: dict[str, Any], opts: pulumi.ResourceOptions | None) -> asyncio.Future[str | None] | None:
    """Start this resource's lookup now, in the program, when that cannot change its result.

    Not for reads (``get``/``import_``: the ID is the query), not after ``depends_on`` (the image
    version may be created by what it depends on), not while any input is an ``Output`` (unknown
    until other resources exist), not under Pulumi's mocks (unit tests must not reach AWS). Invalid
    inputs are left to ``check`` to report. See :mod:`pulumi_sagemaker_image.prefetch`.
    """
    if opts is not None and (opts.id is not None or opts.import_ is not None or opts.depends_on):
        return None
    if isinstance(get_monitor(), MockMonitor):
        return None
    given = {_SNAKE_TO_CAMEL[key]: value for key, value in props.items() if value is not None}
    if not all(isinstance(value, str | int | float) for value in given.values()):  # bool is an int
        return None
    aws = pulumi.Config("aws")
    try:
        inputs = ResourceInputs.from_properties(
            given, default_region=aws.get("region"), default_profile=aws.get("profile")
        )
    except InvalidImageVersionQuery:
        return None
    return prefetch(inputs)


class ImageVersion(dynamic.Resource, module="sagemaker-image", name="ImageVersion"):
    """A read-only lookup of one SageMaker image version (DescribeImageVersion).

    Select the version with ``version`` (pins hard), ``alias`` (follows the alias), or neither (follows
    the latest version). ``pulumi preview`` shows what the query resolves to, and shows an update when
    that changes. Nothing in SageMaker is ever created, changed or deleted.

    The resource ID states the query: ``name``, ``name:VERSION`` or ``name@ALIAS``; use it with
    :meth:`get` or the ``import_`` resource option.

    When every input is a plain value, the lookup starts in the program as soon as the resource is
    declared, so a stack's lookups overlap (see :mod:`pulumi_sagemaker_image.prefetch`); with
    ``depends_on`` it waits for those resources instead.
    """

    # Outputs (every field of ImageVersionInfo, plus the settings and the pin).
    image_name: pulumi.Output[str]
    alias: pulumi.Output[str | None]
    base_image: pulumi.Output[str | None]
    container_image: pulumi.Output[str]
    creation_time: pulumi.Output[str | None]  # ISO-8601, as in state
    failure_reason: pulumi.Output[str | None]
    image_arn: pulumi.Output[str]
    image_version_arn: pulumi.Output[str]
    image_version_status: pulumi.Output[str]
    last_modified_time: pulumi.Output[str | None]
    version: pulumi.Output[int]
    vendor_guidance: pulumi.Output[str | None]
    job_type: pulumi.Output[str | None]
    ml_framework: pulumi.Output[str | None]
    programming_lang: pulumi.Output[str | None]
    processor: pulumi.Output[str | None]
    horovod: pulumi.Output[bool | None]
    release_notes: pulumi.Output[str | None]
    aliases: pulumi.Output[list[str]]
    region: pulumi.Output[str | None]
    profile: pulumi.Output[str | None]
    role_arn: pulumi.Output[str | None]
    endpoint_url: pulumi.Output[str | None]
    max_attempts: pulumi.Output[int | None]
    connect_timeout: pulumi.Output[float | None]
    read_timeout: pulumi.Output[float | None]
    fail_on_archived: pulumi.Output[bool]
    list_aliases: pulumi.Output[bool]
    query: pulumi.Output[str]
    pinned_version: pulumi.Output[int]
    pinned: pulumi.Output[bool]
    current_version: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        image_name: pulumi.Input[str] | None = None,
        version: pulumi.Input[int] | None = None,
        alias: pulumi.Input[str] | None = None,
        *,
        region: pulumi.Input[str] | None = None,
        profile: pulumi.Input[str] | None = None,
        role_arn: pulumi.Input[str] | None = None,
        endpoint_url: pulumi.Input[str] | None = None,
        max_attempts: pulumi.Input[int] | None = None,
        connect_timeout: pulumi.Input[float] | None = None,
        read_timeout: pulumi.Input[float] | None = None,
        fail_on_archived: pulumi.Input[bool] | None = None,
        list_aliases: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = dict.fromkeys(_SNAKE_TO_CAMEL)
        props.update(
            image_name=image_name,
            version=version,
            alias=alias,
            region=region,
            profile=profile,
            role_arn=role_arn,
            endpoint_url=endpoint_url,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            fail_on_archived=fail_on_archived,
            list_aliases=list_aliases,
        )
        props[PREFETCHED_KEY] = _prefetch(props, opts)
        # The provider host strips secretness, so the provider learns from this which inputs were secret.
        secret = secret_input_names({_SNAKE_TO_CAMEL[key]: value for key, value in props.items()})
        props[SECRET_INPUTS_KEY] = secret
        with user_source_position():  # state records the user's line, not this one
            super().__init__(ImageVersionProvider(), resource_name, props, opts)
        self._warn_about(resource_name, secret)

    def _warn_about(self, resource_name: str, secret: pulumi.Output[list[str]]) -> None:
        """Vendor guidance and pin drift are warnings, shown on this resource in preview and up."""

        def warn(keys: tuple[str, ...]) -> Callable[[list[Any]], None]:
            def log(all_values: list[Any]) -> None:
                secret_names, values = all_values[0], all_values[1:]
                # Unknown during preview, or the lookup failed: then no version, and nothing to warn about.
                state = dict(zip(keys, values, strict=True))
                query = state.pop("query", None)
                if isinstance(query, str) and state.get("version") is not None:  # a resolved query is valid
                    state["alias"] = ImageVersionQuery.from_id(query).alias
                for message in state_warnings(state, resource_name, secret_names):
                    pulumi.log.warn(message, resource=self)

            return log

        # Each warning waits only for the outputs it needs. In preview the engine leaves out outputs
        # that are null (`alias` of a query without one, a version without vendor guidance) and the
        # SDK then reports them unknown, which would hold back every warning of a joint apply. The
        # alias therefore comes from the query, which is always set.
        pulumi.Output.all(secret, self.image_name, self.version, self.vendor_guidance).apply(
            warn(("imageName", "version", "vendorGuidance"))
        )
        pulumi.Output.all(secret, self.image_name, self.version, self.query, self.pinned, self.current_version).apply(
            warn(("imageName", "version", "query", "pinned", "currentVersion"))
        )

    def translate_output_property(self, prop: str) -> str:
        return _CAMEL_TO_SNAKE.get(prop, prop)

    def translate_input_property(self, prop: str) -> str:
        return _SNAKE_TO_CAMEL.get(prop, to_camel(prop))

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> ImageVersion:
        """Look up an image version by its ID (``name``, ``name:VERSION`` or ``name@ALIAS``) as a read."""
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return ImageVersion(resource_name, opts=merged)
