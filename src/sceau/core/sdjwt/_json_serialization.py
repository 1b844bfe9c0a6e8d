"""JWS JSON Serialization of SD-JWT and SD-JWT+KB (RFC 9901 §8), flattened and general.

Verification converts to the compact form, because ``sd_hash`` is defined over it (§8.1), and
then applies the compact checks unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sceau.core.encoding import json_loads
from sceau.core.errors import InvalidInput
from sceau.core.sdjwt._model import DEFAULT_LIMITS, SdJwtLimits
from sceau.core.sdjwt._verify import parse_compact

__all__ = ["from_json_serialization", "to_json_serialization"]


def to_json_serialization(
    compact: str, *, general: bool = False, limits: SdJwtLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Re-express a compact SD-JWT(+KB) as flattened (default) or general JWS JSON (§8.2, §8.3)."""
    parsed = parse_compact(compact, limits)
    parts = parsed.jwt.split(".")
    if len(parts) != 3:
        raise InvalidInput("compact JWS needs three segments", code="malformed_jws")
    header: dict[str, Any] = {"disclosures": list(parsed.disclosures)}
    if parsed.kb_jwt is not None:
        header["kb_jwt"] = parsed.kb_jwt
    sig = {"protected": parts[0], "header": header, "signature": parts[2]}
    if general:
        return {"payload": parts[1], "signatures": [sig]}
    return {"payload": parts[1], **sig}


def _str_member(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"JWS JSON member {name!r} missing", code="malformed_sd_jwt")
    return value


def from_json_serialization(
    value: str | bytes | Mapping[str, Any], *, limits: SdJwtLimits = DEFAULT_LIMITS
) -> str:
    """Compact form of a flattened or general JWS JSON SD-JWT(+KB).

    General serialization with more than one signature is rejected (``multiple_signatures``):
    Sceau verifies exactly one issuer signature, and §8.3 puts the Disclosures in the first.
    """
    if isinstance(value, (str, bytes)):
        if len(value) > limits.max_length:
            raise InvalidInput("SD-JWT too large", code="token_too_large")
        value = json_loads(value, max_bytes=limits.max_length, max_depth=limits.max_depth)
    if not isinstance(value, Mapping):
        raise InvalidInput("JWS JSON must be an object", code="malformed_sd_jwt")
    payload = _str_member(value, "payload")
    if "signatures" in value:
        sigs = value["signatures"]
        if not isinstance(sigs, list) or len(sigs) != 1 or not isinstance(sigs[0], Mapping):
            raise InvalidInput("exactly one signature is supported", code="multiple_signatures")
        sig: Mapping[str, Any] = sigs[0]
    else:
        sig = value
    header = sig.get("header", {})
    if not isinstance(header, Mapping):
        raise InvalidInput("unprotected header must be an object", code="malformed_sd_jwt")
    disclosures = header.get("disclosures", [])
    if not isinstance(disclosures, list) or not all(isinstance(d, str) and d for d in disclosures):
        raise InvalidInput("disclosures must be non-empty strings", code="malformed_sd_jwt")
    kb = header.get("kb_jwt")
    if kb is not None and not isinstance(kb, str):
        raise InvalidInput("kb_jwt must be a string", code="malformed_sd_jwt")
    jwt = f"{_str_member(sig, 'protected')}.{payload}.{_str_member(sig, 'signature')}"
    compact = "~".join([jwt, *disclosures, kb or ""])
    parse_compact(compact, limits)  # same size/count limits as the compact path
    return compact
