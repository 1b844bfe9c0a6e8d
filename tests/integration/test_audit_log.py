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


async def test_recording_touches_no_shared_row_and_late_commits_are_chained_later(
    engine, db_backend
) -> None:
    """Recording writes only its own pending row: the chain head is not touched until a seal
    (both back-ends). On PostgreSQL, two audited changes in flight at once do not queue on each
    other, and the event committed last but recorded first is sealed by a later pass; SQLite has
    one writer at a time whatever the audit log does, so there the two commit in turn."""
    from sceau.audit import store
    from sceau.audit.chain import GENESIS_HASH

    async def head() -> tuple[int, str]:
        async with engine.connect() as conn:
            return await store.head(conn)

    async with engine.connect() as first:
        await first.begin()
        await record(first, _event("recorded-first"))
        if db_backend == "postgres":
            with anyio.fail_after(5):  # before 0014: this waited on the head lock of `first`
                async with engine.begin() as second:
                    await record(second, _event("committed-first"))
            assert await head() == (0, GENESIS_HASH)  # recording left the head alone
            assert await seal(engine) == 1
        await first.commit()
    if db_backend == "postgres":
        assert await seal(engine) == 1
        expected = ["committed-first", "recorded-first"]
    else:
        async with engine.begin() as second:
            await record(second, _event("committed-first"))
        assert await head() == (0, GENESIS_HASH)  # recording left the head alone
        assert await seal(engine) == 2
        expected = ["recorded-first", "committed-first"]
    assert await _sealed_targets(engine) == expected
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


async def test_an_event_the_chain_cannot_encode_is_refused_with_its_change(engine) -> None:
    """RFC 8785 refuses integers beyond 2**53: refused at record time (the change rolls back),
    not at seal time, where it would stop every later seal."""
    bad = AuditEvent(
        actor="t", action="x", target="y", tenant=None, request_id="r", details={"n": 2**60}
    )
    with pytest.raises(ValueError, match="canonicalized"):
        async with engine.begin() as conn:
            await record(conn, _event("before"))
            await record(conn, bad)
    async with engine.begin() as conn:
        await record(conn, _event("after"))
    assert await seal(engine) == 1
    assert await _sealed_targets(engine) == ["after"]


async def test_verify_while_a_sealer_commits_reports_no_false_break(engine) -> None:
    """The head is read first and only entries up to it are checked: a seal committing during
    the check adds entries past the head, not a "truncation"."""
    stop = asyncio.Event()

    async def churn() -> None:
        i = 0
        while not stop.is_set():
            async with engine.begin() as conn:
                await record(conn, _event(f"c{i}"))
            await seal(engine)
            i += 1

    workers = [asyncio.create_task(churn()) for _ in range(3)]
    try:
        results = [await AuditService(engine).verify(seal_first=False) for _ in range(40)]
    finally:
        stop.set()
        await asyncio.gather(*workers)
    assert all(broken is None for _, broken in results), results
    assert results[-1][0] > 0


async def test_listing_and_verify_work_on_a_read_only_database(
    engine, settings, db_backend, tmp_path
) -> None:
    """A replica or a read-only role cannot seal: the sealed chain is still listed and verified,
    and `verify` reports what is pending."""
    from sqlalchemy.ext.asyncio import create_async_engine

    async with engine.begin() as conn:
        await record(conn, _event("sealed"))
    await seal(engine)
    async with engine.begin() as conn:
        await record(conn, _event("pending"))
    url = settings.resolved_database_url
    if db_backend == "postgres":
        options = {"server_settings": {"default_transaction_read_only": "on"}}
        if settings.database_schema:
            options["server_settings"]["search_path"] = settings.database_schema
        read_only = create_async_engine(url, connect_args=options)
    else:
        path = url.split("///", 1)[1]
        read_only = create_async_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        service = AuditService(read_only)
        assert await service.verify() == (1, None)
        assert await service.pending() == 1
        page = await service.list_for_tenant("nobody")
        assert page.entries == []
    finally:
        await read_only.dispose()
    assert await seal(engine) == 1  # the writer seals it later


async def test_periodic_pass_leaves_the_work_to_a_sealer_holding_the_head(
    engine, db_backend
) -> None:
    """A periodic pass (wait=False) that finds the head locked by another sealer skips at once
    on PostgreSQL (SKIP LOCKED); with the head free it seals on both back-ends (SQLite has one
    writer at a time, so a pass there simply waits its turn)."""
    from sceau.audit import store

    async with engine.begin() as conn:
        await record(conn, _event("queued"))
    if db_backend == "postgres":
        async with engine.connect() as holder:
            await holder.begin()
            assert await store.lock_head(holder) is not None
            with anyio.fail_after(5):  # does not queue behind the holder
                assert await seal(engine, wait=False) == 0
            await holder.rollback()
    assert await seal(engine, wait=False) == 1
    assert await _sealed_targets(engine) == ["queued"]
