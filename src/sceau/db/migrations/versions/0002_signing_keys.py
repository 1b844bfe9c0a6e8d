"""signing_keys: placeholder, filled in by the capability that owns it.

Revision ID: 0002_signing_keys
Revises: 0001_foundation
"""

from __future__ import annotations

revision = "0002_signing_keys"
down_revision: str | None = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
