"""The hash chain: canonical encoding of an entry and verification of a sequence of entries.

Canonical encoding (version 1): the JSON object

    {"v": 1, "seq", "occurred_at_ms", "actor", "tenant", "action", "target", "request_id",
     "details", "prev_hash"}

serialised with RFC 8785 (JSON Canonicalization Scheme), then ``hash = hex(SHA-256(bytes))``.
``prev_hash`` of entry 1 is 64 zeros; entry n holds the hash of entry n-1; sequence numbers are
contiguous from 1; the chain head row holds the newest ``seq`` and ``hash``. Events are recorded
as pending rows and sealed into the chain afterwards (``sceau.audit.service``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rfc8785

from sceau.audit.models import AuditEntry, DetailValue

GENESIS_HASH = "0" * 64
CHAIN_VERSION = 1


def canonical_bytes(
    *,
    seq: int,
    occurred_at_ms: int,
    actor: str,
    tenant: str | None,
    action: str,
    target: str,
    request_id: str,
    details: dict[str, DetailValue],
    prev_hash: str,
) -> bytes:
    document: dict[str, Any] = {
        "v": CHAIN_VERSION,
        "seq": seq,
        "occurred_at_ms": occurred_at_ms,
        "actor": actor,
        "tenant": tenant,
        "action": action,
        "target": target,
        "request_id": request_id,
        "details": details,
        "prev_hash": prev_hash,
    }
    return rfc8785.dumps(document)


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(
        canonical_bytes(
            seq=entry.seq,
            occurred_at_ms=entry.occurred_at_ms,
            actor=entry.actor,
            tenant=entry.tenant,
            action=entry.action,
            target=entry.target,
            request_id=entry.request_id,
            details=entry.details,
            prev_hash=entry.prev_hash,
        )
    ).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why."""

    seq: int
    reason: str


@dataclass
class ChainVerifier:
    """Feeds entries in ``seq`` order; remembers the first break."""

    expected_seq: int = 1
    prev_hash: str = GENESIS_HASH
    checked: int = 0
    first_break: ChainBreak | None = None

    def feed(self, entries: Iterable[AuditEntry]) -> None:
        for entry in entries:
            if self.first_break is not None:
                return
            self.checked += 1
            if entry.seq != self.expected_seq:
                self.first_break = ChainBreak(
                    self.expected_seq, f"missing entry (found seq {entry.seq})"
                )
            elif entry.prev_hash != self.prev_hash:
                self.first_break = ChainBreak(
                    entry.seq, "prev_hash does not match the previous entry"
                )
            elif entry_hash(entry) != entry.hash:
                self.first_break = ChainBreak(entry.seq, "content does not match its hash (edited)")
            else:
                self.expected_seq += 1
                self.prev_hash = entry.hash

    def finish(self, head_seq: int, head_hash: str) -> ChainBreak | None:
        """Check the end of the chain against the head row (detects truncation)."""
        if self.first_break is not None:
            return self.first_break
        last_seq = self.expected_seq - 1
        if head_seq != last_seq or head_hash != self.prev_hash:
            return ChainBreak(
                last_seq + 1, f"chain head (seq {head_seq}) does not match the last entry"
            )
        return None
