"""Tables of the OpenID4VCI capability (migration ``0005_oid4vci``); only ``store.py`` uses them.

Times are integer milliseconds. Secrets (pre-authorized codes, access tokens, transaction codes)
are stored as SHA-256 hashes only.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    false,
)

from sceau.db.metadata import metadata

# oid4vci_offers.grant_type values (the keys of the offer's ``grants``, §4.1.1).
PRE_AUTHORIZED_CODE: Final = "pre-authorized_code"
AUTHORIZATION_CODE: Final = "authorization_code"

# One row per credential offer (OpenID4VCI §4.1.1): a pre-authorized code offer holds the claims of
# one person for the offered configurations; an authorization code offer holds none (the claims
# come from the upstream login) and ``code_hash`` is the hash of its ``issuer_state``.
oid4vci_offers = Table(
    "oid4vci_offers",
    metadata,
    Column("id", String(43), primary_key=True),  # in credential_offer_uri; 128+ random bits
    Column("tenant", String(63), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    # "pre-authorized_code" | "authorization_code" (migration 0012): which secret code_hash is.
    Column("grant_type", String(32), nullable=False, server_default=PRE_AUTHORIZED_CODE),
    # The Credential Offer object (it holds the pre-authorized code) for by-reference fetches;
    # set to NULL when the code is redeemed.
    Column("offer", JSON, nullable=True),
    Column("configuration_ids", JSON, nullable=False),
    Column("claims", JSON, nullable=True),
    Column("tx_code_hash", String(64), nullable=True),
    Column("tx_code_salt", String(32), nullable=True),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("retry_after_ms", BigInteger, nullable=True),
    Column("locked_at_ms", BigInteger, nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("used_at_ms", BigInteger, nullable=True),
    Index("ix_oid4vci_offers_expires_at_ms", "expires_at_ms"),
)

oid4vci_access_tokens = Table(
    "oid4vci_access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("offer_id", String(43), nullable=False),
    Column("configuration_ids", JSON, nullable=False),
    # RFC 7638 thumbprint of the DPoP key (RFC 9449 §6); NULL for a Bearer token.
    Column("jkt", String(64), nullable=True),
    # True when the Token Response returned credential_identifiers (OpenID4VCI §6.2): Credential
    # Requests must then name one of them, and never a credential_configuration_id (§8.2).
    Column("credential_identifiers", Boolean, nullable=False, server_default=false()),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    # The client the token was issued to (a key proof's iss must name it, F.1); NULL for the
    # pre-authorized code grant through anonymous access (migration 0013).
    Column("client_id", String(255), nullable=True),
    Index("ix_oid4vci_access_tokens_expires_at_ms", "expires_at_ms"),
)

# c_nonces accepted by the Credential Endpoint, kept until they expire (one-time use).
oid4vci_c_nonces = Table(
    "oid4vci_c_nonces",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Index("ix_oid4vci_c_nonces_expires_at_ms", "expires_at_ms"),
)

# One row per (access token, credential configuration): a configuration is issued once per token
# (a batch is how a wallet gets several). ``id`` is the notification_id; deferred requests keep the
# holder keys until the credentials are fetched.
oid4vci_issuances = Table(
    "oid4vci_issuances",
    metadata,
    Column("id", String(43), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("configuration_id", String(63), nullable=False),
    Column("state", String(16), nullable=False),  # pending | issued
    Column("transaction_id", String(64), nullable=True, unique=True),
    Column("holder_jwks", JSON, nullable=True),
    Column("ready_at_ms", BigInteger, nullable=True),
    Column("record_ids", JSON, nullable=True),
    Column("event", String(32), nullable=True),
    Column("event_at_ms", BigInteger, nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    UniqueConstraint("token_hash", "configuration_id"),
)

# The HMAC key of stateless c_nonces (one row, id = 1), created by the first app server that needs
# it and shared by all of them.
oid4vci_nonce_keys = Table(
    "oid4vci_nonce_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("secret", LargeBinary(32), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)
