"""What an ``ImageVersion`` is: every decision check, diff, create, read and the invoke make, in one place.

Both transports serve these rules and neither has one of its own: the Python dynamic provider
(:mod:`pulumi_sagemaker_image.dynamic_provider`, for Python programs) and the native plugin's gRPC
server (:mod:`pulumi_sagemaker_image.plugin`, for every language). Each function here takes and
returns plain camelCase property dicts (the layout of :mod:`pulumi_sagemaker_image.state`) plus
failures and warnings as data; each transport translates them to its protocol — a pickled provider's
``CheckResult`` and ``pulumi.log.warn`` in the program, or protobuf Structs and the engine's ``Log``
service. No Pulumi import here.

The decisions, and where each is made:

* **Validation** (:func:`check`, :func:`invoke`): bad inputs become failures on their property before
  any AWS call, except that an endpoint URL carrying credentials is reported on the resource, because
  the engine prints the raw value next to a property's failure.
* **Unknown inputs** (:func:`check`): while any input is unknown (preview, an input another resource
  produces), nothing is looked up and the outputs stay unknown. The transports represent unknowns
  differently, so they pass a predicate.
* **Resolution** (:func:`check`, :func:`read`): the query resolves to a version; with a held pin
  (``pinnedVersion`` copied by ``ignore_changes``) the outputs keep describing the pinned version and
  ``currentVersion`` shows where the query points now (:func:`~pulumi_sagemaker_image.lookup.resolve_pinned`).
  A lookup the program already made is reused when it answers exactly this question
  (:func:`~pulumi_sagemaker_image.prefetch.reuse`).
* **Guardrails**: a version that is not ``CREATED`` (or ``ARCHIVED`` with ``failOnArchived``) fails on
  the selector property; vendor guidance and pin drift are warnings (:func:`state_warnings`).
* **Drift** (:func:`changed_properties`): any change of the resolution is an update naming the changed
  properties; bookkeeping alone (:data:`~pulumi_sagemaker_image.state.NOT_DRIFT_PROPERTIES`) is not.
  Nothing is ever replaced, and delete never touches SageMaker.
* **Identity** (:func:`resource_id`, :func:`read`): the ID states the query (``name``, ``name:N``,
  ``name@alias``) and does not drift; reading by ID resolves that query.
* **The invoke** (:func:`invoke`): the same query and settings, no guardrails (like
  :func:`~pulumi_sagemaker_image.lookup.get_image_version`, it reports any status), nothing in state;
  but a version lacking an output the schema marks required (a CREATING version's container image)
  fails, as it does for the resource, so the SDKs' `Output<string>` never holds undefined.
* **Secrets** (every entry point's ``secret`` and ``config_texts``): what holds the value of a secret
  input is secret too, the ID masks it, and failures, warnings and errors leave it out. The rules
  are :mod:`pulumi_sagemaker_image.secrecy`'s; each :class:`Outcome` names the keys to mark secret.

AWS settings combine per key: the resource's (or invoke's) own input, else the transport's
``defaults`` (the plugin's provider config; the Python route's ``aws:region``/``aws:profile``), else
botocore's environment chain.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

from pydantic.alias_generators import to_snake

from pulumi_sagemaker_image import secrecy
from pulumi_sagemaker_image.errors import (
    ImageVersionLookupError,
    ImageVersionNotFound,
    ImageVersionNotUsable,
    InvalidImageVersionQuery,
    QueryProblem,
)
from pulumi_sagemaker_image.guardrails import check_complete, check_usable, guidance_warnings
from pulumi_sagemaker_image.lookup import AwsSettings, resolve, resolve_pinned
from pulumi_sagemaker_image.models import ImageVersionInfo, ImageVersionQuery
from pulumi_sagemaker_image.prefetch import reuse
from pulumi_sagemaker_image.state import (
    CURRENT_VERSION_KEY,
    INPUT_PROPERTIES,
    OUTPUT_PROPERTIES,
    PINNED_KEY,
    PINNED_VERSION_KEY,
    QUERY_KEY,
    QUERY_PROPERTIES,
    SETTINGS_PROPERTIES,
    ResourceInputs,
    drifted_properties,
    wire_int,
)

# What a program passes to the invoke (the resource's inputs without failOnArchived: like
# get_image_version, the invoke reports any status without judging it).
FUNCTION_INPUTS: Final = (*QUERY_PROPERTIES, *SETTINGS_PROPERTIES, "listAliases")
# What the invoke returns: every field of the lookup, the settings as given, and the query.
FUNCTION_OUTPUTS: Final = (*ImageVersionInfo.json_keys(), *SETTINGS_PROPERTIES, QUERY_KEY)

IsUnknown = Callable[[object], bool]
E = TypeVar("E", bound=Exception)


def never_unknown(_value: object) -> bool:
    """The predicate for callers whose values are all known (the invoke, reads, tests)."""
    return False


@dataclass(frozen=True)
class Failure:
    """A check failure: the camelCase property it concerns (``""``: the resource as a whole) and why."""

    property: str
    reason: str


@dataclass(frozen=True)
class Outcome:
    """What check, read or the invoke decided.

    ``properties`` are the checked inputs (check: the resolved state, or the inputs as given when
    nothing was resolved), the state (read) or the function's result (invoke); ``warnings`` are to be
    shown on the resource.
    """

    properties: dict[str, Any]
    failures: tuple[Failure, ...] = ()
    warnings: tuple[str, ...] = ()
    # Set by read: the inputs a program would declare for this state (see :func:`declared_inputs`).
    inputs: dict[str, Any] = field(default_factory=dict)
    # The keys of ``properties`` and of ``inputs`` the transport must send as secrets.
    secret: frozenset[str] = frozenset()
    secret_inputs: frozenset[str] = frozenset()


def _hide(
    outcome: Outcome, given: Mapping[str, Any], secret: Collection[str], config_texts: Collection[str]
) -> Outcome:
    """Mark what holds a secret input's value secret, and take the values out of failures and warnings.

    A failure on a secret property moves onto the resource: the engine prints a property's value
    beside its failure. ``given`` holds the inputs' plain values.
    """
    if not secret and not config_texts:
        return outcome
    texts = secrecy.secret_texts(given, secret, config_texts)
    numbers = secrecy.secret_numbers(given, secret)
    failures = tuple(
        Failure("" if f.property in secret else f.property, secrecy.redact(f.reason, texts, numbers))
        for f in outcome.failures
    )
    return replace(
        outcome,
        failures=failures,
        warnings=tuple(secrecy.redact(warning, texts, numbers) for warning in outcome.warnings),
        secret=secrecy.secret_properties(outcome.properties, secret, texts),
        secret_inputs=secrecy.secret_properties(outcome.inputs, secret, texts),
    )


def redacted(exc: E, given: Mapping[str, Any], secret: Collection[str], config_texts: Collection[str]) -> E:
    """``exc`` with its message redacted like a failure's (every lookup error's message is its one argument)."""
    texts = secrecy.secret_texts(given, secret, config_texts)
    exc.args = (secrecy.redact(str(exc), texts, secrecy.secret_numbers(given, secret)),)
    return exc


def input_failures(exc: InvalidImageVersionQuery, *, config_namespace: str | None = None) -> tuple[Failure, ...]:
    """One failure per invalid input, on its property.

    With ``config_namespace`` (``"sagemaker-image"``) the inputs are provider configuration, and each
    reason names the configuration key (``sagemaker-image:maxAttempts``) instead of the input.
    """
    failures = []
    for problem in exc.problems:
        reason = str(problem)
        if config_namespace is not None:
            reason = f"{config_namespace}:{problem.property_name}{replace(problem, field='')}"
        failures.append(Failure(_failure_property(problem), reason))
    return tuple(failures)


def _failure_property(problem: QueryProblem) -> str:
    # The engine prints the raw input value next to a property's failure; an endpoint URL carrying
    # credentials must not be echoed, so that one failure is reported on the resource instead.
    if problem.field == "endpoint_url" and "@" in str(problem.value):
        return ""
    return problem.property_name


def lookup_failure(exc: ImageVersionLookupError, query: ImageVersionQuery) -> Failure:
    """A failed lookup as one failure: a missing or unusable version on the property that selected it."""
    if isinstance(exc, ImageVersionNotFound | ImageVersionNotUsable):
        return Failure(selector_property(query), str(exc))
    return Failure("", str(exc))


def selector_property(query: ImageVersionQuery) -> str:
    """The input that picked the version: ``alias``, ``version``, or ``imageName`` for the latest."""
    if query.alias is not None:
        return "alias"
    if query.version is not None:
        return "version"
    return "imageName"


def parse_inputs(props: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> ResourceInputs:
    """Validate a resource's camelCase inputs; raises :class:`InvalidImageVersionQuery` listing every bad one."""
    return ResourceInputs.from_properties(props, defaults=defaults)


def resolve_state(
    inputs: ResourceInputs, resource_name: str, prefetched: ImageVersionInfo | None = None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Resolve (with the pin), apply the guardrails, lay out the state; return it with its warnings.

    Raises :class:`~pulumi_sagemaker_image.errors.ImageVersionLookupError` (including
    :class:`~pulumi_sagemaker_image.errors.ImageVersionNotUsable` from the guardrails).
    """
    info, current = resolve_pinned(
        inputs.query, inputs.settings, inputs.pinned_version, current=prefetched, list_aliases=inputs.list_aliases
    )
    check_usable(info, fail_on_archived=inputs.fail_on_archived)
    state = inputs.state(info, current)
    return state, state_warnings(state, resource_name)


def check(
    news: Mapping[str, Any],
    *,
    resource_name: str = "",
    defaults: Mapping[str, Any] | None = None,
    is_unknown: IsUnknown = never_unknown,
    prefetched: object = None,
    secret: Collection[str] = (),
    config_texts: Collection[str] = (),
) -> Outcome:
    """Check a resource's inputs: validate, then resolve them into the state they would be deployed as.

    ``news`` are the program's inputs (plus a ``pinnedVersion`` the engine copied for
    ``ignore_changes``), without the transport's own keys. The resolved state is returned as the
    checked inputs, which is how ``pulumi preview`` shows the resolved image even for a new stack.
    ``prefetched`` is the hidden input of :mod:`pulumi_sagemaker_image.prefetch`, if any. ``secret``
    are the inputs given as secrets, ``config_texts`` the secret texts of the provider configuration.
    """
    given = dict(news)
    return _hide(_check(given, resource_name, defaults, is_unknown, prefetched), given, secret, config_texts)


def _check(
    given: dict[str, Any],
    resource_name: str,
    defaults: Mapping[str, Any] | None,
    is_unknown: IsUnknown,
    prefetched: object,
) -> Outcome:
    if any(is_unknown(given.get(key)) for key in (*INPUT_PROPERTIES, PINNED_VERSION_KEY)):
        # Inputs that another resource will only produce later: no lookup, and the outputs stay
        # unknown until then.
        return Outcome(given)
    try:
        inputs = parse_inputs(given, defaults)
    except InvalidImageVersionQuery as exc:
        return Outcome(given, failures=input_failures(exc))
    try:
        state, warnings = resolve_state(inputs, resource_name, reuse(inputs, prefetched))
    except ImageVersionLookupError as exc:
        return Outcome(given, failures=(lookup_failure(exc, inputs.query),))
    return Outcome(state, warnings=warnings)


def changed_properties(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    ignore_changes: tuple[str, ...] | list[str] = (),
    old_secret: Collection[str] = (),
    new_secret: Collection[str] = (),
) -> list[str]:
    """The properties whose change from the old state to the new checked inputs is drift.

    Empty means no update. Nothing is ever replaced: a lookup has no physical resource to recreate.
    ``ignore_changes`` are top-level property names the program asked to ignore. A key that turned
    secret (``old_secret``/``new_secret``: the secret keys on each side) or plain is a change too,
    so that an update re-records state with the new secretness: otherwise a query made secret in the
    program would stay in plain text in state and in the ID.
    """
    ignored = {path.split(".", 1)[0].split("[", 1)[0] for path in ignore_changes}
    changed = [key for key in drifted_properties(olds, news) if key not in ignored]
    resecured = sorted(set(old_secret).symmetric_difference(new_secret).difference(changed, ignored))
    return changed + resecured


def resource_id(props: Mapping[str, Any], secret: Collection[str] = (), config_texts: Collection[str] = ()) -> str:
    """The ID of a created resource: the query as written (``""`` while it is unknown, in preview).

    With secret inputs, their parts of the query are masked (see :mod:`pulumi_sagemaker_image.secrecy`).
    """
    value = props.get(QUERY_KEY)
    if not isinstance(value, str):
        return ""
    return secrecy.masked_id(value, secret, secrecy.secret_texts(props, secret, config_texts))


def outputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """What create and update record: the checked inputs, which already are the state (no AWS call)."""
    return {key: value for key, value in props.items() if key in OUTPUT_PROPERTIES}


def record(props: Mapping[str, Any], secret: Collection[str] = (), config_texts: Collection[str] = ()) -> Outcome:
    """What create and update record (:func:`outputs`), and which of it is secret."""
    return _hide(Outcome(outputs(props)), props, secret, config_texts)


def read(
    resource_id_: str,
    props: Mapping[str, Any],
    *,
    resource_name: str = "",
    defaults: Mapping[str, Any] | None = None,
    secret: Collection[str] = (),
    config_texts: Collection[str] = (),
) -> Outcome:
    """Read by ID (refresh, ``get``, import): resolve the query the ID states.

    The settings, ``failOnArchived`` and a held pin come from the last known state, if any (an import
    has none: then the settings are the ``defaults`` and the environment's). A masked ID (secret
    inputs) states no query: it comes from the state. Raises
    :class:`~pulumi_sagemaker_image.errors.ImageVersionLookupError` (an invalid ID included), its
    message without the secrets.
    """
    try:
        outcome = _read(resource_id_, props, resource_name, defaults)
    except ImageVersionLookupError as exc:
        raise redacted(exc, props, secret, config_texts) from None
    return _hide(outcome, props, secret, config_texts)


def _read(
    resource_id_: str, props: Mapping[str, Any], resource_name: str, defaults: Mapping[str, Any] | None
) -> Outcome:
    stated = props.get(QUERY_KEY)
    if secrecy.is_masked(resource_id_):
        if not isinstance(stated, str):
            raise InvalidImageVersionQuery((QueryProblem("id", resource_id_, secrecy.unreadable_id()),))
        resource_id_ = stated
    query = ImageVersionQuery.from_id(resource_id_)
    known = {key: value for key, value in props.items() if key in INPUT_PROPERTIES}
    known.update({"imageName": query.image_name, "version": query.version, "alias": query.alias})
    if props.get(PINNED_KEY) is True:
        known[PINNED_VERSION_KEY] = props.get(PINNED_VERSION_KEY)
    state, warnings = resolve_state(parse_inputs(known, defaults), resource_name)
    inputs = declared_inputs(state)
    recorded = wire_int(props.get(PINNED_VERSION_KEY))
    if isinstance(recorded, int) and not isinstance(recorded, bool):
        # Refresh reads where the query points now into the outputs, but never moves the version that
        # `ignore_changes=["pinnedVersion"]` holds: until an update records `pinned`, state cannot tell
        # a held pin from a followed alias, and the engine would hold the refreshed version from then on.
        inputs[PINNED_VERSION_KEY] = recorded
    return Outcome(state, warnings=warnings, inputs=inputs)


def declared_inputs(state: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs a program declares to get ``state``: the query (as the ID states it), the settings it
    gave, ``failOnArchived`` when set, and the recorded ``pinnedVersion``.

    ``pulumi import`` writes the program from these, and the engine keeps them as the resource's
    inputs, so ``ignore_changes: [pinnedVersion]`` holds the version read.
    """
    query = ImageVersionQuery.from_id(str(state[QUERY_KEY]))
    declared: dict[str, Any] = {"imageName": query.image_name}
    if query.version is not None:
        declared["version"] = query.version
    if query.alias is not None:
        declared["alias"] = query.alias
    declared.update({key: state[key] for key in SETTINGS_PROPERTIES if state.get(key) is not None})
    if state.get("failOnArchived") is True:
        declared["failOnArchived"] = True
    if state.get("listAliases") is False:
        declared["listAliases"] = False
    declared[PINNED_VERSION_KEY] = state[PINNED_VERSION_KEY]
    return declared


def invoke(
    args: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
    secret: Collection[str] = (),
    config_texts: Collection[str] = (),
) -> Outcome:
    """``getImageVersion``: resolve the query; every output of the lookup, the settings as given, the query.

    Bad input fails on its property before any AWS call; a failed lookup is one failure with the
    message the Python errors carry (a missing version on its selector property). With secret
    arguments, what holds them is secret and failures leave them out, as for the resource.
    """
    return _hide(_invoke(args, defaults), args, secret, config_texts)


def _invoke(args: Mapping[str, Any], defaults: Mapping[str, Any] | None) -> Outcome:
    unexpected = sorted(key for key in args if key not in FUNCTION_INPUTS)
    failures = [
        Failure(key, f"{key} is not an input of getImageVersion; its inputs are {', '.join(FUNCTION_INPUTS)}")
        for key in unexpected
    ]
    given = {key: value for key, value in args.items() if key in FUNCTION_INPUTS}
    try:
        inputs = parse_inputs(given, defaults)
    except InvalidImageVersionQuery as exc:
        return Outcome(given, failures=(*failures, *input_failures(exc)))
    if failures:
        return Outcome(given, failures=tuple(failures))
    try:
        info = resolve(inputs.query, inputs.settings, list_aliases=inputs.list_aliases)
        # Any status is reported, but not a version with a hole where its type promises a value.
        check_complete(info)
    except ImageVersionLookupError as exc:
        return Outcome(given, failures=(lookup_failure(exc, inputs.query),))
    result: dict[str, Any] = dict.fromkeys(FUNCTION_OUTPUTS)
    result.update(info.to_json_dict())
    result.update(inputs.explicit_settings)
    result[QUERY_KEY] = inputs.query.id
    return Outcome(result)


def state_warnings(state: Mapping[str, Any], resource_name: str, secret: Collection[str] = ()) -> tuple[str, ...]:
    """The warnings to show on a resource with this state: vendor guidance, and a held pin's drift.

    Values may come off the wire (numbers as floats) or be missing while unknown (then: none). The
    values of the ``secret`` inputs are left out.
    """
    texts, numbers = secrecy.secret_texts(state, secret), secrecy.secret_numbers(state, secret)
    return tuple(secrecy.redact(warning, texts, numbers) for warning in _state_warnings(state, resource_name))


def _state_warnings(state: Mapping[str, Any], resource_name: str) -> tuple[str, ...]:
    version = state.get("version")
    if not isinstance(version, int | float) or isinstance(version, bool):
        return ()
    image_name = str(state.get("imageName"))
    warnings = list(guidance_warnings(image_name, int(version), state.get("vendorGuidance")))
    current = state.get(CURRENT_VERSION_KEY)
    if state.get(PINNED_KEY) is True and isinstance(current, int | float) and int(current) != int(version):
        alias = state.get("alias")
        selector = f"alias {alias!r}" if alias else "the latest version"
        warnings.append(
            f"{resource_name} is pinned to version {int(version)}, but {selector} of image {image_name!r} "
            f"is now version {int(current)}; to move, run `pulumi up` once without ignore_changes, "
            "or `pulumi up --target-replace URN`"
        )
    return tuple(warnings)


def defaults_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Validated provider-config defaults (camelCase settings keys); raises :class:`InvalidImageVersionQuery`.

    Config values may arrive as strings (``pulumi config set`` stores strings), so the numeric
    settings are read from their text here; the settings' own validation then applies the same rules
    and messages as to a resource's inputs.
    """
    defaults: dict[str, Any] = {}
    for key in SETTINGS_PROPERTIES:
        value = config.get(key)
        if value is None or value == "":
            continue
        if key in _NUMERIC_SETTINGS and isinstance(value, str):
            value = _number(value)
        defaults[key] = wire_int(value) if key == "maxAttempts" else value
    AwsSettings(**{to_snake(key): value for key, value in defaults.items()})
    return defaults


_NUMERIC_SETTINGS: Final = frozenset({"maxAttempts", "connectTimeout", "readTimeout"})


def _number(text: str) -> object:
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text  # rejected by the settings' validation, which names the key and the rule


__all__ = [
    "FUNCTION_INPUTS",
    "FUNCTION_OUTPUTS",
    "Failure",
    "Outcome",
    "changed_properties",
    "check",
    "declared_inputs",
    "defaults_from_config",
    "input_failures",
    "invoke",
    "lookup_failure",
    "never_unknown",
    "outputs",
    "parse_inputs",
    "read",
    "record",
    "redacted",
    "resolve_state",
    "resource_id",
    "selector_property",
    "state_warnings",
]
