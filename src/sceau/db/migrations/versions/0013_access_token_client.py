"""oid4vci: the client an access token was issued to (OpenID4VCI 1.0 Appendix F.1).

A ``jwt`` key proof's ``iss`` "MUST be the ``client_id`` of the Client making the Credential
request": the credential endpoint compares it with this column. NULL when the token came from the
pre-authorized code grant through anonymous access (no Wallet Attestation), where the proof
carries no meaningful ``iss``. Existing tokens are short-lived; they keep NULL.

Revision ID: 0013_access_token_client
Revises: 0012_offer_grant_type
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_access_token_client"
down_revision: str | None = "0012_offer_grant_type"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("oid4vci_access_tokens", sa.Column("client_id", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oid4vci_access_tokens") as batch:
        batch.drop_column("client_id")
