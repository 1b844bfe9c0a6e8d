"""Key attestations (OpenID4VCI 1.0 Appendix D.1, HAIP 1.0 §"Key Attestation"), pure.

A key attestation is a ``key-attestation+jwt`` signed by a wallet provider whose certificate
chain comes in the ``x5c`` header and must lead to one of the tenant's trust anchors (HAIP: x5c
is how wallet providers are trusted). It lists ``attested_keys``, the keys the credentials are
bound to: one credential per attested key (Appendix F.1, F.3).

The checks (Appendix D.1, F.4 "Verifying Proof"): ``typ``; ``alg`` in an allow-list of
asymmetric algorithms (ES256 only, HAIP); the chain to an anchor at ``now`` (validity dates
included) whose leaf is a signing end entity; the signature with the leaf's key; ``iat`` not in
the future; ``exp`` not passed (and present when the attestation rides in a ``jwt`` proof, D.1);
``attested_keys`` a non-empty list of distinct public JWKs; ``key_storage`` /
``user_authentication`` among the accepted values when the tenant lists some (§12.2.4
``key_attestations_required``); ``nonce`` present, because this
issuer always provides c_nonces (it has a Nonce Endpoint): F.1 "the nonce claim in the key
attestation MUST be set to a server-provided c_nonce", F.3 likewise. Whether it is a live, unused
c_nonce is the caller's database check. Any failure is ``invalid_proof``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cryptography import x509

from sceau.core.errors import SceauError
from sceau.core.jose import jwk_thumbprint, public_key_from_jwk, verify_compact
from sceau.core.sdjwt import X5cIssuerResolver
from sceau.core.x509_signer import signing_ee_policy
from sceau.errors import OAuthError

KEY_ATTESTATION_TYP: Final = "key-attestation+jwt"
# HAIP 1.0 §"Crypto Suites": ES256 for what wallet providers sign (key attestations, Wallet
# Attestations). An allow-list, never "none" or a MAC (Appendix D.1, SECURITY.md J-01/J-02).
WALLET_PROVIDER_ALGORITHMS: Final = ("ES256",)
KEY_ATTESTATION_ALGORITHMS: Final = WALLET_PROVIDER_ALGORITHMS
MAX_KEY_ATTESTATION_LENGTH: Final = 32 * 1024
MAX_CHAIN: Final = 5


@dataclass(frozen=True, slots=True)
class KeyAttestation:
    """A verified key attestation: its attested keys (public JWKs, in order) and claims."""

    keys: tuple[dict[str, Any], ...]
    jkts: tuple[str, ...]
    nonce: str
    key_storage: tuple[str, ...]
    user_authentication: tuple[str, ...]
    token: str


@dataclass(frozen=True, slots=True)
class KeyAttestationPolicy:
    """What a tenant accepts: its wallet providers' trust anchors and the APR values (D.2)."""

    anchors: tuple[x509.Certificate, ...]
    key_storage: tuple[str, ...] | None = None
    user_authentication: tuple[str, ...] | None = None


def _strings(value: object) -> tuple[str, ...] | None:
    """A non-empty array of strings (D.1 ``key_storage``/``user_authentication``), else None."""
    if not isinstance(value, list) or not value or len(value) > 16:
        return None
    if not all(isinstance(v, str) and 0 < len(v) <= 256 for v in value):
        return None
    return tuple(value)


def numeric_date(value: object) -> int | None:
    """An RFC 7519 NumericDate as Sceau accepts it (an integer, not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def verify_wallet_provider_jwt(
    token: str,
    anchors: Sequence[x509.Certificate],
    *,
    typ: str,
    now: int,
    max_length: int,
) -> dict[str, Any]:
    """The claims of a JWT signed by a wallet provider (a key attestation, Appendix D.1, or a
    Wallet Attestation, Appendix E), or the core error that refused it.

    HAIP: the signer's certificate comes in ``x5c`` and its chain must lead to one of ``anchors``
    at ``now`` (validity dates and CA constraints included), its first certificate being a
    signing end entity (:func:`signing_ee_policy`: not a CA, ``digitalSignature``); ``alg`` in
    :data:`WALLET_PROVIDER_ALGORITHMS`; ``typ`` exactly ``typ``. An ``x5c`` that is missing,
    malformed or not trusted raises with code ``invalid_x5c`` or ``untrusted_x5c``.
    """
    resolver = X5cIssuerResolver(
        anchors,
        now=datetime.fromtimestamp(now, UTC),
        max_chain=MAX_CHAIN,
        ee_policy=signing_ee_policy(),
    )
    return verify_compact(
        token,
        lambda header: resolver.resolve(None, header),
        algorithms=WALLET_PROVIDER_ALGORITHMS,
        typ=typ,
        max_length=max_length,
    ).claims


def verify_key_attestation(
    token: object,
    policy: KeyAttestationPolicy,
    *,
    now: int,
    require_exp: bool,
    max_keys: int,
    leeway_s: int = 60,
) -> KeyAttestation:
    """Verify one key attestation JWT against the tenant's ``policy``; ``invalid_proof`` if not.

    ``require_exp``: the attestation comes in a ``jwt`` proof's ``key_attestation`` header, where
    ``exp`` "MUST be present" (D.1). ``max_keys`` bounds ``attested_keys`` (the batch size).
    """
    invalid = OAuthError("invalid_proof")
    if not isinstance(token, str) or len(token) > MAX_KEY_ATTESTATION_LENGTH:
        raise invalid
    if not policy.anchors:
        raise invalid  # no wallet provider is trusted: nothing can be attested
    try:
        claims = verify_wallet_provider_jwt(
            token,
            policy.anchors,
            typ=KEY_ATTESTATION_TYP,
            now=now,
            max_length=MAX_KEY_ATTESTATION_LENGTH,
        )
    except SceauError as exc:
        raise invalid from exc
    iat, exp = numeric_date(claims.get("iat")), numeric_date(claims.get("exp"))
    if iat is None or iat > now + leeway_s:
        raise invalid
    if "exp" in claims and exp is None:
        raise invalid
    if exp is None and require_exp:
        raise invalid
    if exp is not None and exp <= now - leeway_s:
        raise invalid  # expired: the attestation and the keys it attests (D.1)
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise invalid  # F.1, F.3: the issuer provides c_nonces, so the attestation carries one
    keys = claims.get("attested_keys")
    if not isinstance(keys, list) or not 0 < len(keys) <= max_keys:
        raise invalid
    jwks: list[dict[str, Any]] = []
    jkts: list[str] = []
    for jwk in keys:
        if not isinstance(jwk, dict):
            raise invalid
        try:
            public_key_from_jwk(jwk)  # private members, bad curves and off-curve points fail
            jkt = jwk_thumbprint(jwk)
        except SceauError as exc:
            raise invalid from exc
        if jkt in jkts:
            raise invalid  # one credential per key: a key listed twice is a malformed list
        jwks.append(dict(jwk))
        jkts.append(jkt)
    storage = _optional_values(claims, "key_storage", policy.key_storage)
    user_auth = _optional_values(claims, "user_authentication", policy.user_authentication)
    return KeyAttestation(tuple(jwks), tuple(jkts), nonce, storage, user_auth, token)


def _optional_values(
    claims: dict[str, Any], name: str, accepted: Collection[str] | None
) -> tuple[str, ...]:
    """The claim's values; when the tenant accepts only some (§12.2.4), one must be there."""
    if name not in claims:
        if accepted:
            raise OAuthError("invalid_proof")
        return ()
    values = _strings(claims[name])
    if values is None:
        raise OAuthError("invalid_proof")
    if accepted and not set(values) & set(accepted):
        raise OAuthError("invalid_proof")
    return values


def attested_key(attestation: KeyAttestation, header: dict[str, Any]) -> dict[str, Any]:
    """The attested key a ``jwt`` proof names in its header (F.1: "signed by a key contained in
    the attestation"): its ``jwk``, or a ``kid`` that is an attested key's own ``kid`` or its
    index in ``attested_keys`` (as in F.1's example, ``"kid": "0"``)."""
    jwk = header.get("jwk")
    if isinstance(jwk, dict):
        try:
            jkt = jwk_thumbprint(jwk)
        except SceauError as exc:
            raise OAuthError("invalid_proof") from exc
        if jkt in attestation.jkts:
            return attestation.keys[attestation.jkts.index(jkt)]
        raise OAuthError("invalid_proof")  # the proof key is not attested
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        for key in attestation.keys:
            if key.get("kid") == kid:
                return key
        if kid.isdigit() and int(kid) < len(attestation.keys) and str(int(kid)) == kid:
            return attestation.keys[int(kid)]
    raise OAuthError("invalid_proof")


def parse_anchors(pems: Sequence[str]) -> tuple[x509.Certificate, ...]:
    """Trust anchor certificates from PEM; each must be a CA certificate (BasicConstraints).

    Raises ``ValueError`` (not PEM, not a certificate, not a CA).
    """
    anchors = []
    for pem in pems:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound as exc:
            raise ValueError("a trust anchor must be a CA certificate") from exc
        if not constraints.ca:
            raise ValueError("a trust anchor must be a CA certificate")
        anchors.append(cert)
    return tuple(anchors)
