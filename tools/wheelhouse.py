"""Download the wheels a user's `pip install pulumi-sagemaker-image[testing]` pulls in, for this Python.

The wheel test (tests/e2e/test_wheel.py) installs the wheel into a fresh venv with `pip install
--no-index --find-links WHEELHOUSE`, and the plugin install tests (tests/e2e/test_install.py) let the
language host's pip take the plugin's dependencies from it, so the tests never reach the network. This
is its install step, like `make venv`: run by `make wheelhouse` (and so by `make test`), it writes
.tools/wheelhouse/cpXY/ and does nothing while that is newer than pyproject.toml and constraints.txt.

    .venv/bin/python tools/wheelhouse.py [--force]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = (ROOT / "pyproject.toml", ROOT / "constraints.txt", Path(__file__).resolve())
# The Python language host upgrades these in a plugin's fresh virtualenv before it installs the plugin's
# requirements (the install tests run it with PIP_NO_INDEX and this wheelhouse as PIP_FIND_LINKS).
HOST_BOOTSTRAP = ("pip", "setuptools", "wheel")


def wheelhouse_dir(root: Path = ROOT) -> Path:
    """Where the wheels for the running Python live (binary wheels differ per Python version)."""
    return root / ".tools" / "wheelhouse" / f"cp{sys.version_info.major}{sys.version_info.minor}"


def main(argv: list[str]) -> int:
    target = wheelhouse_dir()
    stamp = target / ".complete"
    fresh = stamp.exists() and all(stamp.stat().st_mtime > path.stat().st_mtime for path in INPUTS)
    if fresh and "--force" not in argv:
        print(f"==> wheelhouse up to date: {target.relative_to(ROOT)}", file=sys.stderr)
        return 0
    start = time.monotonic()
    print(f"==> downloading the package's dependency wheels into {target.relative_to(ROOT)}", file=sys.stderr)
    target.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    # The project's own requirements with its [testing] extra, at the versions `make venv` installs.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--dest",
            str(target),
            "--constraint",
            str(ROOT / "constraints.txt"),
            f"{ROOT}[testing]",
            *HOST_BOOTSTRAP,
        ],
        check=True,
        cwd=ROOT,
    )
    stamp.touch()
    print(f"    done in {time.monotonic() - start:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
