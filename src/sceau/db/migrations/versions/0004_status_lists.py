"""status_lists: status lists (Token Status List / Bitstring Status List) and credential records.

Revision ID: 0004_status_lists
Revises: 0003_credential_types
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_status_lists"
down_revision: str | None = "0003_credential_types"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_lists",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("next_position", sa.Integer, nullable=False),
        sa.Column("permutation_key", sa.LargeBinary(32), nullable=False),
        sa.Column("statuses", sa.LargeBinary, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_status_lists"),
        sa.CheckConstraint("kind IN ('token', 'bitstring')", name="kind"),
        sa.CheckConstraint("next_position >= 0 AND next_position <= size", name="position"),
    )
    op.create_index("ix_status_lists_tenant_kind", "status_lists", ["tenant", "kind"])
    op.create_table(
        "credential_records",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("type_id", sa.String(63), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("status_list_id", sa.String(32), nullable=True),
        sa.Column("status_index", sa.Integer, nullable=True),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=True),
        sa.Column("holder_jkt", sa.String(64), nullable=True),
        sa.Column("credential_hash", sa.String(128), nullable=False),
        sa.Column("claims", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("retention_until", sa.BigInteger, nullable=True),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("status_changed_at_ms", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credential_records"),
        sa.UniqueConstraint(
            "status_list_id",
            "status_index",
            name="uq_credential_records_status_list_id_status_index",
        ),
        sa.CheckConstraint("status IN (0, 1, 2)", name="status"),
        sa.CheckConstraint(
            "claims IS NULL OR retention_until IS NOT NULL",
            name="claims_retention",
        ),
    )
    op.create_index(
        "ix_credential_records_tenant_created", "credential_records", ["tenant", "created_at_ms"]
    )


def downgrade() -> None:
    op.drop_index("ix_credential_records_tenant_created", table_name="credential_records")
    op.drop_table("credential_records")
    op.drop_index("ix_status_lists_tenant_kind", table_name="status_lists")
    op.drop_table("status_lists")
