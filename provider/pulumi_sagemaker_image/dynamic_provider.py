"""The dynamic provider behind ``ImageVersion``: a read-only lookup that never changes SageMaker.

A thin transport: what each method decides is :mod:`pulumi_sagemaker_image.semantics`, shared with the
native plugin. Where the work happens, and why:

* ``check`` resolves the query and returns the resolution as the checked inputs. The engine shows
  checked inputs in ``pulumi preview``, even for a create the dynamic provider host does not
  preview, so users see the exact image they are about to deploy. It is the one lookup per resource
  per run — usually already made by the program (see :mod:`pulumi_sagemaker_image.prefetch`), whose
  answer ``check`` reuses when it answers exactly this query.
* ``diff`` compares old and new checked inputs, so any change in what the query resolves to (an
  alias moved, a newer latest version, new vendor guidance or status) is an update that names the
  changed properties — but not bookkeeping alone (``aliases``, ``lastModifiedTime``, ``pinned``; see
  :data:`~pulumi_sagemaker_image.state.NOT_DRIFT_PROPERTIES`); ``create`` and
  ``update`` only hand the checked inputs back as outputs.
* ``read`` (refresh, ``ImageVersion.get``, ``import_``) resolves the query stated by the ID.
* ``delete`` does nothing: a lookup owns nothing in SageMaker.

Secrets: the dynamic provider host strips secretness off everything it hands the provider, so the
resource tells the provider which inputs it gave as secrets, in the hidden input ``__secretInputs``
(their names; recorded in the outputs too, for refresh). What holds their values is then returned
in Pulumi's secret envelope, as :mod:`pulumi_sagemaker_image.secrecy` decides, which the engine
encrypts in state and masks in every output.

The provider object is pickled into every resource's state, so it holds nothing but the AWS defaults
``configure`` receives inside the provider host; the class itself pickles by reference to this module.
"""

from __future__ import annotations

from typing import Any

import pulumi
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

from pulumi_sagemaker_image import secrecy, semantics
from pulumi_sagemaker_image.lookup import set_warning_handler
from pulumi_sagemaker_image.prefetch import PREFETCHED_KEY
from pulumi_sagemaker_image.state import PINNED_VERSION_KEY

PROVIDER_KEY = "__provider"
# The names of the inputs the program gave as secrets (a plain list: names are not secret).
SECRET_INPUTS_KEY = "__secretInputs"

# Lookup warnings (a denied ListAliases) go to Pulumi's log: a warning in the program (where lookups
# usually run, see prefetch) and, in the provider host, which has no engine connection, a `warning:`
# line the engine shows on the stack.
set_warning_handler(pulumi.log.warn)


def _secret_inputs(props: dict[str, Any]) -> frozenset[str]:
    names = props.get(SECRET_INPUTS_KEY)
    return (
        secrecy.secret_inputs(name for name in names if isinstance(name, str))
        if isinstance(names, list)
        else frozenset()
    )


def _with_secrets(props: dict[str, Any], secret: frozenset[str], names: frozenset[str]) -> dict[str, Any]:
    """``props`` with the secret keys in the envelope, and the secret inputs' names for the next call
    (none: no key, so state without secrets looks as it always did)."""
    wrapped = secrecy.wrap(props, secret)
    return {**wrapped, SECRET_INPUTS_KEY: sorted(names)} if names else wrapped


def _is_unknown(value: object) -> bool:
    # The host decodes unknowns as Unknown objects; older SDKs left the sentinel string.
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


class ImageVersionProvider(ResourceProvider):
    """Resolves ``ImageVersion`` resources with DescribeImageVersion; see the module docstring."""

    # The pickled provider holds no secrets (credentials never pass through it), so keep it readable
    # in state instead of encrypting it as dynamic providers do by default.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._defaults: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Defaults come from the stack config inside the provider host; never carry them in state.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def configure(self, req: ConfigureRequest) -> None:
        # The Python route's defaults are the stack's AWS provider config.
        self._defaults = {}
        for setting, key in (("region", "aws:region"), ("profile", "aws:profile")):
            value = req.config.get(key)
            if isinstance(value, str) and value:
                self._defaults[setting] = value

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        hidden = (PROVIDER_KEY, PREFETCHED_KEY, SECRET_INPUTS_KEY)
        program_inputs = {key: value for key, value in news.items() if key not in hidden}
        secret = _secret_inputs(news)
        # Warnings are the program's to show (the resource warns from its outputs), so none here.
        outcome = semantics.check(
            program_inputs,
            resource_name="",
            defaults=self._defaults,
            is_unknown=_is_unknown,
            prefetched=news.get(PREFETCHED_KEY),
            secret=secret,
        )
        return CheckResult(
            _with_secrets(outcome.properties, outcome.secret, secret),
            [CheckFailure(f.property, f.reason) for f in outcome.failures],
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changes = bool(semantics.changed_properties(olds, news, (), _secret_inputs(olds), _secret_inputs(news)))
        return DiffResult(changes=changes, replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        secret = _secret_inputs(props)
        return CreateResult(id_=semantics.resource_id(props, secret), outs=self._recorded(props, secret))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._recorded(news, _secret_inputs(news)))

    @staticmethod
    def _recorded(props: dict[str, Any], secret: frozenset[str]) -> dict[str, Any]:
        recorded = semantics.record(props, secret)
        return _with_secrets(recorded.properties, recorded.secret, secret)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        secret = _secret_inputs(props)
        outcome = semantics.read(id_, props, resource_name="", defaults=self._defaults, secret=secret)
        # The host's update display diffs old and new inputs, so they are the whole state here (the
        # plugin returns a detailed diff instead and can record the declared inputs), except for the
        # recorded pinnedVersion, which refresh never moves (see semantics.read).
        inputs = {**outcome.properties, PINNED_VERSION_KEY: outcome.inputs[PINNED_VERSION_KEY]}
        return ReadResult(
            id_=id_,
            outs=_with_secrets(outcome.properties, outcome.secret, secret),
            inputs=_with_secrets(inputs, outcome.secret, secret),
        )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """A lookup owns nothing in SageMaker; forgetting it is all there is to do."""
