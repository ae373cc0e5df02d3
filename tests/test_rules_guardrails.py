"""Guardrail rules that tests/test_guardrails.py leaves open (found by `make mutation`).

``failOnArchived`` stops only an archived version, and a refused version is named the way the user
asked for it: with the alias when the query gave one.
"""

from __future__ import annotations

from typing import Any

from pulumi_sagemaker_image import ImageVersionProvider
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

IMAGE = "demo-pytorch"


def check(emulator: SageMakerImageEmulator, **inputs: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    result = ImageVersionProvider().check({}, {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, **inputs})
    return result.inputs, [(failure.property, failure.reason) for failure in result.failures]


def test_fail_on_archived_lets_every_other_guidance_through(emulator: SageMakerImageEmulator) -> None:
    for version, guidance in ((1, "TO_BE_ARCHIVED"), (2, "STABLE"), (3, "NOT_PROVIDED")):
        emulator.set_version_fields(IMAGE, version, VendorGuidance=guidance)
        state, failures = check(emulator, version=version, failOnArchived=True)
        assert failures == []
        assert (state["version"], state["vendorGuidance"], state["failOnArchived"]) == (version, guidance, True)


def test_fail_on_archived_names_the_version_and_what_to_do(emulator: SageMakerImageEmulator) -> None:
    emulator.set_version_fields(IMAGE, 3, VendorGuidance="ARCHIVED")
    _, failures = check(emulator, alias="stable", failOnArchived=True)
    assert failures == [
        (
            "alias",
            f"image {IMAGE!r} version 3 (alias 'stable') is ARCHIVED by its vendor and no longer maintained; "
            "pick a newer version (fail_on_archived is set)",
        )
    ]


def test_an_unusable_version_is_named_as_it_was_asked_for(emulator: SageMakerImageEmulator) -> None:
    emulator.set_version_fields(IMAGE, 3, ImageVersionStatus="CREATING")
    expected = "has status CREATING; only CREATED versions have a usable container image. Pick another version or alias"
    assert check(emulator, alias="stable")[1] == [("alias", f"image {IMAGE!r} version 3 (alias 'stable') {expected}")]
    assert check(emulator, version=3)[1] == [("version", f"image {IMAGE!r} version 3 {expected}")]
