"""An app with the status-lists capability wired in (whether or not app.py registers it yet)."""

# No `from __future__ import annotations` (see tests/integration/conftest.py).

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.keys.service import KeyStoreService
from sceau.settings import Settings
from sceau.status_lists.routes import ROUTES
from sceau.status_lists.service import StatusListService, allocation_engine_for
from sceau.web.app import create_app

PUBLIC_URL = "https://sceau.example"


@dataclass
class StatusApp:
    http: httpx.AsyncClient
    app: Litestar
    service: StatusListService
    keys: KeyStoreService


def _mounted(app: Litestar) -> bool:
    return any(r.path == "/t/{tenant:str}/status-lists/{list_id:str}" for r in app.routes)


@pytest.fixture
async def status_app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[StatusApp]:
    import msgspec

    settings = msgspec.structs.replace(settings, public_url=PUBLIC_URL)
    app = create_app(settings, engine=engine)
    if not _mounted(app):
        app = create_app(settings, engine=engine, extra_route_handlers=ROUTES)
    keys = app.state.get("keys") or KeyStoreService.from_settings(engine, settings)
    app.state["keys"] = keys
    service = app.state.get("status_lists")
    if service is None:
        service = StatusListService(
            engine,
            public_url=PUBLIC_URL,
            keys=keys,
            allocation_engine=allocation_engine_for(settings),
        )
        app.state["status_lists"] = service
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield StatusApp(http, app, service, keys)
