"""Record the user's line, not this package's, as the place an ``ImageVersion`` was declared.

Pulumi's Python SDK sends the engine a ``sourcePosition`` and a ``stackTrace`` with every resource it
registers; the engine keeps both in state, and Pulumi's error messages and UI point at them. The SDK
finds the declaring line by counting ``__init__`` frames up from its own: it skips three (``Resource``,
``CustomResource`` and the concrete class) and takes the frame above the third. ``ImageVersion``
subclasses ``pulumi.dynamic.Resource``, one class deeper, so the count stops at
``dynamic.Resource.__init__`` and every ImageVersion was recorded at ``ImageVersion.__init__`` in
resource.py (``ImageVersion.get`` adds one more frame of ours).

No public API sets either value, so :func:`user_source_position` wraps the SDK's private
``pulumi.runtime.resource._get_stack_trace`` while an ImageVersion registers and drops the frames at
the top of the trace that are in this package; the first frame left is the user's line. If a future SDK
no longer has that function, the resource registers as before (with this package's line): a wrong line
in the UI is better than a failed deployment, and tests/test_source_position.py fails loudly instead.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

# The private SDK function this module wraps, and the module it is looked up in at call time.
SDK_MODULE: Final = "pulumi.runtime.resource"
SDK_FUNCTION: Final = "_get_stack_trace"

# Frame URIs are file:// URIs of the code's file names as imported (the SDK's _get_source_position_for_frame),
# so this is not resolved through symlinks either.
PACKAGE_URI: Final = Path(os.path.abspath(__file__)).parent.as_uri() + "/"


@contextmanager
def user_source_position() -> Iterator[None]:
    """While this is active, a resource registered from this package is recorded at its caller's line."""
    sdk = importlib.import_module(SDK_MODULE)
    original: Callable[[], Any] | None = getattr(sdk, SDK_FUNCTION, None)
    if original is None:
        yield
        return

    def stack_trace() -> Any:
        trace = original()
        ours = 0
        for frame in trace.frames:  # topmost first
            if not frame.pc.uri.startswith(PACKAGE_URI):
                break
            ours += 1
        # The SDK's sourcePosition is the first frame of this trace (_get_source_position). A resource that
        # this package declares for itself keeps the SDK's trace.
        if ours < len(trace.frames):
            del trace.frames[:ours]
        return trace

    setattr(sdk, SDK_FUNCTION, stack_trace)
    try:
        yield
    finally:
        setattr(sdk, SDK_FUNCTION, original)
