"""The async SQLAlchemy engine for PostgreSQL (asyncpg) or SQLite (aiosqlite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from sceau.settings import Settings


def _json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the engine described by ``settings`` (creating the SQLite directory if needed).

    SQLite runs in WAL mode with foreign keys enforced; PostgreSQL gets ``search_path`` set to
    ``settings.database_schema`` when one is given.
    """
    url = make_url(settings.resolved_database_url)
    kwargs: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": msgspec.json.decode,
    }
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.drivername != "sqlite+aiosqlite":
            raise ValueError("SQLite URLs must use the aiosqlite driver (sqlite+aiosqlite://)")
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    elif backend == "postgresql":
        if url.drivername != "postgresql+asyncpg":
            raise ValueError("PostgreSQL URLs must use the asyncpg driver (postgresql+asyncpg://)")
        server_settings = {"application_name": "sceau"}
        if settings.database_schema:
            server_settings["search_path"] = settings.database_schema
        kwargs["connect_args"] = {"server_settings": server_settings}
        kwargs["pool_size"] = settings.database_pool_size
        # No pool_pre_ping: it cost one round trip per checkout (several per request). Connections
        # are recycled after database_pool_recycle_s instead, and a connection found dead on use
        # raises a disconnect error that SQLAlchemy turns into invalidating the whole pool, so
        # the next checkout (a client retry) gets a fresh connection.
        kwargs["pool_recycle"] = settings.database_pool_recycle_s
    else:
        raise ValueError(f"unsupported database back-end: {backend}")

    engine = create_async_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for blocks that run ONE statement (a read, or a single write).

    ``AUTOCOMMIT`` sends no ``BEGIN``/``COMMIT``/``ROLLBACK`` around the statement: two round
    trips and about 120-150 µs of CPU less per block (PostgreSQL). A single statement is atomic on
    its own; blocks that run two statements that must commit together, or read twice and need one
    snapshot, keep ``engine.begin()`` / ``engine.connect()``. Built once per engine (and kept on
    it, so it goes with the engine).
    """
    found: AsyncEngine | None = getattr(engine.sync_engine, "_sceau_autocommit", None)
    if found is None:
        found = engine.execution_options(isolation_level="AUTOCOMMIT")
        engine.sync_engine._sceau_autocommit = found  # type: ignore[attr-defined]
    return found


def is_postgresql(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"
