"""The dynamic provider behind ``ImageVersion``: a read-only lookup that never changes SageMaker.

Where the work happens, and why:

* ``check`` resolves the query and returns the resolution as the checked inputs. The engine shows
  checked inputs in ``pulumi preview``, even for a create the dynamic provider host does not
  preview, so users see the exact image they are about to deploy. It is the one lookup per resource
  per run — usually already made by the program (see :mod:`pulumi_sagemaker_image.prefetch`), whose
  answer ``check`` reuses when it answers exactly this query.
* ``diff`` compares old and new checked inputs, so any change in what the query resolves to (an
  alias moved, a newer latest version, new vendor guidance or status) is an update that names the
  changed properties — but not bookkeeping alone (``aliases``, ``lastModifiedTime``); ``create`` and
  ``update`` only hand the checked inputs back as outputs.
* ``read`` (refresh, ``ImageVersion.get``, ``import_``) resolves the query stated by the ID.
* ``delete`` does nothing: a lookup owns nothing in SageMaker.

The provider object is pickled into every resource's state, so it holds nothing but the AWS defaults
``configure`` receives inside the provider host; the class itself pickles by reference to this module.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_sagemaker_image.errors import (
    ImageVersionLookupError,
    ImageVersionNotFound,
    ImageVersionNotUsable,
    InvalidImageVersionQuery,
    QueryProblem,
)
from pulumi_sagemaker_image.guardrails import check_usable
from pulumi_sagemaker_image.lookup import resolve_pinned
from pulumi_sagemaker_image.models import ImageVersionInfo, ImageVersionQuery
from pulumi_sagemaker_image.prefetch import PREFETCHED_KEY, reuse
from pulumi_sagemaker_image.state import (
    INPUT_PROPERTIES,
    NOT_DRIFT_PROPERTIES,
    PINNED_KEY,
    PINNED_VERSION_KEY,
    QUERY_KEY,
    ResourceInputs,
)

PROVIDER_KEY = "__provider"


def _is_unknown(value: object) -> bool:
    # The host decodes unknowns as Unknown objects; older SDKs left the sentinel string.
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def _failure_property(problem: QueryProblem) -> str:
    # The engine prints the raw input value next to a property's failure; an endpoint URL carrying
    # credentials must not be echoed, so that one failure is reported on the resource instead.
    if problem.field == "endpoint_url" and "@" in str(problem.value):
        return ""
    return problem.property_name


def _selector_property(query: ImageVersionQuery) -> str:
    if query.alias is not None:
        return "alias"
    if query.version is not None:
        return "version"
    return "imageName"


class ImageVersionProvider(ResourceProvider):
    """Resolves ``ImageVersion`` resources with DescribeImageVersion; see the module docstring."""

    # The pickled provider holds no secrets (credentials never pass through it), so keep it readable
    # in state instead of encrypting it as dynamic providers do by default.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._default_region: str | None = None
        self._default_profile: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Defaults come from the stack config inside the provider host; never carry them in state.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def configure(self, req: ConfigureRequest) -> None:
        region = req.config.get("aws:region")
        profile = req.config.get("aws:profile")
        self._default_region = region if isinstance(region, str) and region else None
        self._default_profile = profile if isinstance(profile, str) and profile else None

    def _inputs(self, props: dict[str, Any]) -> ResourceInputs:
        return ResourceInputs.from_properties(
            props, default_region=self._default_region, default_profile=self._default_profile
        )

    def _resolve(self, inputs: ResourceInputs, prefetched: ImageVersionInfo | None = None) -> dict[str, Any]:
        info, current = resolve_pinned(inputs.query, inputs.settings, inputs.pinned_version, current=prefetched)
        check_usable(info, fail_on_archived=inputs.fail_on_archived)
        return inputs.state(info, current)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        program_inputs = {key: value for key, value in news.items() if key not in (PROVIDER_KEY, PREFETCHED_KEY)}
        if any(_is_unknown(program_inputs.get(key)) for key in (*INPUT_PROPERTIES, PINNED_VERSION_KEY)):
            # Preview with inputs that another resource will only produce later: no lookup, and the
            # outputs stay unknown until then.
            return CheckResult(program_inputs, [])
        try:
            inputs = self._inputs(program_inputs)
        except InvalidImageVersionQuery as exc:
            failures = [CheckFailure(_failure_property(problem), str(problem)) for problem in exc.problems]
            return CheckResult(program_inputs, failures)
        try:
            return CheckResult(self._resolve(inputs, reuse(inputs, news.get(PREFETCHED_KEY))), [])
        except (ImageVersionNotFound, ImageVersionNotUsable) as exc:
            return CheckResult(program_inputs, [CheckFailure(_selector_property(inputs.query), str(exc))])
        except ImageVersionLookupError as exc:
            return CheckResult(program_inputs, [CheckFailure("", str(exc))])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = (set(olds) | set(news)) - {PROVIDER_KEY} - NOT_DRIFT_PROPERTIES
        changed = sorted(key for key in keys if olds.get(key) != news.get(key))
        # Nothing is ever replaced: a lookup has no physical resource to recreate.
        return DiffResult(changes=bool(changed), replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = {key: value for key, value in props.items() if key != PROVIDER_KEY}
        return CreateResult(id_=str(outs[QUERY_KEY]), outs=outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={key: value for key, value in news.items() if key != PROVIDER_KEY})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        query = ImageVersionQuery.from_id(id_)
        # The ID states the query; settings and the pin come from the last known state, if any.
        known = {key: value for key, value in props.items() if key in INPUT_PROPERTIES}
        known.update({"imageName": query.image_name, "version": query.version, "alias": query.alias})
        if props.get(PINNED_KEY) is True:
            known[PINNED_VERSION_KEY] = props.get(PINNED_VERSION_KEY)
        inputs = self._inputs(known)
        state = self._resolve(inputs)
        return ReadResult(id_=id_, outs=state, inputs=dict(state))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """A lookup owns nothing in SageMaker; forgetting it is all there is to do."""
