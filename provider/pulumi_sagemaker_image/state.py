"""The property layout of an ``ImageVersion`` in Pulumi state, and how inputs off the wire are read.

Pure (no Pulumi import) so the provider, the resource, the schema generator and the drift checker
share one definition of every key. The resolved fields are stored in the checked *inputs* as well as
the outputs: the engine shows checked inputs during ``pulumi preview``, which is how a new stack's
preview shows the resolved image as known values although the dynamic provider host never
previews a create.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pulumi_sagemaker_image.errors import InvalidImageVersionQuery, QueryProblem
from pulumi_sagemaker_image.lookup import AwsSettings
from pulumi_sagemaker_image.models import ImageVersionInfo, ImageVersionQuery

# What a program passes.
QUERY_PROPERTIES: Final = ("imageName", "version", "alias")
SETTINGS_PROPERTIES: Final = (
    "region",
    "profile",
    "roleArn",
    "endpointUrl",
    "maxAttempts",
    "connectTimeout",
    "readTimeout",
)
# listAliases=false skips the ListAliases call (one request, and only sagemaker:DescribeImageVersion needed).
INPUT_PROPERTIES: Final = (*QUERY_PROPERTIES, *SETTINGS_PROPERTIES, "failOnArchived", "listAliases")

# Kept in state besides the resolved ImageVersionInfo fields.
QUERY_KEY: Final = "query"  # the query as written; also the resource ID
PINNED_VERSION_KEY: Final = "pinnedVersion"  # the version the outputs describe
PINNED_KEY: Final = "pinned"  # whether pinnedVersion was held (ignore_changes) rather than followed
CURRENT_VERSION_KEY: Final = "currentVersion"  # what the query resolves to now
BOOKKEEPING_PROPERTIES: Final = (QUERY_KEY, PINNED_VERSION_KEY, PINNED_KEY, CURRENT_VERSION_KEY)

# Properties whose change alone is not drift, so a CI drift check does not fail on bookkeeping:
# * ``aliases`` and ``lastModifiedTime`` move without the resolution changing (another alias tagged
#   onto the version, any update's timestamp); they refresh with the next real change and on refresh.
# * ``pinned`` cannot be known when a resource is created: the engine only starts passing the held
#   ``pinnedVersion`` (ignore_changes) from the second check on, so the first preview after every
#   pinned create would propose ``pinned: false => true`` although nothing moved. It is recorded with
#   the next real update instead (the pin's drift itself shows in ``currentVersion``).
# * ``listAliases`` decides only whether ``aliases`` is filled in, which is not drift either; and state
#   written before the input existed has none, which must not read as a change.
NOT_DRIFT_PROPERTIES: Final = frozenset({"aliases", "lastModifiedTime", PINNED_KEY, "listAliases"})

OUTPUT_PROPERTIES: Final = (
    *ImageVersionInfo.json_keys(),
    *SETTINGS_PROPERTIES,
    "failOnArchived",
    "listAliases",
    *BOOKKEEPING_PROPERTIES,
)


def wire_int(value: object) -> object:
    """Numbers cross the Pulumi wire as floats (``3.0``); give whole ones back as ints.

    Anything else is returned unchanged for the query's own validation to reject with its message.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class ResourceInputs:
    """The validated inputs of one ``ImageVersion``."""

    query: ImageVersionQuery
    settings: AwsSettings
    explicit_settings: dict[str, Any]
    fail_on_archived: bool
    pinned_version: int | None
    list_aliases: bool = True

    @classmethod
    def from_properties(
        cls,
        props: Mapping[str, Any],
        *,
        default_region: str | None = None,
        default_profile: str | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> ResourceInputs:
        """Read camelCase properties; raises :class:`InvalidImageVersionQuery` listing every bad one.

        Each AWS setting is the property if given, else its entry in ``defaults`` (camelCase settings
        keys: the plugin's provider config), else ``default_region``/``default_profile`` (the Python
        route's ``aws:region``/``aws:profile``), else botocore's own default. Only the settings given
        as properties are recorded in state.
        """
        problems: list[QueryProblem] = []
        query: ImageVersionQuery | None = None
        try:
            query = ImageVersionQuery.create(props.get("imageName"), wire_int(props.get("version")), props.get("alias"))
        except InvalidImageVersionQuery as exc:
            problems.extend(exc.problems)

        explicit = {key: props[key] for key in SETTINGS_PROPERTIES if props.get(key) is not None}
        settings: AwsSettings | None = None
        if "maxAttempts" in explicit:
            explicit["maxAttempts"] = wire_int(explicit["maxAttempts"])
        effective = {"region": default_region, "profile": default_profile, **(defaults or {}), **explicit}
        # Unset timeouts keep AwsSettings' defaults rather than becoming None.
        timeouts = {
            snake: effective[camel]
            for camel, snake in (("connectTimeout", "connect_timeout"), ("readTimeout", "read_timeout"))
            if effective.get(camel) is not None
        }
        try:
            settings = AwsSettings(
                region=effective.get("region"),
                profile=effective.get("profile"),
                role_arn=effective.get("roleArn"),
                endpoint_url=effective.get("endpointUrl"),
                max_attempts=effective.get("maxAttempts"),
                **timeouts,
            )
        except InvalidImageVersionQuery as exc:
            problems.extend(exc.problems)

        fail_on_archived = props.get("failOnArchived")
        if fail_on_archived is None:
            fail_on_archived = False
        elif not isinstance(fail_on_archived, bool):
            problems.append(QueryProblem("fail_on_archived", fail_on_archived, "must be true or false"))

        list_aliases = props.get("listAliases")
        if list_aliases is None:
            list_aliases = True
        elif not isinstance(list_aliases, bool):
            problems.append(QueryProblem("list_aliases", list_aliases, "must be true or false"))

        pinned = wire_int(props.get(PINNED_VERSION_KEY))
        if pinned is not None and (isinstance(pinned, bool) or not isinstance(pinned, int) or pinned < 0):
            problems.append(QueryProblem("pinned_version", pinned, "must be a whole number >= 0"))

        if problems or query is None or settings is None:
            raise InvalidImageVersionQuery(problems)
        return cls(
            query=query,
            settings=settings,
            explicit_settings=explicit,
            fail_on_archived=bool(fail_on_archived),
            pinned_version=pinned if isinstance(pinned, int) else None,
            list_aliases=bool(list_aliases),
        )

    def state(self, info: ImageVersionInfo, current_version: int) -> dict[str, Any]:
        """Every state property, as checked inputs and as outputs (they are the same)."""
        state: dict[str, Any] = dict.fromkeys(OUTPUT_PROPERTIES)
        state.update(info.to_json_dict())
        state.update(self.explicit_settings)
        state["failOnArchived"] = self.fail_on_archived
        state["listAliases"] = self.list_aliases
        state[QUERY_KEY] = self.query.id
        state[PINNED_VERSION_KEY] = info.version
        state[PINNED_KEY] = self.pinned_version is not None
        state[CURRENT_VERSION_KEY] = current_version
        return state


def drifted_properties(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The state properties whose change from ``old`` to ``new`` is drift, in state order.

    One rule for the provider's diff and for the ``drift`` command: every property of the layout
    except :data:`NOT_DRIFT_PROPERTIES`. Keys outside the layout (the transport's own, such as the
    pickled provider) are not compared.
    """
    return [key for key in OUTPUT_PROPERTIES if key not in NOT_DRIFT_PROPERTIES and old.get(key) != new.get(key)]


def query_of_state(props: Mapping[str, Any]) -> str | None:
    """The query ID recorded in a state property bag, if any."""
    value = props.get(QUERY_KEY)
    return value if isinstance(value, str) else None
