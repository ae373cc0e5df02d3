"""Resolve an image version query against SageMaker, with one cached boto3 client per AWS setting.

botocore does the heavy lifting — the credential chain, ``AWS_REGION``/``AWS_PROFILE``/
``AWS_ENDPOINT_URL_SAGEMAKER``, standard-mode retries with backoff, timeouts — and this module turns
its exceptions into :mod:`pulumi_sagemaker_image.errors` that say which image, which selector, and
what to do. No Pulumi import here: the CLI and the provider host both start from this module.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)

from pulumi_sagemaker_image.errors import (
    AwsAccessDenied,
    AwsConfigurationError,
    AwsConnectionError,
    AwsCredentialsError,
    AwsServiceError,
    AwsThrottled,
    ImageNotFound,
    ImageVersionLookupError,
    ImageVersionNotFound,
    InvalidImageVersionQuery,
    QueryProblem,
    list_names,
)
from pulumi_sagemaker_image.models import ImageVersionInfo, ImageVersionQuery

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = [
    "AwsSettings",
    "ClientCacheStats",
    "clear_client_cache",
    "client_cache_stats",
    "get_image_version",
    "resolve",
    "resolve_pinned",
    "sagemaker_client",
]

USER_AGENT: Final = "pulumi-sagemaker-image"
ROLE_SESSION_NAME: Final = "pulumi-sagemaker-image"
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 20.0
# botocore's standard retry mode makes 3 attempts unless AWS_MAX_ATTEMPTS or the config file says
# otherwise; messages report the number actually in force.
_STANDARD_MODE_ATTEMPTS: Final = 3
_MAX_POOL_CONNECTIONS: Final = 32
_ALIAS_PAGE_SIZE: Final = 100

# IAM: "role/", an optional path of printable ASCII ending in "/", then a 1-64 character role name.
_ROLE_ARN_RE: Final = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/(?:[!-~]+/)?[a-zA-Z0-9_+=,.@\-]{1,64}")
_REGION_RE: Final = re.compile(r"[a-z]{2}(-[a-z0-9]+)+-\d+")
_DENIED_RESOURCE_RE: Final = re.compile(r"on resource: (\S+)")

_THROTTLING_CODES: Final = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
    }
)
# What botocore's standard retry mode retries besides throttling and connection errors.
_RETRIED_STATUSES: Final = frozenset({500, 502, 503, 504})
_ACCESS_DENIED_CODES: Final = frozenset(
    {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "NotAuthorized"}
)
_CREDENTIAL_CODES: Final = frozenset(
    {
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
        "RequestExpired",
    }
)


@dataclass(frozen=True)
class AwsSettings:
    """Where and as whom to look: each field left ``None`` falls back to botocore's defaults.

    Equal settings share one client per process. Credentials are never part of the settings: they
    come from botocore's chain (environment, profile, SSO, instance role) or from assuming
    ``role_arn``, so they cannot end up in Pulumi state.
    """

    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    endpoint_url: str | None = None
    max_attempts: int | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise InvalidImageVersionQuery(problems)

    def _problems(self) -> list[QueryProblem]:
        problems: list[QueryProblem] = []
        if self.region is not None and (not isinstance(self.region, str) or _REGION_RE.fullmatch(self.region) is None):
            problems.append(QueryProblem("region", self.region, "is not an AWS region name like 'us-east-1'"))
        if self.profile is not None and (not isinstance(self.profile, str) or not self.profile.strip()):
            problems.append(QueryProblem("profile", self.profile, "must be a non-empty profile name"))
        if self.role_arn is not None and (
            not isinstance(self.role_arn, str) or _ROLE_ARN_RE.fullmatch(self.role_arn) is None
        ):
            problems.append(
                QueryProblem(
                    "role_arn",
                    self.role_arn,
                    "is not an IAM role ARN like 'arn:aws:iam::123456789012:role/Name'",
                )
            )
        if self.endpoint_url is not None and not _is_http_url(self.endpoint_url):
            problems.append(
                QueryProblem("endpoint_url", self.endpoint_url, "must be an http:// or https:// URL with a host")
            )
        elif self.endpoint_url is not None and _has_userinfo(self.endpoint_url):
            # The URL is kept in state and echoed in messages, so neither may show the credentials.
            problems.append(
                QueryProblem(
                    "endpoint_url",
                    _without_userinfo(self.endpoint_url),
                    "must not carry credentials ('user:password@'); SageMaker requests are signed with "
                    "the AWS credentials of the environment or profile instead",
                )
            )
        if self.max_attempts is not None and (
            isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1
        ):
            problems.append(QueryProblem("max_attempts", self.max_attempts, "must be a whole number >= 1"))
        for name in ("connect_timeout", "read_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
                problems.append(QueryProblem(name, value, "must be a number of seconds above 0 and at most 3600"))
        return problems

    def client_config(self) -> Config:
        retries: dict[str, Any] = {"mode": "standard"}
        if self.max_attempts is not None:
            retries["total_max_attempts"] = self.max_attempts
        return Config(
            retries=retries,  # type: ignore[arg-type]
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=_MAX_POOL_CONNECTIONS,
            user_agent_extra=USER_AGENT,
        )


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _has_userinfo(url: str) -> bool:
    return "@" in urlsplit(url).netloc


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()


class _AssumeRoleProvider(CredentialProvider):
    """Credentials of ``role_arn``, assumed with the base session's credentials and refreshed before expiry.

    The base credentials are whatever botocore's chain gives the base session: the profile's (static
    keys, SSO, credential_process, or the profile's own role) when a profile is named, else the
    environment's, the container's or the instance's. They are looked up on first use, not when the
    client is created, so a missing or failing source fails the lookup with the image in the message,
    like every other credential problem.
    """

    METHOD = "assume-role"
    CANONICAL_NAME = "custom-assume-role"

    def __init__(self, base: botocore.session.Session, role_arn: str) -> None:
        super().__init__()
        self._base = base
        self._role_arn = role_arn
        self._fetcher: AssumeRoleCredentialFetcher | None = None

    def load(self) -> DeferredRefreshableCredentials:
        return DeferredRefreshableCredentials(method=self.METHOD, refresh_using=self._fetch)

    def _fetch(self) -> dict[str, Any]:
        # Called under the credentials' refresh lock, so the fetcher is built once.
        if self._fetcher is None:
            source = self._base.get_credentials()
            if source is None:
                raise NoCredentialsError()
            self._fetcher = AssumeRoleCredentialFetcher(
                client_creator=self._base.create_client,
                source_credentials=source,
                role_arn=self._role_arn,
                extra_args={"RoleSessionName": ROLE_SESSION_NAME},
            )
        return self._fetcher.fetch_credentials()


@dataclass
class ClientCacheStats:
    """How many SageMaker clients this process created, and how many settings are cached."""

    created: int = 0
    cached: int = 0


@dataclass
class _ClientCache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    clients: dict[AwsSettings, SageMakerClient] = field(default_factory=dict)
    # One lock per settings while its client is built (~0.2 s, loading the service model), so lookups
    # with other settings do not wait for it, and concurrent first lookups with these build one client.
    building: dict[AwsSettings, threading.Lock] = field(default_factory=dict)
    created: int = 0


_CACHE: Final = _ClientCache()


def sagemaker_client(settings: AwsSettings) -> SageMakerClient:
    """The process-wide SageMaker client for these settings, created on first use (thread-safe)."""
    client = _CACHE.clients.get(settings)
    if client is not None:
        return client
    with _CACHE.lock:
        building = _CACHE.building.setdefault(settings, threading.Lock())
    with building:
        client = _CACHE.clients.get(settings)
        if client is None:
            client = _create_client(settings)
            with _CACHE.lock:
                _CACHE.clients[settings] = client
                _CACHE.building.pop(settings, None)
                _CACHE.created += 1
        return client


def client_target(settings: AwsSettings) -> tuple[str | None, str]:
    """The region and endpoint URL that lookups with ``settings`` go to in this process.

    Besides the settings, the environment (``AWS_REGION``, ``AWS_PROFILE``, the config files) decides
    them, so two processes compare these to know whether they would ask the same service.
    """
    meta = sagemaker_client(settings).meta
    return meta.region_name, meta.endpoint_url


def client_cache_stats() -> ClientCacheStats:
    with _CACHE.lock:
        return ClientCacheStats(created=_CACHE.created, cached=len(_CACHE.clients))


def clear_client_cache() -> None:
    """Forget every cached client, e.g. after changing AWS environment variables in tests."""
    with _CACHE.lock:
        _CACHE.clients.clear()
        _CACHE.building.clear()
        _CACHE.created = 0


def _create_client(settings: AwsSettings) -> SageMakerClient:
    # botocore reads AWS_DEFAULT_REGION but not AWS_REGION, which the other AWS SDKs and Pulumi's
    # AWS provider honour first; do the same so one variable works everywhere.
    region = settings.region or os.environ.get("AWS_REGION") or None
    try:
        base = botocore.session.Session(profile=settings.profile)
        if region is not None:
            # The STS client that assumes role_arn is created from this session, so it needs the
            # region too (STS endpoints are regional; without it AssumeRole fails with NoRegionError).
            base.set_config_variable("region", region)
        if settings.role_arn is not None:
            # The client's session keeps the profile for its other settings (region, endpoints,
            # retries) but signs only with the role: its resolver holds the role's provider alone,
            # whatever chain botocore would build for the profile, so a failed AssumeRole can never
            # fall back to the base identity.
            session = botocore.session.Session(profile=settings.profile)
            session.register_component(
                "credential_provider", CredentialResolver(providers=[_AssumeRoleProvider(base, settings.role_arn)])
            )
        else:
            session = base
        # botocore directly, not boto3: boto3's import pulls in s3transfer and its resource layer, a
        # tenth of a second of CLI start-up that a single low-level client does not need.
        client = cast(
            "SageMakerClient",
            session.create_client(
                "sagemaker", region_name=region, endpoint_url=settings.endpoint_url, config=settings.client_config()
            ),
        )
    except ProfileNotFound as exc:
        # The profile may come from AWS_PROFILE rather than the settings; botocore names it.
        profile = exc.kwargs.get("profile") or settings.profile
        raise AwsConfigurationError(
            f"AWS profile {profile!r} is not in the AWS config or credentials files "
            f"({_one_line(exc)}); check the name, or run `aws configure --profile {profile}`"
        ) from None
    except NoRegionError:
        raise AwsConfigurationError(
            "no AWS region is set: pass region=..., set the stack's `aws:region` config, "
            "or set AWS_REGION (or a region in your AWS profile)"
        ) from None
    except (CredentialRetrievalError, SSOError, TokenRetrievalError) as exc:
        # Some credential sources (credential_process) are asked while the client is created.
        raise AwsCredentialsError(
            f"could not load AWS credentials: {_one_line(exc)}. {_credentials_hint(settings.profile)}"
        ) from None
    except BotoCoreError as exc:
        raise AwsConfigurationError(f"cannot create a SageMaker client: {_one_line(exc)}") from None
    except ValueError as exc:
        # botocore converts AWS_MAX_ATTEMPTS and a profile's max_attempts with int() and lets the
        # ValueError through; say which settings to look at instead of failing with a bare one.
        raise AwsConfigurationError(
            f"cannot create a SageMaker client: an AWS setting has a malformed value ({_one_line(exc)}); check "
            "AWS_MAX_ATTEMPTS and the profile's max_attempts in AWS_CONFIG_FILE (whole numbers >= 1)"
        ) from None
    client.meta.events.register("after-call-error.sagemaker", _record_attempts)
    return client


# Attribute set on an exception that ends a SageMaker call: the attempts the call really made.
_ATTEMPTS_ATTRIBUTE: Final = "sagemaker_image_attempts"


def _record_attempts(
    exception: BaseException | None = None, context: Mapping[str, Any] | None = None, **_: Any
) -> None:
    """``after-call-error`` handler: keep how many attempts botocore made, for the error message.

    botocore counts attempts in the request context but does not put them on connection errors;
    without this, messages could only state the configured budget, which is wrong once the client's
    retry quota is spent and botocore stops retrying early.
    """
    retries = (context or {}).get("retries") or {}
    attempt = retries.get("attempt")
    if exception is not None and isinstance(attempt, int):
        setattr(exception, _ATTEMPTS_ATTRIBUTE, attempt)


def _one_line(text: object) -> str:
    """Messages are one line (the CLI prints one, Pulumi shows them inline): fold botocore's and AWS's text."""
    return " ".join(str(text).split())


def _credentials_hint(profile: str | None) -> str:
    named = profile or os.environ.get("AWS_PROFILE") or None
    login = f"`aws sso login --profile {named}`" if named else "`aws sso login`"
    return f"Refresh them (for SSO: {login}), or check AWS_PROFILE / AWS_ACCESS_KEY_ID"


def get_image_version(
    image_name: str,
    version: int | None = None,
    alias: str | None = None,
    *,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    endpoint_url: str | None = None,
    max_attempts: int | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    list_aliases: bool = True,
) -> ImageVersionInfo:
    """Resolve one SageMaker image version: by ``version``, by ``alias``, or the latest when neither.

    Inputs are validated before any request; the lookup makes one DescribeImageVersion call plus one
    ListAliases call for :attr:`ImageVersionInfo.aliases`. With ``list_aliases=False`` it makes only the
    first (``aliases`` is then empty), and needs only ``sagemaker:DescribeImageVersion``. If the identity
    may not call ListAliases, ``aliases`` is empty too and a :class:`LookupWarning` says so, once per process.

    Raises:
        InvalidImageVersionQuery: an input breaks the API's rules (nothing was sent).
        ImageVersionNotFound: no such version or alias (:class:`ImageNotFound` when the image is missing).
        ImageVersionLookupError: credentials, permissions, throttling, connectivity and other AWS errors.
    """
    query = ImageVersionQuery.create(image_name, version, alias)
    if not isinstance(list_aliases, bool):
        raise InvalidImageVersionQuery([QueryProblem("list_aliases", list_aliases, "must be true or false")])
    settings = AwsSettings(
        region=region,
        profile=profile,
        role_arn=role_arn,
        endpoint_url=endpoint_url,
        max_attempts=max_attempts,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    return resolve(query, settings, list_aliases=list_aliases)


def resolve(query: ImageVersionQuery, settings: AwsSettings, *, list_aliases: bool = True) -> ImageVersionInfo:
    """Resolve an already validated query; see :func:`get_image_version`."""
    client = sagemaker_client(settings)
    aliases: tuple[str, ...] = ()
    try:
        response = client.describe_image_version(**query.describe_request())
        if list_aliases:
            try:
                aliases = _aliases_of(client, query.image_name, response["Version"])
            except ClientError as exc:
                # `aliases` is bookkeeping: an identity that may only describe still gets the resolution.
                if exc.response.get("Error", {}).get("Code") not in _ACCESS_DENIED_CODES:
                    raise
                _warn_once(_LIST_ALIASES_DENIED, _list_aliases_denied(exc, query, client.meta.region_name))
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc, query=query, client=client, settings=settings) from None
    except RuntimeError as exc:
        # botocore raises a bare RuntimeError when refreshing credentials (credential_process, a
        # container or SSO role) still gives expired ones.
        if "expired" not in str(exc):
            raise
        raise AwsCredentialsError(
            f"the AWS credentials used to look up {_subject(query, client.meta.region_name)} are expired, "
            f"and refreshing them gave expired credentials again ({_one_line(exc)}). "
            f"{_credentials_hint(settings.profile)}"
        ) from None
    return ImageVersionInfo.from_api(response, image_name=query.image_name, alias=query.alias, aliases=aliases)


def resolve_pinned(
    query: ImageVersionQuery,
    settings: AwsSettings,
    pinned_version: int | None,
    *,
    current: ImageVersionInfo | None = None,
    list_aliases: bool = True,
) -> tuple[ImageVersionInfo, int]:
    """Resolve ``query``, but report the data of ``pinned_version`` when one is given.

    Returns the info to use and the version the query resolves to now; they differ when the query
    drifted away from the pin. Costs one lookup while there is no drift, two while there is; one less
    when ``current``, the query's resolution made elsewhere (in the program), is passed.
    """
    if current is None:
        current = resolve(query, settings, list_aliases=list_aliases)
    if pinned_version is None or pinned_version == current.version:
        return current, current.version
    pinned_query = ImageVersionQuery(image_name=query.image_name, version=pinned_version)
    try:
        pinned = resolve(pinned_query, settings, list_aliases=list_aliases)
    except ImageVersionNotFound as exc:
        raise ImageVersionNotFound(
            f"pinned version {pinned_version} of image {query.image_name!r} no longer exists ({exc}); "
            f"the {query.selector} is now version {current.version}: move the pin",
            image_name=query.image_name,
            selector=pinned_query.selector,
        ) from None
    return pinned.model_copy(update={"alias": query.alias}), current.version


class LookupWarning(UserWarning):
    """A lookup that succeeded without something it asked for (a denied ListAliases)."""


_LIST_ALIASES_DENIED: Final = "ListAliases denied"


class _Warnings:
    """Each kind of warning once per process, which is once per run of the CLI, a program or a provider.

    Where a warning goes is the transport's choice (:func:`set_warning_handler`): the CLI's stderr,
    Pulumi's log in a program, the engine's log in the plugin; without one, :mod:`warnings`.
    """

    lock = threading.Lock()
    given: set[str] = set()  # noqa: RUF012 (process-wide on purpose)
    handler: Callable[[str], None] | None = None


def set_warning_handler(handler: Callable[[str], None] | None) -> None:
    """Send lookup warnings to ``handler`` (one line of text each); ``None``: :func:`warnings.warn`."""
    _Warnings.handler = handler


def reset_warnings() -> None:
    """Forget which warnings were given, so each is given again (a new run in the same process: tests)."""
    with _Warnings.lock:
        _Warnings.given.clear()


def _warn_once(kind: str, text: str) -> None:
    with _Warnings.lock:
        if kind in _Warnings.given:
            return
        _Warnings.given.add(kind)
    handler = _Warnings.handler
    if handler is None:
        warnings.warn(text, LookupWarning, stacklevel=4)
    else:
        handler(text)


def _list_aliases_denied(exc: ClientError, query: ImageVersionQuery, region: str) -> str:
    message = _one_line(exc.response.get("Error", {}).get("Message", ""))
    found = _DENIED_RESOURCE_RE.search(message)
    resource = found.group(1) if found else f"arn:aws:sagemaker:{region}:*:image/{query.image_name.lower()}"
    return (
        f"the AWS identity may not call sagemaker:ListAliases on {resource}, so `aliases` is empty for "
        f"image {query.image_name!r} and any other lookup that is denied it; everything else is resolved "
        "from DescribeImageVersion, and this is not drift. Grant sagemaker:ListAliases to list aliases, or "
        "set list_aliases=False (listAliases: false; CLI: --no-aliases) to skip the call"
    )


def _aliases_of(client: SageMakerClient, image_name: str, version: int) -> tuple[str, ...]:
    aliases: list[str] = []
    request: dict[str, Any] = {"ImageName": image_name, "Version": version, "MaxResults": _ALIAS_PAGE_SIZE}
    while True:
        page = client.list_aliases(**request)
        aliases.extend(page.get("SageMakerImageVersionAliases", []))
        token = page.get("NextToken")
        if not token:
            return tuple(aliases)
        request["NextToken"] = token


def _subject(query: ImageVersionQuery, region: str) -> str:
    return f"image {query.image_name!r} ({query.selector}) in {region}"


def _attempts(exc: ClientError | BotoCoreError) -> int | None:
    """The attempts the failed call made, when botocore says (see :func:`_record_attempts`)."""
    recorded = getattr(exc, _ATTEMPTS_ATTRIBUTE, None)
    if isinstance(recorded, int):
        return recorded
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
    return None


def _budget(client: SageMakerClient) -> int:
    retries: dict[str, Any] = getattr(client.meta.config, "retries", None) or {}
    return int(retries.get("total_max_attempts", _STANDARD_MODE_ATTEMPTS))


def _tries(attempts: int | None, budget: int, *, retryable: bool) -> str:
    """``3 attempts``; notes when botocore gave up before the budget (its retry quota was spent)."""
    made = budget if attempts is None else attempts
    text = f"{made} attempt{'s' if made != 1 else ''}"
    if retryable and made < budget:
        text += (
            f" (of up to {budget}: after many failed attempts botocore's retry quota for this client is "
            "spent, and it retries again once requests succeed)"
        )
    return text


def _translate(
    exc: ClientError | BotoCoreError,
    *,
    query: ImageVersionQuery,
    client: SageMakerClient,
    settings: AwsSettings,
) -> ImageVersionLookupError:
    region = client.meta.region_name
    subject = _subject(query, region)
    attempts = _attempts(exc)
    budget = _budget(client)

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = _one_line(error.get("Message", ""))
        operation = exc.operation_name
        if operation == "AssumeRole":
            return AwsCredentialsError(
                f"could not assume role {settings.role_arn} to look up {subject}: {code}: {message}. "
                "Check that the role exists and trusts the calling identity (sts:AssumeRole)"
            )
        if code == "ResourceNotFound":
            return _not_found(client, query, region)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        tries = _tries(attempts, budget, retryable=code in _THROTTLING_CODES or status in _RETRIED_STATUSES)
        if code in _THROTTLING_CODES:
            return AwsThrottled(
                f"AWS throttled {operation} for {subject} ({code}) after {tries}; retry later, "
                "or allow more attempts with AWS_MAX_ATTEMPTS or max_attempts"
            )
        if code in _ACCESS_DENIED_CODES:
            action = f"sagemaker:{operation}"
            found = _DENIED_RESOURCE_RE.search(message)
            resource = found.group(1) if found else _version_arn_pattern(query, region)
            return AwsAccessDenied(
                f"access denied for {subject}: the AWS identity may not call {action} on {resource}. "
                "Grant sagemaker:DescribeImageVersion on that resource (and sagemaker:ListAliases to list "
                "its aliases) "
                f"(AWS said: {message})",
                action=action,
                resource_arn=resource,
            )
        if code in _CREDENTIAL_CODES:
            return AwsCredentialsError(
                f"AWS rejected the credentials used to look up {subject} ({code}: {message}). "
                f"{_credentials_hint(settings.profile)}"
            )
        return AwsServiceError(
            f"{operation} failed for {subject} with {code} after {tries}: {message}",
            code=code,
        )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        purpose = f"look up {subject}"
        if settings.role_arn is not None:
            purpose = f"assume role {settings.role_arn} for looking up {subject}"
        if settings.profile is not None:
            # Environment keys do not count once a profile is named (botocore's rule), so point at it.
            return AwsCredentialsError(
                f"AWS profile {settings.profile!r} gives no usable credentials to {purpose} ({_one_line(exc)}): "
                f"add keys, SSO settings or a credential_process to it (`aws configure --profile {settings.profile}`)"
                f", or run `aws sso login --profile {settings.profile}`"
            )
        return AwsCredentialsError(
            f"no AWS credentials found to {purpose}: set AWS_PROFILE or pass profile=..., "
            "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        )
    if isinstance(exc, CredentialRetrievalError | SSOError | TokenRetrievalError):
        return AwsCredentialsError(
            f"could not load AWS credentials to look up {subject}: {_one_line(exc)}. "
            f"{_credentials_hint(settings.profile)}"
        )
    tries = _tries(attempts, budget, retryable=True)
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        return AwsConnectionError(
            f"SageMaker at {client.meta.endpoint_url} did not answer in time for {subject} after {tries} "
            f"(connect timeout {settings.connect_timeout:g}s, read timeout {settings.read_timeout:g}s)"
        )
    if isinstance(exc, ConnectionClosedError):
        return AwsConnectionError(
            f"SageMaker at {client.meta.endpoint_url} closed the connection without answering for {subject} "
            f"after {tries}; check endpoint_url, and any proxy or firewall between here and the endpoint"
        )
    if isinstance(exc, EndpointConnectionError):
        hint = "check endpoint_url and that the endpoint is running"
        if settings.endpoint_url is None:
            known = botocore.session.get_session().get_available_regions("sagemaker")
            hint = (
                f"region {region!r} is not a SageMaker region this botocore knows ({', '.join(known)})"
                if region not in known
                else "check your network and proxy settings"
            )
        return AwsConnectionError(
            f"could not reach SageMaker at {client.meta.endpoint_url} to look up {subject} after {tries}: {hint}"
        )
    return AwsServiceError(f"looking up {subject} failed: {_one_line(exc)}", code=type(exc).__name__)


def _version_arn_pattern(query: ImageVersionQuery, region: str) -> str:
    return f"arn:aws:sagemaker:{region}:*:image-version/{query.image_name.lower()}/*"


def _not_found(client: SageMakerClient, query: ImageVersionQuery, region: str) -> ImageVersionNotFound:
    """Say what does exist, at the cost of one more call; fall back to a plain message if that fails."""
    subject = f"image {query.image_name!r}"
    where = f" in {region}"
    existing: list[str] | None = None
    try:
        if query.alias is not None:
            page = client.list_aliases(ImageName=query.image_name, MaxResults=_ALIAS_PAGE_SIZE)
            existing = sorted(page.get("SageMakerImageVersionAliases", []))
        else:
            listing = client.list_image_versions(
                ImageName=query.image_name, SortBy="VERSION", SortOrder="ASCENDING", MaxResults=100
            )
            existing = [str(v["Version"]) for v in listing.get("ImageVersions", [])]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFound":
            return ImageNotFound(
                f"{subject} does not exist{where}: check the name and the region/account, "
                "or create it with CreateImage",
                image_name=query.image_name,
                selector=query.selector,
            )
    except BotoCoreError:
        pass
    if query.alias is not None:
        listed = f" (aliases: {list_names(existing)})" if existing is not None else ""
        message = f"{subject} has no alias {query.alias!r}{where}{listed}"
    elif query.version is not None:
        listed = f" (versions: {list_names(existing)})" if existing is not None else ""
        message = f"{subject} has no version {query.version}{where}{listed}"
    elif existing:  # a version appeared between the two calls
        message = f"{subject} had no latest version{where} when asked; versions now: {list_names(existing)}"
    else:
        message = f"{subject} has no versions{where}; create one with CreateImageVersion"
    return ImageVersionNotFound(message, image_name=query.image_name, selector=query.selector)
