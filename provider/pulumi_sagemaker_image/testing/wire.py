"""Request validation and response shaping driven by botocore's own service models.

AWS validates requests server side against the same Smithy model botocore ships, and reports every
broken constraint in one ``ValidationException``. botocore's client-side ``ParamValidator`` skips
``max``, ``pattern`` and ``enum`` (and lets a bool pass as an integer), so an emulator that trusted
it would accept requests AWS rejects. This module walks the model itself and words its findings the
way AWS's front end does.

Responses go through the same walk: the emulator builds a plain dict, and :func:`shape_response`
refuses anything the operation's output shape does not allow, so the emulator cannot drift from the
real API without its own tests noticing.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

import botocore.session

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

__all__ = [
    "ApiError",
    "ResponseShapeError",
    "Violation",
    "check_shape",
    "decode_request",
    "encode_json",
    "format_validation_message",
    "operation_model",
    "service_model",
    "shape_response",
    "validate_request",
]

Mode = Literal["input", "output"]


class ApiError(Exception):
    """An AWS error response: HTTP status, error code and message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    @classmethod
    def validation(cls, message: str) -> ApiError:
        return cls("ValidationException", message)

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        return cls("ResourceNotFound", message)

    @classmethod
    def in_use(cls, message: str) -> ApiError:
        return cls("ResourceInUse", message)


class ResponseShapeError(Exception):
    """The emulator built a response its API model does not allow: a bug in the emulator."""


@functools.cache
def service_model(service: str = "sagemaker") -> ServiceModel:
    """botocore's model of ``service``; loading it costs ~100 ms, so it is loaded once."""
    return botocore.session.get_session().get_service_model(service)


def operation_model(operation: str, service: str = "sagemaker") -> OperationModel:
    return service_model(service).operation_model(operation)


# ---------------------------------------------------------------------------------------------
# Java regular expressions
#
# Model patterns are Java regexes: they use \p{L}-style classes, \uXXXX escapes (with UTF-16
# surrogate pairs for astral ranges) and ASCII-only \w/\d/\s, none of which Python's ``re`` reads
# the same way. They are translated once and cached.
# ---------------------------------------------------------------------------------------------

_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
# Java's "." excludes every line terminator, not just "\n" as Python's does.
_JAVA_DOT = "[^\\n\\r\\x85\\u2028\\u2029]"
_QUANTIFIER = re.compile(r"\{(\d+)(,\d*)?\}")


class _UnsupportedPattern(Exception):
    pass


@functools.cache
def _unicode_categories() -> dict[str, str]:
    """Character-class bodies for every general category (``Lu``) and major class (``L``)."""
    runs: dict[str, list[tuple[int, int]]] = {}
    start, current = 0, unicodedata.category(chr(0))
    for code_point in range(1, sys.maxunicode + 2):
        category = unicodedata.category(chr(code_point)) if code_point <= sys.maxunicode else ""
        if category != current:
            for key in (current, current[0]):
                bucket = runs.setdefault(key, [])
                if bucket and bucket[-1][1] == start - 1:
                    bucket[-1] = (bucket[-1][0], code_point - 1)
                else:
                    bucket.append((start, code_point - 1))
            start, current = code_point, category
    return {
        key: "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in bucket)
        for key, bucket in runs.items()
    }


def _property_class(name: str) -> str:
    if name in _POSIX_CLASSES:
        return _POSIX_CLASSES[name]
    name = name.removeprefix("Is")
    categories = _unicode_categories()
    if name in categories:
        return categories[name]
    raise _UnsupportedPattern(f"unsupported character property \\p{{{name}}}")


def _translate_escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """Translate the escape starting at ``pattern[i]`` (a backslash); returns (text, next index)."""
    if i + 1 >= len(pattern):
        raise _UnsupportedPattern("trailing backslash")
    escaped = pattern[i + 1]
    if escaped in "pP":
        if pattern.startswith("{", i + 2):
            end = pattern.index("}", i + 2)
            name, following = pattern[i + 3 : end], end + 1
        else:
            name, following = pattern[i + 2], i + 3
        body = _property_class(name)
        if not in_class:
            return f"[{'^' if escaped == 'P' else ''}{body}]", following
        if escaped == "P":
            raise _UnsupportedPattern("negated property inside a class")
        return body, following
    if escaped == "u":
        code_point, following = int(pattern[i + 2 : i + 6], 16), i + 6
        # Java patterns name astral characters as UTF-16 surrogate pairs.
        if 0xD800 <= code_point <= 0xDBFF and pattern.startswith("\\u", following):
            low = int(pattern[following + 2 : following + 6], 16)
            if 0xDC00 <= low <= 0xDFFF:
                code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00)
                following += 6
        return f"\\U{code_point:08x}", following
    if escaped == "Q":
        end = pattern.find("\\E", i + 2)
        if end < 0:
            return re.escape(pattern[i + 2 :]), len(pattern)
        return re.escape(pattern[i + 2 : end]), end + 2
    return pattern[i : i + 2], i + 2


def _translate_java_regex(pattern: str) -> str:
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            text, i = _translate_escape(pattern, i, in_class)
            out.append(text)
            continue
        i += 1
        if in_class:
            if char == "[" or (char == "&" and pattern.startswith("&", i)):
                raise _UnsupportedPattern("nested or intersected character classes")
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            # A "]" (after an optional "^") right at the start of a class is a literal.
            for prefix in ("^", "]"):
                if pattern.startswith(prefix, i):
                    out.append(prefix)
                    i += 1
        elif char == ".":
            out.append(_JAVA_DOT)
        elif char == "$" and (quantifier := _QUANTIFIER.match(pattern, i)):
            # Java accepts a quantified "$" (the model has ")*${1,256}"); Python does not. The
            # assertion either must hold (min >= 1) or may be skipped entirely (min == 0).
            if int(quantifier.group(1)) >= 1:
                out.append("$")
            i = quantifier.end()
        else:
            out.append(char)
    return "".join(out)


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The Python equivalent of a model pattern, or ``None`` if it cannot be translated faithfully.

    An untranslatable pattern is skipped rather than guessed at: rejecting a valid request would be
    a worse lie than accepting an invalid one.
    """
    try:
        return re.compile(_translate_java_regex(pattern), re.ASCII)
    except (_UnsupportedPattern, re.error, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Model-driven validation
# ---------------------------------------------------------------------------------------------

ViolationKind = Literal["constraint", "type", "unknown"]


@dataclass(frozen=True)
class Violation:
    """One way a value breaks its shape.

    ``path`` holds API member names and 0-based list indices, e.g. ``("Tags", 0, "Key")``.
    ``phrase`` continues the sentence "Value 'x' at 'path' ..." the way AWS words it.
    """

    path: tuple[str | int, ...]
    value: Any
    phrase: str
    kind: ViolationKind = "constraint"
    #: Set for a scalar element of a list, which AWS reports against the whole list.
    list_value: Sequence[Any] | None = None

    @property
    def aws_path(self) -> str:
        return aws_member_path(self.path)

    @property
    def document_path(self) -> str:
        return document_path(self.path)

    def aws_message(self) -> str:
        return f"Value {_render_value(self.value)} at '{self.aws_path}' {self.phrase}"

    def document_message(self) -> str:
        """The violation for a human reading a seed file: the JSON path, then the rule."""
        where = self.document_path or "(document)"
        return f"{where}: Value {_render_value(self.value)} {self.phrase}"


def aws_member_path(path: Sequence[str | int]) -> str:
    """AWS's spelling of a member path: camelCase names, 1-based ``N.member`` list steps."""
    parts: list[str] = []
    for step in path:
        if isinstance(step, int):
            parts.append(f"{step + 1}.member")
        else:
            parts.append(step[:1].lower() + step[1:])
    return ".".join(parts)


def document_path(path: Sequence[str | int]) -> str:
    """A JSON-document spelling of a member path, e.g. ``Images[0].Versions[2].Aliases[1]``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _java_string(value: Any) -> str:
    """How Java's toString would show a value, which is what AWS echoes in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}={_java_string(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java_string(item) for item in value) + "]"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _render_value(value: Any) -> str:
    return "null" if value is None else f"'{_java_string(value)}'"


_TYPE_NAMES = {
    "string": "a String",
    "integer": "an Integer",
    "long": "a Long",
    "boolean": "a Boolean",
    "float": "a Float",
    "double": "a Double",
    "timestamp": "a Timestamp",
    "blob": "a ByteBuffer",
    "list": "a List",
    "map": "a Map",
    "structure": "a Structure",
}


def _utf16_length(text: str) -> int:
    # AWS measures string length in UTF-16 code units (Java's String.length()).
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_matches(shape: Shape, value: Any, mode: Mode) -> bool:
    kind = shape.type_name
    if kind in {"structure", "map"}:
        return isinstance(value, Mapping)
    if kind == "list":
        return isinstance(value, (list, tuple))
    if kind == "string":
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("float", "double"):
        return _is_number(value)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "timestamp":
        if mode == "output":
            return isinstance(value, datetime) and value.tzinfo is not None
        return _is_number(value)
    if kind == "blob":
        return isinstance(value, (bytes, bytearray)) if mode == "output" else isinstance(value, str)
    return False


def _length_phrases(shape: Shape, length: int) -> list[str]:
    phrases = []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        phrases.append(f"failed to satisfy constraint: Member must have length greater than or equal to {low}")
    if high is not None and length > high:
        phrases.append(f"failed to satisfy constraint: Member must have length less than or equal to {high}")
    return phrases


def _scalar_phrases(shape: Shape, value: Any) -> list[str]:
    kind = shape.type_name
    phrases: list[str] = []
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum is not None and value not in enum:
            phrases.append(f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(enum)}]")
        phrases.extend(_length_phrases(shape, _utf16_length(value)))
        pattern = shape.metadata.get("pattern")
        if pattern is not None:
            compiled = compile_pattern(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                phrases.append(
                    f"failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
                )
    elif kind in ("integer", "long", "float", "double"):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            phrases.append(f"failed to satisfy constraint: Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            phrases.append(f"failed to satisfy constraint: Member must have value less than or equal to {high}")
    return phrases


def _check(shape: Shape, value: Any, path: tuple[str | int, ...], out: list[Violation], mode: Mode) -> None:
    if not _type_matches(shape, value, mode):
        out.append(Violation(path, value, f"can not be converted to {_TYPE_NAMES[shape.type_name]}", "type"))
        return
    kind = shape.type_name
    if kind == "structure":
        members: Mapping[str, Shape] = shape.members  # type: ignore[attr-defined]
        for key in value:
            if key not in members:
                out.append(Violation((*path, key), value[key], f"is not a member of {shape.name}", "unknown"))
        required = set(shape.metadata.get("required", ()))
        for name, member in members.items():
            item = value.get(name)
            if item is None:  # AWS treats JSON null exactly like an absent member
                if name in required:
                    out.append(Violation((*path, name), None, "failed to satisfy constraint: Member must not be null"))
                continue
            _check(member, item, (*path, name), out, mode)
    elif kind == "list":
        out.extend(Violation(path, value, phrase) for phrase in _length_phrases(shape, len(value)))
        member = shape.member  # type: ignore[attr-defined]
        scalar = member.type_name not in ("structure", "list", "map")
        for index, item in enumerate(value):
            found: list[Violation] = []
            if item is None:
                found.append(Violation((*path, index), None, "failed to satisfy constraint: Member must not be null"))
            else:
                _check(member, item, (*path, index), found, mode)
            if scalar:
                found = [
                    Violation(v.path, v.value, v.phrase, v.kind, list_value=value) if v.kind == "constraint" else v
                    for v in found
                ]
            out.extend(found)
    elif kind == "map":
        out.extend(Violation(path, value, phrase) for phrase in _length_phrases(shape, len(value)))
        key_shape, value_shape = shape.key, shape.value  # type: ignore[attr-defined]
        for key, item in value.items():
            _check(key_shape, key, (*path, key), out, mode)
            if item is not None:
                _check(value_shape, item, (*path, key), out, mode)
    else:
        out.extend(Violation(path, value, phrase) for phrase in _scalar_phrases(shape, value))


def check_shape(shape: Shape, value: Any, *, mode: Mode = "input") -> list[Violation]:
    """Every way ``value`` breaks ``shape``, in model member order.

    ``mode="input"`` expects JSON-decoded values (timestamps as epoch numbers); ``"output"``
    expects the emulator's Python values (timezone-aware datetimes).
    """
    found: list[Violation] = []
    _check(shape, value, (), found, mode)
    return found


def format_validation_message(violations: Sequence[Violation]) -> str:
    """AWS's ``ValidationException`` message: a count, then each violation joined by "; "."""
    entries: list[str | tuple[str | int, ...]] = []
    lists: dict[tuple[str | int, ...], tuple[Sequence[Any], list[str]]] = {}
    for violation in violations:
        if violation.list_value is None:
            entries.append(violation.aws_message())
            continue
        # AWS folds a list's failing elements into one error about the whole list.
        list_path = violation.path[:-1]
        if list_path not in lists:
            lists[list_path] = (violation.list_value, [])
            entries.append(list_path)
        rule = violation.phrase.removeprefix("failed to satisfy constraint: ")
        if rule not in lists[list_path][1]:
            lists[list_path][1].append(rule)
    rendered: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            rendered.append(entry)
            continue
        list_value, rules = lists[entry]
        rendered.append(
            f"Value {_render_value(list_value)} at '{aws_member_path(entry)}' failed to satisfy "
            f"constraint: Member must satisfy constraint: [{', '.join(rules)}]"
        )
    count = len(rendered)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(rendered)


def validate_request(operation: OperationModel, params: Any) -> None:
    """Raise the ``ApiError`` AWS would answer ``params`` with, if any.

    A value of the wrong JSON type fails while AWS deserializes the body, before any constraint is
    looked at, so it is reported alone as a ``SerializationException``; constraint violations are
    all collected into one ``ValidationException``.
    """
    shape = operation.input_shape
    if shape is None:
        return
    violations = check_shape(shape, params, mode="input")
    broken = [v for v in violations if v.kind != "constraint"]
    if broken:
        raise ApiError("SerializationException", broken[0].aws_message())
    if violations:
        raise ApiError.validation(format_validation_message(violations))


def _decode(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "timestamp":
        return datetime.fromtimestamp(value, timezone.utc)
    if kind == "structure":
        members: Mapping[str, Shape] = shape.members  # type: ignore[attr-defined]
        return {key: _decode(members[key], item) for key, item in value.items() if item is not None}
    if kind == "list":
        return [_decode(shape.member, item) for item in value]  # type: ignore[attr-defined]
    if kind == "map":
        return {key: _decode(shape.value, item) for key, item in value.items()}  # type: ignore[attr-defined]
    return value


def decode_request(operation: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
    """A validated request with JSON nulls dropped and timestamps as aware datetimes."""
    shape = operation.input_shape
    if shape is None:
        return {}
    try:
        decoded: dict[str, Any] = _decode(shape, params)
    except (OverflowError, OSError, ValueError) as error:  # e.g. a timestamp in the year 10**9
        raise ApiError("SerializationException", f"Invalid timestamp: {error}") from None
    return decoded


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        # The JSON protocol sends timestamps as epoch seconds; AWS keeps millisecond precision.
        return round(value.timestamp(), 3)
    if isinstance(value, Mapping):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def shape_response(operation: OperationModel, result: Mapping[str, Any]) -> dict[str, Any]:
    """``result`` checked against the operation's output shape and made JSON-ready.

    Raises :class:`ResponseShapeError` listing every mismatch: the emulator must only ever answer
    with what the real API can answer with.
    """
    shape = operation.output_shape
    if shape is None:
        if result:
            raise ResponseShapeError(f"{operation.name} has no output shape but the emulator returned {result!r}")
        return {}
    violations = check_shape(shape, result, mode="output")
    if violations:
        details = "; ".join(f"{v.document_path or '(root)'}: {v.phrase} (value {v.value!r})" for v in violations)
        raise ResponseShapeError(
            f"emulator bug: the {operation.name} response does not match botocore's {shape.name} shape: {details}"
        )
    encoded: dict[str, Any] = _encode(result)
    return encoded


def encode_json(document: Mapping[str, Any]) -> bytes:
    # ASCII escapes keep a lone surrogate echoed from a request encodable, and are valid JSON.
    return json.dumps(document, separators=(",", ":")).encode("ascii")
