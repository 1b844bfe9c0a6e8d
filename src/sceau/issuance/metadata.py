"""Issuer metadata documents, built from a tenant's credential types (pure functions).

- OpenID4VCI 1.0 §12.2.4 Credential Issuer metadata (formats per Appendix A),
- RFC 8414 §2 Authorization Server metadata (with the OID4VCI §12.3 and RFC 9449 §5.1 members),
- SD-JWT VC §"JWT VC Issuer Metadata" and §"SD-JWT VC Type Metadata".

Endpoint URLs follow the paths agreed with the OID4VCI routes: ``{issuer}/token``, ``/nonce``,
``/credential``, ``/deferred_credential``, ``/notification``, ``/par``, ``/authorize``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from sceau.credential_types.models import LOCALES, CredentialType, TypeDisplay
from sceau.issuance.formats import SUITE_ALGORITHM, vc_context
from sceau.oid4vci.attestation import KEY_ATTESTATION_ALGORITHMS

PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
# HAIP 1.0: ES256 for credentials, proofs and DPoP.
PROOF_ALGORITHMS: Final = ("ES256",)
DPOP_ALGORITHMS: Final = ("ES256",)
# Matches the credential endpoint's allow-list (JWE ECDH-ES with AES-GCM, core.jose RFC 7516).
RESPONSE_ENCRYPTION_ALGS: Final = ("ECDH-ES",)
RESPONSE_ENCRYPTION_ENCS: Final = ("A128GCM", "A256GCM")


def _display(display: dict[str, TypeDisplay]) -> list[dict[str, Any]]:
    out = []
    for locale in LOCALES:
        d = display[locale]
        item: dict[str, Any] = {"name": d.name, "locale": locale}
        if d.description is not None:
            item["description"] = d.description
        if d.logo is not None:
            item["logo"] = {"uri": d.logo.uri} | (
                {"alt_text": d.logo.alt_text} if d.logo.alt_text else {}
            )
        if d.background_color is not None:
            item["background_color"] = d.background_color
        if d.text_color is not None:
            item["text_color"] = d.text_color
        out.append(item)
    return out


def _claims(ct: CredentialType, prefix: Sequence[str]) -> list[dict[str, Any]]:
    """§12.2.4 claims description objects (Appendix B.2): path, mandatory, display."""
    required = set(ct.claims_schema.get("required", ()))
    names = list(ct.claims_schema.get("properties", {}))
    names += [n for n in ct.claims_display if n not in names]
    out = []
    for name in names:
        item: dict[str, Any] = {"path": [*prefix, name]}
        if name in required:
            item["mandatory"] = True
        by_locale = ct.claims_display.get(name)
        if by_locale:
            item["display"] = [
                {"name": by_locale[loc].name, "locale": loc}
                | ({"description": desc} if (desc := by_locale[loc].description) else {})
                for loc in LOCALES
            ]
        out.append(item)
    return out


def credential_configuration(
    ct: CredentialType,
    issuer: str,
    *,
    key_attestations_required: dict[str, Any] | None = None,
    attestation_proof_type: bool = False,
) -> dict[str, Any]:
    """One ``credential_configurations_supported`` entry (§12.2.4, Appendix A).

    ``key_attestations_required``: the §12.2.4 object when this configuration requires key
    attestations (absent otherwise, as the spec wants); ``attestation_proof_type``: the
    ``attestation`` proof type (Appendix F.3) is offered (the tenant trusts wallet providers).
    """
    config: dict[str, Any] = {"format": ct.format, "scope": ct.id}
    if ct.format == "dc+sd-jwt":
        # Appendix A.3.2: vct; algorithms are JWS names.
        config["vct"] = ct.vct
        config["credential_signing_alg_values_supported"] = ["ES256"]
        prefix: list[str] = []
    elif ct.format == "ldp_vc":
        # Appendix A.1.2.2: cryptosuite names; credential_definition with @context and type.
        suite = ct.cryptosuite or "ecdsa-rdfc-2019"
        config["credential_signing_alg_values_supported"] = [suite]
        config["credential_definition"] = {
            "@context": vc_context(issuer),
            "type": list(ct.vc_type or ()),
        }
        prefix = ["credentialSubject"]
    else:
        # Appendix A.1.1.2: JWS names; credential_definition with type only.
        config["credential_signing_alg_values_supported"] = ["ES256"]
        config["credential_definition"] = {"type": list(ct.vc_type or ())}
        prefix = ["credentialSubject"]
    config["cryptographic_binding_methods_supported"] = ["jwk"]
    jwt: dict[str, Any] = {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}
    proof_types: dict[str, Any] = {"jwt": jwt}
    if attestation_proof_type:
        proof_types["attestation"] = {
            "proof_signing_alg_values_supported": list(KEY_ATTESTATION_ALGORITHMS)
        }
    if key_attestations_required is not None:
        for proof_type in proof_types.values():
            proof_type["key_attestations_required"] = dict(key_attestations_required)
    config["proof_types_supported"] = proof_types
    config["credential_metadata"] = {"display": _display(ct.display), "claims": _claims(ct, prefix)}
    return config


def credential_issuer_metadata(
    issuer: str,
    *,
    name_en: str,
    name_fr: str,
    types: Sequence[CredentialType],
    max_batch_size: int = 100,
    key_attestations_required: dict[str, dict[str, Any]] | None = None,
    attestation_proof_type: bool = False,
    request_encryption: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """OpenID4VCI §12.2.4 Credential Issuer metadata for one tenant.

    ``request_encryption`` is the ``credential_request_encryption`` object (the tenant's public
    key, :func:`sceau.oid4vci.encryption.request_encryption_metadata`); omitted when ``None``.
    """
    batch = max((ct.batch_size for ct in types), default=1)
    doc: dict[str, Any] = {
        "credential_issuer": issuer,
        # The tenant is its own Authorization Server (§12.2.4 authorization_servers omitted
        # would mean the same; listed for wallets that expect it).
        "authorization_servers": [issuer],
        "credential_endpoint": f"{issuer}/credential",
        "nonce_endpoint": f"{issuer}/nonce",
        "deferred_credential_endpoint": f"{issuer}/deferred_credential",
        "notification_endpoint": f"{issuer}/notification",
        **(
            {"credential_request_encryption": dict(request_encryption)}
            if request_encryption is not None
            else {}
        ),
        "credential_response_encryption": {
            "alg_values_supported": list(RESPONSE_ENCRYPTION_ALGS),
            "enc_values_supported": list(RESPONSE_ENCRYPTION_ENCS),
            "encryption_required": False,
        },
        "display": [
            {"name": name_en, "locale": "en-CA"},
            {"name": name_fr, "locale": "fr-CA"},
        ],
        "credential_configurations_supported": {
            ct.id: credential_configuration(
                ct,
                issuer,
                key_attestations_required=(key_attestations_required or {}).get(ct.id),
                attestation_proof_type=attestation_proof_type,
            )
            for ct in types
        },
    }
    if batch >= 2:
        # §12.2.4: batch_size "MUST be 2 or greater"; omitted when no type allows batches.
        doc["batch_credential_issuance"] = {"batch_size": min(batch, max_batch_size)}
    return doc


def authorization_server_metadata(
    issuer: str,
    *,
    scopes: Sequence[str],
    wallet_attestation: bool = False,
    wallet_attestation_required: bool = False,
) -> dict[str, Any]:
    """RFC 8414 §2 metadata of the tenant's Authorization Server.

    ``wallet_attestation``: the tenant trusts wallet providers, so wallets may authenticate with
    a Wallet Attestation (OpenID4VCI Appendix E, ``attest_jwt_client_auth``);
    ``wallet_attestation_required``: they must (no anonymous token request then).
    """
    auth_methods = ["none"]
    if wallet_attestation:
        auth_methods = (
            ["attest_jwt_client_auth"]
            if wallet_attestation_required
            else ["none", "attest_jwt_client_auth"]
        )
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        # RFC 9126 §5 (PAR); HAIP 1.0 requires PAR for the authorization code flow.
        "pushed_authorization_request_endpoint": f"{issuer}/par",
        "require_pushed_authorization_requests": True,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", PRE_AUTHORIZED_GRANT],
        # OID4VCI §12.3: the pre-authorized code grant may be used without client authentication
        # (unless the tenant requires wallet attestation, HAIP §"Token Endpoint").
        "pre-authorized_grant_anonymous_access_supported": not (
            wallet_attestation and wallet_attestation_required
        ),
        "code_challenge_methods_supported": ["S256"],
        # RFC 8414 §2; also the PAR endpoint's (RFC 9126 §2).
        "token_endpoint_auth_methods_supported": auth_methods,
        # RFC 9449 §5.1.
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
        "scopes_supported": list(scopes),
        "authorization_details_types_supported": ["openid_credential"],
    }


def jwt_vc_issuer_metadata(issuer: str, jwks: list[dict[str, Any]]) -> dict[str, Any]:
    """SD-JWT VC §"JWT VC Issuer Metadata": ``issuer`` and the keys inline (``jwks``)."""
    return {"issuer": issuer, "jwks": {"keys": jwks}}


def type_metadata(ct: CredentialType) -> dict[str, Any]:
    """SD-JWT VC §"SD-JWT VC Type Metadata" for a ``dc+sd-jwt`` type, en-CA and fr-CA."""
    display = []
    for locale in LOCALES:
        d = ct.display[locale]
        item: dict[str, Any] = {"locale": locale, "name": d.name}
        if d.description is not None:
            item["description"] = d.description
        simple: dict[str, Any] = {}
        if d.logo is not None:
            simple["logo"] = {"uri": d.logo.uri} | (
                {"alt_text": d.logo.alt_text} if d.logo.alt_text else {}
            )
        if d.background_color is not None:
            simple["background_color"] = d.background_color
        if d.text_color is not None:
            simple["text_color"] = d.text_color
        if simple:
            item["rendering"] = {"simple": simple}
        display.append(item)
    disclosable = {tuple(p) for p in ct.selectively_disclosable}
    claims = []
    names = list(ct.claims_schema.get("properties", {}))
    names += [n for n in ct.claims_display if n not in names]
    for name in names:
        claim: dict[str, Any] = {
            "path": [name],
            "sd": "always" if (name,) in disclosable else "never",
        }
        by_locale = ct.claims_display.get(name)
        if by_locale:
            claim["display"] = [
                {"locale": loc, "label": by_locale[loc].name}
                | ({"description": desc} if (desc := by_locale[loc].description) else {})
                for loc in LOCALES
            ]
        claims.append(claim)
    en = ct.display["en-CA"]
    doc: dict[str, Any] = {"vct": ct.vct, "name": en.name}
    if en.description is not None:
        doc["description"] = en.description
    doc["display"] = display
    doc["claims"] = claims
    return doc


__all__ = [
    "SUITE_ALGORITHM",
    "authorization_server_metadata",
    "credential_configuration",
    "credential_issuer_metadata",
    "jwt_vc_issuer_metadata",
    "type_metadata",
]
