"""Bad input and the errors users hit: each fails clearly, names what is wrong and says what to do.

Bad input is generated (Hypothesis, derandomized) and pushed through the two ways users give it: the
Pulumi check path (``ImageVersionProvider.check``, as the engine calls it, numbers as floats) and the
CLI. Every input must fail on the right camelCase property, or with exit code 2, before any request.
The errors users hit are produced by the emulator's faults or by botocore's real behaviour (credential
chain, config files, SSO cache, endpoint resolution). Figures: ``tests/reliability_report.py``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_sagemaker_image import (
    AwsAccessDenied,
    ImageVersionLookupError,
    ImageVersionProvider,
    get_image_version,
)
from pulumi_sagemaker_image.lookup import LookupWarning, reset_warnings
from pulumi_sagemaker_image.testing import Fault, SageMakerImageEmulator

from .credential_endpoints import serve_credential_endpoints
from .reliability_report import BAD_INPUT_REQUESTS, CHECK_PATH_EXAMPLES, CLI_EXAMPLES, ERROR_CASES, ErrorCase

CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
IMAGE = "demo-pytorch"
ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

# -- oracles: the API's rules restated in plain Python ----------------------------------------------


def valid_name(value: object) -> bool:
    if not isinstance(value, str) or not 1 <= len(value) <= 63:
        return False
    if value[0] not in ALNUM or value[-1] not in ALNUM:
        return False
    return all(c in ALNUM or (c in "-." and p in ALNUM) for p, c in itertools.pairwise(value))


def valid_alias(value: object) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 128
        and value[0] not in "-."
        and all(c in ALNUM or c in "-_." for c in value)
    )


# -- strategies ---------------------------------------------------------------------------------

valid_names = st.from_regex(r"[a-z0-9]([-.]?[a-z0-9]){0,20}", fullmatch=True)
valid_aliases = st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_.\-]{0,20}", fullmatch=True)
# Values the engine can hand over for any property: JSON scalars and containers (numbers as floats).
wire_junk = st.one_of(
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(st.integers(-5, 5).map(float), max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), st.just("x"), max_size=1),
)
awkward_text = st.text(
    alphabet=st.sampled_from([*"aZ09-._ \t\n/:@+", "\u00e9", "\u0663", "\uff21", "\u200b", "\u00a0"]), max_size=70
) | st.text(max_size=140)


def _framed(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid values with the classic mistakes around them."""
    return st.one_of(
        strategy.map(lambda s: f" {s}"),
        strategy.map(lambda s: f"{s}\n"),
        strategy.map(lambda s: f"-{s}"),
        strategy.map(lambda s: f".{s}"),
        strategy.map(lambda s: f"{s} {s}"),
        strategy.map(lambda s: f"{s}\u00e9"),
        strategy.map(lambda s: f"{s}/{s}"),
    )


bad_names = st.one_of(
    st.just(""),
    st.just(None),
    st.text(alphabet="ab", min_size=64, max_size=90),
    valid_names.map(lambda s: f"{s}--x"),
    valid_names.map(lambda s: f"{s}.-x"),
    valid_names.map(lambda s: f"{s}-"),
    _framed(valid_names),
    awkward_text,
    wire_junk,
).filter(lambda value: not valid_name(value))

bad_aliases = st.one_of(
    st.just(""),
    st.text(alphabet="ab", min_size=129, max_size=160),
    _framed(valid_aliases),
    awkward_text,
    wire_junk,
).filter(lambda value: value is not None and not valid_alias(value))

bad_versions = st.one_of(
    st.integers(max_value=-1).map(float),  # negative, as the wire carries it
    st.floats().filter(lambda f: not f.is_integer()),  # fractions, nan, inf
    st.booleans(),
    st.integers(min_value=0, max_value=99).map(str),  # numeric strings
    st.sampled_from(["3.0", " 3", "+3", "\u0663", "1e3", "", "latest", "0x3"]),
    st.lists(st.integers(0, 3).map(float), min_size=1, max_size=2),
)

bad_endpoint_urls = st.one_of(
    st.sampled_from(["ftp", "file", "s3", "ws", "javascript", "HTTP+unix", ""]).map(lambda s: f"{s}://host:1/"),
    st.from_regex(r"[a-z0-9.]{1,20}(:[0-9]{1,5})?", fullmatch=True),  # no scheme at all
    st.sampled_from(["http://", "https://", "http:///path", "http://:80", "http://host:notaport", "http://host:99999"]),
    st.tuples(st.from_regex(r"[A-Za-z0-9]{0,12}", fullmatch=True), st.sampled_from(["", ":pw_x", ":pw_@x"])).map(
        lambda parts: f"https://usr_{parts[0]}{parts[1]}@127.0.0.1:1"  # credentials in the URL
    ),
    wire_junk,
)

bad_settings = st.one_of(
    st.tuples(st.just("region"), st.sampled_from(["US-EAST-1", "useast1", "us_east_1", "us-east", " us-east-1", ""])),
    st.tuples(st.just("region"), awkward_text.filter(lambda s: s not in ("",) and not s.isascii())),
    st.tuples(st.just("profile"), st.sampled_from(["", " ", "\t", "\n"])),
    st.tuples(
        st.just("roleArn"),
        st.sampled_from(
            [
                "admin",
                "arn:aws:iam::12345:role/x",
                "arn:aws:iam::123456789012:user/x",
                "arn:aws:s3:::bucket",
                "arn:aws:iam::123456789012:role/",
                "arn:aws:iam::123456789012:roleAdmin",
                "arn:aws:iam::123456789012:role/a/",
                f"arn:aws:iam::123456789012:role/{'r' * 65}",
            ]
        ),
    ),
    st.tuples(st.sampled_from(["region", "profile", "roleArn"]), wire_junk.filter(lambda v: v is not None)),
)

PROPERTY_TESTS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)  # plus max_examples, from the report's figures

# -- the check path ----------------------------------------------------------------------------------


def program_inputs(emulator: SageMakerImageEmulator, **inputs: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"imageName": IMAGE, "endpointUrl": emulator.endpoint_url, "__provider": "x"}
    props.update(inputs)
    return props


def check_failures(emulator: SageMakerImageEmulator, **inputs: Any) -> dict[str, str]:
    """ImageVersionProvider().check as the engine calls it; returns {property: reason}."""
    news = program_inputs(emulator, **inputs)
    result = ImageVersionProvider().check({}, news)
    failures = {failure.property: failure.reason for failure in result.failures}
    assert len(failures) == len(result.failures)
    if failures:
        # A failed check hands back the program's inputs untouched: no resolution is half-written.
        assert result.inputs == {key: value for key, value in news.items() if key != "__provider"}
    return failures


@pytest.fixture
def quiet_emulator(emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch) -> SageMakerImageEmulator:
    """The emulator, which must see no request: even inputs without endpointUrl (or assuming a role) reach it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", emulator.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.endpoint_url)
    emulator.clear_requests()
    return emulator


def run_property(examples: int, strategy: st.SearchStrategy[Any], body: Callable[[Any], None]) -> int:
    tried: list[object] = []

    @settings(PROPERTY_TESTS, max_examples=examples)
    @given(strategy)
    def run(value: Any) -> None:
        tried.append(value)
        body(value)

    run()
    return len(tried)


def test_check_path_bad_image_names(quiet_emulator: SageMakerImageEmulator) -> None:
    def body(name: object) -> None:
        failures = check_failures(quiet_emulator, imageName=name)
        assert set(failures) == {"imageName"}
        assert failures["imageName"].startswith("image_name ")
        assert "an image name is 1 to 63 ASCII letters and digits" in failures["imageName"]

    examples = CHECK_PATH_EXAMPLES["imageName"]
    assert run_property(examples, bad_names, body) == examples
    assert quiet_emulator.request_count() == BAD_INPUT_REQUESTS


def test_check_path_bad_aliases(quiet_emulator: SageMakerImageEmulator) -> None:
    def body(alias: object) -> None:
        failures = check_failures(quiet_emulator, alias=alias)
        assert set(failures) == {"alias"}
        assert "an alias is 1 to 128 ASCII letters" in failures["alias"]

    examples = CHECK_PATH_EXAMPLES["alias"]
    assert run_property(examples, bad_aliases, body) == examples
    assert quiet_emulator.request_count() == BAD_INPUT_REQUESTS


def test_check_path_bad_versions(quiet_emulator: SageMakerImageEmulator) -> None:
    def body(version: object) -> None:
        failures = check_failures(quiet_emulator, version=version)
        assert set(failures) == {"version"}
        assert "a version is a whole number from 0 to 2147483647" in failures["version"]
        if isinstance(version, float) and version.is_integer():
            assert "is negative" in failures["version"]

    examples = CHECK_PATH_EXAMPLES["version"]
    assert run_property(examples, bad_versions, body) == examples
    assert quiet_emulator.request_count() == BAD_INPUT_REQUESTS


def test_check_path_version_and_alias_together(quiet_emulator: SageMakerImageEmulator) -> None:
    def body(pair: tuple[int, str]) -> None:
        version, alias = pair
        failures = check_failures(quiet_emulator, version=float(version), alias=alias)
        assert set(failures) == {"alias"}
        assert f"cannot be combined with version {version}" in failures["alias"]
        assert "give a version or an alias, not both" in failures["alias"]

    examples = CHECK_PATH_EXAMPLES["version and alias together"]
    strategy = st.tuples(st.integers(0, 10**6), valid_aliases)
    assert run_property(examples, strategy, body) == examples
    assert quiet_emulator.request_count() == BAD_INPUT_REQUESTS


def test_check_path_bad_endpoint_urls(quiet_emulator: SageMakerImageEmulator) -> None:
    def body(url: object) -> None:
        failures = check_failures(quiet_emulator, endpointUrl=url)
        # A URL with user info is reported on the resource (""), because the engine prints the raw
        # value next to a property's failure.
        carries_userinfo = isinstance(url, str) and "@" in url and "must not carry" in "".join(failures.values())
        (prop,) = failures
        assert prop == ("" if carries_userinfo else "endpointUrl")
        reason = failures[prop]
        assert "http:// or https:// URL" in reason or "must not carry credentials" in reason
        if isinstance(url, str) and url.startswith("https://usr_"):
            assert "usr_" not in reason  # never echoes the credentials
            assert "pw_" not in reason
            assert "'https://***@127.0.0.1:1'" in reason

    examples = CHECK_PATH_EXAMPLES["endpointUrl"]
    assert run_property(examples, bad_endpoint_urls, body) == examples
    assert quiet_emulator.request_count() == BAD_INPUT_REQUESTS


def test_check_path_bad_region_profile_role(quiet_emulator: SageMakerImageEmulator) -> None:
    def body(setting: tuple[str, object]) -> None:
        prop, value = setting
        failures = check_failures(quiet_emulator, **{prop: value})
        assert set(failures) == {prop}

    examples = CHECK_PATH_EXAMPLES["region, profile, roleArn"]
    assert run_property(examples, bad_settings, body) == examples
    assert quiet_emulator.request_count() == BAD_INPUT_REQUESTS


def test_every_bad_property_is_reported_at_once(quiet_emulator: SageMakerImageEmulator) -> None:
    failures = check_failures(
        quiet_emulator, imageName="-bad", version=-1.0, region="mars", endpointUrl="ftp://x", roleArn="admin"
    )
    assert set(failures) == {"imageName", "version", "region", "endpointUrl", "roleArn"}
    assert quiet_emulator.request_count() == 0


# -- the CLI path --------------------------------------------------------------------------------------

argv_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=80)
cli_cases = st.one_of(
    argv_text.filter(lambda s: not valid_name(s)).map(lambda name: ("name", [name])),
    argv_text.filter(lambda s: not valid_alias(s)).map(lambda alias: ("alias", [IMAGE, f"--alias={alias}"])),
    st.one_of(st.integers(max_value=-1).map(str), argv_text.filter(lambda s: not (s.isascii() and s.isdigit()))).map(
        lambda version: ("version", [IMAGE, f"--version={version}"])
    ),
    st.tuples(st.integers(0, 99), valid_aliases).map(
        lambda pair: ("both", [IMAGE, f"--version={pair[0]}", f"--alias={pair[1]}"])
    ),
)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60, check=False)


def describe_args(emulator: SageMakerImageEmulator, args: list[str]) -> list[str]:
    # Options first, then `--`, so names starting with '-' stay positional.
    return ["describe", "--endpoint-url", emulator.endpoint_url, *args[1:], "--", args[0]]


def test_cli_bad_input_exits_2_with_an_error_line_and_no_request(quiet_emulator: SageMakerImageEmulator) -> None:
    def body(case: tuple[str, list[str]]) -> None:
        kind, args = case
        result = run_cli(*describe_args(quiet_emulator, args))
        assert result.returncode == 2, result
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
        lines = result.stderr.rstrip("\n").split("\n")
        if kind in ("name", "alias"):
            # Rejected by the query's own rules: exactly one line.
            assert len(lines) == 1, result.stderr
            prop = "image_name" if kind == "name" else "alias"
            assert lines[0].startswith(f"pulumi-sagemaker-image: error: invalid image version query: {prop} ")
        else:
            # Rejected by argparse: its usage block, then one error line naming the option.
            assert lines[-1].startswith("pulumi-sagemaker-image describe: error: argument --")
            assert ("--version" if kind == "version" else "not allowed with argument") in lines[-1]

    assert run_property(CLI_EXAMPLES, cli_cases, body) == CLI_EXAMPLES
    assert quiet_emulator.request_count() == BAD_INPUT_REQUESTS


def test_cli_option_errors_are_one_line_too(quiet_emulator: SageMakerImageEmulator) -> None:
    result = run_cli("describe", "--endpoint-url", quiet_emulator.endpoint_url, "--version=-1", IMAGE)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_cli_bad_settings_exit_2_in_one_line(quiet_emulator: SageMakerImageEmulator) -> None:
    for args, says in [
        (["--read-timeout", "0"], "read_timeout 0.0 must be a number of seconds above 0"),
        (["--max-attempts", "0"], "max_attempts 0 must be a whole number >= 1"),
        (["--endpoint-url", "https://key:secret@127.0.0.1:1"], "must not carry credentials"),
    ]:
        result = run_cli("describe", "--endpoint-url", quiet_emulator.endpoint_url, *args, IMAGE)
        assert result.returncode == 2, result
        (line,) = result.stderr.strip().splitlines()
        assert says in line
        assert "secret" not in line
    assert quiet_emulator.request_count() == 0


# -- the errors users hit ------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(text: str) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(text, encoding="utf-8")


def _lookup_error(**kwargs: Any) -> tuple[str, str]:
    try:
        get_image_version(kwargs.pop("image_name", IMAGE), **kwargs)
    except ImageVersionLookupError as exc:
        return type(exc).__name__, str(exc)
    raise AssertionError("the lookup succeeded")


def _no_credentials(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    mp.delenv("AWS_ACCESS_KEY_ID")
    mp.delenv("AWS_SECRET_ACCESS_KEY")
    return _lookup_error(endpoint_url=em.endpoint_url)


def _expired_token(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    em.inject(
        "DescribeImageVersion",
        Fault.error(400, "ExpiredTokenException", "The security token included in the request is expired"),
    )
    return _lookup_error(endpoint_url=em.endpoint_url)


def _invalid_token(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    em.inject(
        "DescribeImageVersion",
        Fault.error(400, "UnrecognizedClientException", "The security token included in the request is invalid."),
    )
    return _lookup_error(endpoint_url=em.endpoint_url)


def _expired_credential_process(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, tmp: Path) -> tuple[str, str]:
    script = tmp / "expired_credentials.py"
    expired = {
        "Version": 1,
        "AccessKeyId": "AKIAEXPIREDEXAMPLE01",
        "SecretAccessKey": "expired",
        "SessionToken": "expired",
        "Expiration": "2020-01-01T00:00:00Z",
    }
    script.write_text(f"print({json.dumps(json.dumps(expired))})\n", encoding="utf-8")
    write_config(f"[profile expiring]\ncredential_process = {shlex.quote(sys.executable)} {shlex.quote(str(script))}\n")
    return _lookup_error(profile="expiring", endpoint_url=em.endpoint_url)


def _failing_credential_process(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, tmp: Path) -> tuple[str, str]:
    script = tmp / "broker_down.py"
    script.write_text("import sys\nsys.exit('credential broker unreachable')\n", encoding="utf-8")
    write_config(f"[profile brokered]\ncredential_process = {shlex.quote(sys.executable)} {shlex.quote(str(script))}\n")
    return _lookup_error(profile="brokered", endpoint_url=em.endpoint_url)


def _expired_sso_session(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, tmp: Path) -> tuple[str, str]:
    # botocore fixes the SSO token cache directory (~/.aws/sso/cache) when it is imported, so this runs
    # in a fresh interpreter whose HOME holds an expired token, as after a day without `aws sso login`.
    # botocore >= 1.39.15 sees the expiry itself; older ones ask the SSO portal, which refuses the token
    # (the loopback portal answers as the real one does), and users see the same error either way.
    import hashlib

    start_url = "https://example.awsapps.com/start"
    cache = tmp / "home" / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    token = {"startUrl": start_url, "region": "us-east-1", "accessToken": "t", "expiresAt": "2020-01-01T00:00:00Z"}
    (cache / f"{hashlib.sha1(start_url.encode()).hexdigest()}.json").write_text(json.dumps(token))
    write_config(
        f"[profile sso-user]\nsso_start_url = {start_url}\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Reader\nregion = us-east-1\n"
    )
    mp.setenv("HOME", str(tmp / "home"))
    code = (
        "import json, sys\n"
        "from pulumi_sagemaker_image import get_image_version, ImageVersionLookupError\n"
        "try:\n"
        "    get_image_version('demo-pytorch', profile='sso-user', endpoint_url=sys.argv[1])\n"
        "except ImageVersionLookupError as exc:\n"
        "    print(json.dumps([type(exc).__name__, str(exc)]))\n"
    )
    with serve_credential_endpoints() as portal:
        mp.setenv("AWS_ENDPOINT_URL_SSO", portal.url)
        result = subprocess.run(
            [sys.executable, "-c", code, em.endpoint_url], capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 0, result.stderr
    name, message = json.loads(result.stdout)
    return str(name), str(message)


def _access_denied_describe(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    em.inject("DescribeImageVersion", Fault.access_denied())
    return _lookup_error(alias="stable", endpoint_url=em.endpoint_url)


def _access_denied_list_aliases(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    em.inject("ListAliases", Fault.access_denied())
    reset_warnings()
    with pytest.warns(LookupWarning) as caught:
        info = get_image_version(IMAGE, version=3, endpoint_url=em.endpoint_url)
    assert (info.version, info.aliases) == (3, ())
    return "LookupWarning", str(caught[0].message)


def _role_not_assumable(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    mp.setenv("AWS_ENDPOINT_URL_STS", em.endpoint_url)
    em.inject("AssumeRole", Fault.access_denied())
    return _lookup_error(role_arn="arn:aws:iam::123456789012:role/Reader", endpoint_url=em.endpoint_url)


def _unknown_region(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    # botocore builds https://api.sagemaker.xx-nowhere-1.amazonaws.com; the name does not resolve.
    return _lookup_error(region="xx-nowhere-1", max_attempts=1)


def _no_region(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    mp.delenv("AWS_REGION")
    return _lookup_error(endpoint_url=em.endpoint_url)


def _unknown_profile(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    mp.setenv("AWS_PROFILE", "nope")
    return _lookup_error(endpoint_url=em.endpoint_url)


def _malformed_max_attempts(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    mp.setenv("AWS_MAX_ATTEMPTS", "three")
    return _lookup_error(endpoint_url=em.endpoint_url)


def _unreachable_endpoint(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    return _lookup_error(endpoint_url=f"http://127.0.0.1:{closed_port()}", connect_timeout=1)


def _image_missing(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    return _lookup_error(image_name="no-such-image", endpoint_url=em.endpoint_url)


def _version_missing(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    return _lookup_error(version=9, endpoint_url=em.endpoint_url)


def _alias_missing(em: SageMakerImageEmulator, mp: pytest.MonkeyPatch, _: Path) -> tuple[str, str]:
    return _lookup_error(alias="prod", endpoint_url=em.endpoint_url)


SCENARIOS: dict[str, Callable[[SageMakerImageEmulator, pytest.MonkeyPatch, Path], tuple[str, str]]] = {
    "no-credentials": _no_credentials,
    "expired-token": _expired_token,
    "invalid-token": _invalid_token,
    "expired-credential-process": _expired_credential_process,
    "failing-credential-process": _failing_credential_process,
    "expired-sso-session": _expired_sso_session,
    "access-denied-describe": _access_denied_describe,
    "access-denied-list-aliases": _access_denied_list_aliases,
    "role-not-assumable": _role_not_assumable,
    "unknown-region": _unknown_region,
    "no-region": _no_region,
    "unknown-profile": _unknown_profile,
    "malformed-max-attempts": _malformed_max_attempts,
    "unreachable-endpoint": _unreachable_endpoint,
    "image-missing": _image_missing,
    "version-missing": _version_missing,
    "alias-missing": _alias_missing,
}


def test_every_documented_error_case_has_a_scenario() -> None:
    assert [case.id for case in ERROR_CASES] == list(SCENARIOS)


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda case: case.id)
def test_errors_users_hit_say_what_to_do(
    case: ErrorCase, emulator: SageMakerImageEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    error, message = SCENARIOS[case.id](emulator, monkeypatch, tmp_path)
    assert error == case.error, message
    for phrase in case.says:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    assert "\n" not in message
    assert emulator.pending_faults == {}


def test_access_denied_carries_the_action_and_resource(emulator: SageMakerImageEmulator) -> None:
    emulator.inject("DescribeImageVersion", Fault.access_denied())
    with pytest.raises(AwsAccessDenied) as caught:
        get_image_version(IMAGE, version=3, endpoint_url=emulator.endpoint_url)
    assert caught.value.action == "sagemaker:DescribeImageVersion"
    assert caught.value.resource_arn == "arn:aws:sagemaker:us-east-1:123456789012:image-version/demo-pytorch/3"
    assert isinstance(caught.value, PermissionError)


def test_errors_reach_pulumi_as_check_failures_and_the_cli_as_one_line(emulator: SageMakerImageEmulator) -> None:
    # AWS errors are general check failures; "not found" lands on the selector that found nothing.
    emulator.inject("DescribeImageVersion", Fault.access_denied())
    failures = check_failures(emulator, alias="stable")
    assert list(failures) == [""]
    assert "sagemaker:DescribeImageVersion" in failures[""]
    failures = check_failures(emulator, alias="prod")
    assert list(failures) == ["alias"]
    assert "has no alias 'prod'" in failures["alias"]
    failures = check_failures(emulator, imageName="no-such-image")
    assert list(failures) == ["imageName"]
    assert "image 'no-such-image' does not exist" in failures["imageName"]

    emulator.inject("DescribeImageVersion", Fault.access_denied())
    result = run_cli("describe", IMAGE, "--alias", "stable", "--endpoint-url", emulator.endpoint_url)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("pulumi-sagemaker-image: error: access denied for image 'demo-pytorch'")
    assert "sagemaker:DescribeImageVersion" in line


@pytest.mark.parametrize(
    ("change", "inputs", "prop", "says"),
    [
        ("delete-version", {"version": 2.0}, "version", "has no version 2 in us-east-1 (versions: 1, 3, 4)"),
        ("remove-alias", {"alias": "canary"}, "alias", "has no alias 'canary' in us-east-1 (aliases: legacy, stable)"),
        ("create-failed", {"alias": "stable"}, "alias", "has status CREATE_FAILED: ECR image not found"),
        ("deleting", {}, "imageName", "has status DELETING"),
    ],
)
def test_vanished_or_failed_versions_fail_check_and_read(
    emulator: SageMakerImageEmulator, change: str, inputs: dict[str, Any], prop: str, says: str
) -> None:
    provider = ImageVersionProvider()
    good = provider.check({}, program_inputs(emulator, **inputs))
    assert good.failures == []
    created = provider.create(good.inputs)
    assert created.outs is not None

    if change == "delete-version":
        emulator.delete_image_version(IMAGE, 2)
    elif change == "remove-alias":
        emulator.client().update_image_version(ImageName=IMAGE, Alias="canary", AliasesToDelete=["canary"])
    elif change == "create-failed":
        emulator.set_version_fields(IMAGE, 3, ImageVersionStatus="CREATE_FAILED", FailureReason="ECR image not found")
    else:
        emulator.set_version_fields(IMAGE, 4, ImageVersionStatus="DELETING")

    failures = check_failures(emulator, **inputs)
    assert list(failures) == [prop]
    assert says in failures[prop]
    with pytest.raises(ImageVersionLookupError) as caught:
        provider.read(created.id, created.outs)
    assert says in str(caught.value)


def test_numbers_from_the_wire_are_not_mistaken_for_bad_input(emulator: SageMakerImageEmulator) -> None:
    # Whole floats are how the engine sends ints: they select a version; nan and fractions do not.
    assert check_failures(emulator, version=2.0) == {}
    for value in (2.5, math.nan, math.inf, -0.5):
        assert set(check_failures(emulator, version=value)) == {"version"}
