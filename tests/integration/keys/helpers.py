"""Helpers for the signing-keys HTTP tests (not a conftest: see tests/integration/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.settings import Settings
from sceau.web.app import create_app

PUBLIC_URL = "https://issuer.example"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def client_with(
    settings: Settings, engine: AsyncEngine, **changes: object
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app built from ``settings`` with ``changes`` (e.g. public_url, kek)."""
    app = create_app(msgspec.structs.replace(settings, **changes), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http
