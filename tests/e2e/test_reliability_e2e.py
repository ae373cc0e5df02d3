"""Reliability under the real Pulumi CLI: resources that vanish or fail after `pulumi up`, and secrets.

After a good `pulumi up`, SageMaker changes underneath (a version deleted, an alias removed, a version
failed or being deleted): preview, up and refresh must each fail saying so, and the state must still hold
the previous good resolution. With sentinel credentials everywhere a user keeps them, nothing the engine
prints or stores may contain them. Figures: tests/reliability_report.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pulumi_sagemaker_image.testing import SageMakerImageEmulator

from ..reliability_report import VANISHED_CASES, VanishedCase
from ..test_reliability_secrets import (
    ACCESS_KEY_ID,
    CONFIG_CREDENTIALS,
    ENV_CREDENTIALS,
    PROFILE_CREDENTIALS,
    Sentinels,
)
from .conftest import IMAGE_VERSION_TYPE, PulumiProject, assert_no_traceback_of_ours

pytestmark = pytest.mark.e2e

IMAGE = "demo-pytorch"
ROLE_ARN = "arn:aws:iam::123456789012:role/ImageReader"

PROGRAM = """
import pulumi
from pulumi_sagemaker_image import ImageVersion

image = ImageVersion("image", image_name="{image}", {selector}endpoint_url="{endpoint}")
pulumi.export("containerImage", image.container_image)
pulumi.export("version", image.version)
"""


def good_state(project: PulumiProject) -> dict[str, Any]:
    """What must survive a failed command: the resolution, the stack outputs, no pending operations."""
    deployment = project.export()["deployment"]
    resources = deployment.get("resources") or []
    (image,) = [r for r in resources if r["type"] == IMAGE_VERSION_TYPE]
    (stack,) = [r for r in resources if r["type"] == "pulumi:pulumi:Stack"]
    return {
        "id": image["id"],
        "inputs": image["inputs"],
        "outputs": image["outputs"],
        "stack outputs": stack.get("outputs"),
        "pending": deployment.get("pending_operations") or [],
    }


def change_sagemaker(emulator: SageMakerImageEmulator, case: VanishedCase) -> None:
    if case.id == "version-deleted":
        emulator.delete_image_version(IMAGE, 2)
    elif case.id == "alias-removed":
        emulator.client().update_image_version(ImageName=IMAGE, Alias="canary", AliasesToDelete=["canary"])
    elif case.id == "create-failed":
        emulator.set_version_fields(IMAGE, 3, ImageVersionStatus="CREATE_FAILED", FailureReason="ECR image not found")
    elif case.id == "deleting":
        emulator.set_version_fields(IMAGE, 4, ImageVersionStatus="DELETING")
    else:
        raise AssertionError(f"no change scripted for {case.id}")


@pytest.mark.parametrize("case", VANISHED_CASES, ids=lambda case: case.id)
def test_vanished_or_failed_version_fails_preview_up_and_refresh_and_keeps_state(
    make_project: Any, emulator: SageMakerImageEmulator, case: VanishedCase
) -> None:
    selector = "" if case.selector == "(latest)" else f"{case.selector}, "
    project: PulumiProject = make_project(
        program=PROGRAM.format(image=IMAGE, selector=selector, endpoint=emulator.endpoint_url)
    )
    project.up()
    before = good_state(project)
    assert before["pending"] == []
    assert before["stack outputs"]["containerImage"] == before["outputs"]["containerImage"]

    change_sagemaker(emulator, case)

    preview = project.run("preview", check=False)
    assert preview.returncode != 0
    text = preview.stdout + preview.stderr
    assert case.says in text
    assert f"property {case.property} value" in text  # the engine names the property
    assert_no_traceback_of_ours(text)

    up = project.run("up", "--yes", "--skip-preview", check=False)
    assert up.returncode != 0
    assert case.says in up.stdout + up.stderr
    assert good_state(project) == before  # nothing half-written: the previous resolution stands

    refresh = project.run("refresh", "--yes", "--skip-preview", check=False)
    assert refresh.returncode != 0
    assert case.says in refresh.stdout + refresh.stderr
    assert good_state(project) == before


SECRETS_PROGRAM = """
import pulumi
from pulumi_sagemaker_image import ImageVersion, get_image_version_output

endpoint = "{endpoint}"
from_env = ImageVersion("from-env", image_name="{image}", alias="stable", endpoint_url=endpoint)
from_profile = ImageVersion("from-profile", image_name="{image}", version=2, profile="sentinel", endpoint_url=endpoint)
from_role = ImageVersion("from-role", image_name="{image}", role_arn="{role}", endpoint_url=endpoint)
looked_up = get_image_version_output("{image}", alias="canary", role_arn="{role}", endpoint_url=endpoint)
pulumi.export("images", [from_env.container_image, from_profile.container_image, from_role.container_image])
pulumi.export("lookedUp", looked_up.container_image)
pulumi.export("roleArn", from_role.role_arn)
"""


def test_sentinel_credentials_appear_in_no_engine_output_or_state(
    make_project: Any, emulator: SageMakerImageEmulator, tmp_path: Path
) -> None:
    project: PulumiProject = make_project(
        program=SECRETS_PROGRAM.format(image=IMAGE, role=ROLE_ARN, endpoint=emulator.endpoint_url)
    )
    key, secret, token = ENV_CREDENTIALS
    credentials = tmp_path / "credentials"
    profile_key, profile_secret, profile_token = PROFILE_CREDENTIALS
    credentials.write_text(
        f"[sentinel]\naws_access_key_id = {profile_key}\naws_secret_access_key = {profile_secret}\n"
        f"aws_session_token = {profile_token}\n"
    )
    project.env.update(
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_SESSION_TOKEN=token,
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_ENDPOINT_URL_STS=emulator.endpoint_url,
    )
    config_key, config_secret, config_token = CONFIG_CREDENTIALS
    for name, value in (("aws:accessKey", config_key), ("aws:secretKey", config_secret), ("aws:token", config_token)):
        project.run("config", "set", "--secret", name, value)

    emulator.clear_requests()
    outputs: dict[str, str] = {}
    for args in (
        ("up", "--yes", "--skip-preview"),
        ("preview", "--diff"),
        ("refresh", "--yes", "--skip-preview"),
        ("stack", "output", "--json", "--show-secrets"),
        ("stack", "export"),
    ):
        result = project.run(*args)
        outputs[" ".join(args)] = result.stdout + result.stderr
    assert emulator.request_count("AssumeRole") >= 2  # the role really was assumed, by the provider and the program
    stack = project.outputs()
    assert stack["roleArn"] == ROLE_ARN
    assert len(stack["images"]) == 3

    sentinels = Sentinels()
    credentials_only = Sentinels()
    credentials_only.values = [*ENV_CREDENTIALS, *PROFILE_CREDENTIALS]
    for command, text in outputs.items():
        sentinels.assert_absent(text, f"`pulumi {command}`")

    # With secrets shown, no resource holds a credential, except that the engine records the stack
    # config (aws:* secrets included) as the inputs of its default provider for dynamic resources.
    shown = json.loads(project.run("stack", "export", "--show-secrets").stdout)
    for resource in shown["deployment"]["resources"]:
        where = f"{resource['urn']} in `pulumi stack export --show-secrets`"
        if resource["type"] == "pulumi:providers:pulumi-python":
            credentials_only.assert_absent(json.dumps(resource), where, any_access_key=False)
        else:
            sentinels.assert_absent(json.dumps(resource), where)
    backend = Path(project.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    home = Path(project.env["PULUMI_HOME"])
    files = [
        path for root in (backend, home) for path in root.rglob("*") if path.is_file() and "plugins" not in path.parts
    ]
    assert any(path.suffix == ".json" for path in files)  # the stack's checkpoint is among them
    for path in files:
        sentinels.assert_absent(path.read_bytes().decode("latin-1"), str(path))

    # Even the engine's most verbose log shows no credential: they never cross the wire. (At -v=9 the
    # engine does log the stack config it sends to providers, aws:* secrets decrypted: Pulumi's doing.)
    verbose = project.run("preview", "--logtostderr", "-v=9")
    # Nor any other access key ID (say, the role's) than the config's own.
    credentials_only.assert_absent(verbose.stdout + verbose.stderr, "`pulumi preview -v=9`", any_access_key=False)
    shown_keys = set(ACCESS_KEY_ID.findall(verbose.stdout + verbose.stderr))
    assert shown_keys <= {config_key}
