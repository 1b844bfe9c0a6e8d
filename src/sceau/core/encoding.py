"""Strict base64url and JSON codecs shared by every token format in the core.

Choices (SECURITY.md J-05, RFC 8725 §3.7):

* ``b64url_decode`` accepts only the unpadded URL-safe alphabet of RFC 4648 §5 and canonical
  encodings (non-zero trailing bits are rejected), so one token has exactly one spelling.
* ``json_loads`` **rejects duplicate object members** (RFC 7515 §4 / RFC 7519 §4 allow "reject or
  last wins"; we reject so that no two parsers can disagree), ``NaN``/``Infinity``, a UTF-8 BOM,
  invalid UTF-8, lone surrogates and numbers that overflow to infinity, and enforces a size and
  a nesting-depth limit. Object-free documents (e.g. SD-JWT Disclosures) take a msgspec fast path
  that accepts exactly the same inputs (a property test checks the two paths agree).

>>> b64url_encode(b"\\xfb\\xff")
'-_8'
>>> json_loads('{"a":[1,2]}')
{'a': [1, 2]}
"""

from __future__ import annotations

import binascii
import json
import math
from typing import Any, Final

import msgspec

from sceau.core.errors import InputTooLarge, InvalidInput

__all__ = [
    "DEFAULT_MAX_JSON_BYTES",
    "DEFAULT_MAX_JSON_DEPTH",
    "b64url_decode",
    "b64url_encode",
    "json_dumps_compact",
    "json_loads",
]

DEFAULT_MAX_JSON_BYTES: Final = 256 * 1024
DEFAULT_MAX_JSON_DEPTH: Final = 32

# Last character of a canonical encoding: for 2 trailing chars the low 4 bits of the last sextet
# must be zero, for 3 trailing chars the low 2 bits (RFC 4648 §3.5).
_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_CANON_LAST_2: Final = frozenset(ord(_ALPHABET[i]) for i in range(64) if i & 0x0F == 0)
_CANON_LAST_3: Final = frozenset(ord(_ALPHABET[i]) for i in range(64) if i & 0x03 == 0)


_TO_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE: Final = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING_B: Final = (b"", b"", b"==", b"=")
_B64_MSGSPEC_MIN: Final = 256
_msgspec_b64: Final = msgspec.json.Decoder(bytes).decode


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as base64url without padding (RFC 7515 §2)."""
    # One C call each: encode, map to the URL-safe alphabet while deleting "=" padding.
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE, b"=").decode("ascii")


def b64url_decode(value: str | bytes) -> bytes:
    """Decode strict unpadded base64url; raise :class:`InvalidInput` (``bad_base64``) otherwise."""
    try:
        raw = value.encode("ascii") if isinstance(value, str) else bytes(value)
    except (UnicodeEncodeError, TypeError):
        raise InvalidInput("not base64url", code="bad_base64") from None
    rem = len(raw) % 4
    if rem == 1:
        raise InvalidInput("impossible base64url length", code="bad_base64")
    if rem and raw[-1] not in (_CANON_LAST_2 if rem == 2 else _CANON_LAST_3):
        raise InvalidInput("non-canonical base64url", code="bad_base64")
    # One translate maps "-_" to "+/" and turns "+", "/", "=" into an invalid byte, so the
    # strict decoder rejects the standard alphabet, padding and whitespace alike.
    std = raw.translate(_FROM_URLSAFE) + _PADDING_B[rem]
    if len(std) >= _B64_MSGSPEC_MIN:
        # Long segments (JWT payloads): msgspec's base64 decoder is ~3x faster than binascii's
        # on CPython 3.11. It sees the text as a JSON string, so a backslash (escape) or a quote
        # must never reach it; any other byte outside the alphabet is refused by both decoders.
        if b"\\" in std or b'"' in std:
            raise InvalidInput("not base64url", code="bad_base64")
        try:
            return _msgspec_b64(b'"' + std + b'"')
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError):
            raise InvalidInput("not base64url", code="bad_base64") from None
    try:
        return binascii.a2b_base64(std, strict_mode=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("not base64url", code="bad_base64") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise InvalidInput("duplicate member in JSON object", code="duplicate_json_member")
    return obj


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not JSON", code="invalid_json")


_COMPACT_ENCODER: Final = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_JSON_WS: Final = " \t\n\r"


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # "1e400" would otherwise become inf
        raise InvalidInput("number out of range", code="invalid_json")
    return value


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, parse_float=_finite_float
)
_msgspec_decode: Final = msgspec.json.Decoder().decode


_raw_decode: Final = _DECODER.raw_decode


def _check_depth_and_strings(value: Any, max_depth: int) -> None:
    # Iterative walk: never recurses, so hostile nesting cannot exhaust the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if isinstance(node, dict):
            if depth > max_depth:
                raise InputTooLarge("JSON nested too deeply", code="json_too_deep")
            for k, v in node.items():
                if not k.isascii():
                    _check_str(k)
                if isinstance(v, (dict, list)):
                    push((v, depth + 1))
                elif isinstance(v, str) and not v.isascii():
                    _check_str(v)
        elif isinstance(node, list):
            if depth > max_depth:
                raise InputTooLarge("JSON nested too deeply", code="json_too_deep")
            for v in node:
                if isinstance(v, (dict, list)):
                    push((v, depth + 1))
                elif isinstance(v, str) and not v.isascii():
                    _check_str(v)
        elif isinstance(node, str) and not node.isascii():
            _check_str(node)


def _check_str(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("lone surrogate in JSON string", code="invalid_json") from None


def _merged_members(root: Any, colons: int) -> bool:
    """True when the source held more object members than ``root`` does (a duplicate was merged).

    In valid JSON every ``:`` outside a string literal separates exactly one member, so
    ``colons = members in the text + colons inside string literals``. Without any backslash in
    the text a literal's characters are its decoded value, so colons inside the literals that
    survived decoding are counted exactly; literals dropped with a merged member only add to the
    difference. Hence ``colons - string colons == members`` holds iff no member was merged.
    """
    members = 0
    stack: list[Any] = [[root]]  # wrapped, so a scalar root such as "a:{" is counted too
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if type(node) is dict:
            members += len(node)
            for k, v in node.items():
                if ":" in k:
                    colons -= k.count(":")
                kind = type(v)
                if kind is str:
                    if ":" in v:
                        colons -= v.count(":")
                elif kind is dict or kind is list:
                    push(v)
        else:
            for v in node:
                kind = type(v)
                if kind is str:
                    if ":" in v:
                        colons -= v.count(":")
                elif kind is dict or kind is list:
                    push(v)
    return colons != members


def json_loads(
    data: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_JSON_BYTES,
    max_depth: int = DEFAULT_MAX_JSON_DEPTH,
) -> Any:
    """Parse strict JSON (RFC 8259) with size and depth limits.

    Raises :class:`InputTooLarge` (``json_too_large``, ``json_too_deep``) or
    :class:`InvalidInput` (``invalid_json``, ``duplicate_json_member``).
    """
    if len(data) > max_bytes:
        raise InputTooLarge("JSON document too large", code="json_too_large", limit=max_bytes)
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("JSON is not UTF-8", code="invalid_json") from None
    elif isinstance(data, str):
        text = data
    else:
        raise InvalidInput("JSON input must be bytes or str", code="invalid_json")
    if "{" not in text:
        if text.count("[") <= max_depth:
            # No object, so no member can repeat: msgspec (about 5x faster on a Disclosure) gives
            # the same answer as the stdlib path below, which also refuses NaN, non-finite numbers,
            # lone surrogates, a BOM and trailing data.
            try:
                return _msgspec_decode(data)
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError):
                raise InvalidInput("invalid JSON", code="invalid_json") from None
    elif "\\" not in text and text.count("{") + text.count("[") <= max_depth:
        # Objects without any escape (the common token payload): msgspec, which keeps only one of
        # two equal members, then a member count proves none was merged (see _merged_members).
        try:
            value = _msgspec_decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError):
            raise InvalidInput("invalid JSON", code="invalid_json") from None
        if _merged_members(value, text.count(":")):
            raise InvalidInput("duplicate member in JSON object", code="duplicate_json_member")
        return value
    try:
        # raw_decode skips the two whitespace regexes of decode(); surrounding JSON whitespace
        # (RFC 8259 §2) is still allowed, anything else after the value is refused.
        start = 0 if not text or text[0] not in _JSON_WS else len(text) - len(text.lstrip(_JSON_WS))
        value, end = _raw_decode(text, start)
        if end != len(text) and text[end:].strip(_JSON_WS):
            raise InvalidInput("trailing data after JSON value", code="invalid_json")
    except RecursionError:
        raise InputTooLarge("JSON nested too deeply", code="json_too_deep") from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise InvalidInput(f"invalid JSON: {exc}", code="invalid_json") from None
    # The walk is skipped when cheap C-level scans prove it cannot fail: nesting can't exceed the
    # number of opening brackets, and a lone surrogate needs a "\\uD8xx"-style escape or (for str
    # input) a raw surrogate that strict UTF-8 encoding refuses.
    if not isinstance(data, bytes) and not text.isascii():
        _check_str(text)
    if (text.count("[") + text.count("{") > max_depth) or (
        ("\\ud" in text or "\\uD" in text) and isinstance(value, (dict, list, str))
    ):
        if isinstance(value, (dict, list)):
            _check_depth_and_strings(value, max_depth)
        elif isinstance(value, str):
            _check_str(value)
    return value


def json_dumps_compact(obj: Any) -> bytes:
    """Serialize ``obj`` as compact UTF-8 JSON (no whitespace, no ASCII escaping, no NaN)."""
    try:
        return _COMPACT_ENCODER.encode(obj).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"not JSON-serializable: {exc}", code="invalid_json") from None
