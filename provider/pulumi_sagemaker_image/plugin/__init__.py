"""``pulumi-resource-sagemaker-image``: the native provider plugin of the ``sagemaker-image`` package.

It serves ``schema.json`` (resource ``sagemaker-image:index:ImageVersion``, function
``sagemaker-image:index:getImageVersion``) to the Pulumi engine over its ResourceProvider gRPC protocol,
so programs in every Pulumi language can use the lookup; Python programs can also use the dynamic
``ImageVersion``. Both serve the same :mod:`pulumi_sagemaker_image.semantics`.

The protocol's start: the engine execs the plugin with its own gRPC address as the last argument
(after flags such as ``--logtostderr`` or ``--tracing URL``) and reads the port from the first line
on stdout. So the plugin binds, starts serving and prints the port having loaded only grpc; Pulumi's
stubs (which import the whole Pulumi SDK), boto3 and pydantic load right after, in the background,
and the first call waits for them if it comes first. It ends when the engine kills it, and by itself
when the engine has gone (see :meth:`Engine.watch`): no orphans.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

# gRPC core logs routine transport events (a GOAWAY when the engine shuts down) at INFO on stderr,
# which the engine keeps to show if a plugin crashes; only errors belong there.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import grpc  # after the setting above, which it reads on import

from pulumi_sagemaker_image.plugin._engine import Engine

EXECUTABLE: Final = "pulumi-resource-sagemaker-image"
# gRPC calls served at once; each lookup runs on its call's thread (see _servicer._Lookups).
GRPC_WORKERS: Final = 64


def engine_address(argv: list[str]) -> str | None:
    """The engine's address: the last argument that is not a flag (``--tracing`` takes a value before it)."""
    positional = [arg for arg in argv if not arg.startswith("-")]
    return positional[-1] if positional else None


class _Servicer(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Routes calls to the servicer, which is built on the first call (or by the warm-up, whichever is first).

    Building it imports Pulumi's generated stubs and with them the Pulumi SDK; the method table is
    Pulumi's own (``add_ResourceProviderServicer_to_server``), captured instead of given a server.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._handler: Any = None

    def load(self) -> Any:
        with self._lock:
            if self._handler is None:
                from pulumi.runtime.proto import provider_pb2_grpc

                from pulumi_sagemaker_image.plugin._servicer import ImageVersionProviderServicer

                handlers: list[Any] = []

                class _Capture:
                    add_generic_rpc_handlers = handlers.extend

                provider_pb2_grpc.add_ResourceProviderServicer_to_server(
                    ImageVersionProviderServicer(self._engine), _Capture()
                )
                (self._handler,) = handlers
            return self._handler

    def service(self, handler_call_details: Any) -> Any:
        if handler_call_details.method == HANDSHAKE_METHOD:
            return _UNIMPLEMENTED
        return self.load().service(handler_call_details)


# The engine's first call. It must be answered within the engine's connection deadline, counted from the
# port line (10 s in CLI v3.259.0, `pluginRPCConnectionTimeout`), and on a loaded machine loading the SDK
# and the lookup can take longer than that. The plugin does not serve Handshake (UNIMPLEMENTED tells the
# engine to go on with Configure), so it answers at once, loading nothing; later calls have no such deadline.
HANDSHAKE_METHOD: Final = "/pulumirpc.ResourceProvider/Handshake"


def _unimplemented(_request: bytes, context: Any) -> None:
    context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not implemented!")


_UNIMPLEMENTED: Final = grpc.unary_unary_rpc_method_handler(_unimplemented)


def _warm_up(servicer: _Servicer) -> None:
    servicer.load()
    # The lookup's own imports (botocore, pydantic), so the first Check does not pay for them.
    import pulumi_sagemaker_image.semantics  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Serve until the engine kills this process, or until it notices the engine has gone."""
    engine = Engine(engine_address(sys.argv[1:] if argv is None else argv))
    servicer = _Servicer(engine)
    server = grpc.server(ThreadPoolExecutor(GRPC_WORKERS, thread_name_prefix="sagemaker-image-grpc"))
    server.add_generic_rpc_handlers((servicer,))
    stop = threading.Event()

    def gone(_why: str) -> None:
        stop.set()

    engine.watch(gone)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()

    threading.Thread(target=_warm_up, args=(servicer,), name="sagemaker-image-warm-up", daemon=True).start()
    # The engine runs its plugins in their own process group, so a terminal's Ctrl+C reaches the engine,
    # which cancels through the protocol; SIGTERM, or Ctrl+C on a plugin started by hand, ends it quietly.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: gone("signalled"))
    stop.wait()
    server.stop(grace=None)
    # Nothing on stderr: the engine shows a plugin's stderr to the user, and this is routine.
    # Lookups still waiting on AWS would keep the interpreter alive at exit; they have nobody to answer.
    os._exit(0)
