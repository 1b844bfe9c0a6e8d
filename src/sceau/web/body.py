"""Strict JSON request bodies for JSON handlers.

msgspec (Litestar's decoder) lets the last of duplicate members win; another parser might keep the
first. To leave no parser differential (SECURITY.md J-05, RFC 8259 §4 "names SHOULD be unique"),
bodies of JSON handlers are rejected when they hold duplicate member names, NaN/Infinity or are
not UTF-8, before the handler's own decoding runs. Wrong media types get 415.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from litestar import Request
from litestar.enums import RequestEncodingType

from sceau.errors import MalformedJson, UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise MalformedJson()
    return result


def _no_constants(_name: str) -> NoReturn:
    raise MalformedJson()


def check_strict_json(body: bytes) -> None:
    """Raise :class:`MalformedJson` unless ``body`` is strict JSON (see module docstring)."""
    try:
        json.loads(body, object_pairs_hook=_unique_members, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedJson() from exc


def _takes_json_body(request: Request[Any, Any, Any]) -> bool:
    """Whether the handler decodes a JSON ``data`` body (form-encoded OAuth endpoints do not)."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return False
    media_type = getattr(parameter.kwarg_definition, "media_type", None)
    return media_type is None or media_type == RequestEncodingType.JSON


async def require_strict_json_body(request: Request[Any, Any, Any]) -> None:
    """Litestar ``before_request`` hook: 415 for non-JSON, 400 for non-strict JSON bodies."""
    if request.method not in BODY_METHODS or not _takes_json_body(request):
        return
    if not is_json_media_type(request.headers.get("content-type", "")):
        raise UnsupportedMediaType()
    # The body is read (size limit enforced while streaming) and cached for the handler.
    check_strict_json(await request.body())
