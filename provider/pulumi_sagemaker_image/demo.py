"""``pulumi-sagemaker-image demo``: the main job end to end, on sample data, with no AWS account.

Starts the bundled emulator with sample images, resolves the latest version, a version and an alias,
then moves the alias and resolves it again — what ``pulumi preview`` would report as drift.
"""

from __future__ import annotations

import os
from importlib import resources
from typing import TextIO

from pulumi_sagemaker_image.lookup import get_image_version
from pulumi_sagemaker_image.models import ImageVersionInfo

SAMPLE_IMAGE = "demo-pytorch"
SAMPLE_ALIAS = "stable"


def sample_seed_path() -> str:
    """The sample images the demo (and ``make demo``) load into the emulator."""
    return str(resources.files("pulumi_sagemaker_image.testing").joinpath("sample_seed.json"))


def _line(out: TextIO, label: str, info: ImageVersionInfo) -> None:
    aliases = ", ".join(info.aliases) or "-"
    out.write(f"  {label:<28} version {info.version}  {info.container_image}  (aliases: {aliases})\n")


def run_demo(out: TextIO) -> None:
    from pulumi_sagemaker_image.testing import SageMakerImageEmulator

    # The emulator accepts any signed request; these keep botocore from searching for real credentials.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "demo")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "demo")
    with SageMakerImageEmulator(sample_seed_path()) as emulator:

        def lookup(version: int | None = None, alias: str | None = None) -> ImageVersionInfo:
            return get_image_version(
                SAMPLE_IMAGE, version, alias, region=emulator.region, endpoint_url=emulator.endpoint_url
            )

        out.write(f"Emulator with sample images at {emulator.endpoint_url}\n\n")
        out.write(f"Resolving image {SAMPLE_IMAGE!r}:\n")
        latest = lookup()
        _line(out, "latest", latest)
        _line(out, "version 2", lookup(version=2))
        before = lookup(alias=SAMPLE_ALIAS)
        _line(out, f"alias {SAMPLE_ALIAS!r}", before)

        target = latest.version if latest.version != before.version else before.version - 1
        out.write(f"\nMoving alias {SAMPLE_ALIAS!r} from version {before.version} to version {target}…\n")
        emulator.move_alias(SAMPLE_IMAGE, SAMPLE_ALIAS, target)
        after = lookup(alias=SAMPLE_ALIAS)
        _line(out, f"alias {SAMPLE_ALIAS!r} now", after)
        out.write(
            "\nWhat `pulumi preview` shows for an ImageVersion that follows this alias:\n"
            f"  ~ version:        {before.version} => {after.version}\n"
            f"  ~ containerImage: {before.container_image} => {after.container_image}\n"
        )
        out.write(f"\n{emulator.request_count()} SageMaker API requests served.\n")
