"""The audit log records security events in the same transaction and detects tampering."""

from __future__ import annotations

import asyncio

import anyio
import pytest
from sqlalchemy import select, update

from sceau.audit.models import AuditEvent
from sceau.audit.service import AuditService, record, seal, seal_periodically
from sceau.db.tables import audit_events, audit_pending, tenants
from sceau.tenants.service import Actor
from sceau.tenants.tokens import parse_token

pytestmark = pytest.mark.anyio


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_tenant_and_key_changes_are_recorded_with_request_id(client, platform_token) -> None:
    r = await client.post(
        "/admin/tenants",
        json={"slug": "dept", "name_en": "Dept", "name_fr": "Min"},
        headers={**auth(platform_token), "X-Request-ID": "req-create-tenant-1"},
    )
    assert r.status_code == 201
    admin = r.json()["admin_key"]["token"]
    page = await client.get("/admin/tenants/dept/audit", headers=auth(admin))
    assert page.status_code == 200
    entries = page.json()["entries"]
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["tenant.create", "apikey.create"]
    assert "apikey.login" in actions
    assert entries[0]["request_id"] == "req-create-tenant-1"
    assert entries[0]["actor"].startswith("apikey:")
    assert admin not in page.text


async def test_audit_page_is_paginated(client, tenant_a) -> None:
    first = await client.get(
        "/admin/tenants/tenant-a/audit?limit=2", headers=auth(tenant_a.tokens["admin"])
    )
    body = first.json()
    assert len(body["entries"]) == 2 and body["next_after"] == body["entries"][-1]["seq"]
    rest = await client.get(
        f"/admin/tenants/tenant-a/audit?after={body['next_after']}",
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert rest.json()["entries"][0]["seq"] > body["next_after"]


async def test_event_rolls_back_with_its_change(engine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await record(
                conn, AuditEvent(actor="cli", action="x", target="y", tenant=None, request_id="r")
            )
            raise RuntimeError("change failed")
    checked, broken = await AuditService(engine).verify()
    assert (checked, broken) == (0, None)


async def test_chain_of_real_events_verifies(engine, tenant_a, tenant_b) -> None:
    checked, broken = await AuditService(engine).verify()
    assert broken is None and checked >= 8


async def test_edited_row_is_detected_and_named(engine, tenant_a) -> None:
    await AuditService(engine).seal()  # what an attacker could edit: the sealed chain
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_events).where(audit_events.c.seq == 3).values(actor="apikey:someone")
        )
    _, broken = await AuditService(engine).verify()
    assert broken is not None and broken.seq == 3


async def test_deleted_row_is_detected(engine, tenant_a) -> None:
    await AuditService(engine).seal()  # what an attacker could edit: the sealed chain
    async with engine.begin() as conn:
        await conn.execute(audit_events.delete().where(audit_events.c.seq == 2))
    _, broken = await AuditService(engine).verify()
    assert broken is not None and broken.seq == 2


async def test_concurrent_appends_keep_one_unbroken_chain(
    engine, tenant_service, db_backend
) -> None:
    async def create(i: int) -> None:
        await tenant_service.create_api_key(Actor("test", f"r{i}"), None, "platform_admin", f"k{i}")

    await asyncio.gather(*(create(i) for i in range(20)))
    checked, broken = await AuditService(engine).verify()
    assert broken is None and checked == 20


async def test_no_secret_reaches_the_audit_log(engine, tenant_a) -> None:
    async with engine.connect() as conn:  # pending events, then the same events sealed
        rows = (await conn.execute(select(audit_pending))).all()
    await AuditService(engine).seal()
    async with engine.connect() as conn:
        sealed = (await conn.execute(select(audit_events))).all()
        assert (await conn.execute(select(tenants.c.slug))).all()
    assert len(sealed) >= len(rows) > 0
    dump = repr(rows + sealed)
    for token in tenant_a.tokens.values():
        assert token not in dump and parse_token(token)[1] not in dump


APPEND_SCRIPT = """
import asyncio, sys
from sceau.audit.models import AuditEvent
from sceau.audit.service import record, seal
from sceau.db.engine import create_engine
from sceau.settings import load_settings

async def main(worker):
    engine = create_engine(load_settings())
    try:
        for i in range(10):
            async with engine.begin() as conn:
                await record(conn, AuditEvent(actor="test", action="test.append",
                             target=f"w{worker}:{i}", tenant=None, request_id=f"w{worker}-{i}"))
            await seal(engine)  # four processes sealing at once take turns on the head
    finally:
        await engine.dispose()

asyncio.run(main(sys.argv[1]))
"""


async def test_appends_and_seals_from_several_processes_keep_one_unbroken_chain(
    settings, engine
) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SCEAU_DATABASE_URL": settings.resolved_database_url,
        "SCEAU_DATABASE_SCHEMA": settings.database_schema,
    }
    procs = [
        subprocess.Popen([sys.executable, "-c", APPEND_SCRIPT, str(w)], env=env)  # noqa: ASYNC220
        for w in range(4)
    ]
    codes = [await anyio.to_thread.run_sync(p.wait) for p in procs]
    assert codes == [0, 0, 0, 0]
    checked, broken = await AuditService(engine).verify()
    assert broken is None and checked == 40


def _event(target: str) -> AuditEvent:
    return AuditEvent(
        actor="test", action="test.append", target=target, tenant=None, request_id="r"
    )


async def _sealed_targets(engine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(audit_events.c.target).order_by(audit_events.c.seq))
        return [row.target for row in rows]


async def test_record_writes_a_pending_event_that_sealing_chains(engine) -> None:
    async with engine.begin() as conn:
        await record(conn, _event("one"))
    assert await _sealed_targets(engine) == []
    assert await seal(engine) == 1
    assert await _sealed_targets(engine) == ["one"]
    assert await seal(engine) == 0  # nothing pending: nothing written
    async with engine.connect() as conn:
        assert (await conn.execute(select(audit_pending))).all() == []
    assert await AuditService(engine).verify() == (1, None)


async def test_sealing_in_batches_keeps_order_and_links(engine) -> None:
    for i in range(7):
        async with engine.begin() as conn:
            await record(conn, _event(f"e{i}"))
    assert await seal(engine, batch=3) == 7
    assert await _sealed_targets(engine) == [f"e{i}" for i in range(7)]
    assert await AuditService(engine).verify() == (7, None)


async def test_recording_does_not_wait_for_another_open_transaction(engine, db_backend) -> None:
    """Two audited changes in flight at once do not queue on a shared row (PostgreSQL; SQLite has
    one writer at a time whatever the audit log does). The event committed last but recorded
    first is sealed by a later pass, after the other."""
    if db_backend != "postgres":
        pytest.skip("SQLite serialises all writers: nothing to show there")
    async with engine.connect() as first:
        await first.begin()
        await record(first, _event("recorded-first"))
        with anyio.fail_after(5):  # before: this waited on the head lock held by `first`
            async with engine.begin() as second:
                await record(second, _event("committed-first"))
        assert await seal(engine) == 1
        await first.commit()
    assert await seal(engine) == 1
    assert await _sealed_targets(engine) == ["committed-first", "recorded-first"]
    assert await AuditService(engine).verify() == (2, None)


async def test_background_sealer_chains_events_within_its_interval(engine) -> None:
    task = asyncio.create_task(seal_periodically(engine, 0.05))
    try:
        async with engine.begin() as conn:
            await record(conn, _event("background"))
        with anyio.fail_after(10):
            while await _sealed_targets(engine) != ["background"]:  # noqa: ASYNC110 (polls the db)
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_seal_passes_are_counted_in_the_metrics(engine, tmp_path) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    from sceau.web.metrics import HttpMetrics

    metrics = HttpMetrics()
    sample = metrics.registry.get_sample_value
    async with engine.begin() as conn:
        await record(conn, _event("metered"))
    task = asyncio.create_task(seal_periodically(engine, 0.05, observe=metrics.observe_seal))
    # A database that cannot be opened: the pass fails, is counted, and the loop goes on.
    broken = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
    failing = asyncio.create_task(seal_periodically(broken, 0.05, observe=metrics.observe_seal))
    try:
        with anyio.fail_after(10):
            while (  # noqa: ASYNC110 (polls the counters)
                (sample("sceau_audit_events_sealed_total") or 0) < 1
                or (sample("sceau_audit_seal_failures_total") or 0) < 2
            ):
                await asyncio.sleep(0.02)
    finally:
        for t in (task, failing):
            t.cancel()
            with pytest.raises(asyncio.CancelledError):
                await t
        await broken.dispose()
    assert sample("sceau_audit_events_sealed_total") == 1
    assert (sample("sceau_audit_last_seal_timestamp_seconds") or 0) > 0
    assert "sceau_audit_seal_failures_total" in metrics.render().decode()
    assert await _sealed_targets(engine) == ["metered"]
