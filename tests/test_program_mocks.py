"""Programs using ImageVersion and get_image_version_output, run with Pulumi's mocks.

The mock engine hands each ImageVersion to the real provider (check, then create), the way the
engine does, so these tests cover the program side: property names on the wire, typed output
attributes, warnings, and the lookup function's unknown/known behaviour.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from typing import Any

import dill
import pulumi
import pytest

from pulumi_sagemaker_image import ImageVersion, ImageVersionInfo, get_image_version_output
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

IMAGE = "demo-pytorch"


class EchoMocks(pulumi.runtime.Mocks):
    """The mocks a user's unit test typically has: outputs are the inputs, no provider runs.

    Records what the program registered.
    """

    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class ProviderBackedMocks(EchoMocks):
    """Mocks that run ImageVersion's real provider (check, then create), as the engine does."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        super().new_resource(args)
        inputs = dict(args.inputs)
        provider = dill.loads(base64.b64decode(inputs["__provider"]))
        result = provider.check({}, inputs)
        if result.failures:
            raise ValueError("; ".join(f"{f.property}: {f.reason}" for f in result.failures))
        created = provider.create(result.inputs)
        return created.id, created.outs


@pytest.fixture(autouse=True)
def current_event_loop() -> Iterator[None]:
    # Pulumi's mocks run the program on the thread's current event loop; give each test its own, whatever
    # earlier tests in this process did with the thread's loop (asyncio.run leaves none behind).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(asyncio.new_event_loop())
    loop.close()


@pytest.fixture
def mocks() -> ProviderBackedMocks:
    mocks = ProviderBackedMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


@pulumi.runtime.test
def test_image_version_outputs_are_the_resolved_fields(
    mocks: ProviderBackedMocks, emulator: SageMakerImageEmulator
) -> pulumi.Output[Any]:
    image = ImageVersion("pytorch", IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)
    expected = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")

    def verify(values: list[Any]) -> None:
        container_image, version, arn, ml_framework, query, resource_id = values
        assert container_image == expected["ContainerImage"]
        assert version == expected["Version"]
        assert arn == expected["ImageVersionArn"]
        assert ml_framework == expected.get("MLFramework")
        assert query == resource_id == f"{IMAGE}@stable"
        (registered,) = mocks.registered
        assert registered.typ == "pulumi-python:dynamic/sagemaker-image:ImageVersion"
        assert registered.inputs["imageName"] == IMAGE  # camelCase on the wire
        assert "image_name" not in registered.inputs

    return pulumi.Output.all(
        image.container_image, image.version, image.image_version_arn, image.ml_framework, image.query, image.id
    ).apply(verify)


@pulumi.runtime.test
def test_container_image_feeds_a_dependent_input(
    mocks: ProviderBackedMocks, emulator: SageMakerImageEmulator
) -> pulumi.Output[Any]:
    image = ImageVersion("pytorch", IMAGE, version=2, endpoint_url=emulator.endpoint_url)
    uri = image.container_image.apply(lambda value: f"image={value}")
    expected = emulator.client().describe_image_version(ImageName=IMAGE, Version=2)["ContainerImage"]
    return uri.apply(lambda value: _assert_equal(value, f"image={expected}"))


def _assert_equal(actual: object, expected: object) -> None:
    assert actual == expected


@pulumi.runtime.test
def test_get_image_version_output_resolves_known_inputs(
    mocks: ProviderBackedMocks, emulator: SageMakerImageEmulator
) -> pulumi.Output[Any]:
    name = pulumi.Output.from_input(IMAGE)
    result = get_image_version_output(name, alias="stable", endpoint_url=emulator.endpoint_url)

    def verify(info: ImageVersionInfo) -> None:
        assert isinstance(info, ImageVersionInfo)
        assert info.alias == "stable"
        raw = emulator.client().describe_image_version(ImageName=IMAGE, Alias="stable")
        assert info.container_image == raw["ContainerImage"]
        assert mocks.registered == []  # a function leaves nothing in state

    return result.apply(verify)


@pulumi.runtime.test
def test_a_programs_get_image_version_output_lookups_overlap_up_to_16(
    mocks: ProviderBackedMocks, emulator: SageMakerImageEmulator
) -> pulumi.Output[Any]:
    # They once ran on the program's event loop, one after another: 100 lookups at 50 ms per call took 10 s.
    # A second per call, so that all 16 are in flight at once even when a busy machine is slow to start
    # them (at 0.2 s the first ones could finish before the last started: 12 at once under load).
    emulator.latency = 1.0
    emulator.clear_requests()
    versions = [1 + index % 4 for index in range(20)]
    results = [
        get_image_version_output(IMAGE, version=version, endpoint_url=emulator.endpoint_url) for version in versions
    ]

    def verify(infos: list[Any]) -> None:
        assert [info.version for info in infos] == versions
        assert emulator.request_count("DescribeImageVersion") == 20
        assert emulator.peak_concurrency() == 16  # the program's lookup threads, shared with ImageVersion

    return pulumi.Output.all(*results).apply(verify)


def test_get_image_version_output_stays_unknown_while_inputs_are(emulator: SageMakerImageEmulator) -> None:
    pulumi.runtime.set_mocks(ProviderBackedMocks(), preview=True)
    emulator.clear_requests()
    unknown: pulumi.Output[str] = pulumi.Output(set(), _future(None), _future(False))
    result = get_image_version_output(unknown, endpoint_url=emulator.endpoint_url)

    @pulumi.runtime.test
    def check() -> pulumi.Output[Any]:
        return result.apply(lambda _: pytest.fail("the lookup ran with an unknown input"))

    check()
    assert emulator.requests == []


def _future(value: Any) -> Any:
    import asyncio

    future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
    future.set_result(value)
    return future


@pytest.fixture
def echo_mocks() -> EchoMocks:
    mocks = EchoMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


@pulumi.runtime.test
def test_unit_tests_under_mocks_make_no_lookup_from_the_program(
    echo_mocks: EchoMocks, emulator: SageMakerImageEmulator
) -> pulumi.Output[Any]:
    # Outside mocks the program starts each lookup early (prefetch); a unit test must not reach AWS.
    image = ImageVersion("pytorch", IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)

    def verify(urn: str) -> None:
        (registered,) = echo_mocks.registered
        assert registered.inputs["imageName"] == IMAGE
        assert registered.inputs.get("__prefetched") is None
        assert emulator.requests == []

    return image.urn.apply(verify)


class EngineLog(logging.Handler):
    """Records what the program sends to the engine's log; Pulumi's mock engine writes it to a logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.logger = logging.getLogger(f"mock-engine-{id(self)}")
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def warnings(self) -> list[str]:
        return [record.getMessage() for record in self.records if record.levelno == logging.WARNING]


class HeldPinMocks(ProviderBackedMocks):
    """A stack deployed before, declared with ``ignore_changes=["pinnedVersion"]``.

    The engine hands the recorded pinnedVersion to check along with the program's inputs; so do these.
    """

    def __init__(self, held: dict[str, int]) -> None:
        super().__init__()
        self.held = held

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.name in self.held:
            args.inputs = {**args.inputs, "pinnedVersion": self.held[args.name]}
        return super().new_resource(args)


def warnings_of(mocks: ProviderBackedMocks, declare: Any) -> list[str]:
    """Run a program under ``mocks`` and return the warnings it logged, once every resource is done."""
    log = EngineLog()
    pulumi.runtime.set_mocks(mocks, preview=False, logger=log.logger)

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        resources = declare()
        # Every warning is decided from the resource's outputs; the mocks' runner also waits for the
        # log calls still in flight before it returns.
        return pulumi.Output.all(*[resource.urn for resource in resources], *[r.current_version for r in resources])

    program()
    return log.warnings()


def test_to_be_archived_is_a_warning_on_the_resource(emulator: SageMakerImageEmulator) -> None:
    # Version 1 of the sample image is marked TO_BE_ARCHIVED by its vendor.
    warnings = warnings_of(
        ProviderBackedMocks(),
        lambda: [ImageVersion("legacy", IMAGE, version=1, endpoint_url=emulator.endpoint_url)],
    )
    assert warnings == [f"image {IMAGE!r} version 1 is marked TO_BE_ARCHIVED by its vendor; plan a move"]


def test_archived_is_a_warning_on_the_resource(emulator: SageMakerImageEmulator) -> None:
    emulator.set_version_fields(IMAGE, 2, VendorGuidance="ARCHIVED")
    warnings = warnings_of(
        ProviderBackedMocks(),
        lambda: [ImageVersion("old", IMAGE, version=2, endpoint_url=emulator.endpoint_url)],
    )
    assert warnings == [f"image {IMAGE!r} version 2 is ARCHIVED by its vendor and no longer maintained"]


def test_a_stable_version_warns_nothing(emulator: SageMakerImageEmulator) -> None:
    warnings = warnings_of(
        ProviderBackedMocks(),
        lambda: [
            ImageVersion("stable", IMAGE, alias="stable", endpoint_url=emulator.endpoint_url),
            ImageVersion("latest", IMAGE, endpoint_url=emulator.endpoint_url),
        ],
    )
    assert warnings == []


def test_a_held_pin_the_alias_moved_away_from_is_a_warning(emulator: SageMakerImageEmulator) -> None:
    emulator.move_alias(IMAGE, "stable", 4)
    warnings = warnings_of(
        HeldPinMocks({"training": 3, "steady": 3}),
        lambda: [
            ImageVersion("training", IMAGE, alias="stable", endpoint_url=emulator.endpoint_url),
            ImageVersion("steady", IMAGE, version=3, endpoint_url=emulator.endpoint_url),
        ],
    )
    assert warnings == [
        f"training is pinned to version 3, but alias 'stable' of image {IMAGE!r} is now version 4; "
        "to move, run `pulumi up` once without ignore_changes, or `pulumi up --target-replace URN`"
    ]


def test_a_held_pin_on_latest_names_the_latest_version(emulator: SageMakerImageEmulator) -> None:
    warnings = warnings_of(
        HeldPinMocks({"latest": 2}),
        lambda: [ImageVersion("latest", IMAGE, endpoint_url=emulator.endpoint_url)],
    )
    assert warnings == [
        f"latest is pinned to version 2, but the latest version of image {IMAGE!r} is now version 4; "
        "to move, run `pulumi up` once without ignore_changes, or `pulumi up --target-replace URN`"
    ]
