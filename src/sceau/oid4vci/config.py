"""Limits and policies of the OpenID4VCI endpoints, with safe defaults.

Read from ``SCEAU_OID4VCI_<FIELD>`` variables by :func:`load_oid4vci_config` (kept apart from the
spine's ``Settings`` until the lead folds it in).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import msgspec

ENV_PREFIX = "SCEAU_OID4VCI_"


class Oid4vciConfigError(ValueError):
    pass


class Oid4vciConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Offers (OID4VCI §4.1.1: the pre-authorized code "MUST be short lived and single use").
    offer_ttl_s: int = 600
    tx_code_length: int = 6
    # §13.6.3 Transaction Code Guessing: lock the offer after this many wrong codes ...
    tx_code_max_attempts: int = 5
    # ... and refuse another try for this long after each wrong one (seconds x failures so far).
    tx_code_backoff_s: int = 1
    # Access tokens and c_nonces.
    access_token_ttl_s: int = 600
    c_nonce_ttl_s: int = 300
    # DPoP (RFC 9449, HAIP §4): required unless allow_bearer.
    allow_bearer: bool = False
    dpop_algorithms: tuple[str, ...] = ("ES256", "ES384", "EdDSA", "Ed25519")
    # iat freshness windows: as old as 60 s, up to 60 s ahead (SECURITY R-06: a wallet clock
    # +-10 s is accepted, +-90 s is not); replay is stopped by jti / c_nonce within the window.
    dpop_max_age_s: int = 60
    dpop_leeway_s: int = 60
    # Key proofs (Appendix F.1): alg allow-list and iat freshness window.
    proof_algorithms: tuple[str, ...] = ("ES256", "ES384", "EdDSA", "Ed25519")
    proof_max_age_s: int = 60
    proof_leeway_s: int = 60
    # Wallet attestation PoP (Appendix E, draft-ietf-oauth-attestation-based-client-auth): iat
    # freshness window; its jti is remembered this long.
    client_attestation_max_age_s: int = 60
    client_attestation_leeway_s: int = 60
    # Deferred issuance (§9): the wallet is told to wait this long; the credential is ready then.
    deferred_interval_s: int = 5
    deferred_ttl_s: int = 86_400
    # Sizes.
    max_claims_bytes: int = 64 * 1024
    max_request_bytes: int = 256 * 1024
    max_batch_size: int = 100
    max_offer_configurations: int = 16

    def __post_init__(self) -> None:
        positive = (
            "offer_ttl_s", "tx_code_max_attempts", "access_token_ttl_s", "c_nonce_ttl_s",
            "dpop_max_age_s", "proof_max_age_s", "client_attestation_max_age_s",
            "deferred_interval_s", "deferred_ttl_s",
            "max_claims_bytes", "max_request_bytes", "max_batch_size", "max_offer_configurations",
        )  # fmt: skip
        for name in positive:
            if getattr(self, name) <= 0:
                raise Oid4vciConfigError(f"{ENV_PREFIX}{name.upper()} must be positive")
        if not 4 <= self.tx_code_length <= 12:
            raise Oid4vciConfigError(f"{ENV_PREFIX}TX_CODE_LENGTH must be between 4 and 12")


def load_oid4vci_config(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> Oid4vciConfig:
    env = os.environ if environ is None else environ
    fields = set(Oid4vciConfig.__struct_fields__)
    raw: dict[str, Any] = {}
    for name, value in env.items():
        if name.startswith(ENV_PREFIX) and name[len(ENV_PREFIX) :].lower() in fields:
            key = name[len(ENV_PREFIX) :].lower()
            raw[key] = value.split(",") if key.endswith("algorithms") else value
    raw.update(overrides)
    try:
        return msgspec.convert(raw, Oid4vciConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise Oid4vciConfigError(f"invalid setting: {exc}") from exc
