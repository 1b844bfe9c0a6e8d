"""Audit use cases: record an event in the caller's transaction, seal, list, verify the chain.

Two steps, so that audited changes never queue on one shared lock:

1. :func:`record` inserts the event into ``audit_pending`` on the caller's connection, in the
   transaction that makes the change: both commit or neither does, and concurrent changes (on any
   number of servers) do not wait for one another.
2. :func:`seal` appends pending events to the hash chain (``audit_events``) in ``id`` order, in
   batches, under the chain head's lock, and deletes them from ``audit_pending`` in the same
   transaction. Every app process seals every ``SCEAU_AUDIT_SEAL_INTERVAL_S`` (1 s by default);
   listing and verifying seal first, so they always show every committed event.

A pending event is not yet protected by the chain: the window in which it could be altered
without detection is the seal interval (as a transparency log's merge delay).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import rfc8785
import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.audit import store
from sceau.audit.chain import GENESIS_HASH, ChainBreak, ChainVerifier, canonical_bytes
from sceau.audit.models import AuditEntry, AuditEvent, AuditPage
from sceau.db.engine import autocommit

MAX_FIELD = {"actor": 100, "action": 100, "target": 200, "request_id": 64}
# Events sealed per transaction: bounds how long a seal holds the head lock.
SEAL_BATCH = 500

log = structlog.get_logger("sceau.audit")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def record(conn: AsyncConnection, event: AuditEvent, *, at_ms: int | None = None) -> None:
    """Record ``event`` on ``conn``, inside the caller's transaction (sealed into the chain later).

    Call it in the same transaction as the change it describes, so both commit or neither does::

        async with engine.begin() as conn:
            await tenants_store.insert(conn, ...)
            await record(conn, AuditEvent(actor=..., action="tenant.create", ...))
    """
    for name, limit in MAX_FIELD.items():
        if len(getattr(event, name)) > limit:
            raise ValueError(f"audit {name} longer than {limit} characters")
    row: dict[str, Any] = {
        "occurred_at_ms": now_ms() if at_ms is None else at_ms,
        "actor": event.actor,
        "tenant": event.tenant,
        "action": event.action,
        "target": event.target,
        "request_id": event.request_id,
        "details": dict(event.details),
    }
    try:
        # What the sealer will encode (RFC 8785 refuses e.g. integers beyond 2**53): refused
        # here, with the change, rather than stopping every later seal.
        canonical_bytes(seq=1, prev_hash=GENESIS_HASH, **row)
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(f"audit event cannot be canonicalized: {exc}") from None
    await store.insert_pending(conn, row)


def _chain(pending: list[Any], seq: int, prev_hash: str) -> list[AuditEntry]:
    """The chain entries for ``pending`` rows, continuing after ``(seq, prev_hash)``."""
    entries: list[AuditEntry] = []
    for row in pending:
        seq += 1
        fields: dict[str, Any] = {
            "occurred_at_ms": int(row.occurred_at_ms),
            "actor": row.actor,
            "tenant": row.tenant,
            "action": row.action,
            "target": row.target,
            "request_id": row.request_id,
            "details": dict(row.details),
        }
        digest = hashlib.sha256(canonical_bytes(seq=seq, prev_hash=prev_hash, **fields)).hexdigest()
        entries.append(AuditEntry(seq=seq, prev_hash=prev_hash, hash=digest, **fields))
        prev_hash = digest
    return entries


async def seal(engine: AsyncEngine, *, batch: int = SEAL_BATCH, wait: bool = True) -> int:
    """Append every pending event to the chain; returns how many were sealed.

    Each batch is one transaction: lock the head, read the oldest pending rows, append them with
    contiguous ``seq`` and linked hashes, delete them, move the head. Sealers on several servers
    take turns on the head lock; one that comes second finds the rows already gone. An event
    committed while a batch runs is sealed by the next one. With ``wait=False`` (the periodic
    passes) a pass that finds another sealer at work on PostgreSQL leaves the work to it.
    """
    async with autocommit(engine).connect() as conn:  # nothing to seal: one read, no write
        if not await store.any_pending(conn):
            return 0
    sealed = 0
    while True:
        async with engine.begin() as conn:
            head = await store.lock_head(conn, wait=wait)
            if head is None:
                return sealed  # another sealer holds the head: it takes these rows
            seq, prev_hash = head
            pending = await store.oldest_pending(conn, batch)
            if pending:
                entries = _chain(pending, seq, prev_hash)
                await store.append_sealed(conn, entries, [int(row.id) for row in pending])
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


async def seal_periodically(
    engine: AsyncEngine,
    interval_s: float,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    jitter: Callable[[], float] = random.random,
    observe: Callable[[int | None], None] = lambda _sealed: None,
) -> None:
    """Run :func:`seal` every ``interval_s`` seconds until cancelled (the app's shutdown).

    A failing pass (database briefly unreachable) is logged and retried at the next tick; the
    events stay pending meanwhile, so none is lost. ``observe`` gets each pass's count, or None
    for a failed pass (the app's metrics).
    """
    await sleep(interval_s * jitter())
    while True:
        try:
            sealed: int | None = await seal(engine, wait=False)
        except Exception:
            log.exception("audit_seal_failed")
            sealed = None
        try:
            observe(sealed)
        except Exception:  # metrics must not stop the sealer
            log.exception("audit_seal_observe_failed")
        await sleep(interval_s)


class AuditService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def seal(self) -> int:
        return await seal(self.engine)

    async def _seal_before_reading(self) -> None:
        """Seal first so a read shows every committed event; a database this process may only
        read (a replica, a read-only role) still lists and verifies the sealed chain."""
        try:
            await seal(self.engine)
        except DBAPIError as exc:
            log.warning("audit_seal_before_read_failed", error=type(exc.orig).__name__)

    async def list_for_tenant(self, tenant: str, *, after: int = 0, limit: int = 100) -> AuditPage:
        await self._seal_before_reading()
        async with self.engine.connect() as conn:
            entries = await store.list_for_tenant(conn, tenant, after=after, limit=limit + 1)
        more = len(entries) > limit
        entries = entries[:limit]
        return AuditPage(entries=entries, next_after=entries[-1].seq if more else None)

    async def verify(self, *, seal_first: bool = True) -> tuple[int, ChainBreak | None]:
        """Seal pending events (unless ``seal_first`` is false), then check the chain up to the
        head; returns ``(entries checked, first break or None)``.

        The head is read first and only entries up to its ``seq`` are checked: entries and head
        move in one transaction, so a sealer that commits meanwhile adds entries past the head
        read, which are left for the next check instead of looking like a truncation.
        """
        if seal_first:
            await self._seal_before_reading()
        verifier = ChainVerifier()
        async with self.engine.connect() as conn:
            head_seq, head_hash = await store.head(conn)
            async for batch in store.iter_all(conn, up_to=head_seq):
                verifier.feed(batch)
                if verifier.first_break:
                    break
        return verifier.checked, verifier.finish(head_seq, head_hash)

    async def pending(self) -> int:
        """Events recorded but not yet sealed into the chain."""
        async with autocommit(self.engine).connect() as conn:
            return await store.count_pending(conn)
