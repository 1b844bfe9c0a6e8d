"""credential_types: per-tenant credential type definitions.

Revision ID: 0003_credential_types
Revises: 0002_signing_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_credential_types"
down_revision: str | None = "0002_signing_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_types",
        sa.Column("tenant_slug", sa.String(63), nullable=False),
        sa.Column("type_id", sa.String(63), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("tenant_slug", "type_id", name="pk_credential_types"),
        sa.ForeignKeyConstraint(
            ["tenant_slug"],
            ["tenants.slug"],
            name="fk_credential_types_tenant_slug_tenants",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "format IN ('dc+sd-jwt', 'ldp_vc', 'jwt_vc_json')", name="ck_credential_types_format"
        ),
    )


def downgrade() -> None:
    op.drop_table("credential_types")
