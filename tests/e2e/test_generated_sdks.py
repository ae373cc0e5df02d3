"""The committed SDKs (sdk/nodejs, sdk/go) are exactly what Pulumi's code generators make of schema.json.

`make sdks` writes them with pulumi-gen-sdk (tools/pulumi: pkg/v3's schema binder and its Node.js and
Go generators, run in-process). A change to the schema, the generator version or the generator's
options that is not followed by `make sdks` and a commit fails here with the files that differ.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from pulumi_sagemaker_image.schema import GO_IMPORT_BASE_PATH, NPM_PACKAGE

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import TOOLS_BIN

pytestmark = pytest.mark.e2e

GENERATOR = TOOLS_BIN / "pulumi-gen-sdk"
SDK = REPO_ROOT / "sdk"
# Build products the generated .gitignore keeps out of the repository (an in-place `npm install`).
BUILD_PRODUCTS = {"node_modules", "bin"}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


@pytest.fixture(scope="module")
def generator() -> Path:
    if not GENERATOR.exists():
        skip_unless_required(f"{GENERATOR} is missing: run `make pulumi-cli` (needs Go)")
    return GENERATOR


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, without build products."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not BUILD_PRODUCTS & set(path.relative_to(root).parts)
    }


@pytest.mark.parametrize("language", ["nodejs", "go"])
def test_regenerating_the_sdk_gives_no_diff(generator: Path, tmp_path: Path, language: str) -> None:
    out = tmp_path / language
    result = subprocess.run(
        [str(generator), "-language", language, str(REPO_ROOT / "schema.json"), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower()
    generated, committed = tree(out), tree(SDK / language)
    stale = sorted(name for name in committed.keys() & generated.keys() if committed[name] != generated[name])
    missing = sorted(generated.keys() - committed.keys())
    extra = sorted(committed.keys() - generated.keys())
    assert (stale, missing, extra) == ([], [], []), (
        f"sdk/{language} is not what schema.json generates (changed, missing, not generated): run `make sdks`"
    )


def schema_version() -> str:
    return str(json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))["version"])


def test_the_package_versions_are_real_semver() -> None:
    version = schema_version()
    assert SEMVER.match(version), version
    package = json.loads((SDK / "nodejs" / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == NPM_PACKAGE
    assert not package["name"].startswith("@pulumi/")  # that scope is Pulumi's
    assert package["version"] == version
    assert package["pulumi"]["version"] == version  # what the SDK asks the engine for
    plugin = json.loads((SDK / "go" / "sagemakerimage" / "pulumi-plugin.json").read_text(encoding="utf-8"))
    server = json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))["pluginDownloadURL"]
    assert plugin == {"resource": True, "name": "sagemaker-image", "version": version, "server": server}
    # The placeholder that unversioned codegen leaves, and that the engine rejects on invoke.
    offenders = [name for name, text in {**tree(SDK / "nodejs"), **tree(SDK / "go")}.items() if b"${VERSION}" in text]
    assert offenders == []


def test_the_go_sdk_is_its_own_module_at_the_import_path() -> None:
    go_mod = (SDK / "go" / "go.mod").read_text(encoding="utf-8")
    module = GO_IMPORT_BASE_PATH.rsplit("/", 1)[0]
    assert go_mod.splitlines()[0] == f"module {module}"
    assert "github.com/pulumi/pulumi/sdk/v3 v3." in go_mod
    package = SDK / "go" / GO_IMPORT_BASE_PATH.rsplit("/", 1)[1]
    assert (package / "imageVersion.go").exists()
    assert "func LookupImageVersionOutput(" in (package / "getImageVersion.go").read_text(encoding="utf-8")
