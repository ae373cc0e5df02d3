"""The figures of docs/reliability.md, and the generator of that page.

Every number and outcome on the page is a constant here, and the reliability tests are driven by these
constants or assert them: the fault matrix is parametrized by :data:`FAULT_CASES`, the property tests run
exactly :data:`CHECK_PATH_EXAMPLES` / :data:`CLI_EXAMPLES` inputs and assert they sent
:data:`BAD_INPUT_REQUESTS` requests, and so on. So the page is true whenever the tests pass, whichever
subset of them ran and in whatever order. (Recording counts during a run and writing the page at the end
would make it depend on which tests happened to run, and on test order.)

``test_reliability_doc_is_current`` fails when docs/reliability.md differs from :func:`render`; regenerate
it with::

    .venv/bin/python -m tests.reliability_report
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DOC_PATH: Final = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"

# -- faults and retries --------------------------------------------------------------------------

#: Seeds ``random`` before each fault test: botocore draws its backoff jitter from it, so the waits
#: between attempts (and the fault tests' timing) are the same on every run.
FAULT_SEED: Final = 4
#: The lookup's timeouts in the fault tests, in seconds.
CONNECT_TIMEOUT: Final = 1.0
READ_TIMEOUT: Final = 1.0
#: A hung response stays silent this long: longer than READ_TIMEOUT.
HANG_SECONDS: Final = 2.0
#: A slow response arrives after this long: within READ_TIMEOUT.
LATENCY_SECONDS: Final = 0.5
#: Wall time within which a lookup whose every attempt hangs must have failed.
HANG_WALL_LIMIT: Final = 6.0


@dataclass(frozen=True)
class FaultCase:
    """Faults scripted in a row for one operation, the attempt budget, and what the lookup did."""

    id: str
    operation: str
    faults: tuple[str, ...]  # Fault kinds, consumed one per request
    budget: str  # how the user set the attempt budget ("default" = botocore's 3)
    outcome: str  # "recovered", or the error class raised
    requests: int  # HTTP requests the lookup sent, as the emulator logged them


_D, _L = "DescribeImageVersion", "ListAliases"

FAULT_CASES: Final = (
    FaultCase("throttle-burst", _D, ("throttle", "throttle"), "default", "recovered", 4),
    FaultCase("internal-burst", _D, ("internal", "internal"), "default", "recovered", 4),
    FaultCase("unavailable-burst", _D, ("unavailable", "unavailable"), "default", "recovered", 4),
    FaultCase("drop-burst", _D, ("drop", "drop"), "default", "recovered", 4),
    FaultCase("hang-burst", _D, ("hang", "hang"), "default", "recovered", 4),
    FaultCase("slow-response", _D, ("latency",), "default", "recovered", 2),
    FaultCase("mixed-burst", _D, ("throttle", "drop"), "default", "recovered", 4),
    FaultCase("list-aliases-burst", _L, ("unavailable", "throttle"), "default", "recovered", 4),
    FaultCase("throttle-exhausted", _D, ("throttle",) * 3, "default", "AwsThrottled", 3),
    FaultCase("internal-exhausted", _D, ("internal",) * 3, "default", "AwsServiceError", 3),
    FaultCase("unavailable-exhausted", _D, ("unavailable",) * 3, "default", "AwsServiceError", 3),
    FaultCase("drop-exhausted", _D, ("drop",) * 3, "default", "AwsConnectionError", 3),
    FaultCase("hang-exhausted", _D, ("hang",) * 3, "default", "AwsConnectionError", 3),
    FaultCase("list-aliases-exhausted", _L, ("throttle",) * 3, "default", "AwsThrottled", 4),
    FaultCase("access-denied-not-retried", _D, ("access_denied",), "default", "AwsAccessDenied", 1),
    FaultCase("input-one-attempt", _D, ("throttle",), "max_attempts=1", "AwsThrottled", 1),
    FaultCase("input-five-attempts", _D, ("internal",) * 4, "max_attempts=5", "recovered", 6),
    FaultCase("env-one-attempt", _D, ("unavailable",), "AWS_MAX_ATTEMPTS=1", "AwsServiceError", 1),
    FaultCase("env-five-attempts", _D, ("drop",) * 4, "AWS_MAX_ATTEMPTS=5", "recovered", 6),
    FaultCase("profile-two-attempts", _D, ("internal",) * 2, "profile max_attempts=2", "AwsServiceError", 2),
    FaultCase("input-beats-env", _D, ("throttle", "throttle"), "max_attempts=3, AWS_MAX_ATTEMPTS=1", "recovered", 4),
)

#: At most this many lookups in a row against an endpoint that drops every connection: botocore's retry
#: quota runs out well before (after 17 with botocore 1.44), and then attempts fall below the budget.
QUOTA_LOOKUPS: Final = 120

#: ``pulumi-sagemaker-image emulator --seed`` with faults in its seed file: (faults consumed, lookup
#: settings, outcome), in the order the lookups run.
SEED_FILE_LOOKUPS: Final[tuple[tuple[tuple[str, ...], str, str], ...]] = (
    (("throttle", "unavailable", "latency 0"), "default", "recovered"),
    (("throttle", "throttle", "throttle"), "default", "AwsThrottled"),
    (("latency",), "default", "recovered"),
    (("hang",), "max_attempts=1", "AwsConnectionError"),
    (("error ExpiredTokenException",), "default", "AwsCredentialsError"),
    ((), "default", "recovered"),
)

# -- bad input ------------------------------------------------------------------------------------

#: Hypothesis examples (derandomized) per property through ImageVersionProvider.check.
CHECK_PATH_EXAMPLES: Final = {
    "imageName": 150,
    "alias": 150,
    "version": 150,
    "version and alias together": 60,
    "endpointUrl": 100,
    "region, profile, roleArn": 60,
}
#: Hypothesis examples (derandomized) through `pulumi-sagemaker-image describe`, one subprocess each.
CLI_EXAMPLES: Final = 25
#: Requests any of those bad inputs sent to SageMaker.
BAD_INPUT_REQUESTS: Final = 0

# -- errors users hit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorCase:
    """A failure a user meets, how the test produces it, the error raised and what its message says."""

    id: str
    situation: str
    produced_by: str
    error: str
    says: tuple[str, ...]


ERROR_CASES: Final = (
    ErrorCase(
        "no-credentials",
        "no credentials anywhere",
        "botocore's credential chain",
        "AwsCredentialsError",
        ("no AWS credentials found", "AWS_PROFILE", "aws sso login"),
    ),
    ErrorCase(
        "expired-token",
        "session token expired",
        "emulator: ExpiredTokenException",
        "AwsCredentialsError",
        ("ExpiredTokenException", "Refresh them"),
    ),
    ErrorCase(
        "invalid-token",
        "credentials unknown to AWS",
        "emulator: UnrecognizedClientException",
        "AwsCredentialsError",
        ("UnrecognizedClientException", "Refresh them"),
    ),
    ErrorCase(
        "expired-credential-process",
        "credential_process keeps returning expired credentials",
        "botocore's refresh of a profile's credential_process",
        "AwsCredentialsError",
        ("are expired", "Refresh them", "AWS_PROFILE"),
    ),
    ErrorCase(
        "failing-credential-process",
        "credential_process fails",
        "botocore running a profile's credential_process",
        "AwsCredentialsError",
        ("could not load AWS credentials", "custom-process"),
    ),
    ErrorCase(
        "expired-sso-session",
        "SSO session expired",
        "botocore's SSO token cache (fresh interpreter)",
        "AwsCredentialsError",
        ("SSO session", "aws sso login --profile sso-user"),
    ),
    ErrorCase(
        "access-denied-describe",
        "identity may not call DescribeImageVersion",
        "emulator: AccessDeniedException",
        "AwsAccessDenied",
        (
            "sagemaker:DescribeImageVersion",
            "arn:aws:sagemaker:us-east-1:123456789012:image-version/demo-pytorch/3",
            "Grant sagemaker:DescribeImageVersion on that resource",
        ),
    ),
    ErrorCase(
        "access-denied-list-aliases",
        "identity may not call ListAliases (not an error: the lookup succeeds with `aliases` empty)",
        "emulator: AccessDeniedException",
        "LookupWarning",
        (
            "sagemaker:ListAliases",
            "arn:aws:sagemaker:us-east-1:123456789012:image-version/demo-pytorch/3",
            "set list_aliases=False",
        ),
    ),
    ErrorCase(
        "role-not-assumable",
        "role_arn cannot be assumed",
        "emulator STS: AccessDenied",
        "AwsCredentialsError",
        ("could not assume role arn:aws:iam::123456789012:role/Reader", "sts:AssumeRole"),
    ),
    ErrorCase(
        "unknown-region",
        "region that SageMaker does not have",
        "botocore endpoint resolution (DNS fails)",
        "AwsConnectionError",
        ("xx-nowhere-1", "is not a SageMaker region"),
    ),
    ErrorCase(
        "no-region",
        "no region anywhere",
        "botocore's config chain",
        "AwsConfigurationError",
        ("no AWS region is set", "AWS_REGION", "aws:region"),
    ),
    ErrorCase(
        "unknown-profile",
        "AWS_PROFILE names a missing profile",
        "botocore's config files",
        "AwsConfigurationError",
        ("AWS profile 'nope'", "aws configure --profile nope"),
    ),
    ErrorCase(
        "malformed-max-attempts",
        "AWS_MAX_ATTEMPTS is not a number",
        "botocore's config chain",
        "AwsConfigurationError",
        ("AWS_MAX_ATTEMPTS", "whole numbers >= 1"),
    ),
    ErrorCase(
        "unreachable-endpoint",
        "endpoint_url where nothing listens",
        "a closed loopback port",
        "AwsConnectionError",
        ("could not reach SageMaker at", "after 3 attempts", "check endpoint_url"),
    ),
    ErrorCase(
        "image-missing",
        "the image does not exist",
        "emulator",
        "ImageNotFound",
        ("image 'no-such-image' does not exist in us-east-1", "check the name and the region/account"),
    ),
    ErrorCase(
        "version-missing",
        "the image exists, the version does not",
        "emulator",
        "ImageVersionNotFound",
        ("has no version 9", "(versions: 1, 2, 3, 4)"),
    ),
    ErrorCase(
        "alias-missing",
        "the image exists, the alias does not",
        "emulator",
        "ImageVersionNotFound",
        ("has no alias 'prod'", "(aliases: canary, legacy, stable)"),
    ),
)

# -- vanished or failed resources (real Pulumi CLI) ------------------------------------------------


@dataclass(frozen=True)
class VanishedCase:
    """A change in SageMaker after a good `pulumi up`, and what preview, up and refresh then say."""

    id: str
    selector: str  # the ImageVersion's inputs, as Python
    change: str
    says: str
    property: str  # the property preview and up name


VANISHED_CASES: Final = (
    VanishedCase(
        "version-deleted",
        "version=2",
        "version 2 deleted",
        "has no version 2 in us-east-1 (versions: 1, 3, 4)",
        "version",
    ),
    VanishedCase(
        "alias-removed",
        'alias="canary"',
        "alias canary removed",
        "has no alias 'canary' in us-east-1 (aliases: legacy, stable)",
        "alias",
    ),
    VanishedCase(
        "create-failed",
        'alias="stable"',
        "version 3 now CREATE_FAILED",
        "has status CREATE_FAILED: ECR image not found",
        "alias",
    ),
    VanishedCase(
        "deleting",
        "(latest)",
        "version 4 now DELETING",
        "has status DELETING",
        "imageName",
    ),
)

# -- concurrency ----------------------------------------------------------------------------------

CONCURRENCY_ROUNDS: Final = 5
LOOKUPS_PER_ROUND: Final = 200
CONCURRENCY_THREADS: Final = 64
#: Distinct AWS settings (read timeout, attempts) mixed into each round: one client each.
SETTINGS_PER_ROUND: Final = 6
#: Rounds before which the client cache is cleared (round 0 always starts from an empty cache).
CLEARED_BEFORE_ROUNDS: Final = (2, 4)
#: Concurrent `Check` calls through one dynamic provider host (gRPC), mixed selectors and settings.
HOST_CHECKS: Final = 200

# -- secrets --------------------------------------------------------------------------------------

#: Where the tests look for sentinel credentials (environment, shared credentials file profile,
#: role assumed through the emulator's STS, and aws:* stack config secrets).
SECRET_PLACES: Final = (
    ("lookup result", "`get_image_version` result: repr and camelCase JSON"),
    ("provider", "the pickled provider (`__provider`) after `configure` with aws:* secrets, and after lookups"),
    ("provider outputs", "`check`, `create`, `read` results and check failures"),
    (
        "errors",
        "messages of the lookup's errors (access denied, expired or invalid credentials, throttling, 5xx, "
        "dropped connections, not found, a role that cannot be assumed), and the CLI's `--debug` traceback",
    ),
    ("logs", "Python logging at DEBUG for this package and INFO for every logger; stdout/stderr"),
    (
        "engine (e2e)",
        "`pulumi up`/`preview`/`refresh` output, `pulumi stack output --show-secrets`; the credentials "
        "(not the config) also not at `-v=9`",
    ),
    (
        "state (e2e)",
        "`pulumi stack export`, with `--show-secrets` too (every resource but the engine's own provider), "
        "and every file of the backend",
    ),
)


#: Where a sentinel image name and alias given as secrets (`pulumi config set --secret`) are shown not
#: to appear in plain text (tests/test_rules_secrecy.py, the secret tests of tests/test_plugin_grpc.py
#: and tests/test_provider_host.py, tests/e2e/test_secrets_e2e.py).
SECRET_INPUT_PLACES: Final = (
    (
        "rules",
        "for each secret input, the outputs that hold it by construction and those whose text contains a "
        "secret text; the masked ID of every query form; check failures (moved off a secret property), "
        "warnings (vendor guidance, a held pin) and errors (a missing alias, a version gone on refresh) "
        "with `[secret]` for the value; a masked ID read from state; a change of secretness alone is an update",
    ),
    (
        "wire",
        "the plugin (check, create, diff, read, invoke, secret provider config) and the real dynamic "
        "provider host send what holds a secret in Pulumi's secret envelope, with the masked ID",
    ),
    (
        "engine (e2e)",
        "one stack each for Python (the dynamic `ImageVersion` and `get_image_version_output`), YAML and "
        "TypeScript (the plugin's resource and `getImageVersion`): preview of the new stack, up, preview "
        "`--expect-no-changes`, the alias moving (the preview fails and shows the new image), up, refresh, "
        "destroy; nothing the CLI printed, no `pulumi stack export`, no `pulumi stack output` holds a sentinel; "
        "the ID is `[secret]@[secret]` and `containerImage` stays readable",
    ),
    (
        "drift command (e2e)",
        "on an export without `--show-secrets`: not checked, exit 3, says to export with `--show-secrets`; "
        "with it: checked (table and JSON), no sentinel printed",
    ),
)


# -- the native plugin ---------------------------------------------------------------------------

#: Hypothesis examples (derandomized) per strategy through the plugin's Invoke over gRPC: image names,
#: aliases, versions, endpoint URLs and the other settings (the strategies of the check-path tests).
PLUGIN_BAD_INPUT_STRATEGIES: Final = ("imageName", "alias", "version", "endpointUrl", "region, profile, roleArn")
PLUGIN_BAD_INPUT_EXAMPLES: Final = 40
#: Concurrent getImageVersion invokes through one gRPC client (channel) to one plugin process.
PLUGIN_CONCURRENT_INVOKES: Final = 100
#: Fault cases (of FAULT_CASES) run through the plugin's Invoke as well, compared with the Python route.
PLUGIN_FAULT_CASES: Final = tuple(
    case
    for case in FAULT_CASES
    if case.id
    in {
        "throttle-burst",
        "drop-burst",
        "list-aliases-burst",
        "throttle-exhausted",
        "unavailable-exhausted",
        "drop-exhausted",
        "access-denied-not-retried",
    }
)


# -- rendering ------------------------------------------------------------------------------------


def _faults(faults: tuple[str, ...]) -> str:
    if not faults:
        return "none"
    shown = [f"`{kind}`" for kind in faults]
    return ", ".join(shown)


def render() -> str:
    """docs/reliability.md, from the constants above."""
    survived = [c for c in FAULT_CASES if c.outcome == "recovered"]
    lines = [
        "# Reliability: how lookups fail and recover",
        "",
        "<!-- Generated by tests/reliability_report.py from the figures the reliability tests assert;",
        "     regenerate with `.venv/bin/python -m tests.reliability_report`. Do not edit by hand. -->",
        "",
        "Every figure on this page is a constant in `tests/reliability_report.py` that the tests are",
        "driven by or assert, so it holds whenever `make test` passes. The fault and fuzz tests are",
        f"deterministic: Hypothesis runs derandomized, and `random` (botocore's backoff jitter) is seeded with "
        f"{FAULT_SEED}.",
        "",
        "## Faults and retries (`tests/test_reliability_faults.py`)",
        "",
        "Faults are scripted in the emulator, one per request, on the operation named; every lookup asks for",
        f"`demo-pytorch` alias `stable` with `connect_timeout={CONNECT_TIMEOUT:g}`, "
        f"`read_timeout={READ_TIMEOUT:g}`. `hang` sends nothing for",
        f"{HANG_SECONDS:g} s (past the read timeout), `latency` answers after {LATENCY_SECONDS:g} s, `drop` "
        "closes the connection unanswered.",
        "A lookup makes one DescribeImageVersion and one ListAliases request when nothing fails.",
        "",
        "| case | operation | faults in a row | attempt budget | outcome | requests sent |",
        "|---|---|---|---|---|---|",
    ]
    for case in FAULT_CASES:
        outcome = "recovered, correct result" if case.outcome == "recovered" else f"`{case.outcome}`"
        lines.append(
            f"| {case.id} | {case.operation} | {_faults(case.faults)} | {case.budget} | {outcome} | {case.requests} |"
        )
    lines += [
        "",
        f"{len(survived)} of {len(FAULT_CASES)} scripted fault bursts are survived. Every error names the image, "
        "the selector and what failed",
        "(the AWS error code, the IAM action, the timeout or the closed connection); an exhausted budget also",
        "names the attempts made. AccessDenied is not retried.",
        f"A lookup whose every attempt hangs fails with `AwsConnectionError` within {HANG_WALL_LIMIT:g} s "
        f"(3 attempts x {READ_TIMEOUT:g} s read timeout, plus backoff).",
        "After many failing lookups in a row on one client, botocore's retry quota runs out and it stops",
        "retrying early; messages then still state the attempts really made (`after 1 attempt (of up to 3: ...)`).",
        "",
        "Faults from a seed file, served by `pulumi-sagemaker-image emulator --seed` (YAML), lookups in order",
        "(seed faults queue per operation, so `latency 0` is a request served normally):",
        "",
        "| lookup | faults consumed | attempt budget | outcome |",
        "|---|---|---|---|",
    ]
    for index, (faults, budget, outcome) in enumerate(SEED_FILE_LOOKUPS, start=1):
        shown = "recovered, correct result" if outcome == "recovered" else f"`{outcome}`"
        lines.append(f"| {index} | {_faults(faults)} | {budget} | {shown} |")
    lines += [
        "",
        "## Bad input (`tests/test_reliability_errors.py`)",
        "",
        "Property-based (Hypothesis, derandomized): names, aliases and versions that break the API's rules",
        "(negative, bool, float, numeric strings, too long, unicode, whitespace, leading `-`/`.`), version",
        "and alias together, and malformed AWS settings. Each is a check failure on its camelCase property",
        "(or, in the CLI, exit code 2 with an error line and no traceback), before any request.",
        "",
        "| path | property | inputs tried | requests sent |",
        "|---|---|---|---|",
    ]
    for prop, examples in CHECK_PATH_EXAMPLES.items():
        lines.append(f"| `ImageVersionProvider.check` | {prop} | {examples} | {BAD_INPUT_REQUESTS} |")
    lines += [
        f"| `pulumi-sagemaker-image describe` | name, alias, version, both | {CLI_EXAMPLES} | {BAD_INPUT_REQUESTS} |",
        "",
        f"In all, {sum(CHECK_PATH_EXAMPLES.values()) + CLI_EXAMPLES} bad inputs, {BAD_INPUT_REQUESTS} requests. "
        "(`tests/test_query_validation.py` covers the core `ImageVersionQuery` rules the same way.)",
        "",
        "## Errors users hit (`tests/test_reliability_errors.py`)",
        "",
        "| situation | produced by | error | the message says |",
        "|---|---|---|---|",
    ]
    for error in ERROR_CASES:
        says = "; ".join(f"`{phrase}`" for phrase in error.says)
        lines.append(f"| {error.situation} | {error.produced_by} | `{error.error}` | {says} |")
    lines += [
        "",
        "Every error derives from `ImageVersionLookupError`, and is one line. A denied ListAliases is not an error:",
        "the lookup warns once per process (a `LookupWarning`; in Pulumi, a warning; in the CLI, a `warning:` line).",
        "",
        "## Vanished or failed resources after `pulumi up` (`tests/e2e/test_reliability_e2e.py`)",
        "",
        "With the real Pulumi CLI: after a good `pulumi up`, SageMaker changes underneath. `pulumi preview` and",
        "`pulumi up` fail naming the property, `pulumi refresh` fails, and the state after each still holds the",
        "previous good resolution (resource and stack outputs unchanged, no pending operations).",
        "",
        "| ImageVersion | change | preview / up / refresh say | property |",
        "|---|---|---|---|",
    ]
    for vanished in VANISHED_CASES:
        lines.append(f"| `{vanished.selector}` | {vanished.change} | `{vanished.says}` | `{vanished.property}` |")
    lines += [
        "",
        "## Concurrency (`tests/test_reliability_concurrency.py`)",
        "",
        f"- {CONCURRENCY_ROUNDS} rounds x {LOOKUPS_PER_ROUND} lookups on {CONCURRENCY_THREADS} threads, mixed "
        f"selectors and {SETTINGS_PER_ROUND} distinct AWS settings per round, the client cache cleared before "
        f"rounds {', '.join(str(r) for r in CLEARED_BEFORE_ROUNDS)}: every result correct, exactly one client "
        "per setting.",
        f"- {HOST_CHECKS} concurrent `Check` calls through one dynamic provider host (gRPC), mixed selectors "
        "and settings: every result correct.",
        "",
        "## Secrets (`tests/test_reliability_secrets.py`, `tests/e2e/test_reliability_e2e.py`)",
        "",
        "Sentinel credentials in the environment (with a session token), in a profile of",
        "`AWS_SHARED_CREDENTIALS_FILE`, obtained by assuming `role_arn` through the emulator's STS, and as",
        "`aws:accessKey`/`aws:secretKey`/`aws:token` stack config secrets. None of them appears in:",
        "",
    ]
    lines += [f"- {where}: {what}" for where, what in SECRET_PLACES]
    lines += [
        "",
        "`endpoint_url` must be an http(s) URL with a host and without `user:password@`; the message for one",
        "with credentials shows `***@host`.",
        "",
        "## Secret inputs (`tests/test_rules_secrecy.py`, `tests/e2e/test_secrets_e2e.py`)",
        "",
        "A sentinel image name and alias given as secrets, on both routes. Neither appears in plain text in:",
        "",
    ]
    lines += [f"- {where}: {what}" for where, what in SECRET_INPUT_PLACES]
    lines += [
        "",
        "## The native plugin (`tests/test_plugin_grpc.py`)",
        "",
        "`pulumi-resource-sagemaker-image` started as the engine starts it, spoken to over gRPC, with a fake",
        "engine recording its `Log` calls:",
        "",
        f"- Bad input: {PLUGIN_BAD_INPUT_EXAMPLES} generated inputs each for "
        f"{', '.join(PLUGIN_BAD_INPUT_STRATEGIES)} through `getImageVersion` "
        f"({PLUGIN_BAD_INPUT_EXAMPLES * len(PLUGIN_BAD_INPUT_STRATEGIES)} invokes) fail on their property "
        f"(an endpoint URL with credentials on the invoke as a whole); {BAD_INPUT_REQUESTS} requests.",
        "- AWS faults: "
        + ", ".join(case.id for case in PLUGIN_FAULT_CASES)
        + " are retried, or reported with the same message as `get_image_version` raises, with the same "
        "number of requests as in the table above.",
        f"- {PLUGIN_CONCURRENT_INVOKES} concurrent invokes through one gRPC client: every result correct, one "
        "DescribeImageVersion and one ListAliases each.",
        "- No credential (the environment's access key and secret key) in the served schema, checked inputs,",
        "  created or read state, invoke results and failures, or the warnings logged to the engine.",
        "- `Cancel` ends an invoke whose request SageMaker has not answered yet, with `CANCELLED`, and no lookup",
        "  starts after it; a call the engine cancels returns at once and the plugin serves the next.",
        "- No orphan: the plugin exits by itself when its engine's gRPC server goes away, and when its parent",
        "  process is killed with SIGKILL.",
        "",
        "Outside this package: botocore's own DEBUG logging (off unless you turn it on) prints request",
        "headers, which hold the access key ID and session token; the secret access key itself never leaves",
        "the process (requests are signed with it). And the engine keeps the stack config, `aws:*` secrets",
        "included (encrypted), as the inputs of its `pulumi:providers:pulumi-python` provider, so",
        "`pulumi stack export --show-secrets` and `pulumi ... -v=9` show them there, as they would anywhere.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is out of date; run .venv/bin/python -m tests.reliability_report", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
