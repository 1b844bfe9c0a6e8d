"""Wallet attestations: OAuth 2.0 Attestation-Based Client Authentication at the tenant's
Authorization Server (OpenID4VCI 1.0 Appendix E, HAIP 1.0 §"Token Endpoint", §"Wallet
Attestation", §"Authorization Endpoint").

A wallet authenticates at the token endpoint and at PAR with two HTTP headers
(draft-ietf-oauth-attestation-based-client-auth):

- ``OAuth-Client-Attestation``: an ``oauth-client-attestation+jwt`` signed by its wallet provider,
  whose certificate chain comes in ``x5c`` (HAIP: that is how wallet providers are trusted) and
  must lead to one of the tenant's trust anchors (the same anchors as key attestations,
  :mod:`sceau.oid4vci.wallet_providers`). Claims: ``iss``, ``sub`` (the wallet's ``client_id``),
  ``exp``, ``cnf.jwk`` (the wallet instance key), optionally ``wallet_name``, ``wallet_link``,
  ``status`` (Appendix E).
- ``OAuth-Client-Attestation-PoP``: an ``oauth-client-attestation-pop+jwt`` signed by the
  ``cnf`` key, with ``aud`` (this Authorization Server's issuer identifier), ``jti``, ``iat``.

:func:`verify_client_attestation` is pure (time injected); :func:`authenticate_wallet` adds the
tenant's policy and the ``jti`` replay store inside the caller's transaction. Every failure is
``invalid_client`` with HTTP 401 (RFC 6749 §5.2) and a precise localized description.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.core.errors import SceauError
from sceau.core.jose import jwk_thumbprint, public_key_from_jwk, verify_compact
from sceau.errors import OAuthError
from sceau.oauth.store import remember_jti
from sceau.oid4vci.attestation import (
    WALLET_PROVIDER_ALGORITHMS,
    numeric_date,
    verify_wallet_provider_jwt,
)
from sceau.oid4vci.wallet_providers import load_wallet_trust

ATTESTATION_HEADER: Final = "oauth-client-attestation"
POP_HEADER: Final = "oauth-client-attestation-pop"
CLIENT_ATTESTATION_TYP: Final = "oauth-client-attestation+jwt"
CLIENT_ATTESTATION_POP_TYP: Final = "oauth-client-attestation-pop+jwt"
# RFC 8414 token_endpoint_auth_methods_supported value of the draft (§"Client Attestation").
ATTEST_JWT_CLIENT_AUTH: Final = "attest_jwt_client_auth"
# HAIP 1.0 §"Crypto Suites": ES256 for the Wallet Attestation and its proof of possession.
# An allow-list: "none" and MACs never pass (SECURITY.md J-01/J-02).
CLIENT_ATTESTATION_ALGORITHMS: Final = WALLET_PROVIDER_ALGORITHMS
MAX_ATTESTATION_LENGTH: Final = 16 * 1024
MAX_POP_LENGTH: Final = 4 * 1024
MAX_JTI_LENGTH: Final = 256
MAX_CLIENT_ID_LENGTH: Final = 255
# The replay store is shared with DPoP (``oauth_dpop_jtis``): PoP jtis live in their own key space.
JTI_NAMESPACE: Final = "wa:"


@dataclass(frozen=True, slots=True)
class WalletClient:
    """A wallet authenticated by its attestation: its ``client_id`` (the attestation's ``sub``),
    the wallet instance key's RFC 7638 thumbprint and the attestation's descriptive claims."""

    client_id: str
    jkt: str
    provider: str
    wallet_name: str | None
    jti: str
    iat: int


def _invalid(message: str = "wallet_attestation_invalid") -> OAuthError:
    return OAuthError("invalid_client", status=401, message=message)


def _optional_string(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None and name not in claims:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= 2048:
        raise _invalid()
    return value


def _audience_matches(aud: object, audience: str) -> bool:
    if isinstance(aud, str):
        return aud == audience
    # RFC 7519 §4.1.3: an array of audiences, one of which must be this server.
    return isinstance(aud, list) and 0 < len(aud) <= 8 and audience in aud


def verify_client_attestation(
    attestation: object,
    pop: object,
    anchors: Sequence[x509.Certificate],
    *,
    audience: str,
    now: int,
    client_id: str | None = None,
    max_age_s: int = 300,
    leeway_s: int = 60,
) -> WalletClient:
    """Verify a Wallet Attestation and its proof of possession; ``invalid_client`` (401) if not.

    Attestation (Appendix E, draft §"Client Attestation JWT"): compact JWS within the size
    limit, ``typ`` ``oauth-client-attestation+jwt``, ES256, ``x5c`` chain to one of ``anchors``
    at ``now`` (validity dates included) whose leaf, a signing end entity, signed it
    (:func:`~sceau.oid4vci.attestation.verify_wallet_provider_jwt`); ``iss`` and ``sub``
    strings; ``exp`` present and not passed; ``iat``/``nbf``, when present, not in the future;
    ``cnf.jwk`` a public P-256 key (no private members, on the curve).

    PoP (draft §"Client Attestation PoP JWT"): ``typ`` ``oauth-client-attestation-pop+jwt``,
    ES256, signed by ``cnf.jwk``; ``aud`` is ``audience`` (this Authorization Server's issuer
    identifier); ``jti`` a string; ``iat`` within ``[now - max_age_s, now + leeway_s]``;
    ``exp``, when present, not passed; ``iss``, when present, the attestation's ``sub`` (drafts
    up to -04 required it; later ones dropped it, so its absence is accepted).

    ``client_id``: the request's ``client_id`` when it sent one; it must be the attestation's
    ``sub`` (Appendix E: "The sub claim ... is the client_id"; HAIP §"Authorization Endpoint").

    Not checked: the attestation's ``status`` (no status list is fetched) and a PoP
    ``challenge`` (no challenge endpoint is offered, so none can be expected).
    """
    if not isinstance(attestation, str) or not attestation:
        raise _invalid()
    if len(attestation) > MAX_ATTESTATION_LENGTH:
        raise _invalid()
    if not isinstance(pop, str) or not pop or len(pop) > MAX_POP_LENGTH:
        raise _invalid()
    if not anchors:
        raise _invalid("wallet_attestation_untrusted")
    try:
        claims = verify_wallet_provider_jwt(
            attestation,
            anchors,
            typ=CLIENT_ATTESTATION_TYP,
            now=now,
            max_length=MAX_ATTESTATION_LENGTH,
        )
    except SceauError as exc:
        untrusted = exc.code in ("untrusted_x5c", "invalid_x5c")
        raise _invalid(
            "wallet_attestation_untrusted" if untrusted else "wallet_attestation_invalid"
        ) from exc
    provider, sub = claims.get("iss"), claims.get("sub")
    if not isinstance(provider, str) or not 0 < len(provider) <= 2048:
        raise _invalid()
    if not isinstance(sub, str) or not 0 < len(sub) <= MAX_CLIENT_ID_LENGTH:
        raise _invalid()
    exp = numeric_date(claims.get("exp"))
    if exp is None:
        raise _invalid()  # draft §"Client Attestation JWT": exp REQUIRED
    if exp <= now - leeway_s:
        raise _invalid("wallet_attestation_expired")
    for name in ("iat", "nbf"):
        if name in claims:
            value = numeric_date(claims[name])
            if value is None or value > now + leeway_s:
                raise _invalid()
    wallet_name = _optional_string(claims, "wallet_name")
    _optional_string(claims, "wallet_link")
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise _invalid()  # the PoP is ES256: the instance key is a P-256 public key
    try:
        instance_key = public_key_from_jwk(jwk)  # private members and off-curve points fail
        jkt = jwk_thumbprint(jwk)
        pop_claims = verify_compact(
            pop,
            instance_key,
            algorithms=CLIENT_ATTESTATION_ALGORITHMS,
            typ=CLIENT_ATTESTATION_POP_TYP,
            max_length=MAX_POP_LENGTH,
        ).claims
    except SceauError as exc:
        raise _invalid() from exc
    if not _audience_matches(pop_claims.get("aud"), audience):
        raise _invalid()
    jti, iat = pop_claims.get("jti"), numeric_date(pop_claims.get("iat"))
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise _invalid()
    if iat is None or not now - max_age_s <= iat <= now + leeway_s:
        raise _invalid()
    if "exp" in pop_claims:
        pop_exp = numeric_date(pop_claims["exp"])
        if pop_exp is None or pop_exp <= now - leeway_s:
            raise _invalid()
    if "iss" in pop_claims and pop_claims["iss"] != sub:
        raise _invalid("wallet_attestation_client_id")
    if client_id is not None and client_id != sub:
        raise _invalid("wallet_attestation_client_id")
    return WalletClient(sub, jkt, provider, wallet_name, jti, iat)


@dataclass(frozen=True, slots=True)
class AttestationHeaders:
    """The two headers as received (every value: "precisely one" of each is allowed)."""

    attestation: tuple[str, ...] = ()
    pop: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        return bool(self.attestation or self.pop)


NO_ATTESTATION: Final = AttestationHeaders()


def attestation_headers(headers: Any) -> AttestationHeaders:
    """Every value of both headers from a request's (multi-valued) ``headers``."""
    return AttestationHeaders(
        tuple(headers.getall(ATTESTATION_HEADER, [])), tuple(headers.getall(POP_HEADER, []))
    )


async def authenticate_wallet(
    conn: AsyncConnection,
    tenant: str,
    headers: AttestationHeaders,
    *,
    audience: str,
    now: int,
    client_id: str | None,
    max_age_s: int = 300,
    leeway_s: int = 60,
) -> WalletClient | None:
    """Attestation-based client authentication of a token or PAR request, on ``conn``.

    - The tenant trusts no wallet provider: the headers are not evaluated (this Authorization
      Server then offers no ``attest_jwt_client_auth``, like key attestations are not looked at
      without wallet providers); None.
    - No headers: ``invalid_client`` where the tenant sets ``wallet_attestation_required``,
      else None (public client, as before).
    - Headers present: verified whatever the requirement (a bad attestation is refused, never
      ignored); the PoP ``jti`` is recorded per instance key until it could no longer pass the
      ``iat`` window, and a second use is ``invalid_client`` (draft §"Replay"). The caller's
      transaction holds the record, so a refused request leaves nothing behind.
    """
    trust = await load_wallet_trust(conn, tenant)
    if trust is None:
        return None
    if not headers.present:
        if trust.wallet_attestation_required:
            raise _invalid("wallet_attestation_required")
        return None
    if len(headers.attestation) != 1 or len(headers.pop) != 1:
        raise _invalid()  # draft: precisely one of each header
    wallet = verify_client_attestation(
        headers.attestation[0],
        headers.pop[0],
        trust.policy.anchors,
        audience=audience,
        now=now,
        client_id=client_id,
        max_age_s=max_age_s,
        leeway_s=leeway_s,
    )
    expires_at_ms = (wallet.iat + max_age_s + leeway_s) * 1000
    if not await remember_jti(
        conn, jkt=JTI_NAMESPACE + wallet.jkt, jti=wallet.jti, expires_at_ms=expires_at_ms
    ):
        raise _invalid("wallet_attestation_replayed")
    return wallet
