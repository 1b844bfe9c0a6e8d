"""VC API issuing benchmark: ``POST /t/{tenant}/credentials/issue`` with ecdsa-rdfc-2019 (auth,
JSON, schema check, status allocation, RDFC-1.0 signing, durable record, commit) against ONE app
process (``sceau run``, granian, pinned to one core) on PostgreSQL, like ``bench/issuance.py`` and
``bench/verification.py``: the clients run in this process on another core with their minimal
HTTP/1.1 client, and ``app_cpu_ms_per_op`` is the app's own CPU per issued credential (per-core
capacity = 1000 / it).
Prints one JSON line ``{"bench", "ops_per_s", "p50_ms", "p99_ms", "app_cpu_ms_per_op", ...}``.
Target (issue 4, per app core): >= 800/s.

    python bench/issuance_vcapi.py [--requests 3000] [--concurrency 32]
      (SCEAU_TEST_POSTGRES_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import msgspec

from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.settings import load_settings
from sceau.tenants.models import TenantCreate
from sceau.tenants.service import Actor
from sceau.web.app import create_app

# The minimal HTTP client and process helpers of the issuance bench (loaded by path: the name
# `issuance` is also a test package).
_spec = importlib.util.spec_from_file_location(
    "bench_issuance", Path(__file__).resolve().parent / "issuance.py"
)
assert _spec is not None and _spec.loader is not None
_issuance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_issuance)
Http, _admin_sql, _cpu_seconds, _free_port, start_app = (
    _issuance.Http,
    _issuance._admin_sql,
    _issuance._cpu_seconds,
    _issuance._free_port,
    _issuance.start_app,
)

JSON = "application/json"
ISSUE_PATH = "/t/bench/credentials/issue"
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


async def run(requests: int, concurrency: int, warmup: int, app_core: int) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await _admin_sql(f'CREATE SCHEMA "{schema}"')
    tmp = tempfile.TemporaryDirectory()
    port = _free_port()
    env = {
        **os.environ,
        "SCEAU_ENVIRONMENT": "test",
        "SCEAU_DATA_DIR": tmp.name,
        "SCEAU_DATABASE_URL": PG_URL,
        "SCEAU_DATABASE_SCHEMA": schema,
        "SCEAU_DATABASE_POOL_SIZE": str(concurrency + 4),
        "SCEAU_MIGRATE_ON_START": "false",
        "SCEAU_LOG_LEVEL": "WARNING",
        "SCEAU_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    proc: subprocess.Popen[bytes] | None = None
    latencies: list[float] = []
    try:
        settings = load_settings(env)
        engine = create_engine(settings)
        await upgrade(engine)
        setup = create_app(settings, engine=engine)
        created = await setup.state["tenants"].create_tenant(
            Actor("bench", "bench"), TenantCreate(slug="bench", name_en="B", name_fr="B")
        )
        issuer = await setup.state["tenants"].create_api_key(
            Actor("bench", "bench"), "bench", "issuer", "bench"
        )
        # The tenant's ES256 key exists before the load starts (no first-use race for it).
        await setup.state["keys"].create_key(Actor("bench", "bench"), "bench", "ES256")
        await engine.dispose()
        proc = await start_app(env, port, app_core)
        admin = {"Authorization": f"Bearer {created.admin_key.token}", "Content-Type": JSON}
        status, body = await Http("127.0.0.1", port).request(
            "POST", "/admin/tenants/bench/credential-types", admin, msgspec.json.encode(TYPE)
        )
        assert status == 201, body
        headers = {"Authorization": f"Bearer {issuer.token}", "Content-Type": JSON}

        async def worker(ids: range, record: bool) -> None:
            http = Http("127.0.0.1", port)
            for i in ids:
                start = time.perf_counter()
                body = msgspec.json.encode({"credential": credential(i)})
                status, out = await http.request(
                    "POST", "/t/bench/credentials/issue", headers, body
                )
                if status != 201:
                    raise RuntimeError(f"{status} {out[:300]!r}")
                if record:
                    latencies.append(time.perf_counter() - start)

        async def batch(first: int, total: int, record: bool) -> float:
            per = -(-total // concurrency)
            start = time.perf_counter()
            await asyncio.gather(
                *(
                    worker(range(first + w * per, first + min(total, (w + 1) * per)), record)
                    for w in range(concurrency)
                )
            )
            return time.perf_counter() - start

        await batch(0, warmup, False)
        cpu_before = _cpu_seconds(proc.pid)
        elapsed = await batch(warmup, requests, True)
        app_cpu = _cpu_seconds(proc.pid) - cpu_before
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
        await _admin_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        tmp.cleanup()
    latencies.sort()
    return {
        "bench": "vcapi.issue.ecdsa-rdfc-2019.postgres",
        "ops_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "requests": len(latencies),
        "concurrency": concurrency,
        "app_cpu_ms_per_op": round(app_cpu * 1000 / max(1, len(latencies)), 3),
        "app_cpu_utilisation": round(app_cpu / elapsed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--app-core", type=int, default=0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0) - {args.app_core})
        if cores:
            os.sched_setaffinity(0, set(cores[:1]))  # clients on another core than the app
    record = asyncio.run(run(args.requests, args.concurrency, args.warmup, args.app_core))
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
