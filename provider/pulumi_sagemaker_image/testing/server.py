"""The emulator's HTTP front end and the :class:`SageMakerImageEmulator` context manager.

It speaks what boto3 speaks to SageMaker (the AWS JSON 1.1 protocol: ``POST /`` with an
``X-Amz-Target`` header) and to STS (the query protocol: a form-encoded ``Action=AssumeRole``), so
any AWS SDK pointed at :attr:`SageMakerImageEmulator.endpoint_url` works unchanged.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import math
import os
import re
import secrets
import signal
import socket
import string
import threading
import time
import types
import urllib.parse
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

import boto3
import boto3.session
import botocore.loaders
import botocore.session

from .faults import Fault, FaultQueues
from .store import (
    DEFAULT_ROLE_ARN,
    SAGEMAKER_OPERATIONS,
    SERVED_OPERATIONS,
    STS_OPERATIONS,
    ImageStore,
    Seed,
    load_seed,
)
from .wire import (
    ApiError,
    ResponseShapeError,
    check_shape,
    encode_json,
    format_validation_message,
    operation_model,
    shape_response,
)

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sts import STSClient

__all__ = ["DUMMY_ACCESS_KEY_ID", "DUMMY_SECRET_ACCESS_KEY", "RecordedRequest", "SageMakerImageEmulator"]

logger = logging.getLogger(__name__)

DUMMY_ACCESS_KEY_ID = "AKIAEMULATOREXAMPLE0"
DUMMY_SECRET_ACCESS_KEY = "emulator/secret/key/not/used/for/anything"

_JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
_XML_CONTENT_TYPE = "text/xml"
_STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
_STS_API_VERSION = "2011-06-15"
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/(?:[^/]+/)*([^/]+)")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_KEY_ALPHABET = string.ascii_uppercase + "234567"


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request that reached the emulator.

    ``status`` is the HTTP status answered, or 0 while the request is in flight and for a request
    whose connection a ``drop``/``hang`` fault closed without answering. ``error_code`` is the AWS
    error code of an error answer, else ``None``. ``received`` and ``finished`` are
    ``time.monotonic()`` readings of its arrival and of its answer or hang-up (``None`` until then).
    ``access_key_id`` is the access key the request was signed with (the ``Credential=`` of its SigV4
    ``Authorization`` header), or ``None`` for an unsigned request: it tells which identity a client
    used, e.g. a role's temporary key (see :meth:`SageMakerImageEmulator.assumed_role_arn`).
    """

    operation: str
    params: dict[str, Any]
    status: int
    error_code: str | None
    received: float = 0.0
    finished: float | None = None
    access_key_id: str | None = None


@dataclass
class _LogEntry:
    operation: str
    params: dict[str, Any]
    status: int = 0
    error_code: str | None = None
    received: float = field(default_factory=time.monotonic)
    finished: float | None = None
    access_key_id: str | None = None


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    request_id: str
    headers: dict[str, str] = field(default_factory=dict)


class _Hangup:
    """Marker answer: close the connection without a response."""


_HANGUP = _Hangup()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # 200 clients connecting at once must not overflow the listen backlog (Python's default is 5).
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], emulator: SageMakerImageEmulator) -> None:
        self.emulator = emulator
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Threads are tracked (ThreadingMixIn forgets daemon threads) so stop() can end keep-alive
        # connections and join their handlers instead of leaking them.
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"sagemaker-emulator-conn-{client_address[1]}",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.pop(request, None)
        super().shutdown_request(request)

    def close_connections(self, timeout: float) -> None:
        with self._connections_lock:
            open_connections = list(self._connections.items())
        for connection, _ in open_connections:
            with contextlib.suppress(OSError):  # the peer may have closed it already
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in open_connections:
            thread.join(timeout)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    server: _Server
    # An idle keep-alive connection is closed after this long, so abandoned clients free threads.
    timeout = 120

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every response and skew latency benchmarks.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        self.server.emulator._serve_http(self)

    do_POST = _serve
    do_GET = _serve
    do_PUT = _serve
    do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


@functools.cache
def _shared_loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def _random_key(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length - len(prefix)))


def _signing_access_key(handler: _Handler) -> str | None:
    """The access key id in a SigV4 ``Authorization`` header (``Credential=<key>/<date>/...``)."""
    match = _CREDENTIAL.search(handler.headers.get("Authorization", ""))
    return match.group(1) if match else None


def _xml_element(name: str, content: str) -> str:
    return f"<{name}>{content}</{name}>"


class SageMakerImageEmulator:
    """A local, faithful SageMaker image API (plus STS AssumeRole) on a loopback port.

    Use it as a context manager; :meth:`client` gives a boto3 client pointed at it::

        with SageMakerImageEmulator("seed.json") as emulator:
            sagemaker = emulator.client()
            sagemaker.describe_image_version(ImageName="demo-pytorch", Alias="stable")
    """

    def __init__(
        self,
        seed: str | os.PathLike[str] | Mapping[str, Any] | Seed | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        latency: float = 0.0,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.latency = latency
        self._address = (host, port)
        self._store = ImageStore(region=region, account_id=account_id)
        self._faults = FaultQueues(SERVED_OPERATIONS)
        self._log: list[_LogEntry] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._session: boto3.session.Session | None = None
        # Temporary credentials handed out by AssumeRole, so GetCallerIdentity can name the role.
        self._assumed: dict[str, str] = {}
        self._assumed_lock = threading.Lock()
        if seed is not None:
            self.load_seed(seed)

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> SageMakerImageEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Bind (port 0 picks a free port) and serve from a background thread."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._stopping.clear()
        server = _Server(self._address, self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sagemaker-emulator", daemon=True
        )
        self._thread.start()
        logger.info("SageMaker image emulator listening on %s", self.endpoint_url)

    def stop(self) -> None:
        """Stop serving, close open connections and join every thread; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping for latency or hang faults
        server.shutdown()
        server.close_connections(timeout=5.0)
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def serve_forever(self) -> None:
        """Serve until SIGINT, SIGTERM or KeyboardInterrupt, then stop cleanly (for the CLI)."""
        if self._server is None:
            self.start()
        done = threading.Event()
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, lambda *_: done.set())
        try:
            # Short waits let the main thread run signal handlers promptly; stop() from another
            # thread ends the wait too.
            while not done.is_set() and not self._stopping.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            for restored, handler in previous.items():
                signal.signal(restored, handler)
            self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() or use it as a context manager")
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    @property
    def latency(self) -> float:
        """Extra delay, in seconds, before every response (benchmarks use 0.05)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"latency must be a finite number >= 0, got {seconds}")
        self._latency = float(seconds)

    @property
    def store(self) -> ImageStore:
        """The emulator's state, for tests that need more than the helper methods below."""
        return self._store

    # -- clients --------------------------------------------------------------------------------

    def _client_kwargs(self, client_kwargs: Mapping[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "aws_access_key_id": DUMMY_ACCESS_KEY_ID,
            "aws_secret_access_key": DUMMY_SECRET_ACCESS_KEY,
        }
        kwargs.update(client_kwargs)
        return kwargs

    def _boto3_session(self) -> boto3.session.Session:
        # A fresh session per emulator (so it reads the environment as it is now) that borrows the
        # shared model loader: parsing SageMaker's service model costs ~0.2 s per session otherwise.
        if self._session is None:
            core = botocore.session.get_session()
            core.register_component("data_loader", _shared_loader())
            self._session = boto3.session.Session(botocore_session=core)
        return self._session

    def client(self, **client_kwargs: Any) -> SageMakerClient:
        """A boto3 SageMaker client for this emulator (dummy credentials, region :attr:`region`).

        Keyword arguments go to ``Session.client`` and override the defaults (e.g. ``config=``).
        """
        return self._boto3_session().client("sagemaker", **self._client_kwargs(client_kwargs))

    def sts_client(self, **client_kwargs: Any) -> STSClient:
        """A boto3 STS client for this emulator."""
        return self._boto3_session().client("sts", **self._client_kwargs(client_kwargs))

    # -- request log ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[str]:
        """Operation names of every request received so far, in arrival order."""
        with self._log_lock:
            return [entry.operation for entry in self._log]

    @property
    def request_log(self) -> list[RecordedRequest]:
        with self._log_lock:
            entries = [
                (e.operation, e.params, e.status, e.error_code, e.received, e.finished, e.access_key_id)
                for e in self._log
            ]
        return [
            RecordedRequest(operation, copy.deepcopy(params), status, code, received, finished, key)
            for operation, params, status, code, received, finished, key in entries
        ]

    def assumed_role_arn(self, access_key_id: str | None) -> str | None:
        """The assumed-role ARN whose temporary credentials AssumeRole gave with this access key, if any.

        ``arn:aws:sts::<account>:assumed-role/<role>/<session>``, as GetCallerIdentity names it.
        """
        if access_key_id is None:
            return None
        with self._assumed_lock:
            return self._assumed.get(access_key_id)

    def peak_concurrency(self) -> int:
        """The most logged requests that were ever being served at the same moment.

        Shows whether a client's requests overlap (a request not finished yet counts as in flight).
        """
        with self._log_lock:
            spans = [(e.received, e.finished if e.finished is not None else math.inf) for e in self._log]
        # Sweep the start and end events in time order; at equal times an end goes first, so
        # back-to-back requests on one connection do not count as overlapping.
        events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
        peak = current = 0
        for _, change in events:
            current += change
            peak = max(peak, current)
        return peak

    def request_count(self, operation: str | None = None) -> int:
        with self._log_lock:
            if operation is None:
                return len(self._log)
            return sum(1 for entry in self._log if entry.operation == operation)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _record(self, operation: str, params: dict[str, Any], handler: _Handler) -> _LogEntry:
        entry = _LogEntry(operation, params, access_key_id=_signing_access_key(handler))
        with self._log_lock:
            self._log.append(entry)
        return entry

    def _finish(self, entry: _LogEntry, status: int, error_code: str | None) -> None:
        with self._log_lock:
            entry.status, entry.error_code, entry.finished = status, error_code, time.monotonic()

    # -- direct state manipulation (no HTTP, not logged) ----------------------------------------

    def load_seed(self, seed: str | os.PathLike[str] | Mapping[str, Any] | Seed) -> None:
        """Add a seed's images to the state and queue its faults; raises ``SeedError`` if invalid."""
        parsed = load_seed(seed)
        self._store.apply_seed(parsed)
        for operation, faults in parsed.faults.items():
            self._faults.push(operation, faults)

    def create_image(self, name: str, role_arn: str = DEFAULT_ROLE_ARN, **fields: Any) -> str:
        """Create an image (fields: DisplayName, Description, Tags); returns its ImageArn."""
        result = self._store.call("CreateImage", {"ImageName": name, "RoleArn": role_arn, **fields})
        arn: str = result["ImageArn"]
        return arn

    def create_image_version(self, name: str, base_image: str, *, aliases: Sequence[str] = (), **fields: Any) -> int:
        """Create a version (fields: VendorGuidance, JobType, MLFramework, ...); returns its number."""
        if isinstance(aliases, str):
            raise TypeError("aliases must be a sequence of alias names, not a single string")
        params: dict[str, Any] = {
            "ImageName": name,
            "BaseImage": base_image,
            "ClientToken": str(uuid.uuid4()),
            **fields,
        }
        if aliases:
            params["Aliases"] = list(aliases)
        arn: str = self._store.call("CreateImageVersion", params)["ImageVersionArn"]
        return int(arn.rsplit("/", 1)[1])

    def move_alias(self, name: str, alias: str, to_version: int) -> None:
        """Point ``alias`` at ``to_version``, taking it from whichever version held it."""
        self._store.move_alias(name, alias, to_version)

    def set_version_fields(self, name: str, version: int, **fields: Any) -> None:
        """Force fields of a version, e.g. ``ImageVersionStatus="CREATE_FAILED"``; ``None`` clears one.

        Bumps LastModifiedTime unless it is one of the fields.
        """
        self._store.set_version_fields(name, version, fields)

    def delete_image_version(self, name: str, version: int) -> None:
        self._store.call("DeleteImageVersion", {"ImageName": name, "Version": version})

    # -- faults ---------------------------------------------------------------------------------

    def inject(self, operation: str, *faults: Fault) -> None:
        """Queue faults for ``operation`` ("*" for any); each request consumes the next one."""
        self._faults.push(operation, faults)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def pending_faults(self) -> dict[str, list[Fault]]:
        """Queued faults that no request has consumed yet."""
        return self._faults.pending()

    # -- HTTP -----------------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _serve_http(self, handler: _Handler) -> None:
        try:
            length = int(handler.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = handler.rfile.read(length) if length > 0 else b""
        content_type = handler.headers.get("Content-Type", "")
        query = handler.headers.get("X-Amz-Target") is None and content_type.startswith(
            "application/x-www-form-urlencoded"
        )
        answer: _Reply | _Hangup
        try:
            answer = self._serve_query(handler, body) if query else self._serve_json(handler, body)
        except Exception as error:
            # Last resort: a bug must still reach the client as an answer, not a dead connection.
            logger.exception("emulator bug while answering a request")
            failure = ApiError("InternalFailure", f"emulator bug: {type(error).__name__}: {error}", 500)
            answer = self._json_error(failure, str(uuid.uuid4()))
        if isinstance(answer, _Hangup):
            handler.close_connection = True
            return
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(answer.body)))
            handler.send_header("x-amzn-RequestId", answer.request_id)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(answer.body)
        except OSError:
            handler.close_connection = True  # the client went away (e.g. its read timed out)

    def _authorization_problem(self, handler: _Handler, *, query: bool) -> ApiError | None:
        """The error AWS's front end gives a request that is not SigV4-signed, if any.

        Signatures are not verified (clients use dummy keys); only their presence and form.
        """
        header = handler.headers.get("Authorization")
        if not header:
            if query:
                return ApiError("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
            return ApiError("MissingAuthenticationTokenException", "Missing Authentication Token")
        if not header.startswith("AWS4-HMAC-SHA256 ") or not all(
            part in header for part in ("Credential=", "SignedHeaders=", "Signature=")
        ):
            return ApiError(
                "IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
                "(AWS4-HMAC-SHA256).",
            )
        return None

    def _apply_fault(self, operation: str, resource: Callable[[], str], service: str) -> _Hangup | None:
        """Consume the operation's next fault: raise its error, sleep, or ask to hang up."""
        fault = self._faults.pop(operation)
        if fault is None:
            return None
        if fault.kind == "latency":
            self._sleep(fault.seconds)
            return None
        if fault.kind == "drop":
            return _HANGUP
        if fault.kind == "hang":
            self._sleep(fault.seconds)
            return _HANGUP
        message = fault.render_message(
            operation=operation, resource=resource(), account_id=self.account_id, service=service
        )
        if fault.kind == "access_denied" and service == "sts":
            # Query-protocol services (IAM, STS) spell the same denial as a 403 "AccessDenied".
            raise ApiError("AccessDenied", message, 403)
        raise ApiError(fault.code, message, fault.status)

    def _serve_json(self, handler: _Handler, body: bytes) -> _Reply | _Hangup:
        target = handler.headers.get("X-Amz-Target") or ""
        prefix, _, name = target.partition(".")
        operation = name if prefix == "SageMaker" and name else target
        params: dict[str, Any] = {}
        parse_error: str | None = None
        try:
            decoded = json.loads(body) if body.strip() else {}
        except (ValueError, UnicodeDecodeError) as error:
            parse_error = f"Request body is not valid JSON: {error}"
        else:
            if isinstance(decoded, dict):
                params = decoded
            else:
                parse_error = "Request body must be a JSON object."
        entry = self._record(operation, params, handler)
        request_id = str(uuid.uuid4())
        try:
            problem = self._authorization_problem(handler, query=False)
            if problem is not None:
                raise problem
            if operation not in SAGEMAKER_OPERATIONS:
                raise ApiError(
                    "UnknownOperationException",
                    f"Operation {target or '(no X-Amz-Target header)'} is unknown to the SageMaker image emulator.",
                )
            resource = functools.partial(self._store.resource_arn, params)
            if self._apply_fault(operation, resource, "sagemaker") is _HANGUP:
                self._finish(entry, 0, None)
                return _HANGUP
            if parse_error is not None:
                raise ApiError("SerializationException", parse_error)
            result = self._store.call(operation, params)
            reply = _Reply(
                200, encode_json(shape_response(operation_model(operation), result)), _JSON_CONTENT_TYPE, request_id
            )
            error_code = None
        except ApiError as error:
            reply, error_code = self._json_error(error, request_id), error.code
        except ResponseShapeError as error:
            logger.error("%s", error)
            failure = ApiError("InternalFailure", str(error), 500)
            reply, error_code = self._json_error(failure, request_id), failure.code
        except Exception as error:
            logger.exception("emulator bug while serving %s", operation)
            failure = ApiError("InternalFailure", f"emulator bug: {type(error).__name__}: {error}", 500)
            reply, error_code = self._json_error(failure, request_id), failure.code
        self._sleep(self._latency)
        self._finish(entry, reply.status, error_code)
        return reply

    @staticmethod
    def _json_error(error: ApiError, request_id: str) -> _Reply:
        body = encode_json({"__type": error.code, "message": error.message})
        return _Reply(error.status, body, _JSON_CONTENT_TYPE, request_id, {"x-amzn-ErrorType": error.code})

    # -- STS (query protocol) -------------------------------------------------------------------

    def _serve_query(self, handler: _Handler, body: bytes) -> _Reply | _Hangup:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        fields = {key: values[-1] for key, values in form.items()}
        operation = fields.get("Action", "")
        params: dict[str, Any] = {k: v for k, v in fields.items() if k not in ("Action", "Version")}
        entry = self._record(operation, params, handler)
        request_id = str(uuid.uuid4())
        try:
            problem = self._authorization_problem(handler, query=True)
            if problem is not None:
                raise problem
            if operation not in STS_OPERATIONS:
                raise ApiError("InvalidAction", f"Could not find operation {operation} for version {_STS_API_VERSION}")
            role_arn = params.get("RoleArn", "*") if operation == "AssumeRole" else "*"
            if self._apply_fault(operation, lambda: role_arn, "sts") is _HANGUP:
                self._finish(entry, 0, None)
                return _HANGUP
            result = self._assume_role(params) if operation == "AssumeRole" else self._get_caller_identity(handler)
            reply = _Reply(200, self._xml_response(operation, result, request_id), _XML_CONTENT_TYPE, request_id)
            error_code = None
        except ApiError as error:
            reply, error_code = self._xml_error(error, request_id), error.code
        except Exception as error:
            logger.exception("emulator bug while serving %s", operation)
            failure = ApiError("InternalFailure", f"emulator bug: {type(error).__name__}: {error}", 500)
            reply, error_code = self._xml_error(failure, request_id), failure.code
        self._sleep(self._latency)
        self._finish(entry, reply.status, error_code)
        return reply

    def _assume_role(self, params: Mapping[str, str]) -> str:
        shape = operation_model("AssumeRole", "sts").input_shape
        assert shape is not None
        typed: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name not in params:
                continue  # list members arrive flattened (Tags.member.1.Key) and are not checked
            raw = params[name]
            if member.type_name == "integer":
                try:
                    typed[name] = int(raw)
                except ValueError:
                    raise ApiError(
                        "ValidationError",
                        f"1 validation error detected: Value '{raw}' at '{name[:1].lower()}{name[1:]}' "
                        "failed to satisfy constraint: Member must be an integer",
                    ) from None
            elif member.type_name == "string":
                typed[name] = raw
        violations = check_shape(shape, typed)
        if violations:
            raise ApiError("ValidationError", format_validation_message(violations))
        role_arn, session_name = typed["RoleArn"], typed["RoleSessionName"]
        match = _ROLE_ARN.fullmatch(role_arn)
        if match is None:
            raise ApiError("ValidationError", f"{role_arn} is not a valid IAM role ARN")
        account, role_name = match.groups()
        duration = typed.get("DurationSeconds", 3600)
        expiration = datetime.now(timezone.utc) + timedelta(seconds=duration)
        access_key = _random_key("ASIA", 20)
        assumed_arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
        with self._assumed_lock:
            self._assumed[access_key] = assumed_arn
        credentials = "".join(
            [
                _xml_element("AccessKeyId", access_key),
                _xml_element("SecretAccessKey", secrets.token_urlsafe(30)[:40]),
                _xml_element("SessionToken", secrets.token_urlsafe(240)),
                _xml_element("Expiration", expiration.strftime("%Y-%m-%dT%H:%M:%SZ")),
            ]
        )
        user = _xml_element("AssumedRoleId", f"{_random_key('AROA', 21)}:{xml_escape(session_name)}")
        user += _xml_element("Arn", xml_escape(assumed_arn))
        return _xml_element("AssumedRoleUser", user) + _xml_element("Credentials", credentials)

    def _get_caller_identity(self, handler: _Handler) -> str:
        access_key = _signing_access_key(handler) or ""
        with self._assumed_lock:
            arn = self._assumed.get(access_key)
        if arn is None:
            arn = f"arn:aws:iam::{self.account_id}:user/emulator"
        account = arn.split(":")[4]
        return "".join(
            [
                _xml_element("Arn", xml_escape(arn)),
                _xml_element("UserId", xml_escape(access_key or "AIDAEMULATOR")),
                _xml_element("Account", account),
            ]
        )

    @staticmethod
    def _xml_response(operation: str, result: str, request_id: str) -> bytes:
        document = (
            f'<{operation}Response xmlns="{_STS_NAMESPACE}">'
            f"<{operation}Result>{result}</{operation}Result>"
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            f"</{operation}Response>"
        )
        return document.encode("utf-8")

    @staticmethod
    def _xml_error(error: ApiError, request_id: str) -> _Reply:
        kind = "Sender" if error.status < 500 else "Receiver"
        document = (
            f'<ErrorResponse xmlns="{_STS_NAMESPACE}"><Error>'
            f"<Type>{kind}</Type><Code>{xml_escape(error.code)}</Code><Message>{xml_escape(error.message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return _Reply(error.status, document.encode("utf-8"), _XML_CONTENT_TYPE, request_id)
