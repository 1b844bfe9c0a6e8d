"""Strict base64url and JSON codecs shared by every token format in the core.

Choices (SECURITY.md J-05, RFC 8725 §3.7):

* ``b64url_decode`` accepts only the unpadded URL-safe alphabet of RFC 4648 §5 and canonical
  encodings (non-zero trailing bits are rejected), so one token has exactly one spelling.
* ``json_loads`` **rejects duplicate object members** (RFC 7515 §4 / RFC 7519 §4 allow "reject or
  last wins"; we reject so that no two parsers can disagree), ``NaN``/``Infinity``, a UTF-8 BOM,
  invalid UTF-8 and lone surrogates, and enforces a size and a nesting-depth limit.

>>> b64url_encode(b"\\xfb\\xff")
'-_8'
>>> json_loads('{"a":[1,2]}')
{'a': [1, 2]}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

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

_B64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]*")
# Last character of a canonical encoding: for 2 trailing chars the low 4 bits of the last sextet
# must be zero, for 3 trailing chars the low 2 bits (RFC 4648 §3.5).
_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_CANON_LAST_2: Final = frozenset(_ALPHABET[i] for i in range(64) if i & 0x0F == 0)
_CANON_LAST_3: Final = frozenset(_ALPHABET[i] for i in range(64) if i & 0x03 == 0)


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(value: str | bytes) -> bytes:
    """Decode strict unpadded base64url; raise :class:`InvalidInput` (``bad_base64``) otherwise."""
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidInput("not base64url", code="bad_base64") from None
    if not isinstance(value, str) or _B64URL_RE.fullmatch(value) is None:
        raise InvalidInput("not base64url", code="bad_base64")
    rem = len(value) % 4
    if rem == 1:
        raise InvalidInput("impossible base64url length", code="bad_base64")
    if (rem == 2 and value[-1] not in _CANON_LAST_2) or (
        rem == 3 and value[-1] not in _CANON_LAST_3
    ):
        raise InvalidInput("non-canonical base64url", code="bad_base64")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - excluded by the checks above
        raise InvalidInput("not base64url", code="bad_base64") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise InvalidInput("duplicate member in JSON object", code="duplicate_json_member")
    return obj


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not JSON", code="invalid_json")


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
)


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
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise InputTooLarge("JSON nested too deeply", code="json_too_deep") from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise InvalidInput(f"invalid JSON: {exc}", code="invalid_json") from None
    if isinstance(value, (dict, list)):
        _check_depth_and_strings(value, max_depth)
    elif isinstance(value, str) and not value.isascii():
        _check_str(value)
    return value


def json_dumps_compact(obj: Any) -> bytes:
    """Serialize ``obj`` as compact UTF-8 JSON (no whitespace, no ASCII escaping, no NaN)."""
    try:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"not JSON-serializable: {exc}", code="invalid_json") from None
