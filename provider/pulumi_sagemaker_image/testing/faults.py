"""Fault injection for the SageMaker image emulator.

A :class:`Fault` describes one misbehaviour of the service (an AWS error, extra latency, a dropped
or hung connection). Faults are queued per operation name in :class:`FaultQueues`; every request
consumes at most one fault, so a test can script exactly "throttle twice, then succeed".
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ANY_OPERATION",
    "Fault",
    "FaultKind",
    "FaultQueues",
    "access_denied_message",
    "fault_from_document",
]

#: Queue name whose faults apply to whichever operation comes next.
ANY_OPERATION = "*"

FaultKind = Literal["throttle", "internal", "unavailable", "error", "access_denied", "latency", "drop", "hang"]

#: The identity that AccessDenied messages blame; AWS names the caller's assumed role there.
_DENIED_ROLE = "emulator"
_DENIED_SESSION = "session"


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour; build it with the class methods rather than the constructor."""

    kind: FaultKind
    status: int = 0
    code: str = ""
    #: ``None`` for access_denied, whose message depends on the request it answers.
    message: str | None = None
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.is_error and not 400 <= self.status <= 599:
            raise ValueError(f"an error fault needs an HTTP status in 400..599, got {self.status}")
        if self.is_error and not self.code:
            raise ValueError("an error fault needs an error code")
        if not math.isfinite(self.seconds) or self.seconds < 0:
            raise ValueError(f"fault seconds must be a finite number >= 0, got {self.seconds}")

    @property
    def is_error(self) -> bool:
        """True when the fault answers with an AWS error instead of serving the request."""
        return self.kind in ("throttle", "internal", "unavailable", "error", "access_denied")

    @classmethod
    def throttle(cls) -> Fault:
        """400 ``ThrottlingException`` "Rate exceeded", which AWS SDKs retry with backoff."""
        return cls("throttle", 400, "ThrottlingException", "Rate exceeded")

    @classmethod
    def internal(cls) -> Fault:
        """500 ``InternalFailure``."""
        return cls(
            "internal",
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        )

    @classmethod
    def unavailable(cls) -> Fault:
        """503 ``ServiceUnavailable``."""
        return cls(
            "unavailable",
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )

    @classmethod
    def error(cls, status: int, code: str, message: str) -> Fault:
        """Any AWS error, e.g. ``Fault.error(400, "ExpiredTokenException", "...")``."""
        return cls("error", status, code, message)

    @classmethod
    def access_denied(cls) -> Fault:
        """400 ``AccessDeniedException`` worded as IAM words it, naming the request's resource."""
        return cls("access_denied", 400, "AccessDeniedException", None)

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Wait ``seconds``, then serve the request normally."""
        return cls("latency", seconds=float(seconds))

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending any response."""
        return cls("drop")

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Send nothing for ``seconds`` (long enough to trip a client read timeout), then close."""
        return cls("hang", seconds=float(seconds))

    def render_message(self, *, operation: str, resource: str, account_id: str, service: str) -> str:
        """The error message for this fault when it answers ``operation`` on ``resource``."""
        if self.message is not None:
            return self.message
        return access_denied_message(operation=operation, resource=resource, account_id=account_id, service=service)


def access_denied_message(*, operation: str, resource: str, account_id: str, service: str) -> str:
    """IAM's wording for an identity-policy denial, which tools parse to tell users what to grant."""
    action = f"{service}:{operation}"
    principal = f"arn:aws:sts::{account_id}:assumed-role/{_DENIED_ROLE}/{_DENIED_SESSION}"
    return (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


_SEED_KINDS: dict[str, tuple[str, ...]] = {
    "throttle": (),
    "internal": (),
    "unavailable": (),
    "access_denied": (),
    "drop": (),
    "error": ("Status", "Code", "Message"),
    "latency": ("Seconds",),
    "hang": ("Seconds",),
}


def fault_from_document(document: Any) -> Fault:
    """Build a fault from its seed-file form, e.g. ``{"Kind": "latency", "Seconds": 0.2}``.

    Raises ``ValueError`` with a message that names the offending key; the seed loader prefixes
    the file and the document path.
    """
    if not isinstance(document, Mapping):
        raise ValueError(f"a fault must be an object with a Kind, got {type(document).__name__}")
    kind = document.get("Kind")
    if kind not in _SEED_KINDS:
        raise ValueError(f"Kind must be one of {sorted(_SEED_KINDS)}, got {kind!r}")
    wanted = _SEED_KINDS[kind]
    unknown = sorted(set(document) - {"Kind", *wanted})
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} for a {kind} fault (allowed: {['Kind', *wanted]})")
    missing = [key for key in wanted if key not in document]
    if missing:
        raise ValueError(f"a {kind} fault needs {missing}")
    if kind == "error":
        status, code, message = document["Status"], document["Code"], document["Message"]
        if not isinstance(status, int) or isinstance(status, bool):
            raise ValueError(f"Status must be an integer HTTP status, got {status!r}")
        if not isinstance(code, str) or not isinstance(message, str):
            raise ValueError("Code and Message must be strings")
        return Fault.error(status, code, message)
    if kind in ("latency", "hang"):
        seconds = document["Seconds"]
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise ValueError(f"Seconds must be a number, got {seconds!r}")
        return Fault.latency(seconds) if kind == "latency" else Fault.hang(seconds)
    constructors = {
        "throttle": Fault.throttle,
        "internal": Fault.internal,
        "unavailable": Fault.unavailable,
        "access_denied": Fault.access_denied,
        "drop": Fault.drop,
    }
    return constructors[kind]()


class FaultQueues:
    """Thread-safe FIFO queues of faults keyed by operation name (or :data:`ANY_OPERATION`)."""

    def __init__(self, known_operations: Iterable[str]) -> None:
        self._known = frozenset(known_operations)
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {}

    def check_operation(self, operation: str) -> None:
        """Reject names no request can carry, so a typo cannot silently disable a test's fault."""
        if operation != ANY_OPERATION and operation not in self._known:
            raise ValueError(
                f"cannot inject faults for unknown operation {operation!r}; "
                f"use one of {sorted(self._known)} or {ANY_OPERATION!r}"
            )

    def push(self, operation: str, faults: Sequence[Fault]) -> None:
        self.check_operation(operation)
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"expected Fault, got {type(fault).__name__}")
        with self._lock:
            self._queues.setdefault(operation, deque()).extend(faults)

    def pop(self, operation: str) -> Fault | None:
        """The next fault for ``operation``: its own queue first, then the any-operation queue."""
        with self._lock:
            for name in (operation, ANY_OPERATION):
                queue = self._queues.get(name)
                if queue:
                    return queue.popleft()
        return None

    def pending(self) -> dict[str, list[Fault]]:
        """Faults not yet consumed, by queue name."""
        with self._lock:
            return {name: list(queue) for name, queue in self._queues.items() if queue}

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()
