"""Drift check on exported state: re-resolve every ``ImageVersion`` without running the program.

Reads ``pulumi stack export`` JSON, finds the ``ImageVersion`` resources, resolves each recorded query
again (in parallel, one lookup each) and compares what it resolves to now with what state holds.
No Pulumi import: this runs in CI next to ``pulumi`` with only boto3 and pydantic loaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Final

from pulumi_sagemaker_image.errors import ImageVersionLookupError
from pulumi_sagemaker_image.lookup import resolve, resolve_pinned
from pulumi_sagemaker_image.models import ImageVersionQuery
from pulumi_sagemaker_image.state import (
    CURRENT_VERSION_KEY,
    PINNED_KEY,
    PINNED_VERSION_KEY,
    ResourceInputs,
    drifted_properties,
    query_of_state,
)

# The Python dynamic resource's type ends with the first (`pulumi-python:dynamic/sagemaker-image:ImageVersion`);
# the native plugin's is the package token. Both lay out state the same way.
RESOURCE_TYPE_SUFFIXES: Final = ("sagemaker-image:ImageVersion", "sagemaker-image:index:ImageVersion")
_MAX_WORKERS: Final = 16


@dataclass(frozen=True)
class DriftResult:
    """One ImageVersion: what state holds, what the query resolves to now, and what differs."""

    urn: str
    query: str
    state_version: int | None
    state_image: str | None
    current_version: int | None = None
    current_image: str | None = None
    changed: tuple[str, ...] = ()
    pinned: bool = False
    error: str | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "drift" if self.changed else "ok"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "name": self.name,
            "query": self.query,
            "status": self.status,
            "pinned": self.pinned,
            "stateVersion": self.state_version,
            "stateContainerImage": self.state_image,
            "currentVersion": self.current_version,
            "currentContainerImage": self.current_image,
            "changed": list(self.changed),
            "error": self.error,
        }


@dataclass
class DriftReport:
    results: list[DriftResult] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return any(result.status != "ok" for result in self.results)


def image_version_resources(export: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ImageVersion resources of a ``pulumi stack export`` document."""
    deployment = export.get("deployment")
    resources = deployment.get("resources") or [] if isinstance(deployment, Mapping) else []
    return [
        resource
        for resource in resources
        if isinstance(resource, Mapping) and str(resource.get("type", "")).endswith(RESOURCE_TYPE_SUFFIXES)
    ]


def load_export(text: str, source: str) -> list[Mapping[str, Any]]:
    """Parse export JSON; a ValueError names the source and what is wrong with it."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source} is not JSON ({exc}); pass the output of `pulumi stack export`") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("deployment"), Mapping):
        raise ValueError(f"{source} has no 'deployment' object; pass the output of `pulumi stack export`")
    return image_version_resources(document)


def _check_one(resource: Mapping[str, Any], default_region: str | None) -> DriftResult:
    outputs: Mapping[str, Any] = resource.get("outputs") or {}
    urn = str(resource.get("urn", "?"))
    query_id = query_of_state(outputs) or str(resource.get("id", ""))
    pinned = outputs.get(PINNED_KEY) is True
    base = DriftResult(
        urn=urn,
        query=query_id,
        state_version=outputs.get("version"),
        state_image=outputs.get("containerImage"),
        pinned=pinned,
    )
    try:
        query = ImageVersionQuery.from_id(query_id)
        # What the provider's check would be given: the query the ID states, the recorded settings,
        # and the recorded version only where state says the pin is held (as refresh does).
        props = {key: value for key, value in outputs.items() if key != PINNED_VERSION_KEY}
        props.update(imageName=query.image_name, version=query.version, alias=query.alias)
        if pinned:
            props[PINNED_VERSION_KEY] = outputs.get(PINNED_VERSION_KEY)
        inputs = ResourceInputs.from_properties(props, default_region=default_region)
        current = resolve(inputs.query, inputs.settings, list_aliases=inputs.list_aliases)
        info, _ = resolve_pinned(
            inputs.query, inputs.settings, inputs.pinned_version, current=current, list_aliases=inputs.list_aliases
        )
    except ImageVersionLookupError as exc:
        return replace(base, error=str(exc))
    # The provider's diff rule on the state its check would write: another alias on the version or a
    # bare timestamp bump is not drift, the pinned version's own changes are. One difference: a held pin
    # is drift for as long as its query resolves elsewhere, even once state has recorded where (from
    # then on `pulumi preview` only warns): this report is what tells a CI job to move the pin.
    recorded = {**outputs, CURRENT_VERSION_KEY: outputs.get(PINNED_VERSION_KEY)} if pinned else outputs
    changed = tuple(drifted_properties(recorded, inputs.state(info, current.version)))
    return replace(base, current_version=current.version, current_image=current.container_image, changed=changed)


def check_drift(resources: Iterable[Mapping[str, Any]], *, default_region: str | None = None) -> DriftReport:
    """Re-resolve each resource (in parallel) and compare with its state."""
    items = list(resources)
    with ThreadPoolExecutor(max_workers=min(_MAX_WORKERS, max(1, len(items)))) as pool:
        results = list(pool.map(lambda resource: _check_one(resource, default_region), items))
    return DriftReport(results)


def short_image(uri: str | None) -> str:
    """``repo@sha256:0123456789ab`` from a full registry URI: enough to tell images apart in a table."""
    if not uri:
        return "-"
    name = uri.rsplit("/", 1)[-1]
    repository, at, digest = name.partition("@sha256:")
    return f"{repository}@sha256:{digest[:12]}" if at else name


def table_rows(report: DriftReport) -> Sequence[tuple[str, ...]]:
    """One row per resource; full URIs are in the JSON output."""
    rows = []
    for result in report.results:
        state = f"v{result.state_version} {short_image(result.state_image)}"
        if result.error is not None:
            current, note = "-", result.error
        else:
            current = f"v{result.current_version} {short_image(result.current_image)}"
            note = ", ".join(result.changed) if result.changed else ""
            if result.pinned and result.changed:
                note = f"pinned; the query now resolves to v{result.current_version}"
        rows.append((result.name, result.query, result.status.upper(), state, current, note))
    return rows


TABLE_HEADER: Final = ("RESOURCE", "QUERY", "STATUS", "STATE", "CURRENT", "CHANGED")
