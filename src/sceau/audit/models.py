"""Audit events: what is recorded, and the wire model that lists them."""

from __future__ import annotations

import msgspec

# Values in ``details`` are small scalars: never secrets, tokens or personal data.
DetailValue = str | int | bool | None


class AuditEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A security event to record. ``actor`` is e.g. ``apikey:<key_id>`` or ``cli``."""

    actor: str
    action: str
    target: str
    tenant: str | None
    request_id: str
    details: dict[str, DetailValue] = msgspec.field(default_factory=dict)


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A recorded event, as stored and as listed by ``GET /admin/tenants/{slug}/audit``."""

    seq: int
    occurred_at_ms: int
    actor: str
    tenant: str | None
    action: str
    target: str
    request_id: str
    details: dict[str, DetailValue]
    prev_hash: str
    hash: str


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    entries: list[AuditEntry]
    # Pass as ``after`` to get the next page; absent on the last page.
    next_after: int | None = None
