"""Lookup rules that the other lookup tests leave open (found by `make mutation`).

The settings' limits, exactly at their edges; the client every lookup with a setting shares and how it
is configured (retries, timeouts, pool, the user agent AWS logs); and the messages of failures the other
files do not reach: credentials AWS rejects, an AWS error that is not retried, an AWS setting botocore
cannot read, and an endpoint that cannot be reached in a region this botocore does not know; what a
pin reports while its query points elsewhere, and a pin whose version is gone.
"""

from __future__ import annotations

import linecache
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.retries.standard import ExponentialBackoff

from pulumi_sagemaker_image import get_image_version
from pulumi_sagemaker_image.errors import (
    AwsConfigurationError,
    AwsConnectionError,
    AwsCredentialsError,
    AwsServiceError,
    ImageNotFound,
    ImageVersionNotFound,
    InvalidImageVersionQuery,
)
from pulumi_sagemaker_image.lookup import (
    AwsSettings,
    LookupWarning,
    client_cache_stats,
    resolve,
    resolve_pinned,
    sagemaker_client,
)
from pulumi_sagemaker_image.models import ImageVersionQuery
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

IMAGE = "demo-pytorch"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may reach AWS: a request for its own (https) endpoints that a broken lookup lets through
    goes to a closed port on this machine."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")


def problems(**settings: Any) -> list[str]:
    with pytest.raises(InvalidImageVersionQuery) as caught:
        AwsSettings(**settings)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout"])
def test_timeouts_are_above_0_and_at_most_an_hour(name: str) -> None:
    for accepted in (0.001, 1, 3600, 3600.0):
        setting: dict[str, Any] = {name: accepted}
        AwsSettings(**setting)
    for refused in (0, 0.0, -1, 3600.001, 3601, True, "5"):
        assert problems(**{name: refused}) == [
            f"{name} {refused!r} must be a number of seconds above 0 and at most 3600"
        ]


def test_the_other_settings_say_what_they_must_be() -> None:
    AwsSettings(max_attempts=1, profile="dev", region="eu-west-1", role_arn="arn:aws:iam::123456789012:role/a/b/Reader")
    assert problems(max_attempts=0) == ["max_attempts 0 must be a whole number >= 1"]
    assert problems(max_attempts=True) == ["max_attempts True must be a whole number >= 1"]
    assert problems(profile=" ") == ["profile ' ' must be a non-empty profile name"]
    assert problems(region="eu-west") == ["region 'eu-west' is not an AWS region name like 'us-east-1'"]
    assert problems(role_arn="arn:aws:iam::123456789012:user/me") == [
        "role_arn 'arn:aws:iam::123456789012:user/me' is not an IAM role ARN like 'arn:aws:iam::123456789012:role/Name'"
    ]
    assert problems(endpoint_url="http://") == ["endpoint_url 'http://' must be an http:// or https:// URL with a host"]
    # The credentials in a URL are not repeated in the message, which reaches logs and Pulumi's output.
    (shown,) = problems(endpoint_url="https://me:hunter2@127.0.0.1:9/path")
    assert shown.startswith("endpoint_url 'https://***@127.0.0.1:9/path' must not carry credentials")
    assert "hunter2" not in shown
    # Every problem at once, in the settings' order.
    assert [text.split(" ", 1)[0] for text in problems(region="x", profile="", read_timeout=0)] == [
        "region",
        "profile",
        "read_timeout",
    ]


def test_one_client_per_setting_configured_as_the_messages_say(emulator: SageMakerImageEmulator) -> None:
    settings = AwsSettings(endpoint_url=emulator.endpoint_url, max_attempts=5, connect_timeout=2.5, read_timeout=7)
    client = sagemaker_client(settings)
    assert sagemaker_client(AwsSettings(**vars(settings))) is client
    assert (client_cache_stats().created, client_cache_stats().cached) == (1, 1)
    config: Any = client.meta.config  # botocore sets its options as attributes the stubs do not declare
    assert config.retries == {"mode": "standard", "total_max_attempts": 5}
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (2.5, 7, 32)
    # AWS logs (CloudTrail) show which tool made a request by its user agent.
    assert "pulumi-sagemaker-image" in (config.user_agent_extra or "")
    assert client.meta.region_name == "us-east-1"  # AWS_REGION, which botocore alone does not read
    # Without max_attempts, botocore's standard mode and its sources (AWS_MAX_ATTEMPTS, the profile) decide;
    # the timeouts are the defaults the schema and the README give (5 s to connect, 20 s to answer).
    default: Any = sagemaker_client(AwsSettings(endpoint_url=emulator.endpoint_url)).meta.config
    assert default.retries == {"mode": "standard"}
    assert (default.connect_timeout, default.read_timeout) == (5, 20)
    assert client_cache_stats().created == 2


def test_credentials_aws_rejects_say_so_and_what_to_do(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("DescribeImageVersion", Fault.error(400, "ExpiredTokenException", "The token is expired"))
    with pytest.raises(AwsCredentialsError) as caught:
        get_image_version(IMAGE, version=1, endpoint_url=emulator.endpoint_url)
    assert str(caught.value).startswith(
        "AWS rejected the credentials used to look up image 'demo-pytorch' (version 1) in us-east-1 "
        "(ExpiredTokenException: The token is expired). "
    )


def test_an_aws_error_that_is_not_retried_is_reported_after_one_attempt(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("DescribeImageVersion", Fault.error(400, "ValidationException", "Version  is  bad"))
    with pytest.raises(AwsServiceError) as caught:
        get_image_version(IMAGE, version=1, endpoint_url=emulator.endpoint_url)
    assert str(caught.value) == (
        "DescribeImageVersion failed for image 'demo-pytorch' (version 1) in us-east-1 with ValidationException "
        "after 1 attempt: Version is bad"
    )
    assert caught.value.code == "ValidationException"
    assert emulator.requests == ["DescribeImageVersion"]


def test_an_aws_setting_botocore_cannot_read_names_where_to_look(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "three")
    with pytest.raises(AwsConfigurationError) as caught:
        get_image_version(IMAGE, version=1, endpoint_url=emulator.endpoint_url)
    message = str(caught.value)
    assert message.startswith("cannot create a SageMaker client: an AWS setting has a malformed value (")
    assert message.endswith(
        "check AWS_MAX_ATTEMPTS and the profile's max_attempts in AWS_CONFIG_FILE (whole numbers >= 1)"
    )
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("region", "hint"),
    [
        ("us-east-1", "check your network and proxy settings"),
        ("xx-nowhere-9", "region 'xx-nowhere-9' is not a SageMaker region this botocore knows (af-south-1, "),
    ],
)
def test_aws_unreachable_says_whether_the_region_exists(region: str, hint: str) -> None:
    # AWS's own endpoint for the region, but nothing leaves this machine: the request is refused just
    # before botocore would send it, as a network without a route to AWS refuses it.
    client = sagemaker_client(AwsSettings(region=region, max_attempts=1))

    def unreachable(request: Any, **_: Any) -> None:
        raise EndpointConnectionError(endpoint_url=request.url)

    client.meta.events.register_first("before-send.sagemaker", unreachable)
    with pytest.raises(AwsConnectionError) as caught:
        get_image_version(IMAGE, version=1, region=region, max_attempts=1)
    message = str(caught.value)
    assert message.startswith(
        f"could not reach SageMaker at https://api.sagemaker.{region}.amazonaws.com to look up image "
        f"'demo-pytorch' (version 1) in {region} after 1 attempt: "
    )
    assert hint in message


@pytest.mark.parametrize("fault", [Fault.access_denied(), Fault.drop()], ids=["denied", "connection-closed"])
def test_a_missing_version_whose_listing_fails_is_still_not_found(
    emulator: SageMakerImageEmulator, fault: Fault
) -> None:
    # The listing that says which versions exist is a courtesy: when it fails (an AWS error, or no answer),
    # the lookup is still "not found" for the version, not for the image.
    emulator.inject("ListImageVersions", fault)
    with pytest.raises(ImageVersionNotFound) as caught:
        get_image_version(IMAGE, version=99, endpoint_url=emulator.endpoint_url, max_attempts=1)
    assert not isinstance(caught.value, ImageNotFound)
    assert str(caught.value) == "image 'demo-pytorch' has no version 99 in us-east-1"


def test_a_pin_reports_its_version_while_the_query_points_elsewhere(emulator: SageMakerImageEmulator) -> None:
    settings = AwsSettings(endpoint_url=emulator.endpoint_url)
    query = ImageVersionQuery.create(IMAGE, None, "stable")  # version 3 of the sample image
    # No pin, or a pin where the query points: one lookup, no drift.
    for pin in (None, 3):
        emulator.clear_requests()
        info, current = resolve_pinned(query, settings, pin)
        assert (info.version, current) == (3, 3)
        assert emulator.requests == ["DescribeImageVersion", "ListAliases"]
    # A pin older or newer than where the query points: the pin's data, under the query's alias, and where
    # the query points now (the drift to show); without ListAliases when asked so.
    for pin in (1, 4):
        emulator.clear_requests()
        info, current = resolve_pinned(query, settings, pin, list_aliases=False)
        assert (info.version, info.alias, current) == (pin, "stable", 3)
        assert emulator.requests == ["DescribeImageVersion", "DescribeImageVersion"]
    # The query's resolution made elsewhere (in the program) saves its lookup.
    now = resolve(query, settings)
    emulator.clear_requests()
    info, current = resolve_pinned(query, settings, 1, current=now)
    assert (info.version, current) == (1, 3)
    assert emulator.requests == ["DescribeImageVersion", "ListAliases"]
    # A pinned version that is gone: which, why, where the query points, and what to do.
    emulator.delete_image_version(IMAGE, 2)
    with pytest.raises(ImageVersionNotFound) as caught:
        resolve_pinned(query, settings, 2)
    assert str(caught.value) == (
        "pinned version 2 of image 'demo-pytorch' no longer exists (image 'demo-pytorch' has no version 2 in "
        "us-east-1 (versions: 1, 3, 4)); the alias 'stable' is now version 3: move the pin"
    )
    assert (caught.value.image_name, caught.value.selector) == (IMAGE, "version 2")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_retried_status_says_when_botocore_stopped_retrying_early(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    # botocore's standard mode retries these statuses, paying its per-client retry quota; once the quota is
    # spent it stops early, and the message must then say so next to the attempts really made. botocore's
    # wait between attempts is not what this checks, and on older botocore it is seconds per retry.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    emulator.inject("DescribeImageVersion", *(Fault.error(status, "ServerTrouble", "try again") for _ in range(400)))
    for _ in range(120):
        before = emulator.request_count()
        with pytest.raises(AwsServiceError) as caught:
            get_image_version(IMAGE, version=1, endpoint_url=emulator.endpoint_url)
        made = emulator.request_count() - before
        if made == 1:
            break
        note = " (of up to 3: after many failed attempts" if made < 3 else ":"
        assert f"after {made} attempts{note}" in str(caught.value)
    assert made == 1, "botocore never stopped retrying"
    assert str(caught.value) == (
        "DescribeImageVersion failed for image 'demo-pytorch' (version 1) in us-east-1 with ServerTrouble after "
        "1 attempt (of up to 3: after many failed attempts botocore's retry quota for this client is spent, and "
        "it retries again once requests succeed): try again"
    )


def test_the_client_count_starts_at_zero_in_a_new_process(emulator: SageMakerImageEmulator) -> None:
    # What a fresh process (a plugin, a CLI run) reports, without any test's reset before it.
    program = (
        "from pulumi_sagemaker_image import get_image_version\n"
        "from pulumi_sagemaker_image.lookup import client_cache_stats\n"
        "before = client_cache_stats()\n"
        f"get_image_version('demo-pytorch', version=1, endpoint_url={emulator.endpoint_url!r})\n"
        "after = client_cache_stats()\n"
        "print(before.created, before.cached, after.created, after.cached)\n"
    )
    shown = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert shown.split() == ["0", "0", "1", "1"]


def test_the_list_aliases_warning_points_at_the_users_call(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("ListAliases", Fault.access_denied())
    with pytest.warns(LookupWarning) as caught:
        get_image_version(IMAGE, alias="stable", endpoint_url=emulator.endpoint_url)  # the line warned about
    (warning,) = caught
    assert warning.filename == __file__
    assert linecache.getline(warning.filename, warning.lineno).strip().endswith("# the line warned about")


def test_rejected_credentials_name_the_profile_from_aws_profile(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    for profile, login in (("dev", "`aws sso login --profile dev`"), ("", "`aws sso login`")):
        monkeypatch.setenv("AWS_PROFILE", profile)
        emulator.inject("DescribeImageVersion", Fault.error(400, "ExpiredTokenException", "The token is expired"))
        with pytest.raises(AwsCredentialsError) as caught:
            get_image_version(IMAGE, version=1, endpoint_url=emulator.endpoint_url)
        assert str(caught.value).endswith(f"Refresh them (for SSO: {login}), or check AWS_PROFILE / AWS_ACCESS_KEY_ID")
