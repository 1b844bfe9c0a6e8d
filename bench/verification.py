"""Verification benchmark: VC API verify (SD-JWT VC presentation, ecdsa-rdfc-2019 credential) and
the full OpenID4VP cross-device exchange, against ONE app process (``sceau run``, granian, pinned
to one core) on PostgreSQL. Clients run in this process on another core with the minimal
HTTP/1.1 client of ``bench/issuance.py``; status lists are served from here by a local HTTP server
and cached by the app after the first fetch (per their TTL, as in production).

- ``vcapi.verify.sd-jwt-vc``: ``POST /t/{t}/presentations/verify`` with an SD-JWT VC + KB-JWT
  (issuer signature, disclosures, key binding, trust policy, Token Status List).
- ``vcapi.verify.ecdsa-rdfc-2019``: ``POST /t/{t}/credentials/verify`` (RDFC-1.0, proof, trust,
  two Bitstring Status List checks).
- ``oid4vp.exchange.sd-jwt-vc``: create request (admin API) → ``POST request_uri`` (signed JAR,
  wallet_nonce) → wallet builds the presentation (minimum disclosures + KB-JWT, client core) →
  ``POST response_uri`` (``direct_post``) → ``GET result`` (claims released once). One op = the
  four requests.

Prints one JSON line ``{"bench", "ops_per_s", "p50_ms", "p99_ms", "app_cpu_ms_per_op", ...}`` per
scenario; ``app_cpu_ms_per_op`` gives the per-core capacity (1000 / it).
Targets (issue 5, per app core): 3,000 SD-JWT VC verifications/s, 800 ecdsa-rdfc-2019
verifications/s, 800 exchanges/s.

    python bench/verification.py [--requests 3000] [--concurrency 32]
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
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import msgspec
from cryptography import x509

from sceau.core.jose import sign_compact_sync, verify_compact
from sceau.core.sdjwt import kb_jwt_payload
from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.settings import load_settings
from sceau.tenants.models import TenantCreate
from sceau.tenants.service import Actor, TenantService

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
# The test issuer (core-made credentials, local status-list server) and the wallet side.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from oid4vp.holder import AuthorizationRequest, sd_jwt_presentation  # noqa: E402
from verification.world import VCT, Holder, Issuer, StatusServer, verifier_config  # noqa: E402

PG_URL = os.environ.get(
    "SCEAU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["age_over_18"]}],
        }
    ]
}
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


async def measure(
    name: str,
    op: Callable[[Http, int], Awaitable[None]],
    connect: Callable[[], Http],
    requests: int,
    concurrency: int,
    warmup: int,
    app_pid: int,
) -> dict[str, Any]:
    latencies: list[float] = []

    async def batch(total: int, record: bool) -> float:
        counter = iter(range(total))

        async def worker() -> None:
            http = connect()
            for i in counter:
                start = time.perf_counter()
                await op(http, i)
                if record:
                    latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start

    await batch(warmup, False)
    cpu_before = _cpu_seconds(app_pid)
    elapsed = await batch(requests, True)
    app_cpu = _cpu_seconds(app_pid) - cpu_before
    latencies.sort()
    return {
        "bench": name,
        "ops_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2),
        "requests": len(latencies),
        "concurrency": concurrency,
        "app_cpu_ms_per_op": round(app_cpu * 1000 / max(1, len(latencies)), 3),
        "app_cpu_utilisation": round(app_cpu / elapsed, 2),
    }


def _check(status: int, body: bytes, want: int = 200) -> bytes:
    if status != want:
        raise RuntimeError(f"{status}: {body[:300]!r}")
    return body


async def run(
    requests: int, concurrency: int, warmup: int, app_core: int, only: str
) -> list[dict[str, Any]]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await _admin_sql(f'CREATE SCHEMA "{schema}"')
    tmp = tempfile.TemporaryDirectory()
    port = _free_port()
    public_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCEAU_ENVIRONMENT": "test",  # the status-list server is on loopback (dev/test fetch)
        "SCEAU_DATA_DIR": tmp.name,
        "SCEAU_DATABASE_URL": PG_URL,
        "SCEAU_DATABASE_SCHEMA": schema,
        "SCEAU_DATABASE_POOL_SIZE": str(concurrency + 4),
        "SCEAU_MIGRATE_ON_START": "false",
        "SCEAU_LOG_LEVEL": "WARNING",
        "SCEAU_PUBLIC_URL": public_url,
    }
    server = StatusServer()
    proc: subprocess.Popen[bytes] | None = None
    out: list[dict[str, Any]] = []
    try:
        settings = load_settings(env)
        engine = create_engine(settings)
        await upgrade(engine)
        tenants = TenantService(engine)
        created = await tenants.create_tenant(
            Actor("bench", "bench"), TenantCreate(slug="bench", name_en="B", name_fr="B")
        )
        verifier_key = await tenants.create_api_key(
            Actor("bench", "bench"), "bench", "verifier", "bench"
        )
        await engine.dispose()
        proc = await start_app(env, port, app_core)

        def connect() -> Http:
            return Http("127.0.0.1", port)

        issuer, holder = Issuer(server), Holder()
        await issuer.publish(ttl=3600)
        admin = {"Authorization": f"Bearer {created.admin_key.token}", "Content-Type": JSON}
        config = msgspec.json.decode(
            _check(
                *await connect().request(
                    "PUT",
                    "/admin/tenants/bench/verifier",
                    admin,
                    msgspec.json.encode(verifier_config([issuer])),
                )
            )
        )
        leaf = x509.load_pem_x509_certificate(config["x509_chain_pem"][0].encode())
        headers = {"Authorization": f"Bearer {verifier_key.token}", "Content-Type": JSON}

        sd_jwt = issuer.sd_jwt_vc(holder)

        def presentation_body() -> bytes:
            kb = kb_jwt_payload(
                sd_jwt, "sha-256", audience="https://rp.example", nonce="n", iat=int(time.time())
            )
            vp = sd_jwt + sign_compact_sync({"typ": "kb+jwt"}, kb, holder.kb_signer)
            return msgspec.json.encode(
                {
                    "verifiablePresentation": vp,
                    "options": {"challenge": "n", "domain": "https://rp.example"},
                }
            )

        # The verifier accepts a KB-JWT up to 60 s old (its leeway): renewed every 20 s.
        sd_body, sd_built = presentation_body(), time.monotonic()

        async def verify_sd_jwt(http: Http, _: int) -> None:
            nonlocal sd_body, sd_built
            if time.monotonic() - sd_built > 20:
                sd_body, sd_built = presentation_body(), time.monotonic()
            _check(*await http.request("POST", "/t/bench/presentations/verify", headers, sd_body))

        if only in "vcapi.verify.sd-jwt-vc.postgres":
            out.append(
                await measure(
                    "vcapi.verify.sd-jwt-vc.postgres",
                    verify_sd_jwt,
                    connect,
                    requests,
                    concurrency,
                    warmup,
                    proc.pid,
                )
            )

        di_body = msgspec.json.encode({"verifiableCredential": issuer.di_vc(holder)})

        async def verify_di(http: Http, _: int) -> None:
            _check(*await http.request("POST", "/t/bench/credentials/verify", headers, di_body))

        if only in "vcapi.verify.ecdsa-rdfc-2019.postgres":
            out.append(
                await measure(
                    "vcapi.verify.ecdsa-rdfc-2019.postgres",
                    verify_di,
                    connect,
                    requests,
                    concurrency,
                    warmup,
                    proc.pid,
                )
            )

        credential = issuer.sd_jwt_vc(holder)
        create_body = msgspec.json.encode({"dcql_query": QUERY, "purpose": "age"})
        form = {"Content-Type": FORM}

        async def exchange(http: Http, _: int) -> None:
            created = msgspec.json.decode(
                _check(
                    *await http.request(
                        "POST", "/admin/tenants/bench/presentation-requests", headers, create_body
                    ),
                    201,
                )
            )
            query = parse_qs(urlsplit(created["authorization_request_uri"]).query)
            request_path = urlsplit(query["request_uri"][0]).path
            jar = _check(
                *await http.request("POST", request_path, form, b"wallet_nonce=w1")
            ).decode()
            # The wallet validated the verifier's chain once; per request it checks the JAR.
            payload = verify_compact(jar, leaf.public_key()).claims  # type: ignore[arg-type]
            request = AuthorizationRequest(query["client_id"][0], dict(payload), {})
            presentation = sd_jwt_presentation(credential, request, holder.kb_signer)
            response = urlencode(
                {"vp_token": json.dumps({"pid": [presentation]}), "state": payload["state"]}
            ).encode()
            _check(*await http.request("POST", "/t/bench/oid4vp/response", form, response))
            result_path = urlsplit(created["result_uri"]).path
            result = msgspec.json.decode(
                _check(
                    *await http.request(
                        "GET", result_path, {"Authorization": f"Bearer {created['secret']}"}
                    )
                )
            )
            if result["status"] != "verified":
                raise RuntimeError(result)

        if only in "oid4vp.exchange.sd-jwt-vc.postgres":
            out.append(
                await measure(
                    "oid4vp.exchange.sd-jwt-vc.postgres",
                    exchange,
                    connect,
                    max(1, requests // 3),
                    concurrency,
                    max(1, warmup // 3),
                    proc.pid,
                )
            )
            out[-1]["http_requests_per_op"] = 4
            out[-1]["status_list_fetches_total"] = len(server.hits)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
        server.close()
        await _admin_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        tmp.cleanup()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--app-core", type=int, default=0)
    parser.add_argument(
        "--only", default="", help="run only the scenarios whose name contains this text"
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0) - {args.app_core})
        if cores:
            os.sched_setaffinity(0, set(cores[:1]))  # clients on another core than the app
    lines = asyncio.run(run(args.requests, args.concurrency, args.warmup, args.app_core, args.only))
    for line in lines:
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
