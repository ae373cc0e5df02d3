"""Rules of semantics.py that the transports' tests leave open (found by `make mutation`).

Reading by ID (``pulumi import``) also says which inputs a program declares for the state it read;
``failOnArchived`` and ``listAliases`` are among them exactly when state has them off their defaults.
Provider-config numbers, and ``check`` called without a transport's unknown-input predicate.
"""

from __future__ import annotations

import pytest

from pulumi_sagemaker_image import InvalidImageVersionQuery, semantics
from pulumi_sagemaker_image.testing import SageMakerImageEmulator


@pytest.mark.parametrize("flags", [{}, {"failOnArchived": True}, {"listAliases": False}])
def test_an_import_declares_the_inputs_of_the_state_it_read(
    emulator: SageMakerImageEmulator, flags: dict[str, bool]
) -> None:
    # failOnArchived and listAliases are declared exactly when they differ from their defaults.
    known = {"endpointUrl": emulator.endpoint_url, "failOnArchived": False, "listAliases": True, **flags}
    outcome = semantics.read("demo-pytorch@stable", known)
    assert outcome.inputs == {
        "imageName": "demo-pytorch",
        "alias": "stable",
        "endpointUrl": emulator.endpoint_url,
        **flags,
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
