"""Lookups started in the program process, for the provider's ``check`` to reuse.

Why they exist: the Pulumi engine calls a provider's ``Check`` for one resource at a time, so
lookups made in ``check`` are paid one after another — 100 resources at 50 ms per AWS call take at
least 100 x 2 x 50 ms, however many workers the provider host has. A program declares its
resources without waiting for the engine, so a lookup started as soon as its ``ImageVersion`` is
declared overlaps with every other one; ``check`` finds the answer among its inputs and makes no call.

What keeps it correct: ``check`` reuses an answer only to exactly the question it would ask itself —
the same query, the same settings (with the stack's ``aws:region``/``aws:profile`` defaults applied)
and the same region and endpoint once the process environment is applied. Otherwise (an input that
was an ``Output``, a failed lookup, any mismatch) it looks up as before, so the result never depends
on where the lookup ran, and errors are reported by ``check`` exactly as without prefetching.
The prefetched value never reaches state: ``check`` leaves it out of the checked inputs.

Pure: no Pulumi import (the resource decides when to prefetch, the provider when to reuse).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from pulumi_sagemaker_image.lookup import client_target, resolve
from pulumi_sagemaker_image.models import ImageVersionInfo
from pulumi_sagemaker_image.state import ResourceInputs

# The hidden input that carries a prefetched lookup from the program to ``check``.
PREFETCHED_KEY: Final = "__prefetched"

# Lookups are I/O-bound; 16 in flight keeps a few hundred resources' worth of ~50 ms calls short
# without looking like a burst to SageMaker's per-account request rate (the clients retry throttling).
PREFETCH_WORKERS: Final = 16


class _Pool:
    lock = threading.Lock()
    executor: ThreadPoolExecutor | None = None

    @classmethod
    def get(cls) -> ThreadPoolExecutor:
        with cls.lock:
            if cls.executor is None:
                cls.executor = ThreadPoolExecutor(PREFETCH_WORKERS, thread_name_prefix="sagemaker-image-prefetch")
            return cls.executor


def lookup_pool() -> ThreadPoolExecutor:
    """The program's lookup threads, shared by prefetched ImageVersions and ``get_image_version_output``.

    One pool, so that a program never has more than :data:`PREFETCH_WORKERS` lookups in flight.
    """
    return _Pool.get()


def prefetch(inputs: ResourceInputs) -> asyncio.Future[str | None] | None:
    """Start the lookup for ``inputs`` in the background; ``None`` when no event loop is running.

    The future's value is the hidden input for ``check`` (``None`` if the lookup failed).
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop.run_in_executor(_Pool.get(), prefetched_lookup, inputs)


def prefetched_lookup(inputs: ResourceInputs) -> str | None:
    """Resolve ``inputs``' query now, as the JSON that :func:`reuse` accepts; ``None`` on any failure."""
    try:
        info = resolve(inputs.query, inputs.settings, list_aliases=inputs.list_aliases)
        region, endpoint = client_target(inputs.settings)
    except Exception:  # check repeats a failed lookup and reports it with its own context
        return None
    return json.dumps(
        {
            "query": inputs.query.id,
            "settings": _settings_json(inputs),
            "listAliases": inputs.list_aliases,
            "region": region,
            "endpoint": endpoint,
            "info": info.to_json_dict(),
        },
        separators=(",", ":"),
    )


def reuse(inputs: ResourceInputs, prefetched: object) -> ImageVersionInfo | None:
    """The prefetched resolution of ``inputs``' query, if ``prefetched`` answers exactly that query.

    Asks AWS nothing (at most builds this process's client for the settings, to learn its region and
    endpoint); ``None`` means: look up yourself.
    """
    if not isinstance(prefetched, str):
        return None
    try:
        data = json.loads(prefetched)
        if data["query"] != inputs.query.id or data["settings"] != _settings_json(inputs):
            return None
        if data["listAliases"] is not inputs.list_aliases:
            return None
        if [data["region"], data["endpoint"]] != list(client_target(inputs.settings)):
            return None
        if set(data["info"]) != set(ImageVersionInfo.json_keys()):
            return None  # a partial answer is no answer; the host then looks up the whole of it
        info = ImageVersionInfo.from_json_dict(data["info"])
    except Exception:  # anything unexpected here only means: look up as before
        return None
    return info


def _settings_json(inputs: ResourceInputs) -> Any:
    # Both sides compare what the JSON payload can carry (tuples become lists, and so on).
    return json.loads(json.dumps(dataclasses.asdict(inputs.settings)))
