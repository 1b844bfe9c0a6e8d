"""VC-JOSE: credentials and presentations secured as JWS (``application/vc+jwt``,
``application/vp+jwt``), spec ``shared/specs/vc-jose-cose.md`` (VC-JOSE-COSE).

The JWS payload *is* the VC Data Model 2.0 document (§3.1.1, §3.1.2); JWT claims such as
``iss``, ``iat``, ``exp`` and ``cnf`` may sit beside its properties (§3.1.3). Inside a presentation,
JWS-secured credentials are wrapped as ``EnvelopedVerifiableCredential`` objects whose ``id`` is a
``data:application/vc+jwt,<jws>`` URL (§3.1.2).

>>> import asyncio
>>> from sceau.core.jose import SoftwareSigner, generate_private_key
>>> signer = SoftwareSigner(generate_private_key(), key_id="k1")
>>> vc = {"@context": ["https://www.w3.org/ns/credentials/v2"],
...       "type": ["VerifiableCredential"], "issuer": "https://issuer.example",
...       "credentialSubject": {"id": "did:example:alice"}}
>>> token = asyncio.run(sign_vc_jwt(vc, signer, now=1767225600))
>>> verify_vc_jwt(token, signer.private_key.public_key(), now=1767225600).document["issuer"]
'https://issuer.example'
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sceau.core.errors import InvalidInput, VerificationFailed
from sceau.core.jose import (
    PublicKey,
    Signer,
    decode_compact_unverified,
    sign_compact,
    verify_compact,
)
from sceau.core.vc.model import (
    check_validity_period,
    validate_credential,
    validate_presentation,
)

__all__ = [
    "VC_JWT_TYP",
    "VP_JWT_TYP",
    "VcJoseError",
    "VerifiedVcJose",
    "enveloped_credential",
    "enveloped_credentials_of",
    "enveloped_presentation",
    "sign_vc_jwt",
    "sign_vp_jwt",
    "unwrap_enveloped",
    "verify_vc_jwt",
    "verify_vc_jwt_with_resolver",
    "verify_vp_jwt",
    "verify_vp_jwt_with_resolver",
]

VC_JWT_TYP = "vc+jwt"  # §3.1.1 "typ SHOULD be vc+jwt", media type §6.1.1
VP_JWT_TYP = "vp+jwt"  # §3.1.2, media type §6.1.2
_TYP = {"vc": VC_JWT_TYP, "vp": VP_JWT_TYP}
# §3.1.1/§3.1.2: "When present, the cty header parameter SHOULD be vc / vp"; RFC 7515 §4.1.10
# allows omitting the "application/" prefix, so accept both spellings and nothing else.
_CTY = {"vc": ("vc", "application/vc"), "vp": ("vp", "application/vp")}
_DATA_URL_PREFIX = {"vc": "data:application/vc+jwt,", "vp": "data:application/vp+jwt,"}
_ENVELOPED_TYPE = {"vc": "EnvelopedVerifiableCredential", "vp": "EnvelopedVerifiablePresentation"}
_FORBIDDEN_CLAIMS = ("vc", "vp")  # §1.1.2.1 "MUST NOT be present"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
DEFAULT_MAX_LENGTH = 256 * 1024
DEFAULT_LEEWAY = 60

MediaType = Literal["vc", "vp"]
KeyOrResolver = PublicKey | Callable[[Mapping[str, Any]], PublicKey]


class VcJoseError(VerificationFailed):
    """A vc+jwt / vp+jwt that verified cryptographically but breaks a VC-JOSE rule."""

    code = "invalid_vc_jose"


@dataclass(frozen=True)
class VerifiedVcJose:
    """§5.1 output: ``status`` is implied (errors raise), ``document`` and ``media_type``."""

    header: dict[str, Any]
    document: dict[str, Any]
    media_type: MediaType


def _epoch(now: int | datetime) -> int:
    return int(now.timestamp()) if isinstance(now, datetime) else int(now)


def _party_id(doc: Mapping[str, Any], name: str) -> str | None:
    value = doc.get(name)
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _check_no_jwt_vc_claims(doc: Mapping[str, Any]) -> None:
    for claim in _FORBIDDEN_CLAIMS:
        if claim in doc:
            raise VcJoseError("the JWT claims vc and vp must not be present")


async def _sign(
    media: MediaType,
    document: Mapping[str, Any],
    signer: Signer,
    *,
    party: str,
    now: int | datetime | None,
    exp: int | datetime | None,
    cnf: Mapping[str, Any] | None,
    cty: bool,
    include_iss: bool,
    extra_header: Mapping[str, Any] | None,
    extra_claims: Mapping[str, Any] | None,
) -> str:
    _check_no_jwt_vc_claims(document)
    claims: dict[str, Any] = dict(document)
    party_id = _party_id(document, party)
    if include_iss and party_id is not None:
        claims["iss"] = party_id  # §4.1.2: iss MUST match issuer (or issuer.id)
    if now is not None:
        claims["iat"] = _epoch(now)
    if exp is not None:
        claims["exp"] = _epoch(exp)
    if cnf is not None:
        claims["cnf"] = dict(cnf)
    for name, value in (extra_claims or {}).items():
        if name in claims or name in _FORBIDDEN_CLAIMS:
            raise InvalidInput("extra claim collides with a credential property or is vc/vp")
        claims[name] = value
    header: dict[str, Any] = dict(extra_header or {})
    header["typ"] = _TYP[media]
    if cty:
        header["cty"] = media
    kid = header.get("kid", signer.key_id)
    # §4.1.1: "kid MUST be present when the key ... is expressed as a DID URL".
    if (
        party_id is not None
        and party_id.startswith("did:")
        and (not isinstance(kid, str) or kid.split("#", 1)[0] != party_id)
    ):
        raise InvalidInput(f"a DID {party} needs a kid that is a DID URL of that DID")
    return await sign_compact(header, claims, signer)


async def sign_vc_jwt(
    credential: Mapping[str, Any],
    signer: Signer,
    *,
    now: int | datetime | None = None,
    exp: int | datetime | None = None,
    cnf: Mapping[str, Any] | None = None,
    cty: bool = False,
    include_iss: bool = True,
    extra_header: Mapping[str, Any] | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """Secure a VCDM 2.0 credential as ``application/vc+jwt`` (§3.1.1).

    The credential is validated first (``sceau.core.vc.model``). ``now``/``exp`` set ``iat``/``exp``
    (the signature's lifetime, §3.1.3 — distinct from ``validFrom``/``validUntil``).
    """
    validate_credential(credential)
    return await _sign(
        "vc",
        credential,
        signer,
        party="issuer",
        now=now,
        exp=exp,
        cnf=cnf,
        cty=cty,
        include_iss=include_iss,
        extra_header=extra_header,
        extra_claims=extra_claims,
    )


async def sign_vp_jwt(
    presentation: Mapping[str, Any],
    signer: Signer,
    *,
    now: int | datetime | None = None,
    exp: int | datetime | None = None,
    nonce: str | None = None,
    audience: str | None = None,
    cty: bool = False,
    extra_header: Mapping[str, Any] | None = None,
) -> str:
    """Secure a VCDM 2.0 presentation as ``application/vp+jwt`` (§3.1.2); ``nonce``/``aud`` bind
    it to a verifier's request. Credentials inside must be enveloped (§3.1.2 MUST)."""
    validate_presentation(presentation)
    _require_enveloped_credentials(presentation)
    extra: dict[str, Any] = {}
    if nonce is not None:
        extra["nonce"] = nonce
    if audience is not None:
        extra["aud"] = audience
    return await _sign(
        "vp",
        presentation,
        signer,
        party="holder",
        now=now,
        exp=exp,
        cnf=None,
        cty=cty,
        include_iss=True,
        extra_header=extra_header,
        extra_claims=extra,
    )


def _require_enveloped_credentials(presentation: Mapping[str, Any]) -> None:
    creds = presentation.get("verifiableCredential", [])
    for cred in creds if isinstance(creds, list) else [creds]:
        types = cred.get("type") if isinstance(cred, Mapping) else None
        type_list = [types] if isinstance(types, str) else types or []
        if "EnvelopedVerifiableCredential" not in type_list:
            raise VcJoseError("credentials in a vp+jwt must be EnvelopedVerifiableCredential")


def _numeric(claims: Mapping[str, Any], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if type(value) is not int or not 0 <= value < 2**53:  # RFC 7519 NumericDate, J-09
        raise VcJoseError(f"{name} is not a valid NumericDate")
    return value


def _verify(
    media: MediaType,
    token: str,
    key: KeyOrResolver,
    *,
    now: int | datetime,
    algorithms: Collection[str],
    leeway: int,
    require_typ: bool,
    check_validity: bool,
    max_length: int,
) -> VerifiedVcJose:
    typ = _TYP[media]
    # RFC 8725 §3.11 explicit typing: a present typ must be ours; absence only when allowed
    # (the VC-JOSE-COSE examples carry no typ, since the spec says SHOULD).
    typs: tuple[str | None, ...] = (typ, "application/" + typ)
    verified = verify_compact(token, key, algorithms=algorithms, max_length=max_length)
    header = verified.header
    if header.get("typ") not in typs and (require_typ or "typ" in header):
        raise VcJoseError(f"typ must be {typ}")
    if "cty" in header and header["cty"] not in _CTY[media]:
        raise VcJoseError(f"cty must be {media}")
    doc = verified.claims
    _check_no_jwt_vc_claims(doc)
    t = _epoch(now)
    exp = _numeric(doc, "exp")
    if exp is not None and exp <= t - leeway:  # RFC 7519 §4.1.4
        raise VcJoseError("the JWT has expired")
    nbf = _numeric(doc, "nbf")
    if nbf is not None and nbf > t + leeway:
        raise VcJoseError("the JWT is not valid yet")
    iat = _numeric(doc, "iat")
    if iat is not None and iat > t + leeway:
        raise VcJoseError("the JWT is issued in the future")
    party = "issuer" if media == "vc" else "holder"
    party_id = _party_id(doc, party)
    iss = doc.get("iss")
    if iss is not None and iss != party_id:  # §4.1.2 "iss value, if present, MUST match"
        raise VcJoseError(f"iss does not match {party}")
    kid = header.get("kid")
    # a DID URL kid must name a key of the issuer/holder DID, not of another DID (SECURITY W-05)
    if (
        isinstance(kid, str)
        and kid.startswith("did:")
        and party_id is not None
        and kid.split("#", 1)[0] != party_id
    ):
        raise VcJoseError(f"kid is not a verification method of the {party}")
    if media == "vc":
        validate_credential(doc)
        if check_validity:
            check_validity_period(doc, t, leeway=leeway)
    else:
        validate_presentation(doc)
        _require_enveloped_credentials(doc)
    return VerifiedVcJose(header=dict(header), document=doc, media_type=media)


def verify_vc_jwt(
    token: str,
    key: KeyOrResolver,
    *,
    now: int | datetime,
    algorithms: Collection[str] = ("ES256", "ES384", "EdDSA", "Ed25519"),
    leeway: int = DEFAULT_LEEWAY,
    require_typ: bool = True,
    check_validity: bool = True,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> VerifiedVcJose:
    """Verify an ``application/vc+jwt`` (§5.1) and validate its document (§5.4).

    ``key`` is the issuer's public key or ``key(header)``; choosing it from trusted configuration
    (never from an attacker-chosen header) is the caller's job. ``check_validity`` also applies
    ``validFrom``/``validUntil``.
    """
    return _verify(
        "vc",
        token,
        key,
        now=now,
        algorithms=algorithms,
        leeway=leeway,
        require_typ=require_typ,
        check_validity=check_validity,
        max_length=max_length,
    )


def verify_vp_jwt(
    token: str,
    key: KeyOrResolver,
    *,
    now: int | datetime,
    nonce: str | None = None,
    audience: str | None = None,
    algorithms: Collection[str] = ("ES256", "ES384", "EdDSA", "Ed25519"),
    leeway: int = DEFAULT_LEEWAY,
    require_typ: bool = True,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> VerifiedVcJose:
    """Verify an ``application/vp+jwt`` (§5.1); ``nonce``/``audience``, when given, must match.

    The enveloped credentials inside are *not* verified here: take them with
    :func:`enveloped_credentials_of` and verify each with its issuer's key.
    """
    out = _verify(
        "vp",
        token,
        key,
        now=now,
        algorithms=algorithms,
        leeway=leeway,
        require_typ=require_typ,
        check_validity=False,
        max_length=max_length,
    )
    if nonce is not None and out.document.get("nonce") != nonce:
        raise VcJoseError("presentation nonce does not match")
    if audience is not None:
        aud = out.document.get("aud")
        if aud != audience and not (isinstance(aud, list) and aud == [audience]):
            raise VcJoseError("presentation audience does not match")
    return out


async def _resolve_kid(token: str, resolver: Any, relationship: str, max_length: int) -> PublicKey:
    from sceau.core.dids import resolve_verification_method  # dids imports nothing from vc

    header, _ = decode_compact_unverified(token, max_length=max_length)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise VcJoseError("kid must be a DID URL to resolve the key")
    return await resolve_verification_method(kid, resolver, relationship=relationship)


async def verify_vc_jwt_with_resolver(
    token: str, resolver: Any = None, *, now: int | datetime, **options: Any
) -> VerifiedVcJose:
    """Verify a vc+jwt whose ``kid`` is a DID URL of the issuer (§4.1.1, §4.3): the key comes
    from the issuer's DID document, under ``assertionMethod``. ``resolver`` is a
    :class:`sceau.core.dids.DidResolver` (not needed for did:key/did:jwk)."""
    max_length = options.get("max_length", DEFAULT_MAX_LENGTH)
    key = await _resolve_kid(token, resolver, "assertionMethod", max_length)
    return verify_vc_jwt(token, key, now=now, **options)


async def verify_vp_jwt_with_resolver(
    token: str, resolver: Any = None, *, now: int | datetime, **options: Any
) -> VerifiedVcJose:
    """As :func:`verify_vc_jwt_with_resolver` for a vp+jwt, with the holder's
    ``authentication`` key."""
    max_length = options.get("max_length", DEFAULT_MAX_LENGTH)
    key = await _resolve_kid(token, resolver, "authentication", max_length)
    return verify_vp_jwt(token, key, now=now, **options)


def _enveloped(media: MediaType, token: str) -> dict[str, Any]:
    decode_compact_unverified(token)  # must at least be a compact JWS
    return {
        "@context": [CREDENTIALS_V2],
        "id": _DATA_URL_PREFIX[media] + token,
        "type": _ENVELOPED_TYPE[media],
    }


def enveloped_credential(token: str) -> dict[str, Any]:
    """An ``EnvelopedVerifiableCredential`` carrying a vc+jwt (VCDM 2.0 §4.13, VC-JOSE §3.1.2)."""
    return _enveloped("vc", token)


def enveloped_presentation(token: str) -> dict[str, Any]:
    """An ``EnvelopedVerifiablePresentation`` carrying a vp+jwt."""
    return _enveloped("vp", token)


def unwrap_enveloped(obj: Mapping[str, Any], media: MediaType = "vc") -> str:
    """The compact JWS inside an enveloped credential/presentation (its ``data:`` URL ``id``).

    Only ``data:application/vc+jwt,`` (or ``vp+jwt``) without parameters or base64 is accepted.
    """
    types = obj.get("type")
    type_list = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if _ENVELOPED_TYPE[media] not in type_list:
        raise VcJoseError(f"not an {_ENVELOPED_TYPE[media]}")
    url = obj.get("id")
    prefix = _DATA_URL_PREFIX[media]
    if not isinstance(url, str) or not url.startswith(prefix):
        raise VcJoseError(f"enveloped id must be a {prefix} data URL")
    token = url[len(prefix) :]
    decode_compact_unverified(token)  # shape, base64url and header JSON only
    return token


def enveloped_credentials_of(presentation: Mapping[str, Any]) -> list[str]:
    """The vc+jwt tokens of every enveloped credential in a presentation document."""
    creds = presentation.get("verifiableCredential", [])
    return [unwrap_enveloped(c, "vc") for c in (creds if isinstance(creds, list) else [creds])]
