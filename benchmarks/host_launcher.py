"""Start the dynamic provider host the way Pulumi does, and record what it cost.

The engine starts ``pulumi-resource-pulumi-python`` for ``pulumi.dynamic`` resources. The benchmark
puts a wrapper of that name first on PATH that runs this script (stdlib only, run as a file), which:

* starts ``python -u -m pulumi.dynamic`` with the same interpreter the real launcher would pick
  (``$PULUMI_RUNTIME_VIRTUALENV/bin/python``), sharing stdin/stdout/stderr so the engine reads the
  port line as usual;
* samples the host's ``VmHWM`` (peak resident set) from ``/proc/<pid>/status`` every 50 ms and, when
  the host exits, takes ``ru_maxrss`` from ``wait4`` — the sample survives even if the engine ends
  the process group with SIGKILL, the ``wait4`` figure is exact when it exits normally;
* has the host write ``client_cache_stats()`` at exit (an ``atexit`` hook around ``runpy``; nothing
  in the package is patched), so the host's own count of boto3 clients can be read.

Results go to ``$BENCH_HOST_STATS_DIR/<launcher pid>.json``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

_POLL_SECONDS = 0.05

# Runs inside the host: pulumi.dynamic's __main__ serves until SIGINT, then returns normally, so an
# atexit hook sees the final client cache. Only read the counter if the lookup module was used;
# importing it at exit would just cost time.
_HOST_CODE = """
import atexit, json, os, runpy, sys

def _dump_client_stats():
    module = sys.modules.get("pulumi_sagemaker_image.lookup")
    stats = module.client_cache_stats() if module is not None else None
    path = os.environ["BENCH_HOST_CLIENTS_FILE"]
    with open(path + ".tmp", "w") as handle:
        json.dump(None if stats is None else {"created": stats.created, "cached": stats.cached}, handle)
    os.replace(path + ".tmp", path)

atexit.register(_dump_client_stats)
sys.argv = ["pulumi.dynamic", *sys.argv[1:]]
runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)
"""


def _host_python() -> str:
    # The real launcher's choice: the engine sets PULUMI_RUNTIME_VIRTUALENV (possibly relative to the
    # project directory, which is our cwd) from Pulumi.yaml's runtime.options.virtualenv.
    venv = os.environ.get("PULUMI_RUNTIME_VIRTUALENV")
    if venv:
        return str((Path.cwd() / venv / "bin" / "python").absolute())
    return os.environ.get("BENCH_HOST_PYTHON", sys.executable)


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _write(path: Path, record: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, path)


def main() -> int:
    stats_dir = Path(os.environ["BENCH_HOST_STATS_DIR"])
    stats_dir.mkdir(parents=True, exist_ok=True)
    record_path = stats_dir / f"{os.getpid()}.json"
    clients_path = stats_dir / f"{os.getpid()}.clients.json"
    env = dict(os.environ, BENCH_HOST_CLIENTS_FILE=str(clients_path))
    python = _host_python()
    started = time.monotonic()
    pid = os.posix_spawn(python, [python, "-u", "-c", _HOST_CODE, *sys.argv[1:]], env)

    # The engine stops plugins with SIGINT to the whole process group: the host handles it; this
    # process must outlive the host to reap it, so it only takes note. SIGTERM is passed on.
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))

    record: dict[str, Any] = {"host_pid": pid, "python": python, "final": False, "vm_hwm_kb": 0}
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        hwm = _vm_hwm_kb(pid)
        if hwm is not None and hwm > record["vm_hwm_kb"]:
            record["vm_hwm_kb"] = hwm
            _write(record_path, record)
        time.sleep(_POLL_SECONDS)
    record.update(
        final=True,
        exit_code=os.waitstatus_to_exitcode(status),
        maxrss_kb=usage.ru_maxrss,
        lifetime_s=round(time.monotonic() - started, 3),
    )
    try:
        record["clients"] = json.loads(clients_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record["clients"] = "unavailable"
    _write(record_path, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
