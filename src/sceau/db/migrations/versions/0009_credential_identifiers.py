"""oid4vci access tokens remember whether credential_identifiers were returned with them.

OpenID4VCI §8.2: a Credential Request uses ``credential_identifier`` exactly when the Token
Response carried ``authorization_details`` with ``credential_identifiers``, and
``credential_configuration_id`` otherwise; the Credential Endpoint needs to know which one the
token allows.

Revision ID: 0009_credential_identifiers
Revises: 0008_signin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_credential_identifiers"
down_revision: str | None = "0008_signin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oid4vci_access_tokens") as batch:
        batch.add_column(
            sa.Column(
                "credential_identifiers", sa.Boolean, nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("oid4vci_access_tokens") as batch:
        batch.drop_column("credential_identifiers")
