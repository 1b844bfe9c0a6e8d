"""OpenID4VCI end-to-end issuance benchmark: pre-authorized code → token → nonce → credential
(SD-JWT VC), against ONE app process (``sceau run``, granian, pinned to one core) on PostgreSQL.

Per issuance the wallet sends three requests over a keep-alive connection: ``POST /token`` (DPoP
proof), ``POST /nonce``, ``POST /credential`` (DPoP proof with ``ath`` + an
``openid4vci-proof+jwt`` key proof). The server verifies both proofs and the DPoP jti, consumes
the pre-authorized code and the c_nonce, allocates a status index, signs, records the credential
and commits. **Offer creation is excluded** from the timing (offers are created beforehand through
``POST /admin/tenants/{slug}/offers``). The clients run in this process, on another core, with a
minimal HTTP/1.1 client so that they are not the bottleneck.

Prints one JSON line ``{"bench", "ops_per_s", "p50_ms", "p99_ms", ...}`` per run.
Target: >= 1,000 issuances/s and p99 < 50 ms at 32 concurrent clients.

    python bench/issuance.py [--requests 3000] [--concurrency 32]
      (SCEAU_TEST_POSTGRES_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from sqlalchemy.engine import make_url

from sceau.core.encoding import b64url_encode
from sceau.core.jose import SoftwareSigner, generate_private_key, sign_compact_sync
from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.settings import load_settings
from sceau.tenants.models import TenantCreate
from sceau.tenants.service import Actor, TenantService

PG_URL = os.environ.get(
    "SCEAU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
TYPE = {
    "id": "permit",
    "format": "dc+sd-jwt",
    "vct": "https://permits.example.gc.ca/permit",
    "display": {"en-CA": {"name": "Permit"}, "fr-CA": {"name": "Permis"}},
    "claims_schema": {
        "type": "object",
        "properties": {
            "given_name": {"type": "string"},
            "family_name": {"type": "string"},
            "permit_number": {"type": "integer"},
        },
        "required": ["given_name", "family_name"],
    },
    "status_enabled": True,
}


class Http:
    """A minimal HTTP/1.1 keep-alive client (Content-Length and chunked bodies)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.strip()
        if "content-length" in fields:
            data = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            data = b"".join(chunks)
        else:
            data = b""
        return status, data


def _cpu_seconds(root: int) -> float:
    """utime + stime of a process and its descendants (Linux /proc): granian runs workers."""
    stats: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, total, changed = {root}, 0.0, True
    while changed:
        changed = False
        for pid, (ppid, _) in stats.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    for pid in tree:
        total += stats.get(pid, (0, 0.0))[1]
    return total


async def start_app(env: dict[str, str], port: int, app_core: int) -> subprocess.Popen[bytes]:
    """``sceau run`` on ``port`` pinned to ``app_core``, once ``/healthz`` answers (30 s at most).

    The caller stops it (``terminate``) in its ``finally``."""
    sceau = Path(sys.executable).with_name("sceau")
    proc = subprocess.Popen(  # noqa: ASYNC220 - a long-lived server, stopped by the caller
        [str(sceau), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.sched_setaffinity(0, {app_core}),
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            status, _ = await Http("127.0.0.1", port).request("GET", "/healthz", {})
            if status == 200:
                return proc
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.terminate()
            raise RuntimeError("server did not start")
        await asyncio.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _admin_sql(sql: str) -> None:
    url = make_url(PG_URL).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _dpop(key: SoftwareSigner, jwk: dict[str, Any], url: str, token: str | None = None) -> str:
    claims: dict[str, Any] = {
        "jti": secrets.token_urlsafe(12),
        "htm": "POST",
        "htu": url,
        "iat": int(time.time()),
    }
    if token is not None:
        claims["ath"] = b64url_encode(hashlib.sha256(token.encode()).digest())
    return sign_compact_sync({"typ": "dpop+jwt", "jwk": jwk}, claims, key)


async def issue_one(http: Http, issuer: str, base_path: str, code: str) -> None:
    """One complete wallet flow; raises unless a credential came back."""
    key = SoftwareSigner(generate_private_key())
    jwk = key.public_jwk
    form = f"grant_type={PRE_AUTH}&pre-authorized_code={code}".encode()
    status, body = await http.request(
        "POST",
        f"{base_path}/token",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "DPoP": _dpop(key, jwk, f"{issuer}/token"),
        },
        form,
    )
    if status != 200:
        raise RuntimeError(f"token {status} {body!r}")
    token = msgspec.json.decode(body)["access_token"]
    status, body = await http.request("POST", f"{base_path}/nonce", {})
    if status != 200:
        raise RuntimeError(f"nonce {status} {body!r}")
    nonce = msgspec.json.decode(body)["c_nonce"]
    proof = sign_compact_sync(
        {"typ": "openid4vci-proof+jwt", "jwk": jwk},
        {"aud": issuer, "iat": int(time.time()), "nonce": nonce},
        key,
    )
    request = msgspec.json.encode(
        {"credential_configuration_id": "permit", "proofs": {"jwt": [proof]}}
    )
    status, body = await http.request(
        "POST",
        f"{base_path}/credential",
        {
            "Content-Type": "application/json",
            "Authorization": f"DPoP {token}",
            "DPoP": _dpop(key, jwk, f"{issuer}/credential", token),
        },
        request,
    )
    if status != 200 or b"credentials" not in body:
        raise RuntimeError(f"credential {status} {body!r}")


async def run(requests: int, concurrency: int, warmup: int, app_core: int) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await _admin_sql(f'CREATE SCHEMA "{schema}"')
    tmp = tempfile.TemporaryDirectory()
    port = _free_port()
    public_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCEAU_ENVIRONMENT": "test",
        "SCEAU_DATA_DIR": tmp.name,
        "SCEAU_DATABASE_URL": PG_URL,
        "SCEAU_DATABASE_SCHEMA": schema,
        "SCEAU_DATABASE_POOL_SIZE": str(concurrency + 4),
        "SCEAU_MIGRATE_ON_START": "false",
        "SCEAU_LOG_LEVEL": "WARNING",
        "SCEAU_PUBLIC_URL": public_url,
    }
    proc: subprocess.Popen[bytes] | None = None
    try:
        settings = load_settings(env)
        engine = create_engine(settings)
        await upgrade(engine)
        tenants = TenantService(engine)
        created = await tenants.create_tenant(
            Actor("bench", "bench"), TenantCreate(slug="bench", name_en="B", name_fr="B")
        )
        await engine.dispose()
        proc = await start_app(env, port, app_core)
        admin = {"Authorization": f"Bearer {created.admin_key.token}"}
        setup = Http("127.0.0.1", port)
        status, body = await setup.request(
            "POST",
            "/admin/tenants/bench/credential-types",
            {**admin, "Content-Type": "application/json"},
            msgspec.json.encode(TYPE),
        )
        assert status == 201, body
        offer_body = msgspec.json.encode(
            {
                "credential_configuration_ids": ["permit"],
                "claims": {"given_name": "Jeanne", "family_name": "Tremblay", "permit_number": 7},
                "expires_in": 3600,
            }
        )

        async def make_offers(n: int) -> list[str]:
            conn = Http("127.0.0.1", port)
            codes = []
            for _ in range(n):
                status, body = await conn.request(
                    "POST",
                    "/admin/tenants/bench/offers",
                    {**admin, "Content-Type": "application/json"},
                    offer_body,
                )
                assert status == 201, body
                offer = msgspec.json.decode(body)["credential_offer"]
                codes.append(offer["grants"][PRE_AUTH]["pre-authorized_code"])
            return codes

        total = warmup + requests
        per = -(-total // 16)
        chunks = await asyncio.gather(*(make_offers(per) for _ in range(16)))
        codes = [c for chunk in chunks for c in chunk]
        issuer = f"{public_url}/t/bench"
        latencies: list[float] = []

        async def batch(selected: list[str], record: bool) -> float:
            queue = list(reversed(selected))

            async def worker() -> None:
                http = Http("127.0.0.1", port)
                while queue:
                    code = queue.pop()
                    start = time.perf_counter()
                    await issue_one(http, issuer, "/t/bench", code)
                    if record:
                        latencies.append(time.perf_counter() - start)

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.perf_counter() - start

        # The tenant's first signing key is created on first use: do that once, alone.
        await issue_one(Http("127.0.0.1", port), issuer, "/t/bench", codes[0])
        await batch(codes[1:warmup], False)
        cpu_before = _cpu_seconds(proc.pid)
        elapsed = await batch(codes[warmup:total], True)
        app_cpu = _cpu_seconds(proc.pid) - cpu_before
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
        await _admin_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        tmp.cleanup()
    latencies.sort()
    return {
        "bench": "oid4vci.preauth.sd-jwt.postgres",
        "ops_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "requests": len(latencies),
        "concurrency": concurrency,
        "offer_creation": "excluded",
        "app_cpu_ms_per_issuance": round(app_cpu * 1000 / max(1, len(latencies)), 2),
        "app_cpu_utilisation": round(app_cpu / elapsed, 2),
        "http_requests_per_issuance": 3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    app_core = cores[0]
    if len(cores) > 1:
        os.sched_setaffinity(0, set(cores[1:]))  # clients off the app's core
    print(json.dumps(asyncio.run(run(args.requests, args.concurrency, args.warmup, app_core))))


if __name__ == "__main__":
    main()
