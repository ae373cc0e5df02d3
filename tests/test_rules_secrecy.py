"""Secrets stay secret: which values are secret given which inputs are, for both routes (secrecy.py).

The rules live in one module and every transport applies them; these tests pin them down on the
emulator, where a sentinel image name and alias stand in for what a company keeps private. The
transports' part (the envelope on the wire, the engine encrypting and masking) is proved under the
real engine in tests/e2e/test_secrets_e2e.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_sagemaker_image import ImageVersionLookupError, InvalidImageVersionQuery, semantics
from pulumi_sagemaker_image.secrecy import (
    MASK,
    SECRET_SIG,
    SIG_KEY,
    is_masked,
    is_secret,
    masked_id,
    redact,
    secret_inputs,
    secret_numbers,
    secret_properties,
    secret_texts,
    unwrap,
    wrap,
)
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

NAME = "zz-sentinel-image"
ALIAS = "zz-sentinel-alias"


@pytest.fixture
def sentinel(emulator: SageMakerImageEmulator) -> SageMakerImageEmulator:
    """An image whose name and alias are sentinels: versions 1 and 2, the alias on 1.

    Version 2's container image lives in a repository named after the image, as images often do.
    """
    emulator.create_image(NAME)
    emulator.create_image_version(NAME, "123456789012.dkr.ecr.us-east-1.amazonaws.com/base:1", aliases=[ALIAS])
    emulator.create_image_version(NAME, f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{NAME}:2")
    return emulator


def _visible(outcome: semantics.Outcome) -> str:
    """Everything of an outcome that would reach the engine in plain text."""
    plain = {key: value for key, value in outcome.properties.items() if key not in outcome.secret}
    plain_inputs = {key: value for key, value in outcome.inputs.items() if key not in outcome.secret_inputs}
    return repr((plain, plain_inputs, outcome.failures, outcome.warnings))


# -- the envelope -------------------------------------------------------------------------------


def test_wrap_and_unwrap_are_pulumis_secret_envelope() -> None:
    wrapped = wrap({"alias": "a", "imageName": "n", "region": None}, {"alias", "region"})
    assert wrapped == {"alias": {SIG_KEY: SECRET_SIG, "value": "a"}, "imageName": "n", "region": None}
    assert is_secret(wrapped["alias"])
    assert not is_secret(wrapped["imageName"])
    assert not is_secret({SIG_KEY: "x"})
    assert unwrap(wrapped) == ({"alias": "a", "imageName": "n", "region": None}, frozenset({"alias"}))
    assert not is_secret({SIG_KEY: "0"})  # another signature (an asset, a resource reference) is not a secret


def test_only_inputs_carry_their_secretness() -> None:
    # The engine may send state keys secret (the query, the ARNs); what decides is the inputs.
    assert secret_inputs(["alias", "query", "imageArn", "failOnArchived", "region"]) == {
        "alias",
        "failOnArchived",
        "region",
    }


# -- what is secret -----------------------------------------------------------------------------


def test_secret_texts_are_the_secret_strings_longest_first() -> None:
    props = {"imageName": "ab", "alias": "abc", "version": 3, "region": "", "profile": "p"}
    assert secret_texts(props, {"imageName", "alias", "version", "region"}, ["x", ""]) == ("abc", "ab", "x")


def test_secret_numbers_are_whole_numbers_not_flags() -> None:
    props = {"version": 3.0, "maxAttempts": 5, "connectTimeout": 2.5, "failOnArchived": True, "alias": "a"}
    assert secret_numbers(props, set(props)) == (3, 5)
    assert secret_numbers(props, {"alias"}) == ()
    assert secret_numbers({"readTimeout": -2.5}, {"readTimeout"}) == ()


@pytest.mark.parametrize(
    ("source", "held"),
    [
        ("imageName", {"imageName", "query", "imageArn", "imageVersionArn"}),
        ("version", {"version", "query", "imageVersionArn", "pinnedVersion", "currentVersion"}),
        ("alias", {"alias", "query", "aliases"}),
        ("maxAttempts", {"maxAttempts"}),
    ],
)
def test_what_holds_an_input_by_construction_is_secret_with_it(source: str, held: set[str]) -> None:
    keys = ("imageName", "version", "alias", "query", "imageArn", "imageVersionArn", "aliases")
    props: dict[str, Any] = dict.fromkeys((*keys, "pinnedVersion", "currentVersion", "maxAttempts"), 7)
    assert secret_properties(props, {source}) == held


def test_outputs_containing_a_secret_text_are_secret_inputs_only_as_given() -> None:
    props = {
        "containerImage": "acct.dkr.ecr/secret-name@sha256:1",
        "baseImage": "acct.dkr.ecr/base:1",
        "aliases": ["other", "x-secret-name-y"],
        "region": "secret-name-region",  # an input: secret only if given so
        "horovod": False,
        "version": 3,
    }
    assert secret_properties(props, (), ["secret-name"]) == {"containerImage", "aliases"}
    assert secret_properties({"aliases": ["other"]}, (), ["secret-name"]) == set()


def test_redact_hides_texts_and_standalone_numbers() -> None:
    message = "alias 'ab-c' of image 'ab' is now version 3; v3 and 3.5 and 13 stay; (3)"
    assert redact(message, ["ab-c", "ab"], [3]) == (
        f"alias '{MASK}' of image '{MASK}' is now version {MASK}; v3 and 3.5 and 13 stay; ({MASK})"
    )
    assert redact("nothing secret", ()) == "nothing secret"


@pytest.mark.parametrize(
    ("query", "secret", "texts", "expected"),
    [
        ("img@al", {"alias"}, ["al"], f"img@{MASK}"),
        ("img@al", {"imageName"}, ["img"], f"{MASK}@al"),
        ("img@al", {"imageName", "alias"}, ["img", "al"], f"{MASK}@{MASK}"),
        ("img:3", {"version"}, [], f"img:{MASK}"),
        ("img:3", {"alias"}, [], "img:3"),
        ("img", {"imageName"}, ["img"], MASK),
        ("img", {"alias"}, [], "img"),
        ("my-east-image@al", {"region"}, ["east"], f"{MASK}@al"),  # a secret region inside the name
        ("img@east-al", {"region"}, ["east"], f"img@{MASK}"),
        ("img@al", (), (), "img@al"),
        ("img@al", {"alias"}, (), f"img@{MASK}"),  # a secret alias is masked whatever the texts
    ],
)
def test_the_id_masks_each_secret_part_of_the_query(
    query: str, secret: set[str], texts: list[str], expected: str
) -> None:
    assert masked_id(query, secret, texts) == expected
    assert is_masked(expected) is (expected != query)


# -- the rules of semantics with secret inputs ------------------------------------------------


def _inputs(emulator: SageMakerImageEmulator, **extra: object) -> dict[str, Any]:
    return {"imageName": NAME, "alias": ALIAS, "endpointUrl": emulator.endpoint_url, **extra}


def test_check_with_a_secret_alias_marks_what_holds_it(sentinel: SageMakerImageEmulator) -> None:
    outcome = semantics.check(_inputs(sentinel), secret={"alias"})
    assert outcome.properties["alias"] == ALIAS
    assert outcome.properties["version"] == 1
    assert outcome.secret == {"alias", "query", "aliases"}
    assert ALIAS not in _visible(outcome)
    # The ID states the image and hides the alias; it does not change with the resolution.
    assert semantics.resource_id(outcome.properties, {"alias"}) == f"{NAME}@{MASK}"


def test_a_secret_image_name_makes_what_contains_it_secret(sentinel: SageMakerImageEmulator) -> None:
    outcome = semantics.check(_inputs(sentinel), secret={"imageName", "alias"})
    assert {"imageName", "query", "imageArn", "imageVersionArn", "alias"} <= outcome.secret
    # What does not contain it stays readable: version 1's image lives in another repository.
    assert {"containerImage", "baseImage", "version", "imageVersionStatus"}.isdisjoint(outcome.secret)
    assert NAME not in _visible(outcome)
    assert ALIAS not in _visible(outcome)
    assert semantics.resource_id(outcome.properties, {"imageName", "alias"}) == f"{MASK}@{MASK}"
    # Version 2's image is in a repository named after the image: secret.
    second = semantics.check(_inputs(sentinel, alias=None, version=2), secret={"imageName"})
    assert {"containerImage", "baseImage"} <= second.secret
    assert NAME not in _visible(second)
    assert semantics.resource_id(second.properties, {"imageName"}) == f"{MASK}:2"


def test_secret_provider_config_texts_are_hidden_in_what_contains_them(sentinel: SageMakerImageEmulator) -> None:
    outcome = semantics.check(_inputs(sentinel), config_texts=["us-east-1"])
    assert {"imageArn", "imageVersionArn", "containerImage", "baseImage"} <= outcome.secret
    assert "alias" not in outcome.secret
    assert "us-east-1" not in _visible(outcome)


def test_plain_inputs_mark_nothing(sentinel: SageMakerImageEmulator) -> None:
    outcome = semantics.check(_inputs(sentinel))
    assert outcome.secret == frozenset()
    assert semantics.resource_id(outcome.properties) == f"{NAME}@{ALIAS}"


def test_an_unknown_secret_input_is_still_marked(sentinel: SageMakerImageEmulator) -> None:
    news = _inputs(sentinel, imageName="<unknown>")
    outcome = semantics.check(news, secret={"alias"}, is_unknown=lambda value: value == "<unknown>")
    assert outcome.secret == {"alias"}


def test_a_failure_about_a_secret_says_what_to_do_without_it(sentinel: SageMakerImageEmulator) -> None:
    outcome = semantics.check(_inputs(sentinel, alias="zz-missing-secret"), secret={"alias"})
    (failure,) = outcome.failures
    # Off the property (the engine prints its value beside it), the value masked, the advice kept
    # (the aliases that do exist are listed: they are not the secret).
    assert failure.property == ""
    assert "zz-missing-secret" not in failure.reason
    assert MASK in failure.reason
    assert "has no alias" in failure.reason
    assert NAME in failure.reason
    assert "(aliases: " in failure.reason


def test_a_bad_secret_input_fails_without_its_value() -> None:
    outcome = semantics.check({"imageName": "bad name!", "alias": "x"}, secret={"imageName"})
    (failure,) = outcome.failures
    assert failure.property == ""
    assert "bad name!" not in failure.reason
    assert "image_name" in failure.reason


def test_a_failure_on_a_plain_property_stays_on_it() -> None:
    outcome = semantics.check({"imageName": "bad name!", "alias": "x"}, secret={"alias"})
    assert [failure.property for failure in outcome.failures] == ["imageName"]


def test_warnings_leave_out_secret_values(sentinel: SageMakerImageEmulator) -> None:
    sentinel.set_version_fields(NAME, 1, VendorGuidance="TO_BE_ARCHIVED")
    sentinel.move_alias(NAME, ALIAS, 2)
    outcome = semantics.check(_inputs(sentinel, pinnedVersion=1), resource_name="r", secret={"imageName", "alias"})
    assert len(outcome.warnings) == 2
    assert all(NAME not in warning and ALIAS not in warning for warning in outcome.warnings)
    assert "pinned to version 1" in outcome.warnings[1]
    assert "is now version 2" in outcome.warnings[1]
    state = outcome.properties
    assert semantics.state_warnings(state, "r", {"version"})[1].count(MASK) == 1  # version 1 hidden, 2 not


def test_refresh_reads_a_masked_id_from_state(sentinel: SageMakerImageEmulator) -> None:
    state = semantics.check(_inputs(sentinel), secret={"alias"}).properties
    sentinel.move_alias(NAME, ALIAS, 2)
    outcome = semantics.read(f"{NAME}@{MASK}", state, secret={"alias"})
    assert outcome.properties["version"] == 2  # drift is still seen
    assert outcome.secret == {"alias", "query", "aliases"}
    assert outcome.secret_inputs == {"alias"}
    assert outcome.inputs["alias"] == ALIAS
    assert ALIAS not in _visible(outcome)


def test_a_masked_id_without_state_says_what_to_do_instead() -> None:
    with pytest.raises(InvalidImageVersionQuery) as caught:
        semantics.read(f"{NAME}@{MASK}", {})
    message = str(caught.value)
    assert "hides a secret query" in message
    assert "declare the ImageVersion" in message


def test_a_failed_read_leaves_the_secret_out_of_its_error(sentinel: SageMakerImageEmulator) -> None:
    state = semantics.check(_inputs(sentinel), secret={"alias"}).properties
    sentinel.delete_image_version(NAME, 1)
    with pytest.raises(ImageVersionLookupError) as caught:
        semantics.read(f"{NAME}@{MASK}", state, secret={"alias"})
    assert ALIAS not in str(caught.value)
    assert NAME in str(caught.value)


def test_record_marks_the_outputs_like_check(sentinel: SageMakerImageEmulator) -> None:
    checked = semantics.check(_inputs(sentinel), secret={"alias"})
    recorded = semantics.record(checked.properties, {"alias"})
    assert recorded.secret == checked.secret


def test_the_invoke_marks_what_holds_a_secret_argument(sentinel: SageMakerImageEmulator) -> None:
    outcome = semantics.invoke(_inputs(sentinel), secret={"alias"})
    assert outcome.secret == {"alias", "query", "aliases"}
    failed = semantics.invoke(_inputs(sentinel, alias="zz-missing-secret"), secret={"alias"})
    assert "zz-missing-secret" not in repr(failed.failures)
    assert failed.failures[0].property == ""


def test_a_change_of_secretness_alone_is_an_update() -> None:
    state = {"alias": "a", "query": "n@a"}
    assert semantics.changed_properties(state, state) == []
    assert semantics.changed_properties(state, state, (), (), {"alias", "query"}) == ["alias", "query"]
    assert semantics.changed_properties(state, state, (), {"alias"}, {"alias"}) == []
    assert semantics.changed_properties(state, state, ["alias"], (), {"alias"}) == []
    moved = {"alias": "a", "query": "n@a", "version": 2}
    assert semantics.changed_properties(state, moved, (), (), {"version"}) == ["version"]
