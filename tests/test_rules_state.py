"""State-layout rules that the provider tests leave open (found by `make mutation`): the held pin.

``pinnedVersion`` reaches ``check`` from state (copied by ``ignore_changes``) as a wire float. A whole
number is the version to hold, whatever it is (a missing one is reported by the lookup, with what
the query points to now); anything else is refused on ``pinnedVersion`` before any request.
"""

from __future__ import annotations

import pytest

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

IMAGE = "demo-pytorch"


def check(emulator: SageMakerImageEmulator, pinned: object) -> tuple[dict[str, object], list[tuple[str, str]]]:
    inputs = {"imageName": IMAGE, "alias": "stable", "endpointUrl": emulator.endpoint_url, "pinnedVersion": pinned}
    result = ImageVersionProvider().check({}, inputs)
    return result.inputs, [(failure.property, failure.reason) for failure in result.failures]


@pytest.mark.parametrize(("pinned", "shown"), [(-1.0, "-1"), (2.5, "2.5"), (True, "True"), ("2", "'2'")])
def test_a_pin_that_is_not_a_whole_number_is_refused_before_any_request(
    emulator: SageMakerImageEmulator, pinned: object, shown: str
) -> None:
    emulator.clear_requests()
    _, failures = check(emulator, pinned)
    assert failures == [("pinnedVersion", f"pinned_version {shown} must be a whole number >= 0")]
    assert emulator.requests == []


@pytest.mark.parametrize("pinned", [0.0, 2.0])
def test_a_whole_number_pin_is_looked_up(emulator: SageMakerImageEmulator, pinned: float) -> None:
    state, failures = check(emulator, pinned)
    if pinned == 0:  # no such version: the lookup says so, on the input that chose the version
        ((prop, reason),) = failures
        assert prop == "alias"
        assert reason.startswith(f"pinned version 0 of image {IMAGE!r} no longer exists")
    else:
        assert failures == []
        assert (state["version"], state["pinned"], state["currentVersion"]) == (2, True, 3)
