"""A loopback TCP proxy in front of the emulator that counts connections and requests in flight.

It observes clients from outside, with no change to the code under test: every boto3 client owns its
own urllib3 pool, so a process making sequential requests opens exactly one connection per client it
creates; and since botocore never pipelines, a connection that has sent bytes and not yet received
any holds one request in flight. That gives "clients created" for a process we cannot look inside,
and the concurrency the engine and the provider host actually achieved.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import types
from dataclasses import dataclass
from typing import Final

_CHUNK: Final = 65536


@dataclass(frozen=True)
class ProxyStats:
    connections: int
    requests: int
    max_in_flight: int


class CountingProxy:
    """Forward ``127.0.0.1:<port>`` to ``target``; use as a context manager."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self._lock = threading.Lock()
        self._connections = 0
        self._requests = 0
        self._in_flight = 0
        self._max_in_flight = 0
        self._closing = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._accepter = threading.Thread(target=self._accept_loop, name="bench-proxy", daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> CountingProxy:
        self._accepter.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        self._closing.set()
        # close() alone does not wake a thread blocked in accept() on Linux; shutdown() does.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._accepter.join(timeout=5)

    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(self._connections, self._requests, self._max_in_flight)

    def reset(self) -> None:
        """Start counting afresh; connections already open are not counted again."""
        with self._lock:
            self._connections = 0
            self._requests = 0
            self._max_in_flight = self._in_flight

    def _accept_loop(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                # Small request/response messages: without this, Nagle adds delay the emulator avoids.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections += 1
                self._sockets.update((client, upstream))
            state = _Connection()
            threading.Thread(target=self._pump, args=(client, upstream, state, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, state, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, state: _Connection, from_client: bool) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    break
                self._observe(state, from_client)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
            with self._lock:
                if state.awaiting and not from_client:
                    # The server went away mid-request: that request is no longer in flight.
                    state.awaiting = False
                    self._in_flight -= 1
                state.closed_halves += 1
                if state.closed_halves == 2:
                    self._sockets.discard(source)
                    self._sockets.discard(sink)
                    source.close()
                    sink.close()

    def _observe(self, state: _Connection, from_client: bool) -> None:
        with self._lock:
            if from_client and not state.awaiting:
                state.awaiting = True
                self._requests += 1
                self._in_flight += 1
                self._max_in_flight = max(self._max_in_flight, self._in_flight)
            elif not from_client and state.awaiting:
                state.awaiting = False
                self._in_flight -= 1


class _Connection:
    """Whether this connection's request is awaiting its response (guarded by the proxy's lock)."""

    __slots__ = ("awaiting", "closed_halves")

    def __init__(self) -> None:
        self.awaiting = False
        self.closed_halves = 0
