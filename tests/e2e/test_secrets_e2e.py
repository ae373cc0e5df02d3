"""Secrets stay secret under the real engine: a sentinel image name and alias, given as secrets, never
appear in plain text in anything the CLI prints, in `pulumi stack export` or in `pulumi stack output`.

One stack per route and language, each going through what a user does: a preview of the new stack,
`up`, a preview that must find no change, the drift command on both kinds of export, the alias
moving (drift that fails `--expect-no-changes`), `up` following it, `refresh` reading the masked ID
from state, and `destroy`. Python runs the dynamic `ImageVersion` with `get_image_version_output`;
YAML and TypeScript run the plugin's resource and `getImageVersion`. The image name and the alias come
from `pulumi config set --secret`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.secrecy import MASK
from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from .conftest import IMAGE_VERSION_TYPE, PLUGIN_RESOURCE_TYPE, PulumiProject

pytestmark = pytest.mark.e2e

NAME = "zz-sentinel-image"
ALIAS = "zz-sentinel-alias"
SENTINELS = (NAME, ALIAS)
CLI = str(Path(sys.executable).parent / "pulumi-sagemaker-image")
# The export keeps a secret as Pulumi's envelope: this signature and either ciphertext or plaintext.
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

PYTHON_PROGRAM = """
import pulumi
from pulumi_sagemaker_image import ImageVersion, get_image_version_output

config = pulumi.Config()
name, alias = config.require_secret("imageName"), config.require_secret("alias")
endpoint = config.require("endpointUrl")
image = ImageVersion("image", image_name=name, alias=alias, endpoint_url=endpoint)
looked_up = get_image_version_output(name, alias=alias, endpoint_url=endpoint)
pulumi.export("containerImage", image.container_image)
pulumi.export("version", image.version)
pulumi.export("query", image.query)
pulumi.export("imageArn", image.image_arn)
pulumi.export("lookedUp", looked_up.apply(lambda info: info.container_image))
"""

YAML_PROGRAM = f"""
config:
  imageName:
    type: string
  alias:
    type: string
variables:
  lookedUp:
    fn::invoke:
      function: sagemaker-image:index:getImageVersion
      arguments:
        imageName: ${{imageName}}
        alias: ${{alias}}
resources:
  image:
    type: {PLUGIN_RESOURCE_TYPE}
    properties:
      imageName: ${{imageName}}
      alias: ${{alias}}
outputs:
  containerImage: ${{image.containerImage}}
  version: ${{image.version}}
  query: ${{image.query}}
  imageArn: ${{image.imageArn}}
  lookedUp: ${{lookedUp.containerImage}}
"""

TYPESCRIPT_PROGRAM = """
import * as pulumi from "@pulumi/pulumi";
import * as sagemakerimage from "pulumi-sagemaker-image";

const config = new pulumi.Config();
const imageName = config.requireSecret("imageName");
const alias = config.requireSecret("alias");
const image = new sagemakerimage.ImageVersion("image", { imageName, alias });
const lookedUp = sagemakerimage.getImageVersionOutput({ imageName, alias });
export const containerImage = image.containerImage;
export const version = image.version;
export const query = image.query;
export const imageArn = image.imageArn;
export const lookedUpImage = lookedUp.containerImage;
"""


@pytest.fixture
def sentinel(emulator: SageMakerImageEmulator) -> SageMakerImageEmulator:
    """The sentinel image with versions 1 and 2, the sentinel alias on 1."""
    emulator.create_image(NAME)
    for version in (1, 2):
        emulator.create_image_version(
            NAME,
            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/base:{version}",
            aliases=[ALIAS] if version == 1 else [],
        )
    return emulator


def container_image(emulator: SageMakerImageEmulator, version: int) -> str:
    return str(emulator.client().describe_image_version(ImageName=NAME, Version=version)["ContainerImage"])


def assert_no_sentinel(text: str, where: str) -> None:
    for value in SENTINELS:
        assert value not in text, f"the secret {value!r} appears in {where}:\n{text}"


def drift(
    project: PulumiProject, export: str, emulator: SageMakerImageEmulator, *args: str
) -> subprocess.CompletedProcess[str]:
    """The drift command on an export, as CI runs it next to the CLI (the endpoint from the environment)."""
    env = {**project.env, "AWS_ENDPOINT_URL_SAGEMAKER": emulator.endpoint_url, "AWS_REGION": emulator.region}
    return subprocess.run(
        [CLI, "drift", "-", *args], input=export, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def run_the_scenario(project: PulumiProject, emulator: SageMakerImageEmulator, resource_type: str) -> float:
    """Everything a user does with the stack; asserts the sentinels never show. Returns the seconds it took."""
    started = time.monotonic()
    project.run("config", "set", "--secret", "imageName", NAME)
    project.run("config", "set", "--secret", "alias", ALIAS)
    first, second = container_image(emulator, 1), container_image(emulator, 2)

    # The new stack's preview shows the resolved image (it does not hold the secret) and hides the rest.
    preview = project.run("preview", "--diff")
    assert first in preview.stdout
    project.up()
    outputs = project.outputs()
    assert outputs["containerImage"] == first
    assert outputs["version"] == 1
    assert outputs["query"] == outputs["imageArn"] == "[secret]"

    export = project.run("stack", "export").stdout
    (resource,) = [r for r in json.loads(export)["deployment"]["resources"] if r["type"] == resource_type]
    assert resource["id"] == f"{MASK}@{MASK}"  # the ID is not secret: its secret parts are masked
    for key in ("imageName", "alias", "query", "aliases", "imageArn", "imageVersionArn"):
        assert resource["outputs"][key].get("4dabf18193072939515e22adb298388d") == SECRET_SIG, key
    assert resource["outputs"]["containerImage"] == first
    assert project.run("preview", "--expect-no-changes").returncode == 0

    # The drift command on both kinds of export: ciphertext is not checked (and says what to run
    # instead); plaintext is checked and still printed masked.
    not_checked = drift(project, export, emulator)
    assert not_checked.returncode == 3, not_checked
    assert "--show-secrets" in not_checked.stdout + not_checked.stderr
    shown = project.run("stack", "export", "--show-secrets").stdout
    project.log.pop()  # asked for, so shown: the one output not searched for the sentinels
    assert NAME in shown
    for output in ("table", "json"):
        checked = drift(project, shown, emulator, "--output", output)
        assert checked.returncode == 0, checked
        for result in (not_checked, checked):
            assert_no_sentinel(result.stdout + result.stderr, f"the drift command's {output} output")

    # The alias moves: drift in preview, which fails the CI check; `up` follows it.
    emulator.move_alias(NAME, ALIAS, 2)
    check = project.run("preview", "--expect-no-changes", "--diff", check=False)
    assert check.returncode != 0
    assert second in check.stdout
    project.up()
    assert project.outputs()["containerImage"] == second

    # Refresh reads the masked ID from state: the alias moved back, and state follows.
    emulator.move_alias(NAME, ALIAS, 1)
    project.run("refresh", "--yes", "--skip-preview")
    (resource,) = [r for r in project.export()["deployment"]["resources"] if r["type"] == resource_type]
    assert resource["outputs"]["version"] == 1
    assert resource["id"] == f"{MASK}@{MASK}"

    project.run("destroy", "--yes", "--skip-preview")
    # What the CLI printed: each logged run without its first line, the command we typed (which, for
    # `config set --secret`, holds the value).
    printed = "\n".join(entry.split("\n", 1)[1] for entry in project.log)
    assert_no_sentinel(printed, "what the CLI printed, the exports or the stack outputs")
    assert not [request for request in emulator.requests if request.startswith(("Create", "Update", "Delete"))][4:]
    return time.monotonic() - started


def test_python_dynamic_route_keeps_secrets(make_project: Any, sentinel: SageMakerImageEmulator) -> None:
    project = make_project(program=PYTHON_PROGRAM, name="secrets-python")
    project.config(endpointUrl=sentinel.endpoint_url)
    run_the_scenario(project, sentinel, IMAGE_VERSION_TYPE)


def test_yaml_plugin_route_keeps_secrets(make_yaml_project: Any, sentinel: SageMakerImageEmulator) -> None:
    project = make_yaml_project(YAML_PROGRAM)
    run_the_scenario(project, sentinel, PLUGIN_RESOURCE_TYPE)


def test_typescript_plugin_route_keeps_secrets(
    typescript_project: Path, make_yaml_project: Any, sentinel: SageMakerImageEmulator
) -> None:
    # The plugin route's project and stack (the plugin on PATH, nothing downloadable), turned into a
    # TypeScript program of its own beside the installed example, sharing its node_modules and SDK.
    project = make_yaml_project()
    directory = project.directory
    (directory / "Pulumi.yaml").write_text("name: yaml-e2e\nruntime: nodejs\n", encoding="utf-8")
    for name in ("package.json", "tsconfig.json"):
        shutil.copy(typescript_project / name, directory / name)
    (directory / "node_modules").symlink_to(typescript_project / "node_modules")
    (directory / "index.ts").write_text(TYPESCRIPT_PROGRAM, encoding="utf-8")
    run_the_scenario(project, sentinel, PLUGIN_RESOURCE_TYPE)
