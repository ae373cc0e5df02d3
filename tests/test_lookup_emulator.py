"""get_image_version against the emulator: the same answers raw boto3 gets, and clear failures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from pulumi_sagemaker_image import (
    ImageNotFound,
    ImageVersionInfo,
    ImageVersionNotFound,
    get_image_version,
)
from pulumi_sagemaker_image.lookup import client_cache_stats
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

IMAGE = "demo-pytorch"


@pytest.mark.parametrize(
    ("selector", "params"),
    [({}, {}), ({"version": 2}, {"Version": 2}), ({"alias": "stable"}, {"Alias": "stable"})],
    ids=["latest", "version", "alias"],
)
def test_lookup_returns_exactly_what_boto3_returns(
    emulator: SageMakerImageEmulator, selector: dict[str, Any], params: dict[str, Any]
) -> None:
    info = get_image_version(IMAGE, endpoint_url=emulator.endpoint_url, **selector)
    client = emulator.client()
    raw = client.describe_image_version(ImageName=IMAGE, **params)
    for field in ImageVersionInfo.response_fields():
        assert getattr(info, field) == raw.get(ImageVersionInfo.api_name(field)), field
    aliases = client.list_aliases(ImageName=IMAGE, Version=raw["Version"])["SageMakerImageVersionAliases"]
    assert info.aliases == tuple(sorted(aliases))
    assert info.alias == selector.get("alias")
    assert info.image_name == IMAGE


def test_one_describe_and_one_list_aliases_per_lookup(emulator: SageMakerImageEmulator) -> None:
    emulator.clear_requests()
    get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)
    assert emulator.requests == ["DescribeImageVersion", "ListAliases"]


def test_an_alias_move_changes_the_resolution(emulator: SageMakerImageEmulator) -> None:
    before = get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)
    emulator.move_alias(IMAGE, "stable", 1)
    after = get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)
    assert (before.version, after.version) == (3, 1)
    assert before.container_image != after.container_image
    assert "stable" in after.aliases


def test_missing_alias_version_and_image_are_told_apart(emulator: SageMakerImageEmulator) -> None:
    with pytest.raises(ImageVersionNotFound, match=r"has no alias 'prod' in us-east-1 \(aliases: .*stable"):
        get_image_version(IMAGE, alias="prod", endpoint_url=emulator.endpoint_url)
    with pytest.raises(ImageVersionNotFound, match=r"has no version 9 in us-east-1 \(versions: 1, 2, 3, 4\)"):
        get_image_version(IMAGE, version=9, endpoint_url=emulator.endpoint_url)
    with pytest.raises(ImageNotFound, match="image 'nope' does not exist in us-east-1"):
        get_image_version("nope", endpoint_url=emulator.endpoint_url)


def test_an_image_without_versions_says_so(emulator: SageMakerImageEmulator) -> None:
    emulator.create_image("empty-image")
    with pytest.raises(ImageVersionNotFound, match="image 'empty-image' has no versions"):
        get_image_version("empty-image", endpoint_url=emulator.endpoint_url)


def test_the_endpoint_comes_from_the_environment_like_any_aws_sdk(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", emulator.endpoint_url)
    assert get_image_version(IMAGE, version=1).version == 1


def test_concurrent_lookups_share_one_client_and_are_all_right(emulator: SageMakerImageEmulator) -> None:
    expected = {v: get_image_version(IMAGE, version=v, endpoint_url=emulator.endpoint_url) for v in (1, 2, 3, 4)}

    def lookup(index: int) -> tuple[int, ImageVersionInfo]:
        version = index % 4 + 1
        return version, get_image_version(IMAGE, version=version, endpoint_url=emulator.endpoint_url)

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(lookup, range(200)))
    assert all(info == expected[version] for version, info in results)
    assert client_cache_stats().created == 1
