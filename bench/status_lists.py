"""Status list benchmark on PostgreSQL: allocations/s (allocate + record, one transaction each)
and revocations/s (change_status with its audit event), at a given concurrency, one process.

Prints JSON lines ``{"bench", "ops_per_s", "p50_ms", "p99_ms", ...}``.

    python bench/status_lists.py [--n 4000] [--concurrency 32]
      (SCEAU_TEST_POSTGRES_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy.engine import make_url

from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.settings import load_settings
from sceau.status_lists.service import StatusListService, allocation_engine_for
from sceau.tenants.service import Actor

PG_URL = os.environ.get(
    "SCEAU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


async def _admin(sql: str) -> None:
    url = make_url(PG_URL).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _run(
    name: str, n: int, concurrency: int, op: Callable[[int], Awaitable[object]]
) -> list[str]:
    samples: list[float] = []
    results: list[str] = []
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            t0 = time.perf_counter()
            results.append(str(await op(i)))
            samples.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    total = time.perf_counter() - start
    samples.sort()
    print(
        json.dumps(
            {
                "bench": name,
                "ops_per_s": round(n / total),
                "p50_ms": round(statistics.median(samples) * 1000, 2),
                "p99_ms": round(samples[int(len(samples) * 0.99) - 1] * 1000, 2),
                "n": n,
                "concurrency": concurrency,
            }
        ),
        flush=True,
    )
    return results


async def main(n: int, concurrency: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE SCHEMA "{schema}"')
    try:
        with tempfile.TemporaryDirectory() as data:
            settings = load_settings(
                {},
                database_url=PG_URL,
                database_schema=schema,
                data_dir=data,
                database_pool_size=concurrency + 4,
                log_level="WARNING",
            )
            engine = create_engine(settings)
            await upgrade(engine)
            service = StatusListService(
                engine,
                public_url="https://bench.example",
                allocation_engine=allocation_engine_for(settings),
            )

            async def issue(i: int) -> str:
                async with engine.begin() as conn:
                    allocation = await service.allocate(conn, tenant_slug="bench", format="vc")
                    return await service.record(
                        conn,
                        tenant_slug="bench",
                        type_id="permit",
                        format="ldp_vc",
                        allocation=allocation,
                        expires_at=None,
                        holder_jkt=None,
                        credential_hash=f"{i:064x}",
                    )

            record_ids = await _run("status_allocate_and_record", n, concurrency, issue)
            actor = Actor("bench", "bench")

            async def revoke(i: int) -> str:
                change = await service.change_status_now(
                    tenant_slug="bench", record_id=record_ids[i], action="revoke", actor=actor
                )
                return change.status

            await _run("status_revoke_audited", n, concurrency, revoke)
            await engine.dispose()
    finally:
        await _admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.concurrency))
