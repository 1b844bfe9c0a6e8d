"""Claims validation against a type's JSON Schema (Draft 2020-12) with ``jsonschema-rs``.

Schemas are compiled once per type version and never fetch anything: a ``$ref`` to anything but
the schema itself is refused (no network, SECURITY.md), so only self-contained schemas are
accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import jsonschema_rs
import msgspec

from sceau.credential_types.errors import ClaimsRejected, InvalidCredentialType

MAX_SCHEMA_BYTES: Final = 64 * 1024
MAX_REPORTED_ERRORS: Final = 50


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"remote schema {uri!r} is not allowed")


def compile_schema(schema: Mapping[str, Any], *, max_bytes: int = MAX_SCHEMA_BYTES) -> Any:
    """Compile ``schema`` as Draft 2020-12, or raise ``invalid_credential_type``."""
    if len(msgspec.json.encode(schema)) > max_bytes:
        raise InvalidCredentialType(reason="claims_schema too large", limit=max_bytes)
    if schema.get("type", "object") != "object":
        raise InvalidCredentialType(reason="claims_schema must describe an object")
    try:
        jsonschema_rs.meta.validate(dict(schema))
        return jsonschema_rs.Draft202012Validator(
            dict(schema), validate_formats=True, retriever=_no_retrieval
        )
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        raise InvalidCredentialType(reason="claims_schema is not a valid JSON Schema") from exc


def _pointer(parts: list[str | int]) -> str:
    # RFC 6901 §3: "~" → "~0", "/" → "~1".
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def check_claims(validator: Any, claims: Mapping[str, Any]) -> None:
    """Raise :class:`ClaimsRejected` (422, ``invalid_claims``) listing every failing path.

    Reports the JSON Pointer of each failing value (for ``required``, of the missing member) and
    the schema keyword that failed, never the value itself (claims are personal data).
    """
    if validator.is_valid(claims):
        return
    errors: list[dict[str, str]] = []
    for error in validator.iter_errors(claims):
        base = list(error.instance_path)
        kind = error.kind
        keyword = str(error.schema_path[-1]) if error.schema_path else kind.name
        if kind.name == "required":
            paths = [[*base, kind.property]]
        elif kind.name in ("additionalProperties", "unevaluatedProperties"):
            # Point at each unexpected member, not at the object holding it.
            paths = [[*base, name] for name in kind.as_dict().get("unexpected", ())] or [base]
        else:
            paths = [base]
        for path in paths:
            entry = {"path": _pointer(path), "keyword": keyword}
            if entry not in errors:
                errors.append(entry)
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    failing = sorted({e["path"] for e in errors})
    raise ClaimsRejected(code="invalid_claims", paths=[p or "/" for p in failing], errors=errors)
