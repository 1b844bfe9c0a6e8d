"""Audit use cases: record an event in the caller's transaction, list, verify the chain."""

from __future__ import annotations

import hashlib
import time

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.audit import store
from sceau.audit.chain import ChainBreak, ChainVerifier, canonical_bytes
from sceau.audit.models import AuditEntry, AuditEvent, AuditPage

MAX_FIELD = {"actor": 100, "action": 100, "target": 200, "request_id": 64}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def record(
    conn: AsyncConnection, event: AuditEvent, *, at_ms: int | None = None
) -> AuditEntry:
    """Append ``event`` to the chain on ``conn``, inside the caller's transaction.

    Call it in the same transaction as the change it describes, so both commit or neither does::

        async with engine.begin() as conn:
            await tenants_store.insert(conn, ...)
            await record(conn, AuditEvent(actor=..., action="tenant.create", ...))
    """
    for name, limit in MAX_FIELD.items():
        if len(getattr(event, name)) > limit:
            raise ValueError(f"audit {name} longer than {limit} characters")
    seq, prev_hash = await store.advance_head(conn)
    occurred = now_ms() if at_ms is None else at_ms
    digest = hashlib.sha256(
        canonical_bytes(
            seq=seq,
            occurred_at_ms=occurred,
            actor=event.actor,
            tenant=event.tenant,
            action=event.action,
            target=event.target,
            request_id=event.request_id,
            details=event.details,
            prev_hash=prev_hash,
        )
    ).hexdigest()
    entry = AuditEntry(
        seq=seq,
        occurred_at_ms=occurred,
        actor=event.actor,
        tenant=event.tenant,
        action=event.action,
        target=event.target,
        request_id=event.request_id,
        details=dict(event.details),
        prev_hash=prev_hash,
        hash=digest,
    )
    await store.append(conn, entry)
    return entry


class AuditService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def list_for_tenant(self, tenant: str, *, after: int = 0, limit: int = 100) -> AuditPage:
        async with self.engine.connect() as conn:
            entries = await store.list_for_tenant(conn, tenant, after=after, limit=limit + 1)
        more = len(entries) > limit
        entries = entries[:limit]
        return AuditPage(entries=entries, next_after=entries[-1].seq if more else None)

    async def verify(self) -> tuple[int, ChainBreak | None]:
        """Check the whole chain; returns ``(entries checked, first break or None)``."""
        verifier = ChainVerifier()
        async with self.engine.connect() as conn:
            async for batch in store.iter_all(conn):
                verifier.feed(batch)
                if verifier.first_break:
                    break
            head_seq, head_hash = await store.head(conn)
        return verifier.checked, verifier.finish(head_seq, head_hash)
