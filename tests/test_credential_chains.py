"""Every way of combining AWS credentials with ``role_arn``, against the emulator's STS.

A user names a profile, or relies on environment keys, a container's or an SSO login, and may add a
role to assume on top. Each test asserts what that user gets: the lookup succeeds, every SageMaker
request is signed with the assumed role's credentials, and the role was assumed with the base
identity the user chose (the profile's, never the environment's, when a profile is named). The
emulator's request log records the access key of each request; ``assumed_role_arn`` names the role
behind a temporary one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pulumi_sagemaker_image import (
    AwsConfigurationError,
    AwsCredentialsError,
    ImageVersionProvider,
    get_image_version,
)
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

from .conftest import DUMMY_ACCESS_KEY as ENV_KEY
from .credential_endpoints import (
    CONTAINER_KEY,
    CONTAINER_TOKEN,
    SSO_KEY,
    SSO_TOKEN,
    CredentialEndpoints,
    serve_credential_endpoints,
)

IMAGE = "demo-pytorch"
ROLE = "arn:aws:iam::123456789012:role/Reader"
ASSUMED = "arn:aws:sts::123456789012:assumed-role/Reader/pulumi-sagemaker-image"
# A role the profile itself assumes (role_arn in the profile), before ours is assumed on top.
PROFILE_ROLE = "arn:aws:iam::123456789012:role/Deployer"
PROFILE_ROLE_ASSUMED = "arn:aws:sts::123456789012:assumed-role/Deployer/from-profile"

PROFILE_KEY = "AKIAPROFILECREDS0001"
CONFIG_KEY = "AKIACONFIGFILEKEY001"
PROCESS_KEY = "AKIACREDPROCESSKEY01"
SSO_START_URL = "https://example.awsapps.com/start"

LOOKUP = ("DescribeImageVersion", "ListAliases")


def signed_by(identity: str) -> list[tuple[str, str]]:
    return [(operation, identity) for operation in LOOKUP]


def via_role(*base: str) -> list[tuple[str, str]]:
    """AssumeRole signed by each base identity in turn (a profile's own role first), then the lookup as ROLE."""
    return [*(("AssumeRole", identity) for identity in base), *signed_by(ASSUMED)]


def signers(emulator: SageMakerImageEmulator) -> list[tuple[str, str]]:
    """Each request the emulator got, with who signed it: an assumed role's ARN, else the access key."""
    return [
        (request.operation, emulator.assumed_role_arn(request.access_key_id) or str(request.access_key_id))
        for request in emulator.request_log
    ]


def assumed_roles(emulator: SageMakerImageEmulator) -> list[tuple[str, str]]:
    return [
        (request.params["RoleArn"], request.params["RoleSessionName"])
        for request in emulator.request_log
        if request.operation == "AssumeRole"
    ]


# -- AWS files and credential endpoints -------------------------------------------------------------


def write_aws_files(config: str = "", credentials: str = "") -> None:
    """The config and credentials files the autouse ``aws_env`` fixture points botocore at."""
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(config, encoding="utf-8")
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(credentials, encoding="utf-8")


def without_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")


@pytest.fixture
def credential_endpoints() -> Iterator[CredentialEndpoints]:
    with serve_credential_endpoints() as endpoints:
        yield endpoints


@pytest.fixture(autouse=True)
def sts_at_emulator(emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch) -> SageMakerImageEmulator:
    """STS (and the profile's own role, when it has one) is the emulator's; the request log starts empty."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.endpoint_url)
    emulator.clear_requests()
    return emulator


# -- the combinations -------------------------------------------------------------------------------

PROFILE_CREDENTIALS = f"[base]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = profile-secret\n"


def _environment(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    pass  # the aws_env fixture's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY


def _credentials_file_profile(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)  # environment keys stay set: the named profile wins


def _config_file_profile(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    write_aws_files(config=f"[profile base]\naws_access_key_id = {CONFIG_KEY}\naws_secret_access_key = config-secret\n")


def _aws_profile_variable(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)
    without_environment_keys(mp)
    mp.setenv("AWS_PROFILE", "base")


def _aws_profile_variable_and_keys(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)
    mp.setenv("AWS_PROFILE", "base")


def _credential_process(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    script = tmp / "broker.py"
    issued = {"Version": 1, "AccessKeyId": PROCESS_KEY, "SecretAccessKey": "process-secret"}
    script.write_text(f"print({json.dumps(json.dumps(issued))})\n", encoding="utf-8")
    write_aws_files(
        config=f"[profile base]\ncredential_process = {shlex.quote(sys.executable)} {shlex.quote(str(script))}\n"
    )


def _profile_with_its_own_role(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    write_aws_files(
        config=(
            f"[profile base]\nrole_arn = {PROFILE_ROLE}\nsource_profile = keys\nrole_session_name = from-profile\n"
            "[profile keys]\n"
        ),
        credentials=f"[keys]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = profile-secret\n",
    )


def _container(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    without_environment_keys(mp)
    mp.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"{endpoints.url}/container-credentials")
    mp.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN)


def _profile_role_from_container(tmp: Path, mp: pytest.MonkeyPatch, endpoints: CredentialEndpoints) -> None:
    _container(tmp, mp, endpoints)
    write_aws_files(
        config=(
            f"[profile base]\nrole_arn = {PROFILE_ROLE}\ncredential_source = EcsContainer\n"
            "role_session_name = from-profile\n"
        )
    )


@dataclass(frozen=True)
class Chain:
    id: str
    setup: Callable[[Path, pytest.MonkeyPatch, CredentialEndpoints], None]
    profile: str | None
    role_arn: str | None
    signers: list[tuple[str, str]]


CHAINS = [
    Chain("environment", _environment, None, None, signed_by(ENV_KEY)),
    Chain("environment+role", _environment, None, ROLE, via_role(ENV_KEY)),
    Chain("profile", _credentials_file_profile, "base", None, signed_by(PROFILE_KEY)),
    Chain("profile+role", _credentials_file_profile, "base", ROLE, via_role(PROFILE_KEY)),
    Chain("config-profile+role", _config_file_profile, "base", ROLE, via_role(CONFIG_KEY)),
    Chain("AWS_PROFILE+role", _aws_profile_variable, None, ROLE, via_role(PROFILE_KEY)),
    # botocore's rule, as in the AWS CLI: keys in the environment beat AWS_PROFILE, not profile=.
    Chain("AWS_PROFILE-and-keys+role", _aws_profile_variable_and_keys, None, ROLE, via_role(ENV_KEY)),
    Chain("credential_process", _credential_process, "base", None, signed_by(PROCESS_KEY)),
    Chain("credential_process+role", _credential_process, "base", ROLE, via_role(PROCESS_KEY)),
    Chain("profile-role+role", _profile_with_its_own_role, "base", ROLE, via_role(PROFILE_KEY, PROFILE_ROLE_ASSUMED)),
    Chain("container", _container, None, None, signed_by(CONTAINER_KEY)),
    Chain("container+role", _container, None, ROLE, via_role(CONTAINER_KEY)),
    Chain(
        "container-profile-role+role",
        _profile_role_from_container,
        "base",
        ROLE,
        via_role(CONTAINER_KEY, PROFILE_ROLE_ASSUMED),
    ),
]


@pytest.mark.parametrize("chain", CHAINS, ids=lambda chain: chain.id)
def test_each_credential_chain_signs_the_lookup_as_expected(
    chain: Chain,
    emulator: SageMakerImageEmulator,
    credential_endpoints: CredentialEndpoints,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    chain.setup(tmp_path, monkeypatch, credential_endpoints)
    info = get_image_version(
        IMAGE, alias="stable", profile=chain.profile, role_arn=chain.role_arn, endpoint_url=emulator.endpoint_url
    )
    assert (info.version, info.alias) == (3, "stable")
    assert signers(emulator) == chain.signers
    if chain.role_arn is not None:
        assert assumed_roles(emulator)[-1] == (ROLE, "pulumi-sagemaker-image")
    if PROFILE_ROLE_ASSUMED in dict(chain.signers).values():
        assert assumed_roles(emulator)[0] == (PROFILE_ROLE, "from-profile")
    container_used = chain.setup in (_container, _profile_role_from_container)
    assert [path for path, _, _ in credential_endpoints.requests] == (
        ["/container-credentials"] if container_used else []
    )


def test_the_role_is_assumed_once_for_many_lookups(emulator: SageMakerImageEmulator) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)
    for version in (1, 2, 3):
        get_image_version(IMAGE, version, profile="base", role_arn=ROLE, endpoint_url=emulator.endpoint_url)
    assert signers(emulator) == via_role(PROFILE_KEY) + signed_by(ASSUMED) * 2


def test_sso_profiles_with_and_without_a_role(
    emulator: SageMakerImageEmulator,
    credential_endpoints: CredentialEndpoints,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # botocore fixes the SSO token cache (~/.aws/sso/cache) when it is imported, so the lookups run in
    # a fresh interpreter whose HOME holds the tokens `aws sso login` would have cached: one for a
    # legacy SSO profile (keyed by start URL), one for an sso-session (keyed by the session's name).
    cache = tmp_path / "home" / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    expires = (datetime.now(timezone.utc) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = {"startUrl": SSO_START_URL, "region": "us-east-1", "accessToken": SSO_TOKEN, "expiresAt": expires}
    for key in (SSO_START_URL, "corp"):
        (cache / f"{hashlib.sha1(key.encode()).hexdigest()}.json").write_text(json.dumps(token), encoding="utf-8")
    write_aws_files(
        config=(
            f"[profile sso-legacy]\nsso_start_url = {SSO_START_URL}\nsso_region = us-east-1\n"
            "sso_account_id = 111122223333\nsso_role_name = Developer\n"
            "[profile sso-session-user]\nsso_session = corp\n"
            "sso_account_id = 111122223333\nsso_role_name = Developer\n"
            f"[sso-session corp]\nsso_start_url = {SSO_START_URL}\nsso_region = us-east-1\n"
        )
    )
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", credential_endpoints.url)
    code = (
        "import sys\n"
        "from pulumi_sagemaker_image import get_image_version\n"
        "for profile, role in (('sso-legacy', None), ('sso-legacy', sys.argv[2]), ('sso-session-user', sys.argv[2])):\n"
        "    info = get_image_version('demo-pytorch', alias='stable', profile=profile, role_arn=role,\n"
        "                             endpoint_url=sys.argv[1])\n"
        "    print(info.version)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, emulator.endpoint_url, ROLE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "3", "3"]
    assert signers(emulator) == signed_by(SSO_KEY) + via_role(SSO_KEY) + via_role(SSO_KEY)
    # GetRoleCredentials with the cached token, once per client: the plain SSO lookup, then the base
    # credentials of each role.
    expected = ("/federation/credentials", {"account_id": "111122223333", "role_name": "Developer"}, SSO_TOKEN)
    assert credential_endpoints.requests == [expected] * 3


def test_the_cli_assumes_the_role_with_the_profile(emulator: SageMakerImageEmulator) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)
    cli = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
    args = ["describe", IMAGE, "--alias", "stable", "--profile", "base", "--role-arn", ROLE, "--output", "json"]
    result = subprocess.run(
        [cli, *args, "--endpoint-url", emulator.endpoint_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["version"] == 3
    assert signers(emulator) == via_role(PROFILE_KEY)


def test_an_image_version_resource_assumes_the_role_with_the_profile(emulator: SageMakerImageEmulator) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)
    news = {
        "imageName": IMAGE,
        "alias": "stable",
        "profile": "base",
        "roleArn": ROLE,
        "endpointUrl": emulator.endpoint_url,
        "__provider": "x",
    }
    result = ImageVersionProvider().check({}, news)
    assert result.failures == []
    assert result.inputs["version"] == 3
    assert signers(emulator) == via_role(PROFILE_KEY)


# -- what still fails, and how ----------------------------------------------------------------------


def test_an_unknown_profile_with_a_role_names_the_profile(emulator: SageMakerImageEmulator) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)
    with pytest.raises(AwsConfigurationError) as caught:
        get_image_version(IMAGE, profile="nope", role_arn=ROLE, endpoint_url=emulator.endpoint_url)
    message = str(caught.value)
    assert "AWS profile 'nope' is not in the AWS config or credentials files" in message
    assert "aws configure --profile nope" in message
    assert emulator.requests == []


def test_a_role_the_profile_cannot_assume_fails_without_falling_back(emulator: SageMakerImageEmulator) -> None:
    write_aws_files(credentials=PROFILE_CREDENTIALS)
    emulator.inject("AssumeRole", Fault.access_denied())
    with pytest.raises(AwsCredentialsError) as caught:
        get_image_version(IMAGE, profile="base", role_arn=ROLE, endpoint_url=emulator.endpoint_url)
    message = str(caught.value)
    assert f"could not assume role {ROLE} to look up image 'demo-pytorch'" in message
    assert "AccessDenied" in message
    assert "trusts the calling identity" in message
    # Neither the profile's nor the environment's identity asked SageMaker instead.
    assert signers(emulator) == [("AssumeRole", PROFILE_KEY)]


def test_a_profile_without_credentials_under_a_role_names_the_profile(
    emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_aws_files(config="[profile empty]\nregion = us-east-1\n")
    with pytest.raises(AwsCredentialsError) as caught:
        get_image_version(IMAGE, profile="empty", role_arn=ROLE, endpoint_url=emulator.endpoint_url)
    message = str(caught.value)
    # The environment's keys are set, but a named profile does not borrow them.
    assert f"AWS profile 'empty' gives no usable credentials to assume role {ROLE}" in message
    assert "aws sso login --profile empty" in message
    assert emulator.requests == []

    without_environment_keys(monkeypatch)
    with pytest.raises(AwsCredentialsError) as caught:
        get_image_version(IMAGE, role_arn=ROLE, endpoint_url=emulator.endpoint_url)
    assert f"no AWS credentials found to assume role {ROLE} for looking up image 'demo-pytorch'" in str(caught.value)
    assert emulator.requests == []


def test_a_failing_credential_process_under_a_role_says_so(emulator: SageMakerImageEmulator, tmp_path: Path) -> None:
    script = tmp_path / "broker_down.py"
    script.write_text("import sys\nsys.exit('credential broker unreachable')\n", encoding="utf-8")
    write_aws_files(
        config=f"[profile base]\ncredential_process = {shlex.quote(sys.executable)} {shlex.quote(str(script))}\n"
    )
    with pytest.raises(AwsCredentialsError) as caught:
        get_image_version(IMAGE, profile="base", role_arn=ROLE, endpoint_url=emulator.endpoint_url)
    message = str(caught.value)
    assert "could not load AWS credentials" in message
    assert "credential broker unreachable" in message
    assert "aws sso login --profile base" in message
    assert emulator.requests == []
