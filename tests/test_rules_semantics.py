"""Rules of semantics.py that the transports' tests leave open (found by `make mutation`).

Reading by ID (``pulumi import``) also says which inputs a program declares for the state it read;
``failOnArchived`` and ``listAliases`` are among them exactly when state has them off their defaults.
Provider-config numbers, ``check`` called without a transport's unknown-input predicate, which
failures move off their property, and a held pin's warning when the query moved back.
"""

from __future__ import annotations

import pytest
from pydantic.alias_generators import to_snake

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


@pytest.mark.parametrize("key", ["connectTimeout", "readTimeout"])
def test_a_bad_timeout_in_the_provider_config_is_shown_as_written(key: str) -> None:
    # Only maxAttempts is read as a whole number; a timeout keeps the value the user wrote, also in errors.
    with pytest.raises(InvalidImageVersionQuery) as caught:
        semantics.defaults_from_config({key: -1.0})
    assert f"{to_snake(key)} -1.0 must be a number of seconds above 0" in str(caught.value)


def test_provider_config_numbers_are_read_from_their_text() -> None:
    # `pulumi config set` stores strings; the engine sends numbers as floats.
    assert semantics.defaults_from_config({"readTimeout": 2.5, "connectTimeout": "1.5", "maxAttempts": 4.0}) == {
        "readTimeout": 2.5,
        "connectTimeout": 1.5,
        "maxAttempts": 4,
    }


def test_check_without_a_transport_treats_every_input_as_known(emulator: SageMakerImageEmulator) -> None:
    # The engine-neutral entry point as a caller with plain values uses it: no unknown-input predicate.
    outcome = semantics.check({"imageName": "demo-pytorch", "alias": "stable", "endpointUrl": emulator.endpoint_url})
    assert (outcome.failures, outcome.properties["version"]) == ((), 3)


@pytest.mark.parametrize(
    ("inputs", "prop", "shown"),
    [
        ({"imageName": "demo@pytorch"}, "imageName", "'demo@pytorch'"),
        ({"imageName": "demo-pytorch", "alias": "stable@2"}, "alias", "'stable@2'"),
        ({"imageName": "demo-pytorch", "region": "us@east"}, "region", "'us@east'"),
    ],
)
def test_a_bad_input_with_an_at_sign_still_fails_on_its_property(inputs: dict[str, str], prop: str, shown: str) -> None:
    # Only an endpoint URL with credentials is reported on the resource instead (the engine would print
    # it); any other bad value containing "@" stays on its property, so the user sees which input is wrong.
    (failure,) = semantics.check(inputs).failures
    assert failure.property == prop
    assert shown in failure.reason


def test_a_held_pin_warns_when_the_alias_moves_back_to_an_older_version(emulator: SageMakerImageEmulator) -> None:
    # ignore_changes holds version 3; the vendor rolls alias 'stable' back to 2. The pin no longer matches
    # where the alias points, which is drift of the pin just as a newer version is.
    emulator.move_alias("demo-pytorch", "stable", 2)
    news = {"imageName": "demo-pytorch", "alias": "stable", "endpointUrl": emulator.endpoint_url, "pinnedVersion": 3}
    outcome = semantics.check(news, resource_name="training")
    assert (outcome.properties["version"], outcome.properties["currentVersion"]) == (3, 2)
    assert outcome.warnings == (
        "training is pinned to version 3, but alias 'stable' of image 'demo-pytorch' is now version 2; to move, "
        "run `pulumi up` once without ignore_changes, or `pulumi up --target-replace URN`",
    )
