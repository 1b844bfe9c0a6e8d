"""VC API issuing benchmark: ``POST /t/{tenant}/credentials/issue`` with ecdsa-rdfc-2019, through
the real ASGI app (auth, JSON, schema check, status allocation, signing, durable record, commit)
on PostgreSQL, in one process (one app core).

Requests go through httpx's ASGI transport (no socket), so the figure is the app's own cost.
Prints JSON lines ``{"bench", "ops_per_s", "p50_ms", "p99_ms", "cpu_ms_per_op", ...}``; CPU per
op (this process: app plus the in-process client) is the figure to compare on a busy machine.
Target: >= 800/s.

    python bench/issuance_vcapi.py [--requests 2000] [--concurrency 32]
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
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.settings import load_settings
from sceau.tenants.models import TenantCreate
from sceau.tenants.service import Actor
from sceau.web.app import create_app

PG_URL = os.environ.get(
    "SCEAU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
SCHEMA = {
    "type": "object",
    "properties": {
        "given_name": {"type": "string"},
        "family_name": {"type": "string"},
        "permit_number": {"type": "integer"},
    },
    "required": ["given_name", "family_name", "permit_number"],
}
TYPE = {
    "id": "permit",
    "format": "ldp_vc",
    "cryptosuite": "ecdsa-rdfc-2019",
    "vc_type": ["VerifiableCredential", "FishingPermitCredential"],
    "display": {"en-CA": {"name": "Permit"}, "fr-CA": {"name": "Permis"}},
    "claims_schema": SCHEMA,
}


def credential(i: int) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"@vocab": "https://permits.example.gc.ca/vocab#"},
        ],
        "type": ["VerifiableCredential", "FishingPermitCredential"],
        "credentialSubject": {
            "id": f"did:example:holder{i}",
            "given_name": "Jeanne",
            "family_name": "Tremblay",
            "permit_number": i + 1,
        },
    }


async def _admin(sql: str) -> None:
    url = make_url(PG_URL).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run(requests: int, concurrency: int, warmup: int) -> list[dict[str, Any]]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE SCHEMA "{schema}"')
    tmp = tempfile.TemporaryDirectory()
    try:
        settings = load_settings(
            {},
            environment="test",
            data_dir=tmp.name,
            database_url=PG_URL,
            database_schema=schema,
            migrate_on_start=False,
            log_level="WARNING",
            database_pool_size=concurrency + 4,
        )
        engine = create_engine(settings)
        await upgrade(engine)
        app = create_app(settings, engine=engine)
        created = await app.state["tenants"].create_tenant(
            Actor("bench", "bench"), TenantCreate(slug="bench", name_en="B", name_fr="B")
        )
        issuer = await app.state["tenants"].create_api_key(
            Actor("bench", "bench"), "bench", "issuer", "bench"
        )
        # The tenant's ES256 key exists before the load starts (no first-use race for it).
        await app.state["keys"].create_key(Actor("bench", "bench"), "bench", "ES256")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            admin = {"Authorization": f"Bearer {created.admin_key.token}"}
            r = await http.post("/admin/tenants/bench/credential-types", json=TYPE, headers=admin)
            assert r.status_code == 201, r.text
            headers = {"Authorization": f"Bearer {issuer.token}"}
            latencies: list[float] = []

            async def worker(ids: range, record: bool) -> None:
                for i in ids:
                    start = time.perf_counter()
                    resp = await http.post(
                        "/t/bench/credentials/issue",
                        json={"credential": credential(i)},
                        headers=headers,
                    )
                    if resp.status_code != 201:
                        raise RuntimeError(resp.text)
                    if record:
                        latencies.append(time.perf_counter() - start)

            async def batch(total: int, record: bool) -> float:
                per = -(-total // concurrency)
                start = time.perf_counter()
                await asyncio.gather(
                    *(
                        worker(range(w * per, min(total, (w + 1) * per)), record)
                        for w in range(concurrency)
                    )
                )
                return time.perf_counter() - start

            await batch(warmup, False)
            cpu_start = time.process_time()
            elapsed = await batch(requests, True)
            cpu = time.process_time() - cpu_start
        await engine.dispose()
    finally:
        await _admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        tmp.cleanup()
    latencies.sort()
    return [
        {
            "bench": "vcapi.issue.ecdsa-rdfc-2019.postgres",
            "ops_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
            "requests": len(latencies),
            # This process's CPU per request (app + in-process client): robust to a busy machine.
            "cpu_ms_per_op": round(cpu * 1000 / len(latencies), 2),
            "concurrency": concurrency,
        }
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one app core
    for line in asyncio.run(run(args.requests, args.concurrency, args.warmup)):
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
