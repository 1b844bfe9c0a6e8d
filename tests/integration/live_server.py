"""``sceau run`` as a real server on a free loopback port, for tests whose other side is a separate
process (npm oracles, a browser): start, wait until ready, yield the base URL, stop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx2
import pytest

START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log(path: Path) -> str:
    """The server's output, shown only when it fails to start."""
    return path.read_text(errors="replace")


@contextlib.asynccontextmanager
async def live_sceau(
    env: Mapping[str, str], log_path: Path, *, port: int | None = None
) -> AsyncIterator[str]:
    """Serve with ``env`` (database, data dir...) plus the port, public URL and dev settings;
    the server's output goes to ``log_path`` and is shown when it does not start."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    full_env = {
        **env,
        "SCEAU_ENVIRONMENT": "dev",  # http on loopback for status-list and DID fetches
        "SCEAU_HOST": "127.0.0.1",
        "SCEAU_PORT": str(port),
        "SCEAU_PUBLIC_URL": url,
        "SCEAU_WORKERS": "1",
        "SCEAU_LOG_LEVEL": "WARNING",
    }
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from sceau.cli import main; main()",
            "run",
            env=full_env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx2.AsyncClient(trust_env=False) as probe:
            while True:
                if process.returncode is not None:
                    pytest.fail(f"sceau run exited:\n{_log(log_path)}")
                with contextlib.suppress(httpx2.TransportError):
                    if (await probe.get(f"{url}/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"sceau run not ready:\n{_log(log_path)}")
                await asyncio.sleep(0.1)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
