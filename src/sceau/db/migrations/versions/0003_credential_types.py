"""credential_types: placeholder, filled in by the capability that owns it.

Revision ID: 0003_credential_types
Revises: 0002_signing_keys
"""

from __future__ import annotations

revision = "0003_credential_types"
down_revision: str | None = "0002_signing_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
