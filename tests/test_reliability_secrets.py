"""Credentials never leak: not into results, the pickled provider, outputs, errors, logs or the CLI.

Sentinel credentials sit where users keep theirs: the environment (with a session token), a profile in
AWS_SHARED_CREDENTIALS_FILE, credentials obtained by assuming ``role_arn`` (STS served by the emulator
through AWS_ENDPOINT_URL_STS), and ``aws:*`` stack config secrets handed to the provider's configure.
Every text a user, a log collector or a state file could see is then searched for them. The real
engine's state and output are checked in tests/e2e/test_reliability_e2e.py.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_sagemaker_image import (
    ImageVersionLookupError,
    ImageVersionProvider,
    InvalidImageVersionQuery,
    get_image_version,
)
from pulumi_sagemaker_image.lookup import AwsSettings, LookupWarning, reset_warnings, sagemaker_client
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
IMAGE = "demo-pytorch"
ROLE_ARN = "arn:aws:iam::123456789012:role/ImageReader"

ENV_CREDENTIALS = ("AKIASENTINELENV00001", "sentinel-env-secret-2b7e", "sentinel-env-token-c41d")
PROFILE_CREDENTIALS = ("AKIASENTINELPRF00002", "sentinel-profile-secret-93aa", "sentinel-profile-token-51f0")
CONFIG_CREDENTIALS = ("AKIASENTINELCFG00003", "sentinel-config-secret-77c2", "sentinel-config-token-e8a9")
# Any AWS access key ID (long-term AKIA or temporary ASIA), e.g. one STS handed out for the role.
ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")


class Sentinels:
    """Every credential in play; assumed-role credentials are added once the role has been assumed."""

    def __init__(self) -> None:
        self.values: list[str] = [*ENV_CREDENTIALS, *PROFILE_CREDENTIALS, *CONFIG_CREDENTIALS]

    def add_credentials_of(self, settings: AwsSettings) -> None:
        # The credentials the lookup's own client signs with (a private botocore accessor, read only).
        frozen = sagemaker_client(settings)._get_credentials().get_frozen_credentials()  # type: ignore[attr-defined]
        self.values += [value for value in (frozen.access_key, frozen.secret_key, frozen.token) if value]

    def assert_absent(self, text: str, where: str, *, any_access_key: bool = True) -> None:
        for value in self.values:
            assert value not in text, f"a credential ({value[:8]}...) appears in {where}"
        found = ACCESS_KEY_ID.search(text) if any_access_key else None
        assert found is None, f"an access key ID ({found.group()[:8]}...) appears in {where}"


@pytest.fixture
def sentinels(emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sentinels:
    key, secret, token = ENV_CREDENTIALS
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    credentials = tmp_path / "credentials"
    key, secret, token = PROFILE_CREDENTIALS
    credentials.write_text(
        f"[sentinel]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\naws_session_token = {token}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.endpoint_url)
    return Sentinels()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What a log collector would keep: this package at DEBUG, every other logger at INFO."""
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="pulumi_sagemaker_image")
    return caplog


SOURCES: dict[str, dict[str, str]] = {
    "environment": {},
    "profile": {"profile": "sentinel"},
    "role": {"role_arn": ROLE_ARN},
}


@pytest.mark.parametrize("source", SOURCES)
def test_lookups_and_their_failures_show_no_credentials(
    source: str,
    sentinels: Sentinels,
    emulator: SageMakerImageEmulator,
    logs: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    kwargs: dict[str, Any] = {"endpoint_url": emulator.endpoint_url, "max_attempts": 2, **SOURCES[source]}
    seen: list[str] = []

    info = get_image_version(IMAGE, alias="stable", **kwargs)
    sentinels.add_credentials_of(AwsSettings(**kwargs))
    seen += [repr(info), json.dumps(info.to_json_dict())]
    if source == "role":
        assert emulator.request_count("AssumeRole") == 1  # the credentials really came from the role

    # A denied ListAliases is a warning, not a failure; its text shows no credentials either.
    emulator.inject("ListAliases", Fault.access_denied())
    reset_warnings()
    with pytest.warns(LookupWarning) as warned:
        get_image_version(IMAGE, alias="stable", **kwargs)
    seen += [str(w.message) for w in warned]

    # Every kind of failure, with these credentials in play.
    for operation, faults in [
        ("DescribeImageVersion", [Fault.access_denied()]),
        ("DescribeImageVersion", [Fault.error(400, "ExpiredTokenException", "The security token is expired")]),
        ("DescribeImageVersion", [Fault.error(400, "InvalidSignatureException", "Signature mismatch")]),
        ("DescribeImageVersion", [Fault.throttle(), Fault.throttle()]),
        ("DescribeImageVersion", [Fault.internal(), Fault.unavailable()]),
        ("DescribeImageVersion", [Fault.drop(), Fault.drop()]),
    ]:
        emulator.inject(operation, *faults)
        with pytest.raises(ImageVersionLookupError) as caught:
            get_image_version(IMAGE, alias="stable", **kwargs)
        seen += [str(caught.value), repr(caught.value)]
    for selector in ({"alias": "prod"}, {"version": 9}):
        with pytest.raises(ImageVersionLookupError) as caught:
            get_image_version(IMAGE, **selector, **kwargs)
        seen.append(str(caught.value))
    assert emulator.pending_faults == {}

    for index, text in enumerate(seen):
        sentinels.assert_absent(text, f"result or error #{index}")
    sentinels.assert_absent(logs.text, "captured logging")
    out, err = capfd.readouterr()
    sentinels.assert_absent(out + err, "stdout/stderr")


def test_an_unassumable_role_fails_without_showing_the_base_credentials(
    sentinels: Sentinels, emulator: SageMakerImageEmulator, logs: pytest.LogCaptureFixture
) -> None:
    emulator.inject("AssumeRole", Fault.access_denied())
    with pytest.raises(ImageVersionLookupError) as caught:
        get_image_version(IMAGE, role_arn=ROLE_ARN, endpoint_url=emulator.endpoint_url)
    assert ROLE_ARN in str(caught.value)
    sentinels.assert_absent(str(caught.value), "the AssumeRole error")
    sentinels.assert_absent(logs.text, "captured logging")


def _decoded_provider(serialized: str) -> str:
    return base64.b64decode(serialized).decode("latin-1")


def test_the_provider_and_its_outputs_hold_no_credentials(
    sentinels: Sentinels, emulator: SageMakerImageEmulator, logs: pytest.LogCaptureFixture
) -> None:
    key, secret, token = CONFIG_CREDENTIALS
    config = {"aws:region": "us-east-1", "aws:accessKey": key, "aws:secretKey": secret, "aws:token": token}
    provider = ImageVersionProvider()
    provider.configure(ConfigureRequest(Config(config, "proj")))
    seen: dict[str, str] = {}

    for name, inputs in {
        "environment": {},
        "profile": {"profile": "sentinel"},
        "role": {"roleArn": ROLE_ARN},
    }.items():
        news = {"imageName": IMAGE, "alias": "stable", "endpointUrl": emulator.endpoint_url, **inputs}
        checked = provider.check({}, {**news, "__provider": serialize_provider(provider)})
        assert checked.failures == []
        created = provider.create(checked.inputs)
        assert created.outs is not None
        read = provider.read(created.id, created.outs)
        diff = provider.diff(created.id, created.outs, checked.inputs)
        assert diff.changes is False
        seen[f"{name} check"] = json.dumps(checked.inputs)
        seen[f"{name} create"] = json.dumps(created.outs)
        seen[f"{name} read"] = json.dumps([read.outs, read.inputs])
        emulator.inject("DescribeImageVersion", Fault.access_denied())
        failed = provider.check({}, news)
        seen[f"{name} check failure"] = " ".join(failure.reason for failure in failed.failures)
        assert failed.failures
    sentinels.add_credentials_of(AwsSettings(region="us-east-1", role_arn=ROLE_ARN, endpoint_url=emulator.endpoint_url))

    # The provider is pickled into every resource's state: after configure and lookups it still
    # carries nothing but its class.
    serialized = serialize_provider(provider)
    assert serialized == serialize_provider(ImageVersionProvider())
    seen["serialized provider"] = serialized
    seen["serialized provider, decoded"] = _decoded_provider(serialized)

    for where, text in seen.items():
        sentinels.assert_absent(text, where)
    sentinels.assert_absent(logs.text, "captured logging")


def test_the_cli_shows_no_credentials_even_with_debug(sentinels: Sentinels, emulator: SageMakerImageEmulator) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, *args, "--endpoint-url", emulator.endpoint_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    ok = run("describe", IMAGE, "--alias", "stable", "--output", "json", "--role-arn", ROLE_ARN)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["version"] == 3
    outputs: list[Callable[[], subprocess.CompletedProcess[str]]] = [
        lambda: run("describe", IMAGE, "--profile", "sentinel"),
        lambda: run("--debug", "describe", IMAGE, "--alias", "prod"),
    ]
    results = [ok] + [call() for call in outputs]
    emulator.inject("DescribeImageVersion", Fault.access_denied())
    results.append(run("--debug", "describe", IMAGE))  # a traceback, on purpose
    emulator.inject("AssumeRole", Fault.access_denied())
    results.append(run("--debug", "describe", IMAGE, "--role-arn", ROLE_ARN))
    assert [r.returncode for r in results] == [0, 0, 1, 1, 1]
    assert "Traceback" in results[-1].stderr
    for index, result in enumerate(results):
        sentinels.assert_absent(result.stdout + result.stderr, f"CLI run #{index}")


def test_credentials_in_an_endpoint_url_are_refused_and_not_echoed(
    sentinels: Sentinels, emulator: SageMakerImageEmulator
) -> None:
    key, secret, _ = ENV_CREDENTIALS
    port = emulator.endpoint_url.rsplit(":", 1)[1]
    url = f"http://{key}:{secret}@127.0.0.1:{port}"
    emulator.clear_requests()
    with pytest.raises(InvalidImageVersionQuery) as caught:
        get_image_version(IMAGE, endpoint_url=url)
    message = str(caught.value)
    assert f"endpoint_url 'http://***@127.0.0.1:{port}' must not carry credentials" in message
    sentinels.assert_absent(message, "the endpoint_url error")

    failures = ImageVersionProvider().check({}, {"imageName": IMAGE, "endpointUrl": url}).failures
    assert [failure.property for failure in failures] == [""]  # so the engine does not print the URL
    sentinels.assert_absent(failures[0].reason, "the endpointUrl check failure")
    assert emulator.requests == []


def test_the_secret_key_never_leaves_the_process_even_at_debug(
    sentinels: Sentinels, emulator: SageMakerImageEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # With every logger at DEBUG botocore dumps request headers: the access key ID (in Authorization)
    # and the session token travel with each request, but the secret key only signs, so it never shows.
    caplog.set_level(logging.DEBUG)
    get_image_version(IMAGE, endpoint_url=emulator.endpoint_url)
    get_image_version(IMAGE, profile="sentinel", endpoint_url=emulator.endpoint_url)
    assert "Authorization" in caplog.text  # botocore did log the requests
    assert ENV_CREDENTIALS[1] not in caplog.text
    assert PROFILE_CREDENTIALS[1] not in caplog.text
