"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.db.migrate import current_revision, head_revision
from sceau.web.metrics import CONTENT_TYPE_LATEST


class Health(msgspec.Struct, frozen=True):
    status: str


class Readiness(msgspec.Struct, frozen=True, omit_defaults=True):
    status: str
    database: str
    migrations: str


@get("/healthz", tags=["operations"], summary="Liveness", cache_control=None)
async def healthz() -> Health:
    return Health("ok")


@get("/readyz", tags=["operations"], summary="Readiness: database reachable, migrations at head")
async def readyz(engine: NamedDependency[AsyncEngine]) -> Response[Readiness]:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        current = await current_revision(engine)
    except Exception:  # any failure to reach the database means "not ready"
        return Response(Readiness("unavailable", "unreachable", "unknown"), status_code=503)
    head = head_revision()
    if current != head:
        return Response(
            Readiness("unavailable", "ok", f"{current or 'none'} != {head}"), status_code=503
        )
    return Response(Readiness("ok", "ok", head))


@get("/metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
