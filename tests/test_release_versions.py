"""One version everywhere in the checkout: the package, the schema, the plugin, the npm package, the Go SDK.

A mismatch between the SDK's plugin version and the plugin that gets installed is the classic support
issue, so a release has one version, pyproject.toml's. tests/e2e/test_install.py checks the same of the
built artifacts (the archives' names, the wheel, the packed npm package, the installed plugin).
"""

from __future__ import annotations

import json
import re
from importlib import metadata

from pulumi_sagemaker_image import __version__
from pulumi_sagemaker_image.schema import build_schema

from .conftest import REPO_ROOT


def pyproject_version() -> str:
    found = re.search(r'(?m)^version = "(.+)"$', (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert found is not None
    return found[1]


def test_every_version_in_the_checkout_is_pyprojects() -> None:
    version = pyproject_version()
    schema = json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))
    npm = json.loads((REPO_ROOT / "sdk" / "nodejs" / "package.json").read_text(encoding="utf-8"))
    go = json.loads((REPO_ROOT / "sdk" / "go" / "sagemakerimage" / "pulumi-plugin.json").read_text(encoding="utf-8"))
    found = {
        "the installed package": metadata.version("pulumi-sagemaker-image"),
        "__version__ (the plugin's GetPluginInfo)": __version__,
        "schema.json": schema["version"],
        "the npm package": npm["version"],
        "the npm package's plugin": npm["pulumi"]["version"],
        "the Go SDK's plugin": go["version"],
    }
    assert found == dict.fromkeys(found, version), "run `make sdks` after changing the version"


def test_the_sdks_carry_the_schemas_plugin_download_url() -> None:
    url = build_schema()["pluginDownloadURL"]
    npm = json.loads((REPO_ROOT / "sdk" / "nodejs" / "package.json").read_text(encoding="utf-8"))
    go = json.loads((REPO_ROOT / "sdk" / "go" / "sagemakerimage" / "pulumi-plugin.json").read_text(encoding="utf-8"))
    assert npm["pulumi"]["server"] == go["server"] == url
