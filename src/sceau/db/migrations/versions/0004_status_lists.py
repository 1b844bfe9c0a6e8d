"""status_lists: placeholder, filled in by the capability that owns it.

Revision ID: 0004_status_lists
Revises: 0003_credential_types
"""

from __future__ import annotations

revision = "0004_status_lists"
down_revision: str | None = "0003_credential_types"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
