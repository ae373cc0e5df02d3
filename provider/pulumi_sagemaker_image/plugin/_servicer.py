"""Pulumi's ResourceProvider service for the ``sagemaker-image`` package, over :mod:`pulumi_sagemaker_image.semantics`.

Translation only: protobuf Structs to camelCase dicts and back, semantics' failures to
``CheckFailure``, its warnings to the engine's ``Log`` service on the resource's URN, lookup errors
to gRPC errors. Every decision is the semantics module's, shared with the Python dynamic provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Final, NoReturn, TypeVar

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN

from pulumi_sagemaker_image import __version__, lookup, secrecy, semantics
from pulumi_sagemaker_image.errors import ImageVersionLookupError, InvalidImageVersionQuery
from pulumi_sagemaker_image.plugin._engine import Engine
from pulumi_sagemaker_image.schema import FUNCTION_TOKEN, PACKAGE, RESOURCE_TOKEN
from pulumi_sagemaker_image.state import QUERY_KEY, SETTINGS_PROPERTIES

# Keys the engine itself puts in a provider's inputs; they are not configuration.
_ENGINE_CONFIG_KEYS: Final = frozenset({"version", "pluginDownloadURL", "pluginChecksums"})

T = TypeVar("T")


def to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A property Struct as plain values (numbers as floats; unknowns as Pulumi's sentinel string).

    By hand rather than ``json_format``, which refuses NaN and infinity: those are bad inputs to
    report on their property, not reasons to fail the call.
    """
    return {key: _plain(value) for key, value in struct.fields.items()}


def _plain(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return to_dict(value.struct_value)
    if kind == "list_value":
        return [_plain(item) for item in value.list_value.values]
    if kind is None or kind == "null_value":
        return None
    return getattr(value, kind)


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def is_unknown(value: object) -> bool:
    """Unknowns cross the wire as Pulumi's sentinel string (we accept secrets, but not resources, and
    unwrap the secrets first)."""
    return value == UNKNOWN


def unwrap(struct: struct_pb2.Struct) -> tuple[dict[str, Any], frozenset[str]]:
    """A property Struct as plain values, and the inputs given as secrets (:mod:`~pulumi_sagemaker_image.secrecy`)."""
    props, secret_keys = secrecy.unwrap(to_dict(struct))
    return props, secrecy.secret_inputs(secret_keys)


def to_secret_struct(props: Mapping[str, Any], secret: frozenset[str]) -> struct_pb2.Struct:
    """``props`` with the keys semantics decided are secret sent as secrets, for the engine to encrypt and mask."""
    return to_struct(secrecy.wrap(props, secret))


@cache
def schema_text() -> str:
    """schema.json as installed with the package (``make schema`` writes it)."""
    return resources.files("pulumi_sagemaker_image").joinpath("schema.json").read_text(encoding="utf-8")


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _type_of(request_type: str, urn: str) -> str:
    if request_type:
        return request_type
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


class _Lookups:
    """Runs each lookup on its call's own gRPC thread, and ends calls at once on Cancel.

    botocore cannot abandon a request it is waiting on, but grpcio can end a call from any thread
    (``context.cancel()``, gRPC's RST_STREAM): Cancel (the engine shutting down, or Ctrl+C) ends every
    call in flight with CANCELLED immediately, and no new lookup starts after it. A call the engine
    cancels itself (a deadline, its own cancellation) has already ended on the engine's side. Either
    way, an abandoned request finishes on its thread in the background (its connect and read timeouts
    bound it) or ends with the process. Running the lookup on the call's thread, not handing it to a
    pool, saves two thread wake-ups per call (docs/performance.md, "The invoke's overhead").
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._in_flight: set[Any] = set()

    def run(self, context: Any, work: Callable[[], T]) -> T:
        with self._lock:
            cancelled = self._cancelled
            if not cancelled:
                self._in_flight.add(context)
        if cancelled:
            _abort(context, grpc.StatusCode.CANCELLED, "the engine cancelled this deployment; no new lookups start")
        try:
            return work()
        finally:
            with self._lock:
                self._in_flight.discard(context)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            in_flight, self._in_flight = self._in_flight, set()
        for context in in_flight:
            context.cancel()


def _abort(context: Any, code: Any, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("context.abort returns only by raising")  # pragma: no cover


class ImageVersionProviderServicer(provider_pb2_grpc.ResourceProviderServicer):
    """The ResourceProvider methods this plugin serves; the base class answers the rest UNIMPLEMENTED."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Lookup warnings (a denied ListAliases) are once per process, not per resource: the engine shows
        # them as the run's own diagnostics rather than as plain Python warnings on the plugin's stderr.
        lookup.set_warning_handler(lambda text: engine.warn("", text))
        self._lookups = _Lookups()
        # Provider config (validated camelCase settings): resource input > this > the AWS environment.
        self._defaults: dict[str, Any] = {}
        # The texts of the provider config given as secrets: hidden wherever they show up.
        self._config_texts: tuple[str, ...] = ()

    # -- the plugin -------------------------------------------------------------------------------

    def GetPluginInfo(self, request: empty_pb2.Empty, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=__version__)

    def GetSchema(self, request: provider_pb2.GetSchemaRequest, context: Any) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema=schema_text())

    def Cancel(self, request: empty_pb2.Empty, context: Any) -> empty_pb2.Empty:
        self._lookups.cancel()
        return empty_pb2.Empty()

    # -- provider configuration -------------------------------------------------------------------

    def CheckConfig(self, request: provider_pb2.CheckRequest, context: Any) -> provider_pb2.CheckResponse:
        news = secrecy.unwrap(to_dict(request.news))[0]
        failures = [
            provider_pb2.CheckFailure(
                property="",  # not on the property: the engine would print the value, which could be a secret
                reason=f"{PACKAGE}:{key} is not a configuration key of the {PACKAGE} provider; its keys are "
                + ", ".join(f"{PACKAGE}:{known}" for known in SETTINGS_PROPERTIES),
            )
            for key in sorted(news)
            if key not in SETTINGS_PROPERTIES and key not in _ENGINE_CONFIG_KEYS and not key.startswith("__")
        ]
        known = {key: value for key, value in news.items() if key in SETTINGS_PROPERTIES and not is_unknown(value)}
        try:
            semantics.defaults_from_config(known)
        except InvalidImageVersionQuery as exc:
            failures += [
                provider_pb2.CheckFailure(property=f.property, reason=f.reason)
                for f in semantics.input_failures(exc, config_namespace=PACKAGE)
            ]
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def DiffConfig(self, request: provider_pb2.DiffRequest, context: Any) -> provider_pb2.DiffResponse:
        olds, news = secrecy.unwrap(to_dict(request.olds))[0], secrecy.unwrap(to_dict(request.news))[0]
        changed = sorted(key for key in SETTINGS_PROPERTIES if olds.get(key) != news.get(key))
        # New settings never replace anything: every resource re-resolves with them on its next check.
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
        )

    def Configure(self, request: provider_pb2.ConfigureRequest, context: Any) -> provider_pb2.ConfigureResponse:
        if request.HasField("args"):
            config = to_dict(request.args)
        else:  # older engines send only the flat variables, keyed by `package:key`
            config = {key.split(":", 1)[-1]: value for key, value in request.variables.items()}
        config, secret_keys = secrecy.unwrap(config)
        config = {key: value for key, value in config.items() if not is_unknown(value)}
        try:
            self._defaults = semantics.defaults_from_config(config)
            self._config_texts = secrecy.secret_texts(config, secret_keys)
        except InvalidImageVersionQuery as exc:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"invalid {PACKAGE} provider configuration: {exc}")
        # Secrets on the wire: the engine would otherwise strip them and mark only outputs of the same name
        # secret, whereas the query, the ID, the ARNs and the aliases hold them too (semantics decides).
        # No resources. Preview: Create/Update echo the resolved check.
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True, acceptResources=False)

    # -- the resource -----------------------------------------------------------------------------

    def _resource(self, request_type: str, urn: str, context: Any) -> str:
        """The resource's name, after making sure it is ours."""
        kind = _type_of(request_type, urn)
        if kind != RESOURCE_TOKEN:
            _abort(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"unknown resource type {kind!r}; this provider has {RESOURCE_TOKEN}",
            )
        return _name_of(urn)

    def _warn(self, urn: str, warnings: tuple[str, ...]) -> None:
        for message in warnings:
            self._engine.warn(urn, message)

    def Check(self, request: provider_pb2.CheckRequest, context: Any) -> provider_pb2.CheckResponse:
        name = self._resource(request.type, request.urn, context)
        news, secret = unwrap(request.news)
        defaults, texts = self._defaults, self._config_texts
        outcome = self._lookups.run(
            context,
            lambda: semantics.check(
                news, resource_name=name, defaults=defaults, is_unknown=is_unknown, secret=secret, config_texts=texts
            ),
        )
        self._warn(request.urn, outcome.warnings)
        return provider_pb2.CheckResponse(
            inputs=to_secret_struct(outcome.properties, outcome.secret),
            failures=[provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in outcome.failures],
        )

    def Diff(self, request: provider_pb2.DiffRequest, context: Any) -> provider_pb2.DiffResponse:
        self._resource(request.type, request.urn, context)
        (olds, old_secret), (news, new_secret) = (
            secrecy.unwrap(to_dict(request.olds)),
            secrecy.unwrap(to_dict(request.news)),
        )
        changed = semantics.changed_properties(olds, news, list(request.ignoreChanges), old_secret, new_secret)
        if not changed:
            return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
        # Check sets the query only when it resolved, which it does once every input is known.
        resolved = QUERY_KEY in news
        detailed = {key: provider_pb2.PropertyDiff(kind=_kind(olds.get(key), news.get(key))) for key in changed}
        # Nothing is ever replaced: a lookup has no physical resource to recreate. While the inputs are
        # unknown (preview), the engine shows its own diff of them instead of one naming outputs.
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME,
            diffs=changed,
            detailedDiff=detailed if resolved else {},
            hasDetailedDiff=resolved,
            deleteBeforeReplace=False,
        )

    def Create(self, request: provider_pb2.CreateRequest, context: Any) -> provider_pb2.CreateResponse:
        self._resource(request.type, request.urn, context)
        props, secret = unwrap(request.properties)
        resource_id = semantics.resource_id(props, secret, self._config_texts)
        if not resource_id and not request.preview:
            _abort(
                context, grpc.StatusCode.INVALID_ARGUMENT, "cannot create an ImageVersion whose query is not resolved"
            )
        # The checked inputs already are the resolved state: no AWS call (and the same in preview).
        return provider_pb2.CreateResponse(id=resource_id, properties=self._recorded(props, secret))

    def Update(self, request: provider_pb2.UpdateRequest, context: Any) -> provider_pb2.UpdateResponse:
        self._resource(request.type, request.urn, context)
        news, secret = unwrap(request.news)
        return provider_pb2.UpdateResponse(properties=self._recorded(news, secret))

    def _recorded(self, props: dict[str, Any], secret: frozenset[str]) -> struct_pb2.Struct:
        """What create and update return: the resolved state, or in preview the unresolved inputs as they came
        (every input is an output, so recording them keeps them all)."""
        recorded = semantics.record(props, secret, self._config_texts)
        return to_secret_struct(recorded.properties, recorded.secret)

    def Read(self, request: provider_pb2.ReadRequest, context: Any) -> provider_pb2.ReadResponse:
        name = self._resource(request.type, request.urn, context)
        props, secret = unwrap(request.properties)
        defaults, texts = self._defaults, self._config_texts

        def read() -> semantics.Outcome | ImageVersionLookupError:
            try:
                return semantics.read(
                    request.id, props, resource_name=name, defaults=defaults, secret=secret, config_texts=texts
                )
            except ImageVersionLookupError as exc:
                return exc

        outcome = self._lookups.run(context, read)
        if isinstance(outcome, InvalidImageVersionQuery):
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"cannot read {RESOURCE_TOKEN} {request.id!r}: {outcome}")
        if isinstance(outcome, ImageVersionLookupError):
            # Not an empty ID: that would tell the engine the resource is gone and drop it from state,
            # whereas the state keeps the last good resolution and the user learns what broke.
            _abort(context, grpc.StatusCode.UNKNOWN, str(outcome))
        self._warn(request.urn, outcome.warnings)
        return provider_pb2.ReadResponse(
            id=request.id,
            properties=to_secret_struct(outcome.properties, outcome.secret),
            inputs=to_secret_struct(outcome.inputs, outcome.secret_inputs),
        )

    def Delete(self, request: provider_pb2.DeleteRequest, context: Any) -> empty_pb2.Empty:
        """A lookup owns nothing in SageMaker; forgetting it is all there is to do."""
        self._resource(request.type, request.urn, context)
        return empty_pb2.Empty()

    # -- the function -----------------------------------------------------------------------------

    def Invoke(self, request: provider_pb2.InvokeRequest, context: Any) -> provider_pb2.InvokeResponse:
        if request.tok != FUNCTION_TOKEN:
            _abort(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                f"unknown function {request.tok!r}; this provider has {FUNCTION_TOKEN}",
            )
        args, secret = unwrap(request.args)
        defaults, texts = self._defaults, self._config_texts
        outcome = self._lookups.run(
            context, lambda: semantics.invoke(args, defaults=defaults, secret=secret, config_texts=texts)
        )
        failures = [provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in outcome.failures]
        if failures:
            return provider_pb2.InvokeResponse(failures=failures)
        return provider_pb2.InvokeResponse(**{"return": to_secret_struct(outcome.properties, outcome.secret)})


def _kind(old: object, new: object) -> Any:
    if old is None:
        return provider_pb2.PropertyDiff.ADD
    if new is None:
        return provider_pb2.PropertyDiff.DELETE
    return provider_pb2.PropertyDiff.UPDATE
