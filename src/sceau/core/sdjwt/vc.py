"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): issuance, verification and issuer-key resolution.

Issuer keys come only from trust configuration: already-fetched JWT VC Issuer Metadata
(§"JWT VC Issuer Metadata") or an ``x5c`` chain validated against configured trust anchors
(§"Issuer Verification Key Discovery and Validation"). Header ``jwk``/``jku``/``x5u`` are never
used (SECURITY.md J-03). No I/O happens here: callers fetch documents and pass them in.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509 import verification as x509v

from sceau.core.errors import InvalidInput, InvalidKey, VerificationFailed
from sceau.core.jose import PublicKey, Signer, SoftwareSigner, public_key_from_jwk
from sceau.core.jose._types import PUBLIC_KEY_TYPES
from sceau.core.sdjwt._issue import (
    DecoyCount,
    SaltFactory,
    issue_sd_jwt,
    issue_sd_jwt_sync,
    spec_disclosure_json,
)
from sceau.core.sdjwt._json_serialization import (
    DEFAULT_MAX_SIGNATURES,
    parse_json_serialization,
    select_issuer_signature,
)
from sceau.core.sdjwt._model import (
    ARRAY_KEY,
    DEFAULT_LIMITS,
    HASH_ALGORITHMS,
    SD,
    SD_KEY,
    IssuedSdJwt,
    SdJwtLimits,
    VerifiedSdJwt,
    default_salt,
)
from sceau.core.sdjwt._verify import DEFAULT_KB_ALGORITHMS, verify_sd_jwt

__all__ = [
    "NON_DISCLOSABLE_CLAIMS",
    "SD_JWT_VC_TYP",
    "IssuerKeyResolver",
    "JwtVcIssuerMetadataResolver",
    "StaticIssuerKeys",
    "VerifiedSdJwtVc",
    "X5cIssuerResolver",
    "issue_sd_jwt_vc",
    "issue_sd_jwt_vc_sync",
    "verify_sd_jwt_vc",
    "verify_sd_jwt_vc_json",
]

SD_JWT_VC_TYP: Final = "dc+sd-jwt"
_ACCEPTED_TYPS: Final = ("dc+sd-jwt", "vc+sd-jwt")  # vc+sd-jwt: earlier drafts, verify only
# §"Registered JWT Claims": these, with all sub-claims, MUST NOT be selectively disclosed.
NON_DISCLOSABLE_CLAIMS: Final = frozenset(
    {"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status"}
)


class IssuerKeyResolver(Protocol):
    """Finds the issuer's verification key from trust configuration (no network in core)."""

    def resolve(self, iss: Any, header: Mapping[str, Any]) -> PublicKey: ...


@dataclass(frozen=True)
class StaticIssuerKeys:
    """Issuer keys configured directly: ``{iss: [public keys]}``; ``kid`` picks among several."""

    keys: Mapping[str, Mapping[str, PublicKey]]

    def resolve(self, iss: Any, header: Mapping[str, Any]) -> PublicKey:
        by_kid = self.keys.get(iss) if isinstance(iss, str) else None
        if not by_kid:
            raise VerificationFailed(f"issuer {iss!r} is not trusted", code="untrusted_issuer")
        return _pick(by_kid, header)


def _pick(by_kid: Mapping[str, PublicKey], header: Mapping[str, Any]) -> PublicKey:
    kid = header.get("kid")
    if kid is not None:
        key = by_kid.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise VerificationFailed("no issuer key with this kid", code="unknown_kid")
        return key
    if len(by_kid) != 1:
        raise VerificationFailed("issuer has several keys and no kid", code="unknown_kid")
    return next(iter(by_kid.values()))


class JwtVcIssuerMetadataResolver:
    """Keys from already-fetched ``/.well-known/jwt-vc-issuer`` documents (§"JWT VC Issuer
    Metadata"). ``jwks_by_uri`` supplies the fetched JWK Sets for metadata that uses ``jwks_uri``.
    """

    def __init__(
        self,
        metadata: Collection[Mapping[str, Any]],
        jwks_by_uri: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self._keys: dict[str, dict[str, PublicKey]] = {}
        for doc in metadata:
            issuer = doc.get("issuer")
            if not isinstance(issuer, str) or urlsplit(issuer).scheme != "https":
                raise InvalidInput("metadata issuer must be an https URL", code="invalid_metadata")
            has_jwks, has_uri = "jwks" in doc, "jwks_uri" in doc
            if has_jwks == has_uri:  # exactly one of the two
                raise InvalidInput("need exactly one of jwks, jwks_uri", code="invalid_metadata")
            uri = doc.get("jwks_uri")
            jwks = (
                doc["jwks"]
                if has_jwks
                else (jwks_by_uri or {}).get(uri if isinstance(uri, str) else "")
            )
            if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
                raise InvalidInput("JWK Set missing or malformed", code="invalid_metadata")
            keys: dict[str, PublicKey] = {}
            for i, jwk in enumerate(jwks["keys"]):
                if not isinstance(jwk, Mapping):
                    raise InvalidInput("JWK must be an object", code="invalid_metadata")
                if jwk.get("use") not in (None, "sig"):
                    continue
                kid = jwk.get("kid")
                keys[kid if isinstance(kid, str) else f"#{i}"] = public_key_from_jwk(jwk)
            self._keys[issuer] = keys

    def resolve(self, iss: Any, header: Mapping[str, Any]) -> PublicKey:
        # §"JWT VC Issuer Metadata Validation": issuer must be identical to iss.
        keys = self._keys.get(iss) if isinstance(iss, str) else None
        if keys is None:
            raise VerificationFailed(f"no metadata for issuer {iss!r}", code="untrusted_issuer")
        return _pick(keys, header)


class X5cIssuerResolver:
    """Issuer key from the ``x5c`` header, chain validated to configured trust anchors.

    The end-entity certificate must name the ``iss`` (as a URI SAN, or its host as a DNS SAN)
    when ``iss`` is present. ``now`` is injected for deterministic tests. ``ee_policy``: the
    extensions the end-entity certificate must satisfy (default: any).
    """

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        *,
        now: datetime | None = None,
        max_chain: int = 5,
        max_cert_bytes: int = 16 * 1024,
        ee_policy: x509v.ExtensionPolicy | None = None,
    ) -> None:
        if not trust_anchors:
            raise InvalidInput("at least one trust anchor is needed", code="invalid_trust_anchor")
        self._store = x509v.Store(list(trust_anchors))
        self._now = now
        self._max_chain = max_chain
        self._max_cert_bytes = max_cert_bytes
        self._ee_policy = ee_policy or x509v.ExtensionPolicy.permit_all()

    def resolve(self, iss: Any, header: Mapping[str, Any]) -> PublicKey:
        x5c = header.get("x5c")
        if not isinstance(x5c, list) or not 1 <= len(x5c) <= self._max_chain:
            raise VerificationFailed("x5c header missing or too long", code="invalid_x5c")
        certs = []
        for entry in x5c:
            # RFC 7515 §4.1.6: standard base64 (not base64url) DER.
            if not isinstance(entry, str) or len(entry) > self._max_cert_bytes * 4 // 3 + 4:
                raise VerificationFailed("x5c entry malformed", code="invalid_x5c")
            try:
                certs.append(x509.load_der_x509_certificate(base64.b64decode(entry, validate=True)))
            except (binascii.Error, ValueError):
                raise VerificationFailed(
                    "x5c entry is not a DER certificate", code="invalid_x5c"
                ) from None
        now = self._now or datetime.now(UTC)
        ca_policy = x509v.ExtensionPolicy.webpki_defaults_ca()
        verifier = (
            x509v.PolicyBuilder()
            .store(self._store)
            .time(now)
            .extension_policies(ca_policy=ca_policy, ee_policy=self._ee_policy)
            .build_client_verifier()
        )
        try:
            verifier.verify(certs[0], certs[1:])
        except x509v.VerificationError as exc:
            raise VerificationFailed(f"x5c chain rejected: {exc}", code="untrusted_x5c") from None
        leaf = certs[0]
        if iss is not None:
            _require_iss_in_san(leaf, iss)
        key = leaf.public_key()
        if not isinstance(key, PUBLIC_KEY_TYPES):
            raise InvalidKey("unsupported certificate key type", code="invalid_key")
        return key


def _require_iss_in_san(cert: x509.Certificate, iss: Any) -> None:
    if not isinstance(iss, str):
        raise InvalidInput("iss must be a string", code="invalid_claims")
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise VerificationFailed(
            "certificate has no SAN for iss", code="iss_not_in_certificate"
        ) from None
    uris = san.get_values_for_type(x509.UniformResourceIdentifier)
    dns = san.get_values_for_type(x509.DNSName)
    host = urlsplit(iss).hostname if iss.startswith("https://") else None
    if iss not in uris and (host is None or host not in dns):
        raise VerificationFailed(
            "iss is not named by the certificate", code="iss_not_in_certificate"
        )


def _vc_claims(
    vct: str,
    claims: Mapping[Any, Any],
    *,
    iss: str | None,
    iat: int | None,
    nbf: int | None,
    exp: int | None,
    status: Mapping[str, Any] | None,
    disclosable: Collection[str],
) -> dict[Any, Any]:
    if not isinstance(vct, str) or not vct:
        raise InvalidInput("vct must be a non-empty string", code="invalid_vct")
    if not NON_DISCLOSABLE_CLAIMS.isdisjoint(disclosable):
        raise InvalidInput("registered claims must not be disclosable", code="sd_not_allowed")
    out: dict[Any, Any] = {}
    for key, value in claims.items():
        if isinstance(key, SD):
            if key.value in NON_DISCLOSABLE_CLAIMS:
                raise InvalidInput(f"{key.value!r} must not be disclosable", code="sd_not_allowed")
        elif key in NON_DISCLOSABLE_CLAIMS:
            _reject_markers(value, key)
        out[key] = value
    registered: dict[str, Any] = {
        "iss": iss,
        "iat": iat,
        "nbf": nbf,
        "exp": exp,
        "vct": vct,
        "status": status,
    }
    for name, value in registered.items():
        if value is None:
            continue
        if name in out or SD(name) in out:
            raise InvalidInput(f"{name!r} given twice", code="claim_name_exists")
        out[name] = dict(value) if name == "status" else value
    return out


def _reject_markers(value: Any, name: str) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, SD):
            raise InvalidInput(
                f"sub-claims of {name!r} must not be disclosable", code="sd_not_allowed"
            )
        if isinstance(node, Mapping):
            for k, v in node.items():
                if isinstance(k, SD):
                    raise InvalidInput(
                        f"sub-claims of {name!r} must not be disclosable", code="sd_not_allowed"
                    )
                stack.append(v)
        elif isinstance(node, (list, tuple)):
            stack.extend(node)


async def issue_sd_jwt_vc(
    vct: str,
    claims: Mapping[Any, Any],
    signer: Signer,
    *,
    iss: str | None = None,
    iat: int | None = None,
    nbf: int | None = None,
    exp: int | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    status: Mapping[str, Any] | None = None,
    disclosable: Collection[str] = (),
    header: Mapping[str, Any] | None = None,
    sd_alg: str = "sha-256",
    salt: SaltFactory = default_salt,
    decoy_count: DecoyCount | None = None,
    disclosure_json: Callable[[list[Any]], str] = spec_disclosure_json,
) -> IssuedSdJwt:
    """Issue an SD-JWT VC (``typ: dc+sd-jwt``). ``disclosable`` names top-level claims to hide;
    :class:`SD` markers in ``claims`` work at any depth. Registered claims that must stay in
    plaintext (:data:`NON_DISCLOSABLE_CLAIMS`) are refused with ``sd_not_allowed``.
    """
    payload = _vc_claims(
        vct, claims, iss=iss, iat=iat, nbf=nbf, exp=exp, status=status, disclosable=disclosable
    )
    return await issue_sd_jwt(
        payload,
        signer,
        typ=SD_JWT_VC_TYP,
        header=header,
        holder_jwk=holder_jwk,
        sd_alg=sd_alg,
        salt=salt,
        decoy_count=decoy_count,
        disclosure_json=disclosure_json,
        disclosable=disclosable,
    )


def issue_sd_jwt_vc_sync(
    vct: str,
    claims: Mapping[Any, Any],
    signer: SoftwareSigner,
    *,
    iss: str | None = None,
    iat: int | None = None,
    nbf: int | None = None,
    exp: int | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    status: Mapping[str, Any] | None = None,
    disclosable: Collection[str] = (),
    header: Mapping[str, Any] | None = None,
    sd_alg: str = "sha-256",
    salt: SaltFactory = default_salt,
    decoy_count: DecoyCount | None = None,
    disclosure_json: Callable[[list[Any]], str] = spec_disclosure_json,
) -> IssuedSdJwt:
    """Synchronous :func:`issue_sd_jwt_vc` for a :class:`SoftwareSigner`."""
    payload = _vc_claims(
        vct, claims, iss=iss, iat=iat, nbf=nbf, exp=exp, status=status, disclosable=disclosable
    )
    return issue_sd_jwt_sync(
        payload,
        signer,
        typ=SD_JWT_VC_TYP,
        header=header,
        holder_jwk=holder_jwk,
        sd_alg=sd_alg,
        salt=salt,
        decoy_count=decoy_count,
        disclosure_json=disclosure_json,
        disclosable=disclosable,
    )


@dataclass(frozen=True, slots=True)
class VerifiedSdJwtVc:
    """A verified SD-JWT VC. ``status`` is the opaque status reference for the status module."""

    vct: str
    iss: str | None
    claims: dict[str, Any]
    status: dict[str, Any] | None
    cnf: dict[str, Any] | None
    sd_jwt: VerifiedSdJwt


def _contains_sd(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if SD_KEY in node or ARRAY_KEY in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def verify_sd_jwt_vc(
    token: str,
    issuer_keys: IssuerKeyResolver | PublicKey,
    *,
    audience: str | None = None,
    nonce: str | None = None,
    require_key_binding: bool = True,
    allow_key_binding: bool = True,
    now: int | float | datetime | None = None,
    algorithms: Collection[str] = ("ES256", "ES384", "ES512", "EdDSA", "Ed25519"),
    accept_vc_sd_jwt_typ: bool = True,
    leeway: int = 60,
    kb_max_age: int = 300,
    kb_algorithms: Collection[str] = DEFAULT_KB_ALGORITHMS,
    sd_algs: Collection[str] = tuple(HASH_ALGORITHMS),
    limits: SdJwtLimits = DEFAULT_LIMITS,
    sd_hash_input: str | None = None,
) -> VerifiedSdJwtVc:
    """Verify an SD-JWT VC presentation (§"Verification and Processing") and RFC 9901 §7.

    ``sd_hash_input``: see :func:`~sceau.core.sdjwt.verify_sd_jwt` (JWS JSON, RFC 9901 §8)."""
    key: Any = issuer_keys if isinstance(issuer_keys, PUBLIC_KEY_TYPES) else issuer_keys.resolve
    result = verify_sd_jwt(
        token,
        key,
        algorithms=algorithms,
        typ=_ACCEPTED_TYPS if accept_vc_sd_jwt_typ else SD_JWT_VC_TYP,
        require_key_binding=require_key_binding,
        allow_key_binding=allow_key_binding,
        audience=audience,
        nonce=nonce,
        now=now,
        leeway=leeway,
        kb_max_age=kb_max_age,
        kb_algorithms=kb_algorithms,
        sd_algs=sd_algs,
        limits=limits,
        sd_hash_input=sd_hash_input,
    )
    plain = result.issuer_payload
    claims = result.claims
    for name in NON_DISCLOSABLE_CLAIMS:
        if name in plain:
            value = plain[name]
            kind = type(value)
            if (kind is dict or kind is list) and _contains_sd(value):
                raise InvalidInput(f"sub-claims of {name!r} are disclosable", code="sd_not_allowed")
        elif name in claims:
            raise InvalidInput(f"{name!r} was selectively disclosed", code="sd_not_allowed")
    vct = plain.get("vct")
    if not isinstance(vct, str) or not vct:
        raise InvalidInput("vct missing", code="invalid_vct")
    iss = plain.get("iss")
    if iss is not None and not isinstance(iss, str):
        raise InvalidInput("iss must be a string", code="invalid_claims")
    status = plain.get("status")
    if status is not None and not isinstance(status, dict):
        raise InvalidInput("status must be an object", code="invalid_claims")
    cnf = plain.get("cnf")
    if cnf is not None and not isinstance(cnf, dict):
        raise InvalidInput("cnf must be an object", code="invalid_claims")
    return VerifiedSdJwtVc(vct, iss, result.claims, status, cnf, result)


def verify_sd_jwt_vc_json(
    value: str | bytes | Mapping[str, Any],
    issuer_keys: IssuerKeyResolver | PublicKey,
    *,
    accept_vc_sd_jwt_typ: bool = True,
    algorithms: Collection[str] = ("ES256", "ES384", "ES512", "EdDSA", "Ed25519"),
    limits: SdJwtLimits = DEFAULT_LIMITS,
    max_signatures: int = DEFAULT_MAX_SIGNATURES,
    **options: Any,
) -> VerifiedSdJwtVc:
    """:func:`verify_sd_jwt_vc` for the JWS JSON Serialization (RFC 9901 §8): one of up to
    ``max_signatures`` signatures must verify with the Issuer's key (see
    :mod:`sceau.core.sdjwt._json_serialization`); ``options`` are ``verify_sd_jwt_vc``'s."""
    parsed = parse_json_serialization(value, limits=limits, max_signatures=max_signatures)
    index = 0
    if len(parsed.signatures) > 1:
        key: Any = issuer_keys if isinstance(issuer_keys, PUBLIC_KEY_TYPES) else issuer_keys.resolve
        index = select_issuer_signature(
            parsed,
            key,
            algorithms=algorithms,
            typ=_ACCEPTED_TYPS if accept_vc_sd_jwt_typ else SD_JWT_VC_TYP,
            limits=limits,
        )
    return verify_sd_jwt_vc(
        parsed.compact(index),
        issuer_keys,
        accept_vc_sd_jwt_typ=accept_vc_sd_jwt_typ,
        algorithms=algorithms,
        limits=limits,
        sd_hash_input=parsed.sd_hash_input,
        **options,
    )
