"""The plugin's side of the engine: the ``Log`` service, and noticing that the engine has gone.

Light on purpose (grpc and the standard library only; the engine's stubs load on the first message):
the watch starts before the port is printed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Final

import grpc

# How often the watch looks at the parent process and the engine connection.
WATCH_INTERVAL_S: Final = 0.25
_LOG_TIMEOUT_S: Final = 10.0


class Engine:
    """The engine that started this plugin: where warnings go, and whether it is still there.

    ``address`` is the engine's gRPC address from the command line (``None`` when the plugin runs on
    its own, e.g. by hand: then warnings go to stderr and only the parent process is watched).
    """

    def __init__(self, address: str | None) -> None:
        # Read first thing: if the engine died before the watch starts, the parent is already init.
        self._parent = os.getppid()
        self.address = address
        self._channel: Any = grpc.insecure_channel(address) if address else None
        self._stub: Any = None
        self._stub_lock = threading.Lock()
        self._state: Any = None

    def warn(self, urn: str, message: str) -> None:
        """Show ``message`` as a warning on the resource ``urn``, as ``pulumi.log.warn`` does in a program."""
        if self._channel is None:
            sys.stderr.write(f"warning: {message}\n")
            return
        from pulumi.runtime.proto import engine_pb2

        # An error means the engine is going away (the watch ends the plugin then); no reason to fail a call.
        with contextlib.suppress(grpc.RpcError):
            self._engine_stub().Log(
                engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message, urn=urn), timeout=_LOG_TIMEOUT_S
            )

    def _engine_stub(self) -> Any:
        with self._stub_lock:
            if self._stub is None:
                from pulumi.runtime.proto import engine_pb2_grpc

                self._stub = engine_pb2_grpc.EngineStub(self._channel)
            return self._stub

    def watch(self, gone: Callable[[str], None]) -> None:
        """Call ``gone(reason)`` (from a daemon thread) once the engine is no longer there.

        Two signs, either enough: the parent process (the engine execs its plugins directly) exited,
        so this process was re-parented; or the engine's gRPC server refuses connections. The engine
        normally kills its plugins itself; this is for when it could not (it was killed, it crashed).
        """
        parent = self._parent
        if self._channel is not None:
            self._channel.subscribe(self._record, try_to_connect=True)

        def run() -> None:
            while True:
                time.sleep(WATCH_INTERVAL_S)
                if os.getppid() != parent:
                    gone(f"the parent process {parent} exited")
                    return
                if self._channel is None:
                    continue
                state = self._state
                if state is grpc.ChannelConnectivity.IDLE:
                    # The connection dropped (or idled): connect again, to learn which.
                    self._channel.unsubscribe(self._record)
                    self._channel.subscribe(self._record, try_to_connect=True)
                elif state is grpc.ChannelConnectivity.TRANSIENT_FAILURE and self._refused():
                    gone(f"the engine at {self.address} refuses connections")
                    return

        threading.Thread(target=run, name="sagemaker-image-engine-watch", daemon=True).start()

    def _record(self, state: Any) -> None:
        self._state = state

    def _refused(self) -> bool:
        # A failed gRPC connection may be a slow one; a refused TCP connection on loopback means nobody listens.
        assert self.address is not None
        host, _, port = self.address.rpartition(":")
        try:
            with contextlib.closing(socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), 2.0)):
                return False
        except ConnectionRefusedError:
            return True
        except (OSError, ValueError):
            return False
