"""Every ImageVersion is recorded at the line of the program that declared it.

These tests drive the real SDK (under its mocks, which receive the same RegisterResource and
ReadResource requests the engine does), so they fail the day the Pulumi SDK changes the private
function that pulumi_sagemaker_image.source_position wraps, or how it finds the declaring frame.
The end-to-end test reads the same from state written by the real engine
(tests/e2e/test_workflows.py).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.settings import get_monitor

from pulumi_sagemaker_image import ImageVersion
from pulumi_sagemaker_image.source_position import PACKAGE_URI, SDK_FUNCTION, SDK_MODULE

THIS_FILE = Path(__file__).as_uri()


class EchoMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def requests() -> Iterator[list[Any]]:
    """The register/read requests the program sends, as the engine would receive them."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(EchoMocks(), preview=False)
    monitor = get_monitor()
    seen: list[Any] = []
    for method in ("RegisterResource", "ReadResource"):
        sdk_method = getattr(monitor, method)

        def record(request: Any, _sdk_method: Any = sdk_method) -> Any:
            seen.append(request)
            return _sdk_method(request)

        setattr(monitor, method, record)
    yield seen
    asyncio.set_event_loop(asyncio.new_event_loop())
    loop.close()


class Other(pulumi.CustomResource):
    """Any other resource class, as a provider SDK generates it."""

    def __init__(self, name: str) -> None:
        super().__init__("test:index:Other", name, {})


def sent_for(requests: list[Any], name: str) -> Any:
    (request,) = [r for r in requests if r.name == name]
    return request


def line_of(marker: str) -> int:
    """The line of this file that carries ``marker`` in a comment."""
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()  # type: ignore[arg-type]
    (number,) = [i for i, text in enumerate(lines, start=1) if text.rstrip().endswith(f"# {marker}")]
    return number


def test_the_sdk_still_has_the_function_that_is_wrapped() -> None:
    sdk = importlib.import_module(SDK_MODULE)
    assert callable(getattr(sdk, SDK_FUNCTION, None)), (
        f"{SDK_MODULE}.{SDK_FUNCTION} is gone from pulumi {version('pulumi')}: ImageVersion's sourcePosition "
        "points at resource.py again; adapt pulumi_sagemaker_image/source_position.py"
    )


@pulumi.runtime.test
def test_a_declared_image_version_is_recorded_at_the_declaring_line(requests: list[Any]) -> pulumi.Output[Any]:
    image = ImageVersion("declared", "demo-pytorch", alias="stable")  # declared here

    def check(_: Any) -> None:
        request = sent_for(requests, "declared")
        assert (request.sourcePosition.uri, request.sourcePosition.line) == (THIS_FILE, line_of("declared here"))
        frames = [frame.pc.uri for frame in request.stackTrace.frames]
        assert frames[0] == THIS_FILE
        assert not [uri for uri in frames if uri.startswith(PACKAGE_URI)]

    return image.urn.apply(check)


@pulumi.runtime.test
def test_get_is_recorded_at_the_calling_line(requests: list[Any]) -> pulumi.Output[Any]:
    image = ImageVersion.get("read", "demo-pytorch@stable")  # read here

    def check(_: Any) -> None:
        request = sent_for(requests, "read")
        assert (request.sourcePosition.uri, request.sourcePosition.line) == (THIS_FILE, line_of("read here"))

    return image.urn.apply(check)


@pulumi.runtime.test
def test_other_resources_are_recorded_as_the_sdk_records_them(requests: list[Any]) -> pulumi.Output[Any]:
    ImageVersion("first", "demo-pytorch")
    other = Other("other")  # other here

    def check(_: Any) -> None:
        request = sent_for(requests, "other")
        assert (request.sourcePosition.uri, request.sourcePosition.line) == (THIS_FILE, line_of("other here"))

    return other.urn.apply(check)
