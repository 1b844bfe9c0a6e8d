"""oid4vci: the grant of a Credential Offer (OpenID4VCI 1.0 §4.1.1 ``grants``).

An offer is either a ``pre-authorized_code`` offer (the person's claims; ``code_hash`` is the hash
of the pre-authorized code) or an ``authorization_code`` offer (no claims; ``code_hash`` is the
hash of its ``issuer_state``, which binds the wallet's authorization request, §5.1.3). The column
keeps the two apart: a pre-authorized code never names an ``issuer_state`` and vice versa.
Existing rows are pre-authorized offers (or grant rows of the wallet-initiated flow, already used).

Revision ID: 0012_offer_grant_type
Revises: 0011_issuer_certificates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_offer_grant_type"
down_revision: str | None = "0011_issuer_certificates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN ... NOT NULL DEFAULT: a plain ALTER on both back-ends (no SQLite table rebuild).
    op.add_column(
        "oid4vci_offers",
        sa.Column(
            "grant_type", sa.String(32), nullable=False, server_default="pre-authorized_code"
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("oid4vci_offers") as batch:
        batch.drop_column("grant_type")
