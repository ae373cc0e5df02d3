"""Query and result rules that tests/test_query_validation.py leaves open (found by `make mutation`).

The exact limits (a property test rarely lands on them), how several problems in one query are
reported, IDs with non-ASCII digits, and the timestamps and aliases a lookup result shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from pulumi_sagemaker_image import InvalidImageVersionQuery
from pulumi_sagemaker_image.models import ImageVersionInfo, ImageVersionQuery


def problems(*args: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidImageVersionQuery) as caught:
        ImageVersionQuery.create(*args)
    return [(problem.field, str(problem)) for problem in caught.value.problems]


def test_an_image_name_may_be_63_characters_long_and_no_longer() -> None:
    longest = "a-" * 31 + "a"
    assert len(longest) == 63
    assert ImageVersionQuery.create(longest).image_name == longest
    # The message is the rule itself, as the user reads it (no "Value error," from pydantic).
    assert problems(longest + "b") == [
        (
            "image_name",
            f"image_name {longest + 'b'!r} is 64 characters long, more than 63; an image name is 1 to 63 ASCII "
            "letters and digits, optionally separated by single '-' or '.' characters "
            "(pattern [a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62})",
        )
    ]


def test_an_alias_may_be_128_characters_long_and_no_longer() -> None:
    assert ImageVersionQuery.create("img", alias="a" * 128).alias == "a" * 128
    ((field, message),) = problems("img", None, "a" * 129)
    assert field == "alias"
    assert "is 129 characters long, more than 128" in message


def test_version_and_alias_together_are_reported_besides_another_bad_field() -> None:
    assert problems("bad name", 3, "prod") == [
        ("image_name", problems("bad name")[0][1]),
        (
            "alias",
            "alias 'prod' cannot be combined with version 3; give a version or an alias, not both "
            "(give neither for the latest version)",
        ),
    ]


def test_a_bad_name_given_with_only_an_alias_is_one_problem() -> None:
    assert [field for field, _ in problems("bad name", None, "prod")] == ["image_name"]


def test_a_bad_alias_given_with_a_version_is_one_problem() -> None:
    # The alias is reported once, for what is wrong with it, not again for being combined with a version.
    ((field, message),) = problems("img", 3, "-x")
    assert field == "alias"
    assert "is not allowed" in message


@pytest.mark.parametrize("resource_id", ["img:\u0663", "img:\uff13"])
def test_an_id_with_a_non_ascii_digit_is_rejected(resource_id: str) -> None:
    with pytest.raises(InvalidImageVersionQuery) as caught:
        ImageVersionQuery.from_id(resource_id)
    assert f"must be an integer in the ID {resource_id!r}" in str(caught.value)


def test_a_result_shows_utc_timestamps_and_sorted_aliases() -> None:
    response = {
        "ImageArn": "arn:aws:sagemaker:us-east-1:123456789012:image/img",
        "ImageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:image-version/img/3",
        "Version": 3,
        "CreationTime": datetime(2024, 1, 2, 3, 4, 5),  # naive: taken as UTC
        "LastModifiedTime": datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        "MLFramework": "PyTorch 2.1",
    }
    info = ImageVersionInfo.from_api(response, image_name="img", alias=None, aliases=("stable", "prod"))
    shown = info.to_json_dict()
    assert shown["creationTime"] == "2024-01-02T03:04:05Z"
    assert shown["lastModifiedTime"] == "2024-01-02T03:04:05Z"
    assert shown["aliases"] == ["prod", "stable"]
    assert shown["mlFramework"] == "PyTorch 2.1"
    assert ImageVersionInfo.from_json_dict({**shown, "urn": "ignored"}) == info


def test_results_and_queries_are_frozen_values() -> None:
    # README: "ImageVersionInfo is a frozen pydantic model"; queries are too (they are resource IDs).
    info = ImageVersionInfo.from_api(
        {"ImageArn": "arn:i", "ImageVersionArn": "arn:v", "Version": 3}, image_name="img", alias=None, aliases=()
    )
    query = ImageVersionQuery.create("img", version=3)
    with pytest.raises(ValidationError):
        info.version = 4  # type: ignore[misc]
    with pytest.raises(ValidationError):
        query.version = 4  # type: ignore[misc]
    assert len({info, info.model_copy(), ImageVersionInfo.from_json_dict(info.to_json_dict())}) == 1
    assert {query, ImageVersionQuery.from_id("img:3")} == {query}
