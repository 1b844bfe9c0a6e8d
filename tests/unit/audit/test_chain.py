from __future__ import annotations

import hashlib

import msgspec

from sceau.audit.chain import GENESIS_HASH, ChainVerifier, canonical_bytes, entry_hash
from sceau.audit.models import AuditEntry


def _chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "occurred_at_ms": 1_700_000_000_000 + seq,
            "actor": "cli",
            "tenant": "demo",
            "action": "tenant.update",
            "target": "tenant:demo",
            "request_id": f"r{seq}",
            "details": {"n": seq},
            "prev_hash": prev,
        }
        digest = hashlib.sha256(canonical_bytes(**fields)).hexdigest()  # type: ignore[arg-type]
        entries.append(AuditEntry(**fields, hash=digest))  # type: ignore[arg-type]
        prev = digest
    return entries


def test_canonical_encoding_is_rfc8785_with_sorted_members() -> None:
    encoded = canonical_bytes(
        seq=1,
        occurred_at_ms=2,
        actor="a",
        tenant=None,
        action="x",
        target="t",
        request_id="r",
        details={"b": 1, "a": "é"},
        prev_hash=GENESIS_HASH,
    )
    assert encoded.startswith(b'{"action":"x","actor":"a","details":{"a":"\xc3\xa9","b":1}')
    assert b" " not in encoded


def test_intact_chain_verifies() -> None:
    entries = _chain(5)
    verifier = ChainVerifier()
    verifier.feed(entries)
    assert verifier.finish(5, entries[-1].hash) is None
    assert verifier.checked == 5


def test_edited_entry_is_named_as_first_break() -> None:
    entries = _chain(5)
    entries[2] = msgspec.structs.replace(entries[2], target="tenant:other")
    verifier = ChainVerifier()
    verifier.feed(entries)
    found = verifier.finish(5, entries[-1].hash)
    assert found is not None and found.seq == 3


def test_edited_entry_with_recomputed_hash_breaks_the_next_link() -> None:
    entries = _chain(5)
    edited = msgspec.structs.replace(entries[1], actor="apikey:forged")
    entries[1] = msgspec.structs.replace(edited, hash=entry_hash(edited))
    verifier = ChainVerifier()
    verifier.feed(entries)
    found = verifier.finish(5, entries[-1].hash)
    assert found is not None and found.seq == 3


def test_deleted_entry_is_detected() -> None:
    entries = _chain(5)
    del entries[3]
    verifier = ChainVerifier()
    verifier.feed(entries)
    found = verifier.finish(5, entries[-1].hash)
    assert found is not None and found.seq == 4


def test_truncated_tail_is_detected_against_the_head() -> None:
    entries = _chain(5)
    verifier = ChainVerifier()
    verifier.feed(entries[:3])
    found = verifier.finish(5, entries[-1].hash)
    assert found is not None and found.seq == 4
