"""schema.json through Pulumi's own schema binder and Python SDK generator (pkg/v3, the CLI's release).

`pulumi-gen-python-sdk` (tools/pulumi) runs the binder and the generator in-process, strictly, so a
broken schema is caught with its diagnostics; `pulumi package gen-sdk --language python` runs the same
generator through the CLI and Pulumi's own v3.259.0 Python language host (its GeneratePackage call), as
a user's `pulumi package add` does. See tools/pulumi/README.md.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT, skip_unless_required
from .conftest import TOOLS_BIN, PulumiProject, engine_env

pytestmark = pytest.mark.e2e

GENERATOR = TOOLS_BIN / "pulumi-gen-python-sdk"


@pytest.fixture(scope="module")
def generator() -> Path:
    if not GENERATOR.exists():
        skip_unless_required(f"{GENERATOR} is missing: run `make pulumi-cli` (needs Go)")
    return GENERATOR


def generate(generator: Path, schema: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(generator), str(schema), str(out)], capture_output=True, text=True, timeout=120, check=False
    )


def test_pulumis_codegen_accepts_the_schema_without_diagnostics(generator: Path, tmp_path: Path) -> None:
    result = generate(generator, REPO_ROOT / "schema.json", tmp_path / "sdk")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower()
    package = tmp_path / "sdk" / "pulumi_sagemaker_image"
    resource = (package / "image_version.py").read_text()
    function = (package / "get_image_version.py").read_text()
    assert "class ImageVersion(pulumi.CustomResource)" in resource
    assert "image_name: pulumi.Input[_builtins.str]" in resource  # the one required input
    assert "def get_image_version_output(" in function
    assert "container_image" in function


def test_a_broken_schema_is_rejected(generator: Path, tmp_path: Path) -> None:
    schema = json.loads((REPO_ROOT / "schema.json").read_text())
    resource = schema["resources"]["sagemaker-image:index:ImageVersion"]
    resource["properties"]["version"] = {"$ref": "#/types/sagemaker-image:index:Missing"}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(schema))
    result = generate(generator, broken, tmp_path / "sdk")
    assert result.returncode == 1
    assert "sagemaker-image:index:Missing not found" in result.stderr


def test_the_cli_generates_the_python_sdk_through_its_own_language_host(pulumi_cli: Path, tmp_path: Path) -> None:
    env = engine_env(pulumi_cli, tmp_path / "state", tmp_path / "home")
    out = tmp_path / "sdks"
    # No project is needed: the CLI hands the schema to the Python host's GeneratePackage.
    cli = PulumiProject(pulumi_cli, tmp_path, env)
    cli.run("package", "gen-sdk", str(REPO_ROOT / "schema.json"), "--language", "python", "--out", str(out))
    (resource,) = out.glob("python/**/pulumi_sagemaker_image/image_version.py")
    assert "class ImageVersion(pulumi.CustomResource)" in resource.read_text()
    # The same code the in-process generator writes, file for file.
    direct = tmp_path / "direct"
    assert generate(TOOLS_BIN / "pulumi-gen-python-sdk", REPO_ROOT / "schema.json", direct).returncode == 0
    package = resource.parent
    for generated in (direct / "pulumi_sagemaker_image").rglob("*.py"):
        assert (package / generated.relative_to(direct / "pulumi_sagemaker_image")).read_text() == generated.read_text()
