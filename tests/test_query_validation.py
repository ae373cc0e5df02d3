"""The query is validated before any request, with the API reference's rules, naming the bad field.

The oracles below restate the rules in plain Python, independently of the regular expressions the
implementation uses, so a wrong pattern cannot agree with itself.
"""

from __future__ import annotations

import itertools
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_sagemaker_image import InvalidImageVersionQuery, get_image_version
from pulumi_sagemaker_image.models import (
    ALIAS_PATTERN,
    IMAGE_NAME_PATTERN,
    ImageVersionQuery,
)
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

ALNUM = set(string.ascii_letters + string.digits)


def name_is_valid(name: str) -> bool:
    """1-63 ASCII letters/digits; '-' or '.' only singly, between two letters/digits."""
    if not 1 <= len(name) <= 63:
        return False
    if name[0] not in ALNUM or name[-1] not in ALNUM:
        return False
    for previous, current in itertools.pairwise(name):
        if current not in ALNUM and current not in "-.":
            return False
        if current in "-." and previous in "-.":
            return False
    return True


def alias_is_valid(alias: str) -> bool:
    """1-128 of letters, digits, '-', '_', '.'; not starting with '-' or '.'."""
    allowed = ALNUM | set("-_.")
    return 1 <= len(alias) <= 128 and alias[0] not in "-." and all(c in allowed for c in alias)


# Text biased towards the interesting edges: separators, whitespace, unicode look-alikes.
edgy_text = st.text(
    alphabet=st.sampled_from([*"aZ09-._ \t\n/:@", "\u00e9", "\u0663", "\uff21", "\u200b"]), max_size=70
) | st.text(max_size=140)


def problem_fields(exc: InvalidImageVersionQuery) -> set[str]:
    return {problem.field for problem in exc.problems}


@settings(max_examples=400)
@given(edgy_text)
def test_image_name_accepted_exactly_when_the_rule_allows(name: str) -> None:
    if name_is_valid(name):
        assert ImageVersionQuery.create(name).image_name == name
    else:
        with pytest.raises(InvalidImageVersionQuery) as caught:
            ImageVersionQuery.create(name)
        assert problem_fields(caught.value) == {"image_name"}
        assert "image_name" in str(caught.value)
        assert IMAGE_NAME_PATTERN in str(caught.value)


@settings(max_examples=300)
@given(st.from_regex(IMAGE_NAME_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 63))
def test_every_name_the_api_pattern_generates_is_accepted(name: str) -> None:
    assert name_is_valid(name)
    assert ImageVersionQuery.create(name).id == name


@settings(max_examples=400)
@given(edgy_text | st.text(alphabet="ab-_.", min_size=120, max_size=140))
def test_alias_accepted_exactly_when_the_rule_allows(alias: str) -> None:
    if alias_is_valid(alias):
        query = ImageVersionQuery.create("img", alias=alias)
        assert query.alias == alias
        assert query.id == f"img@{alias}"
    else:
        with pytest.raises(InvalidImageVersionQuery) as caught:
            ImageVersionQuery.create("img", alias=alias)
        assert problem_fields(caught.value) == {"alias"}
        assert ALIAS_PATTERN in str(caught.value)


bad_versions = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=2**31),
    st.booleans(),
    st.floats(allow_nan=True),
    st.integers(min_value=0, max_value=10**6).map(str),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)


@given(bad_versions)
def test_version_must_be_a_non_negative_int(version: object) -> None:
    with pytest.raises(InvalidImageVersionQuery) as caught:
        ImageVersionQuery.create("img", version=version)
    assert problem_fields(caught.value) == {"version"}
    assert f"version {version!r}"[:60] in str(caught.value)


@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_any_non_negative_int_is_a_version(version: int) -> None:
    query = ImageVersionQuery.create("img", version=version)
    assert query.id == f"img:{version}"
    assert ImageVersionQuery.from_id(query.id) == query


def test_version_and_alias_together_are_rejected() -> None:
    with pytest.raises(InvalidImageVersionQuery) as caught:
        ImageVersionQuery.create("img", version=3, alias="prod")
    assert "cannot be combined with version 3" in str(caught.value)
    assert problem_fields(caught.value) == {"alias"}


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidImageVersionQuery) as caught:
        ImageVersionQuery.create("bad name", version=-2)
    assert problem_fields(caught.value) == {"image_name", "version"}
    assert isinstance(caught.value, ValueError)  # callers may catch it as a plain ValueError


@pytest.mark.parametrize(
    ("resource_id", "expected"),
    [
        ("my-image", ImageVersionQuery(image_name="my-image")),
        ("my-image:3", ImageVersionQuery(image_name="my-image", version=3)),
        ("my-image@prod", ImageVersionQuery(image_name="my-image", alias="prod")),
        ("my.image@v1.2_rc", ImageVersionQuery(image_name="my.image", alias="v1.2_rc")),
    ],
)
def test_resource_ids_round_trip(resource_id: str, expected: ImageVersionQuery) -> None:
    assert ImageVersionQuery.from_id(resource_id) == expected
    assert expected.id == resource_id


@pytest.mark.parametrize("resource_id", ["", "img:", "img:x", "img:-1", "img@", "bad name@x", "img:3@"])
def test_malformed_ids_are_rejected(resource_id: str) -> None:
    with pytest.raises(InvalidImageVersionQuery):
        ImageVersionQuery.from_id(resource_id)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=edgy_text.filter(lambda s: not name_is_valid(s)),
    version=st.none() | bad_versions,
)
def test_bad_input_never_reaches_aws(emulator: SageMakerImageEmulator, name: str, version: object) -> None:
    emulator.clear_requests()
    with pytest.raises(InvalidImageVersionQuery):
        get_image_version(name, version, endpoint_url=emulator.endpoint_url)  # type: ignore[arg-type]
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("endpoint_url", "ftp://127.0.0.1:1"),
        ("endpoint_url", "127.0.0.1:8080"),
        ("endpoint_url", "http://"),
        ("region", "US East"),
        ("role_arn", "arn:aws:iam::12:role/x"),
        ("profile", ""),
    ],
)
def test_bad_aws_settings_are_rejected_before_any_request(
    emulator: SageMakerImageEmulator, setting: str, value: str
) -> None:
    kwargs = {"endpoint_url": emulator.endpoint_url, setting: value}
    with pytest.raises(InvalidImageVersionQuery) as caught:
        get_image_version("demo-pytorch", **kwargs)  # type: ignore[arg-type]
    assert problem_fields(caught.value) == {setting}
    assert emulator.requests == []
