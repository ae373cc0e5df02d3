"""Which values of an ``ImageVersion`` are secret, given which of its inputs are: one rule for both routes.

Pulumi users mark an input secret (``config set --secret``, ``pulumi.Output.secret``, ``fn::secret``)
and trust that its value is then encrypted in state and masked in every output. The engine on its
own only marks an output secret when an input of the *same name* is; an image name or alias also
lives in the query, the ID, the ARNs, the alias list and in messages. This module decides all of it,
and the transports (the dynamic provider with its resource, and the plugin's servicer) only apply
the decision on their wire. No Pulumi import here.

The rules:

* **Sources.** The query inputs (``imageName``, ``version``, ``alias``) and the AWS settings can be
  secret; so can the plugin's provider configuration, whose values are never recorded in state but
  end up in derived values (a region in an ARN).
* **Outputs that hold an input by construction** are secret with it, whatever the values:
  :data:`HOLDERS` (the query, the ARNs that embed the name and the version number, the alias list).
* **Outputs whose text contains a secret text** (other than the inputs) are secret as well: a secret region inside
  ``imageArn``, a secret image name inside ``containerImage`` (the registry path usually carries it).
  Outputs that do not contain it, such as the digest of another image, stay readable: they are what
  a deployment needs to see, and they reveal nothing of the secret.
* **Numbers** (a secret ``version``, ``maxAttempts``) are secret where they are recorded, never
  searched for as text (``3`` is in every timestamp).
* **The ID** cannot be secret in Pulumi. Each part of the query that is secret (or contains a
  secret text) is written as ``[secret]``: ``my-image@[secret]``, ``[secret]@[secret]``,
  ``my-image:[secret]``. It states which parts are hidden, does not change while the resolution
  drifts, and reading it (refresh) takes the query from the resource's state, which holds it
  encrypted. Without state (import, ``get``) a masked ID cannot be resolved: :func:`unreadable_id`
  says what to do instead.
* **Messages** (failures, warnings, errors) keep their words and lose the values: each secret text
  becomes ``[secret]`` (:func:`redact`).

Secret values travel as Pulumi's envelope, a map with the signature key set to the secret
signature and the plain value under ``value`` (the same in protobuf Structs and in dynamic
providers' results); :func:`wrap` and :func:`unwrap` translate.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final

from pulumi_sagemaker_image.state import INPUT_PROPERTIES, QUERY_KEY

# Pulumi's wire envelope of a secret value (its "special signature" key and the secret signature).
SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"

MASK: Final = "[secret]"

# The inputs whose secretness is carried to what holds their value: every input. (With the plugin's
# ``acceptSecrets`` the engine no longer marks same-named outputs itself, so even a secret
# ``failOnArchived`` is carried here.)
SOURCES: Final = INPUT_PROPERTIES

# State keys that hold a query input by construction, whatever the values are.
HOLDERS: Final[Mapping[str, tuple[str, ...]]] = {
    "imageName": ("imageName", QUERY_KEY, "imageArn", "imageVersionArn"),
    "version": ("version", QUERY_KEY, "imageVersionArn", "pinnedVersion", "currentVersion"),
    "alias": ("alias", QUERY_KEY, "aliases"),
}


def is_secret(value: object) -> bool:
    """Whether ``value`` is Pulumi's secret envelope."""
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def unwrap(props: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """Plain values, and the top-level keys whose values arrived secret."""
    plain: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in props.items():
        if is_secret(value):
            secret.add(key)
            plain[key] = value.get("value")
        else:
            plain[key] = value
    return plain, frozenset(secret)


def wrap(props: Mapping[str, Any], secret: Collection[str]) -> dict[str, Any]:
    """``props`` with each key in ``secret`` wrapped in the envelope (for the engine to encrypt and mask).

    A missing value (``None``) has nothing to hide and stays as it is.
    """
    return {
        key: {SIG_KEY: SECRET_SIG, "value": value} if key in secret and value is not None else value
        for key, value in props.items()
    }


def secret_inputs(secret_keys: Iterable[str]) -> frozenset[str]:
    """Of the keys that arrived secret, those whose secretness carries over (see :data:`SOURCES`)."""
    return frozenset(key for key in secret_keys if key in SOURCES)


def secret_texts(props: Mapping[str, Any], secret: Collection[str], extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The texts to hide: the string values of the secret inputs, and ``extra`` (secret provider config).

    Longest first, so that a secret containing another is hidden whole.
    """
    texts = {value for key, value in props.items() if key in secret and isinstance(value, str) and value}
    texts.update(text for text in extra if text)
    return tuple(sorted(texts, key=lambda text: (-len(text), text)))


def secret_numbers(props: Mapping[str, Any], secret: Collection[str]) -> tuple[int, ...]:
    """The whole-number values of the secret inputs (a secret ``version``, ``maxAttempts``), for messages."""
    numbers = set()
    for key, value in props.items():
        if key in secret and isinstance(value, int | float) and not isinstance(value, bool) and value == int(value):
            numbers.add(int(value))
    return tuple(sorted(numbers))


def secret_properties(props: Mapping[str, Any], secret: Collection[str], texts: Collection[str] = ()) -> frozenset[str]:
    """The keys of ``props`` that must be secret when the inputs ``secret`` are (``texts``: see :func:`secret_texts`).

    Inputs themselves are secret only as given (or held), never for their text: the transports read
    the secret inputs back from the keys that arrive secret, and a region made secret because it
    contains a secret image name would make more of the next answer secret, and so on.
    """
    held = {key for source in secret for key in HOLDERS.get(source, (source,))}
    return frozenset(
        key for key, value in props.items() if key in held or (key not in SOURCES and _contains(value, texts))
    )


def _contains(value: object, texts: Collection[str]) -> bool:
    if isinstance(value, str):
        return any(text in value for text in texts)
    if isinstance(value, list | tuple):
        return any(_contains(item, texts) for item in value)
    return False


def redact(message: str, texts: Collection[str], numbers: Collection[int] = ()) -> str:
    """``message`` with every secret text, and every secret number standing alone, written as ``[secret]``."""
    for text in texts:
        message = message.replace(text, MASK)
    for number in numbers:
        message = re.sub(rf"(?<![\w.]){number}(?![\w.])", MASK, message)
    return message


def masked_id(query_id: str, secret: Collection[str], texts: Collection[str]) -> str:
    """The resource ID of the query ``query_id`` (``name``, ``name:N``, ``name@alias``) with its secret parts masked.

    A part is masked when its input is secret or its text contains a secret text (a secret region
    that happens to be part of the image name). Plain queries keep their ID.
    """
    name, separator, selector = _split(query_id)
    selector_key = "alias" if separator == "@" else "version"
    if "imageName" in secret or _contains(name, texts):
        name = MASK
    if separator and (selector_key in secret or _contains(selector, texts)):
        selector = MASK
    return f"{name}{separator}{selector}"


def _split(query_id: str) -> tuple[str, str, str]:
    # Image names contain neither ':' nor '@', so the first of them starts the selector.
    for separator in ("@", ":"):
        name, found, selector = query_id.partition(separator)
        if found:
            return name, found, selector
    return query_id, "", ""


def is_masked(resource_id: str) -> bool:
    """Whether ``resource_id`` hides parts of its query (so the query must come from state)."""
    return MASK in resource_id


def unreadable_id() -> str:
    """Why a masked ID cannot be read without state, and what to do instead (the rest of a sentence)."""
    return (
        "hides a secret query, so it can be read only with the resource's state "
        "(pulumi refresh); to import or get it, declare the ImageVersion in the program with the same "
        "secret inputs instead (it owns nothing in SageMaker: `pulumi up` records it without changing AWS)"
    )


__all__ = [
    "HOLDERS",
    "MASK",
    "SECRET_SIG",
    "SIG_KEY",
    "SOURCES",
    "is_masked",
    "is_secret",
    "masked_id",
    "redact",
    "secret_inputs",
    "secret_numbers",
    "secret_properties",
    "secret_texts",
    "unreadable_id",
    "unwrap",
    "wrap",
]
