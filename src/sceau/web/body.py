"""Strict JSON request bodies for JSON handlers.

msgspec (Litestar's decoder) lets the last of duplicate members win; another parser might keep the
first. To leave no parser differential (SECURITY.md J-05, RFC 8259 §4 "names SHOULD be unique"),
bodies of JSON handlers are rejected when they hold duplicate member names, NaN/Infinity or are
not UTF-8, before the handler's own decoding runs. Wrong media types get 415.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType

from sceau.core.encoding import json_loads
from sceau.core.errors import SceauError
from sceau.errors import MalformedJson, UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


# Deeper bodies are refused (SECURITY.md J-04); no API document nests anywhere near this.
MAX_BODY_JSON_DEPTH = 64


def check_strict_json(body: bytes) -> None:
    """Raise :class:`MalformedJson` unless ``body`` is strict JSON (see module docstring).

    The core's strict parser (:func:`sceau.core.encoding.json_loads`: msgspec with a proof that
    no member was merged, the stdlib with duplicate checks otherwise) at the body's own size: the
    request size limit was enforced while the body streamed in.
    """
    try:
        json_loads(body, max_bytes=max(len(body), 1), max_depth=MAX_BODY_JSON_DEPTH)
    except SceauError as exc:  # invalid_json, duplicate_json_member, json_too_deep
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
