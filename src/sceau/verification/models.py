"""Wire models of the verification capability: verifier configuration, trust policy, VC API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

__all__ = [
    "ClientIdPrefix",
    "Purpose",
    "TrustPolicy",
    "TrustedIssuer",
    "VerifierConfig",
    "VerifierConfigIn",
    "VerifyCredentialRequest",
    "VerifyPresentationRequest",
    "VerifyResponse",
]

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Ident = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
PurposeId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]
ClaimPath = Annotated[list[str | int | None], msgspec.Meta(min_length=1, max_length=16)]
# OpenID4VP 1.0 §5.9.3 client identifier prefixes offered by Sceau; HAIP 1.0 (§"OpenID for
# Verifiable Presentations profile") requires x509_hash, the recommended one.
ClientIdPrefix = Literal["x509_hash", "x509_san_dns", "decentralized_identifier", "redirect_uri"]
Format = Literal["dc+sd-jwt", "ldp_vc", "jwt_vc_json"]


# One ``@context`` entry: a context URL or an inline context object (JSON-LD 1.1 §3.1).
ContextEntry = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | dict[str, Any]
ContextList = Annotated[list[ContextEntry], msgspec.Meta(min_length=1, max_length=16)]


class TrustedIssuer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An issuer trusted for one credential type (``vct`` or a VC type such as
    ``PermitCredential``). Keys come from exactly one of ``jwks``, ``did`` or
    ``x509_anchors_pem`` — never from the credential itself (SECURITY.md J-03).

    ``allowed_contexts``: the ``@context`` lists a Data Integrity credential of this type from
    this issuer may carry (VC DI §4.6, SECURITY W-03), compared exactly — in any order only with
    ``contexts_order_insensitive``. ``None``: the lists Sceau's own issuance writes for this
    issuer (see ``sceau.verification.engine.default_allowed_contexts``)."""

    credential_type: Ident
    issuer: Ident
    jwks: dict[str, Any] | None = None
    did: Ident | None = None
    x509_anchors_pem: Annotated[list[str], msgspec.Meta(max_length=8)] | None = None
    allowed_contexts: Annotated[list[ContextList], msgspec.Meta(max_length=16)] | None = None
    contexts_order_insensitive: bool = False


class TrustPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    trusted_issuers: Annotated[list[TrustedIssuer], msgspec.Meta(max_length=200)] = msgspec.field(
        default_factory=list
    )
    accepted_formats: list[Format] = msgspec.field(
        default_factory=lambda: ["dc+sd-jwt", "ldp_vc", "jwt_vc_json"]
    )
    accepted_algorithms: list[str] = msgspec.field(
        default_factory=lambda: ["ES256", "ES384", "EdDSA", "Ed25519"]
    )
    accepted_cryptosuites: list[str] = msgspec.field(
        default_factory=lambda: ["ecdsa-rdfc-2019", "ecdsa-jcs-2019", "eddsa-rdfc-2022"]
    )
    # Oldest acceptable credential (from iat / validFrom), seconds; None: no limit.
    max_credential_age_s: Annotated[int, msgspec.Meta(gt=0)] | None = None
    require_status: bool = True


class Purpose(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A registered purpose and the claims it may ask for, per credential type."""

    id: PurposeId
    description_en: Name
    description_fr: Name
    # credential type -> claim paths (OpenID4VP §7 claims path pointers) it may request.
    allowed_claims: dict[Ident, Annotated[list[ClaimPath], msgspec.Meta(max_length=100)]]


class VerifierConfigIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``PUT /admin/tenants/{slug}/verifier``.

    ``client_id`` is the value after the prefix: for ``x509_hash`` (recommended, HAIP) the
    base64url SHA-256 of the DER leaf certificate, computed by Sceau (if given, it must be that
    value); a DNS name (``x509_san_dns``; default the public URL's host), a DID
    (``decentralized_identifier``; default the tenant's did:web) or a URL (``redirect_uri``, dev
    only). ``x509_chain_pem``: leaf first, each certificate issued by the next, the leaf
    certifying the tenant's active ES256 signing key; when absent with an ``x509_*`` prefix
    outside production a dev chain is generated.
    """

    client_id_prefix: ClientIdPrefix
    name_en: Name
    name_fr: Name
    purposes: Annotated[list[Purpose], msgspec.Meta(min_length=1, max_length=50)]
    trust_policy: TrustPolicy = msgspec.field(default_factory=TrustPolicy)
    client_id: Ident | None = None
    x509_chain_pem: Annotated[list[str], msgspec.Meta(max_length=5)] | None = None


class VerifierConfig(msgspec.Struct, frozen=True):
    tenant: str
    client_id_prefix: ClientIdPrefix
    client_id: str  # full OpenID4VP client_id, prefix included (§5.9)
    name_en: str
    name_fr: str
    purposes: list[Purpose]
    trust_policy: TrustPolicy
    x509_chain_pem: list[str] | None
    signing_kid: str | None
    updated_at_ms: int

    def purpose(self, purpose_id: str) -> Purpose | None:
        return next((p for p in self.purposes if p.id == purpose_id), None)


class VerifyOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    challenge: Annotated[str, msgspec.Meta(max_length=512)] | None = None
    domain: Annotated[str, msgspec.Meta(max_length=2048)] | None = None
    checks: list[str] | None = None


class VerifyCredentialRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """VC API ``POST /credentials/verify``: a DI credential object, or a VC-JOSE / SD-JWT VC
    string (enveloped or compact)."""

    verifiableCredential: dict[str, Any] | str
    options: VerifyOptions = msgspec.field(default_factory=VerifyOptions)


class VerifyPresentationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    verifiablePresentation: dict[str, Any] | str
    options: VerifyOptions = msgspec.field(default_factory=VerifyOptions)


class Problem(msgspec.Struct, frozen=True):
    type: str
    title: str


class VerifyResponse(msgspec.Struct, frozen=True):
    """VC API verification result (checks performed, warnings, errors)."""

    verified: bool
    checks: list[str]
    warnings: list[Problem]
    errors: list[Problem]
