"""verification: placeholder, filled in by the capability that owns it.

Revision ID: 0006_verification
Revises: 0005_oid4vci
"""

from __future__ import annotations

revision = "0006_verification"
down_revision: str | None = "0005_oid4vci"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
