"""JWS JSON Serialization of SD-JWT and SD-JWT+KB (RFC 9901 §8), flattened and general.

Verification converts to the compact form, because ``sd_hash`` is defined over it (§8.1), and
then applies the compact checks unchanged.

**Several signatures** (General JSON Serialization, §8.3). The JWS may carry more than one
signature over the one payload (for example a JAdES co-signature). RFC 7515 §7.2.1 leaves to the
application which signatures must validate; RFC 9901 §8.4 applies the §7 verification rules, which
ask for *the Issuer's* signature. So a verifier accepts the SD-JWT when one signature verifies
with the Issuer's key (the same key lookup, algorithm allow-list and ``typ`` as the compact
form), and ignores signatures it cannot attribute to the Issuer — an unknown co-signer is not an
error, a forged one gains nothing. The number of signatures is capped (each costs a signature
verification). ``disclosures`` and ``kb_jwt`` come from the first unprotected header only and are
refused in any other (§8.3), and the ``sd_hash`` of a KB-JWT covers the compact form built from
the *first* signature (§8.1; the draft text of oauth-wg/oauth-selective-disclosure-jwt#414 said
so explicitly: "In case of multiple signatures, only the first one is used"), whichever
signature verified.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sceau.core.encoding import json_loads
from sceau.core.errors import InputTooLarge, InvalidInput, SceauError
from sceau.core.jose import PublicKey
from sceau.core.sdjwt._model import DEFAULT_LIMITS, SdJwtLimits, VerifiedSdJwt
from sceau.core.sdjwt._verify import (
    IssuerKeyLookup,
    parse_compact,
    verify_issuer_jwt,
    verify_sd_jwt,
)

__all__ = [
    "DEFAULT_MAX_SIGNATURES",
    "JsonSerializedSdJwt",
    "from_json_serialization",
    "parse_json_serialization",
    "select_issuer_signature",
    "to_json_serialization",
    "verify_sd_jwt_json",
]

# An issuer signature plus a few co-signatures; every extra one is a signature verification.
DEFAULT_MAX_SIGNATURES: Final = 4
_SD_JWT_MEMBERS: Final = ("disclosures", "kb_jwt")


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


@dataclass(frozen=True)
class JsonSerializedSdJwt:
    """A parsed JWS JSON SD-JWT(+KB): one payload, one or more signatures (§8)."""

    payload: str
    signatures: tuple[tuple[str, str], ...]  # (protected, signature), in document order
    disclosures: tuple[str, ...]
    kb_jwt: str | None

    def compact(self, index: int = 0) -> str:
        """The compact SD-JWT(+KB) with signature ``index`` (§8.1)."""
        protected, signature = self.signatures[index]
        return "~".join(
            [f"{protected}.{self.payload}.{signature}", *self.disclosures, self.kb_jwt or ""]
        )

    @property
    def sd_hash_input(self) -> str:
        """What ``sd_hash`` covers: the first signature's compact SD-JWT, without KB-JWT."""
        protected, signature = self.signatures[0]
        return "~".join([f"{protected}.{self.payload}.{signature}", *self.disclosures, ""])


def parse_json_serialization(
    value: str | bytes | Mapping[str, Any],
    *,
    limits: SdJwtLimits = DEFAULT_LIMITS,
    max_signatures: int = DEFAULT_MAX_SIGNATURES,
) -> JsonSerializedSdJwt:
    """Parse a flattened or general JWS JSON SD-JWT(+KB) with size and signature-count caps."""
    if isinstance(value, (str, bytes)):
        if len(value) > limits.max_length:
            raise InputTooLarge("SD-JWT too large", code="token_too_large")
        value = json_loads(value, max_bytes=limits.max_length, max_depth=limits.max_depth)
    if not isinstance(value, Mapping):
        raise InvalidInput("JWS JSON must be an object", code="malformed_sd_jwt")
    payload = _str_member(value, "payload")
    if "signatures" in value:
        # RFC 7515 §7.2.1: general syntax, members of each signature object; no flattened
        # members beside them (§7.2.2 forbids mixing the two forms).
        if any(k in value for k in ("protected", "header", "signature")):
            raise InvalidInput("general and flattened members mixed", code="malformed_sd_jwt")
        sigs = value["signatures"]
        if not isinstance(sigs, list) or not sigs:
            raise InvalidInput("signatures must be a non-empty array", code="malformed_sd_jwt")
        if len(sigs) > max_signatures:
            raise InputTooLarge(
                "too many signatures", code="too_many_signatures", limit=max_signatures
            )
        if not all(isinstance(s, Mapping) for s in sigs):
            raise InvalidInput("each signature must be an object", code="malformed_sd_jwt")
        entries: list[Mapping[str, Any]] = list(sigs)
    else:
        entries = [value]
    headers = []
    for entry in entries:
        header = entry.get("header", {})
        if not isinstance(header, Mapping):
            raise InvalidInput("unprotected header must be an object", code="malformed_sd_jwt")
        headers.append(header)
    if any(name in h for h in headers[1:] for name in _SD_JWT_MEMBERS):
        # §8.3: disclosures and kb_jwt MUST be in the first unprotected header only.
        raise InvalidInput(
            "disclosures or kb_jwt outside the first unprotected header",
            code="malformed_sd_jwt",
        )
    disclosures = headers[0].get("disclosures", [])
    if not isinstance(disclosures, list) or not all(isinstance(d, str) and d for d in disclosures):
        raise InvalidInput("disclosures must be non-empty strings", code="malformed_sd_jwt")
    kb = headers[0].get("kb_jwt")
    if kb is not None and not isinstance(kb, str):
        raise InvalidInput("kb_jwt must be a string", code="malformed_sd_jwt")
    parsed = JsonSerializedSdJwt(
        payload=payload,
        signatures=tuple(
            (_str_member(e, "protected"), _str_member(e, "signature")) for e in entries
        ),
        disclosures=tuple(disclosures),
        kb_jwt=kb,
    )
    for i in range(len(parsed.signatures)):
        parse_compact(parsed.compact(i), limits)  # same size/count limits as the compact path
    return parsed


def from_json_serialization(
    value: str | bytes | Mapping[str, Any], *, limits: SdJwtLimits = DEFAULT_LIMITS
) -> str:
    """Compact form of a flattened or general JWS JSON SD-JWT(+KB) with one signature.

    With several signatures there is no single compact form (each signature gives one):
    ``multiple_signatures`` — verify those with :func:`verify_sd_jwt_json`.
    """
    parsed = parse_json_serialization(value, limits=limits)
    if len(parsed.signatures) != 1:
        raise InvalidInput("several signatures: use verify_sd_jwt_json", code="multiple_signatures")
    return parsed.compact(0)


def select_issuer_signature(
    parsed: JsonSerializedSdJwt,
    issuer_key: PublicKey | IssuerKeyLookup,
    *,
    algorithms: Collection[str],
    typ: str | Collection[str] | None,
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> int:
    """Index of the first signature that verifies with the Issuer's key (RFC 9901 §7.1 step 2
    for each; RFC 7515 §7.2.1). When none does, the first signature's error is raised — the
    same precise error the compact form of that signature would give."""
    first: SceauError | None = None
    for index in range(len(parsed.signatures)):
        protected, signature = parsed.signatures[index]
        try:
            verify_issuer_jwt(
                f"{protected}.{parsed.payload}.{signature}",
                issuer_key,
                algorithms=algorithms,
                typ=typ,
                limits=limits,
            )
        except SceauError as exc:
            if first is None:
                first = exc
            continue
        return index
    if first is None:  # unreachable: parsing refuses an empty signatures array
        raise InvalidInput("no signature", code="malformed_sd_jwt")
    raise first


def verify_sd_jwt_json(
    value: str | bytes | Mapping[str, Any],
    issuer_key: PublicKey | IssuerKeyLookup,
    *,
    algorithms: Collection[str] = ("ES256",),
    typ: str | Collection[str] | None = None,
    limits: SdJwtLimits = DEFAULT_LIMITS,
    max_signatures: int = DEFAULT_MAX_SIGNATURES,
    **options: Any,
) -> VerifiedSdJwt:
    """:func:`~sceau.core.sdjwt.verify_sd_jwt` for the JWS JSON Serialization (RFC 9901 §8.4),
    flattened or general, with up to ``max_signatures`` signatures of which one must be the
    Issuer's. ``options`` are those of ``verify_sd_jwt`` (audience, nonce, now, ...).

    >>> # verified = verify_sd_jwt_json(body, issuer_public_key, audience=aud, nonce=nonce)
    """
    parsed = parse_json_serialization(value, limits=limits, max_signatures=max_signatures)
    index = 0
    if len(parsed.signatures) > 1:
        index = select_issuer_signature(
            parsed, issuer_key, algorithms=algorithms, typ=typ, limits=limits
        )
    return verify_sd_jwt(
        parsed.compact(index),
        issuer_key,
        algorithms=algorithms,
        typ=typ,
        limits=limits,
        sd_hash_input=parsed.sd_hash_input,
        **options,
    )
