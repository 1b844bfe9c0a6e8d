"""oid4vci: placeholder, filled in by the capability that owns it.

Revision ID: 0005_oid4vci
Revises: 0004_status_lists
"""

from __future__ import annotations

revision = "0005_oid4vci"
down_revision: str | None = "0004_status_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
