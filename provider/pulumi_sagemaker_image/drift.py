"""Drift check on Pulumi state: re-resolve every ``ImageVersion`` without running the program.

Reads stacks (``pulumi stack export`` JSON or a backend's checkpoints, see backends.py), finds the
``ImageVersion`` resources, asks each distinct question once per run (a question is the query plus its
AWS settings: the same ``demo-pytorch@stable`` in a hundred stacks is one lookup), up to 16 at a time
through the lookup's shared clients and retries, and compares what each resolves to now with what state
holds. No Pulumi import: this runs in CI with only boto3 and pydantic loaded.

A value that is secret in state is never shown: every place it would appear says ``[secret]``. A value
still encrypted (a backend read directly, or an export without ``--show-secrets``) cannot be checked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Final

from pulumi_sagemaker_image.backends import StackEntry, StackName, StackReadError
from pulumi_sagemaker_image.errors import ImageVersionLookupError, ImageVersionNotFound
from pulumi_sagemaker_image.guardrails import USABLE_STATUS
from pulumi_sagemaker_image.lookup import resolve, resolve_pinned
from pulumi_sagemaker_image.models import ImageVersionInfo, ImageVersionQuery
from pulumi_sagemaker_image.semantics import defaults_from_config
from pulumi_sagemaker_image.state import (
    CURRENT_VERSION_KEY,
    INPUT_PROPERTIES,
    OUTPUT_PROPERTIES,
    PINNED_KEY,
    PINNED_VERSION_KEY,
    QUERY_KEY,
    QUERY_PROPERTIES,
    ResourceInputs,
    drifted_properties,
    query_of_state,
)

# The Python dynamic resource's type ends with the first (`pulumi-python:dynamic/sagemaker-image:ImageVersion`);
# the native plugin's is the package token. Both lay out state the same way.
RESOURCE_TYPE_SUFFIXES: Final = ("sagemaker-image:ImageVersion", "sagemaker-image:index:ImageVersion")
_MAX_WORKERS: Final = 16

# Pulumi's secret envelope in exported state and checkpoints: this key with this value marks a secret,
# whose value is in "ciphertext" (still encrypted) or "plaintext" (JSON text; `--show-secrets`).
SECRET_SIGNATURE_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE: Final = "1b47061264138c4ac30d75fd1eb44270"
SECRET_SHOWN: Final = "[secret]"

# Statuses (JSON `status`). ok: nothing changed. drift: the resolution changed. pin-held: a held pin
# whose query now resolves elsewhere. error: the query no longer resolves (version, alias or image gone).
# not-checked: the resource (or its stack) could not be checked at all.
OK: Final = "ok"
DRIFT: Final = "drift"
PIN_HELD: Final = "pin-held"
ERROR: Final = "error"
NOT_CHECKED: Final = "not-checked"
FINDINGS: Final = frozenset({DRIFT, PIN_HELD, ERROR})

# Kinds of finding (one SARIF rule each).
KIND_DRIFT: Final = "drift"
KIND_NOT_USABLE: Final = "version-not-usable"
KIND_ARCHIVE: Final = "archive-guidance"
KIND_NOT_CHECKED: Final = "could-not-check"
ARCHIVE_GUIDANCE: Final = frozenset({"TO_BE_ARCHIVED", "ARCHIVED"})

# Exit codes; a partial check never looks clean, so could-not-check (3) wins over drift (1).
EXIT_CLEAN: Final = 0
EXIT_DRIFT: Final = 1
EXIT_NOT_CHECKED: Final = 3

_COMPARED: Final = frozenset({*OUTPUT_PROPERTIES, *INPUT_PROPERTIES})
_QUERY_KEYS: Final = frozenset({QUERY_KEY, *QUERY_PROPERTIES})


@dataclass(frozen=True)
class DriftResult:
    """One ImageVersion (or one unreadable stack, ``urn`` None): state against now, secrets already masked."""

    urn: str | None
    query: str
    state_version: int | str | None
    state_image: str | None
    current_version: int | str | None = None
    current_image: str | None = None
    changed: tuple[str, ...] = ()
    pinned: bool = False
    error: str | None = None
    stack: str | None = None
    project: str | None = None
    not_checked: bool = False
    current_status: str | None = None
    current_guidance: str | None = None
    source_position: str | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1] if self.urn else "-"

    @property
    def stack_label(self) -> str:
        if self.stack is None:
            return "-"
        return f"{self.project}/{self.stack}" if self.project else self.stack

    @property
    def status(self) -> str:
        if self.not_checked:
            return NOT_CHECKED
        if self.error is not None:
            return ERROR
        if not self.changed:
            return OK
        return PIN_HELD if self.pinned and self.changed == (CURRENT_VERSION_KEY,) else DRIFT

    @property
    def kind(self) -> str | None:
        """The kind of finding (a SARIF rule), or None when there is none."""
        status = self.status
        if status == OK:
            return None
        if status == NOT_CHECKED:
            return KIND_NOT_CHECKED
        unusable = "imageVersionStatus" in self.changed and self.current_status not in (USABLE_STATUS, SECRET_SHOWN)
        if status == ERROR or unusable:
            return KIND_NOT_USABLE
        if "vendorGuidance" in self.changed and self.current_guidance in ARCHIVE_GUIDANCE:
            return KIND_ARCHIVE
        return KIND_DRIFT

    @property
    def reason(self) -> str | None:
        """Why the row is not ok, in one sentence (None when it is)."""
        status = self.status
        if status in (ERROR, NOT_CHECKED):
            return self.error
        if status == PIN_HELD:
            return f"pinned at v{self.state_version}; the query now resolves to v{self.current_version}: move the pin"
        if status == DRIFT:
            return f"changed: {', '.join(self.changed)}"
        return None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "project": self.project,
            "urn": self.urn,
            "name": self.name,
            "query": self.query,
            "status": self.status,
            "pinned": self.pinned,
            "stateVersion": self.state_version,
            "stateContainerImage": self.state_image,
            "currentVersion": self.current_version,
            "currentContainerImage": self.current_image,
            "changed": list(self.changed),
            "reason": self.reason,
            "error": self.error,
        }


@dataclass
class DriftReport:
    results: list[DriftResult] = field(default_factory=list)
    stacks: list[str] = field(default_factory=list)
    questions: int = 0

    @property
    def drifted(self) -> bool:
        return any(result.status != OK for result in self.results)

    def count(self, *statuses: str) -> int:
        return sum(1 for result in self.results if result.status in statuses)

    @property
    def exit_code(self) -> int:
        """3 when anything could not be checked (even beside drift: a partial check is never clean); 1 on a finding."""
        if self.count(NOT_CHECKED):
            return EXIT_NOT_CHECKED
        return EXIT_DRIFT if self.count(*FINDINGS) else EXIT_CLEAN

    def summary(self) -> str:
        """One line: what was checked and what was found, naming both when drift and could-not-check meet."""
        resources = sum(1 for result in self.results if result.urn is not None)
        stacks = len(self.stacks)
        parts = [
            f"{resources} ImageVersion{'s' if resources != 1 else ''} in {stacks} stack{'s' if stacks != 1 else ''}",
            f"{self.count(OK)} ok",
            f"{self.count(DRIFT, PIN_HELD)} drifted",
            f"{self.count(ERROR)} no longer resolve",
            f"{self.count(NOT_CHECKED)} could not be checked",
        ]
        code = self.exit_code
        verdict = {
            EXIT_CLEAN: "exit 0: no drift",
            EXIT_DRIFT: "exit 1: drift found",
            EXIT_NOT_CHECKED: "exit 3: not everything could be checked"
            + ("; the drift found is real too" if self.count(*FINDINGS) else ""),
        }[code]
        return f"{parts[0]}: {', '.join(parts[1:])} ({verdict})"


def image_version_resources(export: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ImageVersion resources of a ``pulumi stack export`` document."""
    deployment = export.get("deployment")
    resources = deployment.get("resources") or [] if isinstance(deployment, Mapping) else []
    return image_versions_of(resources)


def image_versions_of(resources: Iterable[Any]) -> list[Mapping[str, Any]]:
    """The ImageVersion resources among a deployment's resources."""
    return [
        resource
        for resource in resources
        if isinstance(resource, Mapping) and str(resource.get("type", "")).endswith(RESOURCE_TYPE_SUFFIXES)
    ]


PROVIDER_TYPE: Final = "pulumi:providers:sagemaker-image"


def provider_configs(resources: Iterable[Any]) -> dict[str, tuple[Revealed, str]]:
    """Each ``sagemaker-image`` provider's config (and its JSON text), by the reference its resources hold."""
    return {
        f"{resource.get('urn')}::{resource.get('id')}": (
            Revealed.of(resource.get("inputs") or {}),
            json.dumps(resource.get("inputs") or {}, sort_keys=True, default=str),
        )
        for resource in resources
        if isinstance(resource, Mapping) and resource.get("type") == PROVIDER_TYPE
    }


def load_export(text: str, source: str) -> list[Mapping[str, Any]]:
    """Parse export JSON; a ValueError names the source and what is wrong with it."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source} is not JSON ({exc}); pass the output of `pulumi stack export`") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("deployment"), Mapping):
        raise ValueError(f"{source} has no 'deployment' object; pass the output of `pulumi stack export`")
    return image_version_resources(document)


# --- secrets --------------------------------------------------------------------------------------------


def _is_envelope(value: object) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIGNATURE_KEY) == SECRET_SIGNATURE


class _Unreadable(Exception):
    """A secret whose value is still encrypted."""


def _reveal(value: Any, found: list[Any]) -> Any:
    """``value`` with every secret envelope replaced by its plaintext value (appended to ``found``)."""
    if _is_envelope(value):
        if "plaintext" not in value:
            raise _Unreadable
        try:
            plain = json.loads(value["plaintext"])
        except (TypeError, json.JSONDecodeError):
            raise _Unreadable from None
        inner = _reveal(plain, [])
        found.append(inner)
        return inner
    # JSON decodes to dicts and lists only; exact type checks keep this cheap on thousands of resources.
    if type(value) is dict:
        return {key: _reveal(item, found) for key, item in value.items()}
    if type(value) is list:
        return [_reveal(item, found) for item in value]
    return value


@dataclass(frozen=True)
class Revealed:
    """A resource's outputs with secrets decrypted, which keys were secret, and which could not be read."""

    outputs: dict[str, Any]
    secret_keys: frozenset[str]
    unreadable_keys: frozenset[str]
    secret_texts: tuple[str, ...]

    @classmethod
    def of(cls, outputs: Mapping[str, Any]) -> Revealed:
        revealed: dict[str, Any] = {}
        secret: set[str] = set()
        unreadable: set[str] = set()
        texts: list[str] = []
        for key, value in outputs.items():
            found: list[Any] = []
            try:
                revealed[key] = _reveal(value, found)
            except _Unreadable:
                revealed[key] = None
                secret.add(key)
                unreadable.add(key)
                continue
            if found:
                secret.add(key)
                texts.extend(_texts(item) for item in found)
        return cls(revealed, frozenset(secret), frozenset(unreadable & _COMPARED), tuple(t for t in texts if t))

    def mask(self, text: str | None) -> str | None:
        """``text`` with every secret value in it replaced by ``[secret]`` (longest first, so none shows in part)."""
        if text is None:
            return None
        for secret in sorted(self.secret_texts, key=len, reverse=True):
            text = text.replace(secret, SECRET_SHOWN)
        return text


def _texts(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""  # too common to mask in text ("true", "false")
    return json.dumps(value) if isinstance(value, Mapping | list) else str(value)


# --- the run ----------------------------------------------------------------------------------------------

Progress = Callable[[int, int, int], None]
"""Called with (stacks read, questions resolved, questions found) whenever one of them changes."""


@dataclass
class _Shape:
    """One distinct state of an ImageVersion (its outputs and its provider's config) and what it asks."""

    revealed: Revealed
    shown: dict[str, Any]  # the row's state fields, secrets masked
    query_secret: bool
    version_secret: bool
    inputs: ResourceInputs | None = None
    invalid: str | None = None
    current: Future[ImageVersionInfo] | None = None
    pinned: Future[tuple[ImageVersionInfo, int]] | None = None
    outcome: dict[str, Any] | None = None


@dataclass
class _Pending:
    base: DriftResult
    shape: _Shape


class DriftRun:
    """One check over any number of stacks: each distinct question is asked once, up to 16 at a time.

    Add stacks one after another (only their ImageVersion resources are kept), then :meth:`finish`.
    """

    def __init__(
        self,
        *,
        default_region: str | None = None,
        max_workers: int = _MAX_WORKERS,
        progress: Progress | None = None,
    ) -> None:
        self.default_region = default_region
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="drift")
        self._questions: dict[tuple[Any, ...], Future[Any]] = {}
        self._items: list[_Pending | DriftResult] = []
        self._shapes: dict[str, _Shape] = {}
        self._stacks: list[str] = []
        self._resolved = 0
        self._lock = threading.Lock()
        self._progress = progress

    @property
    def stacks_read(self) -> int:
        return len(self._stacks)

    def _report_progress(self) -> None:
        if self._progress is not None:
            with self._lock:
                resolved, found = self._resolved, len(self._questions)
            self._progress(len(self._stacks), resolved, found)

    def _done(self, _: Future[Any]) -> None:
        with self._lock:
            self._resolved += 1
        self._report_progress()

    def _ask(self, key: tuple[Any, ...], call: Callable[[], Any]) -> Future[Any]:
        with self._lock:
            future = self._questions.get(key)
            if future is not None:
                return future
            future = self._pool.submit(call)
            self._questions[key] = future
        future.add_done_callback(self._done)
        return future

    def add_stack(
        self,
        resources: Iterable[Any],
        *,
        stack: str | None = None,
        project: str | None = None,
    ) -> None:
        """Queue every ImageVersion of one stack; its lookups start at once."""
        label = f"{project}/{stack}" if project and stack else stack or "-"
        self._stacks.append(label)
        items = list(resources)
        providers = provider_configs(items)
        for resource in image_versions_of(items):
            config = providers.get(str(resource.get("provider", "")))
            self._items.append(self._prepare(resource, stack, project, config))
        self._report_progress()

    def add_unreadable(self, reason: str, *, stack: str | None = None, project: str | None = None) -> None:
        """A stack that could not be read: one could-not-check row, and every other stack is still checked."""
        label = f"{project}/{stack}" if project and stack else stack or "-"
        self._stacks.append(label)
        self._items.append(
            DriftResult(
                urn=None,
                query="-",
                state_version=None,
                state_image=None,
                error=reason,
                stack=stack,
                project=project,
                not_checked=True,
            )
        )
        self._report_progress()

    def _shape(self, outputs: Mapping[str, Any], config: tuple[Revealed, str] | None, resource_id: str) -> _Shape:
        """What a resource's state means, worked out once per distinct state (stacks share most of them)."""
        # In file order: one writer writes one state the same way every time, and a different order only
        # costs sharing, never correctness.
        key = json.dumps([outputs, resource_id, config[1] if config else ""], default=str)
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = self._new_shape(outputs, config[0] if config else None, resource_id)
        return shape

    def _new_shape(self, raw: Mapping[str, Any], config: Revealed | None, resource_id: str) -> _Shape:
        revealed = Revealed.of(raw)
        if config is not None:  # the provider's secrets are as secret here as the resource's own
            revealed = replace(
                revealed,
                unreadable_keys=revealed.unreadable_keys | {f"provider {key}" for key in config.unreadable_keys},
                secret_texts=revealed.secret_texts + config.secret_texts,
            )
        outputs = revealed.outputs
        secret = revealed.secret_keys
        query_secret = bool(secret & _QUERY_KEYS)
        # State without a query key (hand-written, or older): the ID is the query, as the provider reads it.
        query_id = query_of_state(outputs) or resource_id
        # Whatever derives from a secret query is as secret as the query.
        version_secret = query_secret or bool(secret & {"version", PINNED_VERSION_KEY})
        image_secret = query_secret or "containerImage" in secret
        shown = {
            "state_version": SECRET_SHOWN if version_secret else outputs.get("version"),
            "state_image": SECRET_SHOWN if image_secret else outputs.get("containerImage"),
            "pinned": outputs.get(PINNED_KEY) is True,
        }
        shown["query"] = SECRET_SHOWN if query_secret else query_id
        shape = _Shape(revealed, shown, query_secret, version_secret)
        if revealed.unreadable_keys:
            return shape
        try:
            query = ImageVersionQuery.from_id(query_id)
            # What the provider's check would be given: the query the ID states, the recorded settings,
            # and the recorded version only where state says the pin is held (as refresh does).
            props = {key: value for key, value in outputs.items() if key != PINNED_VERSION_KEY}
            props.update(imageName=query.image_name, version=query.version, alias=query.alias)
            if shown["pinned"]:
                props[PINNED_VERSION_KEY] = outputs.get(PINNED_VERSION_KEY)
            # The native plugin's resources take unset settings from their provider's config (Configure), which
            # state keeps as the provider resource's inputs; the Python route records every setting it used.
            defaults = defaults_from_config(config.outputs) if config is not None else None
            inputs = ResourceInputs.from_properties(props, default_region=self.default_region, defaults=defaults)
        except ImageVersionLookupError as exc:
            shape.invalid = revealed.mask(f"state holds no valid query ({exc}); run `pulumi refresh` on the stack")
            return shape
        shape.inputs = inputs
        key = ("current", inputs.query.id, inputs.settings, inputs.list_aliases)
        shape.current = self._ask(key, lambda: resolve(inputs.query, inputs.settings, list_aliases=inputs.list_aliases))
        return shape

    def _prepare(
        self, resource: Mapping[str, Any], stack: str | None, project: str | None, config: tuple[Revealed, str] | None
    ) -> _Pending | DriftResult:
        shape = self._shape(resource.get("outputs") or {}, config, str(resource.get("id", "") or ""))
        position = resource.get("sourcePosition")
        fields = dict(shape.shown)
        base = DriftResult(
            urn=str(resource.get("urn", "?")),
            stack=stack,
            project=project,
            source_position=position if isinstance(position, str) else None,
            **fields,
        )
        unreadable = shape.revealed.unreadable_keys
        if unreadable:
            return replace(
                base,
                not_checked=True,
                error=f"{', '.join(sorted(unreadable))} {'is' if len(unreadable) == 1 else 'are'} secret and "
                "encrypted in this state, so the query cannot be checked; run `pulumi stack export --show-secrets "
                f"--stack {base.stack_label} | pulumi-sagemaker-image drift -`, or `pulumi-sagemaker-image "
                "drift --pulumi`",
            )
        if shape.inputs is None:
            return replace(base, not_checked=True, error=shape.invalid)
        return _Pending(base, shape)

    def _ask_pinned(self, shape: _Shape, current: ImageVersionInfo) -> None:
        inputs = shape.inputs
        assert inputs is not None
        key = ("pinned", inputs.query.id, inputs.settings, inputs.list_aliases, inputs.pinned_version)
        shape.pinned = self._ask(
            key,
            lambda: resolve_pinned(
                inputs.query,
                inputs.settings,
                inputs.pinned_version,
                current=current,
                list_aliases=inputs.list_aliases,
            ),
        )

    def finish(self) -> DriftReport:
        """Wait for every question and compare; rows come in stack order, then state order."""
        try:
            # First the questions a held pin adds (a second lookup only where the query moved off the pin).
            for shape in self._shapes.values():
                if shape.inputs is None or shape.current is None or shape.inputs.pinned_version is None:
                    continue
                try:
                    current = shape.current.result()
                except ImageVersionLookupError:
                    continue
                if current.version != shape.inputs.pinned_version:
                    self._ask_pinned(shape, current)
            results = [item if isinstance(item, DriftResult) else self._compare(item) for item in self._items]
        finally:
            self._pool.shutdown(wait=True)
        return DriftReport(results, list(self._stacks), len(self._questions))

    def close(self) -> None:
        """Stop without comparing (the run was abandoned)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _compare(self, item: _Pending) -> DriftResult:
        shape = item.shape
        if shape.outcome is None:
            shape.outcome = self._outcome(shape, item.base.pinned)
        return replace(item.base, **shape.outcome)

    @staticmethod
    def _outcome(shape: _Shape, pinned: bool) -> dict[str, Any]:
        """The comparison's fields for every resource of this shape."""
        revealed, inputs = shape.revealed, shape.inputs
        assert inputs is not None
        assert shape.current is not None
        try:
            current = shape.current.result()
            info, _ = shape.pinned.result() if shape.pinned is not None else (current, current.version)
        except ImageVersionNotFound as exc:
            return {"error": revealed.mask(str(exc))}
        except ImageVersionLookupError as exc:
            return {"not_checked": True, "error": revealed.mask(f"the lookup failed: {exc}")}
        outputs = revealed.outputs
        # The provider's diff rule on the state its check would write: another alias on the version or a
        # bare timestamp bump is not drift, the pinned version's own changes are. One difference: a held pin
        # is drift for as long as its query resolves elsewhere, even once state has recorded where (from
        # then on `pulumi preview` only warns): this report is what tells a CI job to move the pin.
        recorded = {**outputs, CURRENT_VERSION_KEY: outputs.get(PINNED_VERSION_KEY)} if pinned else outputs
        secret = revealed.secret_keys
        hidden = shape.query_secret
        return {
            "changed": tuple(drifted_properties(recorded, inputs.state(info, current.version))),
            "current_version": SECRET_SHOWN if shape.version_secret else current.version,
            "current_image": SECRET_SHOWN if hidden or "containerImage" in secret else current.container_image,
            "current_status": SECRET_SHOWN if hidden or "imageVersionStatus" in secret else info.image_version_status,
            "current_guidance": SECRET_SHOWN if hidden or "vendorGuidance" in secret else info.vendor_guidance,
        }


def check_stacks(
    entries: Iterable[StackEntry], run: DriftRun, *, globs: Sequence[str] = (), strict: bool = False
) -> None:
    """Read each stack in turn into ``run`` and let it go before the next, so memory stays flat.

    Stacks whose ``project/stack`` matches none of ``globs`` are skipped (unread where the name is known
    beforehand). An unreadable stack is a could-not-check row; with ``strict`` (one export named by the
    user) its :class:`StackReadError` is raised instead.
    """
    for entry in entries:
        if entry.name is not None and not entry.name.matches(globs):
            continue
        try:
            stack = entry.read()
        except StackReadError as exc:
            if strict:
                raise
            name = entry.name or StackName(entry.source)
            run.add_unreadable(str(exc), stack=name.stack, project=name.project)
            continue
        if entry.name is None and not stack.name.matches(globs):
            continue
        run.add_stack(stack.resources, stack=stack.name.stack, project=stack.name.project)
        del stack


def check_drift(resources: Iterable[Mapping[str, Any]], *, default_region: str | None = None) -> DriftReport:
    """Re-resolve each resource of one stack (in parallel) and compare with its state."""
    run = DriftRun(default_region=default_region)
    run.add_stack(resources)
    return run.finish()


def short_image(uri: str | None) -> str:
    """``repo@sha256:0123456789ab`` from a full registry URI: enough to tell images apart in a table."""
    if not uri:
        return "-"
    name = uri.rsplit("/", 1)[-1]
    repository, at, digest = name.partition("@sha256:")
    return f"{repository}@sha256:{digest[:12]}" if at else name


def version_text(version: int | str | None, image: str | None) -> str:
    """``v3 repo@sha256:0123456789ab``; a secret version is ``[secret]``, never ``v[secret]``."""
    number = version if version == SECRET_SHOWN else f"v{version}"
    return f"{number} {short_image(image)}"


def table_rows(report: DriftReport, *, with_stack: bool = False) -> Sequence[tuple[str, ...]]:
    """One row per resource (``with_stack``: the stack first); full URIs are in the JSON output."""
    rows = []
    for result in report.results:
        state = version_text(result.state_version, result.state_image) if result.urn else "-"
        if result.error is not None:
            current, note = "-", result.error
        else:
            current = version_text(result.current_version, result.current_image)
            note = ", ".join(result.changed) if result.changed else ""
            if result.pinned and result.changed:
                note = f"pinned; the query now resolves to {version_text(result.current_version, None).split()[0]}"
        row = (result.name, result.query, result.status.upper(), state, current, note)
        rows.append((result.stack_label, *row) if with_stack else row)
    return rows


TABLE_HEADER: Final = ("RESOURCE", "QUERY", "STATUS", "STATE", "CURRENT", "CHANGED")
STACK_TABLE_HEADER: Final = ("STACK", *TABLE_HEADER)
