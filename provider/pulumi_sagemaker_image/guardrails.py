"""Which resolved versions are safe to deploy, and which deserve a warning.

A version that is not ``CREATED`` has no usable container image, so it always fails the lookup. The
vendor's guidance is advice: ``TO_BE_ARCHIVED`` and ``ARCHIVED`` warn, and ``ARCHIVED`` can be made an
error by users who would rather stop a deployment than run an unmaintained image.
"""

from __future__ import annotations

from pulumi_sagemaker_image.errors import ImageVersionNotUsable
from pulumi_sagemaker_image.models import ImageVersionInfo

USABLE_STATUS = "CREATED"


def _describe(info: ImageVersionInfo) -> str:
    via = f" (alias {info.alias!r})" if info.alias else ""
    return f"image {info.image_name!r} version {info.version}{via}"


def guidance_warnings(image_name: str, version: int, vendor_guidance: object) -> list[str]:
    """The warnings the vendor's guidance for a version deserves (none for STABLE or NOT_PROVIDED).

    One text for every route: the plugin logs these on the resource, the Python resource warns with them.
    """
    subject = f"image {image_name!r} version {version}"
    if vendor_guidance == "TO_BE_ARCHIVED":
        return [f"{subject} is marked TO_BE_ARCHIVED by its vendor; plan a move"]
    if vendor_guidance == "ARCHIVED":
        return [f"{subject} is ARCHIVED by its vendor and no longer maintained"]
    return []


def check_complete(info: ImageVersionInfo) -> None:
    """Raise :class:`ImageVersionNotUsable` for a version lacking an output the schema promises.

    The resource and ``getImageVersion`` type these outputs as always present (``Output<string>``), so a
    version without one (still CREATING, say) is refused rather than handed out with a hole in it.
    """
    missing = info.missing_outputs()
    if missing:
        raise ImageVersionNotUsable(
            f"{_describe(info)} has status {info.image_version_status} and no {', '.join(missing)} yet; "
            "getImageVersion and ImageVersion return only versions that have every output their types "
            "promise. Wait until it is CREATED, or pick another version or alias "
            "(`pulumi-sagemaker-image describe` shows the version as it is)"
        )


def check_usable(info: ImageVersionInfo, *, fail_on_archived: bool = False) -> list[str]:
    """Raise :class:`ImageVersionNotUsable` for a version that must not be used; return warnings."""
    if info.image_version_status != USABLE_STATUS:
        reason = f": {info.failure_reason}" if info.failure_reason else ""
        raise ImageVersionNotUsable(
            f"{_describe(info)} has status {info.image_version_status}{reason}; only {USABLE_STATUS} "
            "versions have a usable container image. Pick another version or alias"
        )
    check_complete(info)
    if info.vendor_guidance == "ARCHIVED" and fail_on_archived:
        raise ImageVersionNotUsable(
            f"{_describe(info)} is ARCHIVED by its vendor and no longer maintained; pick a newer version "
            "(fail_on_archived is set)"
        )
    return guidance_warnings(info.image_name, info.version, info.vendor_guidance)
