"""Rules of semantics.py that the transports' tests leave open (found by `make mutation`).

Reading by ID (``pulumi import``) also says which inputs a program declares for the state it read;
``failOnArchived`` is among them exactly when state has it set.
"""

from __future__ import annotations

import pytest

from pulumi_sagemaker_image import InvalidImageVersionQuery, semantics
from pulumi_sagemaker_image.testing import SageMakerImageEmulator


@pytest.mark.parametrize("fail_on_archived", [True, False])
def test_an_import_declares_the_inputs_of_the_state_it_read(
    emulator: SageMakerImageEmulator, fail_on_archived: bool
) -> None:
    known = {"endpointUrl": emulator.endpoint_url, "failOnArchived": fail_on_archived}
    outcome = semantics.read("demo-pytorch@stable", known)
    assert outcome.inputs == {
        "imageName": "demo-pytorch",
        "alias": "stable",
        "endpointUrl": emulator.endpoint_url,
        **({"failOnArchived": True} if fail_on_archived else {}),
        "pinnedVersion": 3,
    }


def test_a_bad_timeout_in_the_provider_config_is_shown_as_written() -> None:
    # Only maxAttempts is read as a whole number; a timeout keeps the value the user wrote, also in errors.
    with pytest.raises(InvalidImageVersionQuery) as caught:
        semantics.defaults_from_config({"connectTimeout": -1.0})
    assert "connect_timeout -1.0 must be a number of seconds above 0" in str(caught.value)
    assert semantics.defaults_from_config({"readTimeout": 2.5, "connectTimeout": "1.5", "maxAttempts": 4.0}) == {
        "readTimeout": 2.5,
        "connectTimeout": 1.5,
        "maxAttempts": 4,
    }


def test_check_without_a_transport_treats_every_input_as_known(emulator: SageMakerImageEmulator) -> None:
    # The engine-neutral entry point as a caller with plain values uses it: no unknown-input predicate.
    outcome = semantics.check({"imageName": "demo-pytorch", "alias": "stable", "endpointUrl": emulator.endpoint_url})
    assert (outcome.resolved, outcome.failures, outcome.properties["version"]) == (True, (), 3)
