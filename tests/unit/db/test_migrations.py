"""Migrations apply, roll back and re-apply on both back-ends; the model matches the migration."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Connection, inspect

from sceau.db.engine import create_engine
from sceau.db.metadata import metadata
from sceau.db.migrate import alembic_config, current_revision, head_revision, upgrade

pytestmark = [pytest.mark.anyio, pytest.mark.db]


def test_migrations_have_one_head_with_readable_ids() -> None:
    assert head_revision().startswith("00")


async def test_upgrade_downgrade_upgrade_round_trip(settings) -> None:
    engine = create_engine(settings)
    try:
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()

        def downgrade(conn: Connection) -> None:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")

        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_migrated_schema_has_every_table_of_the_model(engine) -> None:
    def tables(conn: Connection) -> set[str]:
        return set(inspect(conn).get_table_names())

    async with engine.connect() as conn:
        present = await conn.run_sync(tables)
    assert set(metadata.tables) <= present


async def test_downgrading_past_0014_refuses_while_audit_events_are_pending(engine) -> None:
    from sceau.audit.models import AuditEvent
    from sceau.audit.service import record, seal

    def downgrade(conn: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013_access_token_client")

    async with engine.begin() as conn:
        await record(
            conn, AuditEvent(actor="t", action="x", target="y", tenant=None, request_id="r")
        )
    with pytest.raises(RuntimeError, match="not sealed yet"):
        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
    assert await current_revision(engine) == head_revision()  # nothing changed
    assert await seal(engine) == 1
    async with engine.begin() as conn:
        await conn.run_sync(downgrade)
    assert await current_revision(engine) == "0013_access_token_client"
