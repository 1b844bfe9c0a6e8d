"""keys: an X.509 certificate chain per signing key (HAIP 1.0 issuer ``x5c``).

HAIP 1.0 §"Issuer identification and key resolution": an SD-JWT VC carries the Credential
Issuer's certificate and trust chain in ``x5c``, and a Status List Token the certificate of its
key (§"SD-JWT VCs"). The chain certifies one key, so it lives on the key's row: ``{"source":
"uploaded"|"dev", "pem": [leaf, ..., root], "not_after_ms": leaf expiry}``; NULL when none.

Revision ID: 0011_issuer_certificates
Revises: 0010_wallet_providers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_issuer_certificates"
down_revision: str | None = "0010_wallet_providers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable, no default) on both back-ends: no SQLite table rebuild.
    op.add_column("signing_keys", sa.Column("x509_chain", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("x509_chain")
