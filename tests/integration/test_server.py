"""`sceau run` serves the app with granian: health, docs and OpenAPI over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.anyio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_sceau_run_serves_healthz_docs_and_openapi(settings, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SCEAU_DATABASE_URL": settings.resolved_database_url,
        "SCEAU_DATABASE_SCHEMA": settings.database_schema,
        "SCEAU_DATA_DIR": str(tmp_path),
        "SCEAU_ENVIRONMENT": "dev",
    }
    sceau = Path(sys.executable).with_name("sceau")
    proc = subprocess.Popen(  # noqa: ASYNC220 - a server process we stop below
        [str(sceau), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        async with httpx.AsyncClient(base_url=base, timeout=2) as http:
            while True:
                try:
                    health = await http.get("/healthz")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.1)  # noqa: ASYNC251 - waiting for the child to listen
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            assert (await http.get("/readyz")).status_code == 200  # migrated on start (dev)
            docs = await http.get("/docs")
            assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
            spec = await http.get("/openapi.json")
            assert spec.json()["openapi"].startswith("3.1")
            assert health.headers["x-request-id"]
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0].decode(errors="replace")
    assert "apikey create --platform-admin" in output  # dev hint for the first key
    assert '"route":"/healthz"' in output  # JSON access log line
