"""Status index allocation: random, never reused, lists of >= 131,072 entries; records."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.core.errors import InvalidInput
from sceau.settings import Settings
from sceau.status_lists.service import (
    StatusListService,
    StatusListSettings,
    allocation_engine_for,
)
from sceau.status_lists.tables import credential_records, status_lists

pytestmark = pytest.mark.anyio

PUBLIC = "https://sceau.example"


@pytest.fixture
def make_service(settings: Settings, engine: AsyncEngine) -> Callable[..., StatusListService]:
    def make(**config: int) -> StatusListService:
        return StatusListService(
            engine,
            public_url=PUBLIC,
            config=StatusListSettings(**config),
            allocation_engine=allocation_engine_for(settings),
        )

    return make


async def allocate_many(svc: StatusListService, count: int, fmt: str = "dc+sd-jwt") -> list[int]:
    indices = []
    for _ in range(count):
        async with svc.engine.begin() as conn:
            allocation = await svc.allocate(conn, tenant_slug="t1", format=fmt)  # type: ignore[arg-type]
            await svc.record(
                conn,
                tenant_slug="t1",
                type_id="permit",
                format="dc+sd-jwt",
                allocation=allocation,
                expires_at=None,
                holder_jkt=None,
                credential_hash="00" * 32,
            )
            indices.append(allocation.index)
    return indices


async def test_sd_jwt_allocation_references_a_token_status_list(
    engine: AsyncEngine, make_service: Callable[..., StatusListService]
) -> None:
    svc = make_service()
    async with engine.begin() as conn:
        allocation = await svc.allocate(conn, tenant_slug="t1", format="dc+sd-jwt")
    assert allocation.credential_status is None
    ref = allocation.sd_jwt_status
    assert ref is not None
    assert ref["status_list"]["idx"] == allocation.index
    assert ref["status_list"]["uri"] == f"{PUBLIC}/t/t1/status-lists/{allocation.list_ids[0]}"
    assert 0 <= allocation.index < 131_072


async def test_vc_allocation_has_revocation_and_suspension_entries_at_one_index(
    engine: AsyncEngine, make_service: Callable[..., StatusListService]
) -> None:
    svc = make_service()
    async with engine.begin() as conn:
        allocation = await svc.allocate(conn, tenant_slug="t1", format="vc")
    entries = allocation.credential_status
    assert entries is not None
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert {e["statusListIndex"] for e in entries} == {str(allocation.index)}
    base = f"{PUBLIC}/t/t1/status-lists/{allocation.list_ids[0]}"
    assert [e["statusListCredential"] for e in entries] == [
        f"{base}/revocation",
        f"{base}/suspension",
    ]
    assert all(e["type"] == "BitstringStatusListEntry" for e in entries)


async def test_allocated_indices_are_unique_random_and_not_sequential(
    engine: AsyncEngine, make_service: Callable[..., StatusListService]
) -> None:
    svc = make_service()
    indices = await allocate_many(svc, 400)
    assert len(set(indices)) == len(indices)
    runs = sum(1 for a, b in pairwise(indices) if abs(b - a) == 1)
    assert runs <= 2  # a random draw from 131,072 is adjacent with probability ~1.5e-5
    # spread over the whole list: every eighth of the range is hit
    assert {i * 8 // 131_072 for i in indices} == set(range(8))
    assert max(indices) - min(indices) > 100_000
    # ascending order would reveal issuance order
    ascending = sum(1 for a, b in pairwise(indices) if b > a)
    assert 120 < ascending < 280


async def test_lists_have_at_least_131072_entries(
    engine: AsyncEngine, make_service: Callable[..., StatusListService]
) -> None:
    with pytest.raises(ValueError):
        StatusListSettings(list_size=100_000)
    svc = make_service()
    await allocate_many(svc, 1)
    async with engine.connect() as conn:
        sizes = (await conn.execute(select(status_lists.c.size))).scalars().all()
    assert sizes == [131_072]


async def test_index_is_never_reused_and_a_new_list_opens_when_one_fills(
    engine: AsyncEngine, make_service: Callable[..., StatusListService]
) -> None:
    svc = make_service(allocation_block=1)
    await allocate_many(svc, 3)
    # Fill the list up to its last positions (as if 131,070 credentials had been issued).
    async with engine.begin() as conn:
        await conn.execute(status_lists.update().values(next_position=131_070))
    indices = await allocate_many(svc, 3)
    async with engine.connect() as conn:
        lists = (await conn.execute(select(status_lists.c.id, status_lists.c.next_position))).all()
        per_list = (
            await conn.execute(
                select(credential_records.c.status_list_id, func.count()).group_by(
                    credential_records.c.status_list_id
                )
            )
        ).all()
    assert len(lists) == 2
    assert sum(n for _, n in per_list) == 6
    assert len(set(indices)) == 3


async def test_concurrent_allocations_never_share_an_index(
    engine: AsyncEngine, make_service: Callable[..., StatusListService]
) -> None:
    svc = make_service()

    async def one() -> tuple[str, int]:
        async with engine.begin() as conn:
            allocation = await svc.allocate(conn, tenant_slug="t1", format="vc")
        return allocation.list_ids[0], allocation.index

    got = await asyncio.gather(*(one() for _ in range(100)))
    assert len(set(got)) == 100


async def test_two_app_processes_allocate_disjoint_indices(
    make_service: Callable[..., StatusListService],
) -> None:
    first, second = make_service(), make_service()  # separate in-memory blocks
    a = await allocate_many(first, 30)
    b = await allocate_many(second, 30)
    a += await allocate_many(first, 30)
    assert len(set(a) | set(b)) == 90


async def test_record_keeps_no_claim_values_without_a_retention_period(
    engine: AsyncEngine, make_service: Callable[..., StatusListService]
) -> None:
    svc = make_service()
    async with engine.begin() as conn:
        with pytest.raises(InvalidInput) as err:
            await svc.record(
                conn,
                tenant_slug="t1",
                type_id="permit",
                format="dc+sd-jwt",
                allocation=None,
                expires_at=None,
                holder_jkt=None,
                credential_hash="ab" * 32,
                claims={"given_name": "Marie"},
            )
        assert err.value.code == "claims_without_retention"
        plain = await svc.record(
            conn,
            tenant_slug="t1",
            type_id="permit",
            format="dc+sd-jwt",
            allocation=None,
            expires_at=1_900_000_000,
            holder_jkt="NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
            credential_hash="ab" * 32,
        )
        kept = await svc.record(
            conn,
            tenant_slug="t1",
            type_id="permit",
            format="dc+sd-jwt",
            allocation=None,
            expires_at=None,
            holder_jkt=None,
            credential_hash="cd" * 32,
            claims={"given_name": "Marie"},
            retention_until=1_900_000_000,
        )
    async with engine.connect() as conn:
        rows = dict(
            (await conn.execute(select(credential_records.c.id, credential_records.c.claims))).all()
        )
    assert rows[plain] is None
    assert rows[kept] == {"given_name": "Marie"}
    record = await svc.get_record("t1", plain)
    assert record.holder_jkt == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    assert record.status == "valid"
