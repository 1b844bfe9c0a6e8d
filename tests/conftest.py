"""Shared fixtures: one isolated database per test, on SQLite or PostgreSQL.

Choose the back-end with ``--db=sqlite|postgres`` (or ``SCEAU_TEST_DB``). PostgreSQL tests use a
fresh schema per test on ``SCEAU_TEST_POSTGRES_URL`` (default: user postgres on 127.0.0.1:5432,
trust auth), put first on the ``search_path`` and dropped afterwards. Tests that need a database
are marked ``db`` (everything under ``tests/integration`` is, automatically) so ``make test`` can
run them again on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.settings import Settings, load_settings
from sceau.tenants.service import Actor, TenantService
from sceau.web.app import create_app

# CI runs property tests with a fixed seed, so a red build is reproducible and never a coin toss;
# local runs stay random and keep finding new cases (`HYPOTHESIS_PROFILE=ci` to reproduce CI).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
INTEGRATION_DIR = Path(__file__).resolve().parent / "integration"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default=os.environ.get("SCEAU_TEST_DB", "sqlite"),
        help="database back-end for tests marked `db` (default: $SCEAU_TEST_DB or sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "db: needs a database; rerun on PostgreSQL by `make test`")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


def _postgres_url() -> str:
    return os.environ.get("SCEAU_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _pg_admin(sql: str) -> None:
    import asyncpg

    url = make_url(_postgres_url()).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def settings(db_backend: str, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings pointing at a fresh, empty database for this test."""
    base = {
        "environment": "test",
        "data_dir": str(tmp_path / "data"),
        "log_level": "INFO",
        "migrate_on_start": False,
    }
    if db_backend == "sqlite":
        yield load_settings({}, **base, database_url=f"sqlite+aiosqlite:///{tmp_path / 'sceau.db'}")
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    await _pg_admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield load_settings({}, **base, database_url=_postgres_url(), database_schema=schema)
    finally:
        await _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# Migrating every test's database from scratch cost 70-165 ms a test (Alembic runs each revision).
# The migrations run once per session (per xdist worker) instead, on a template with the code of
# this checkout, and each test starts from a copy of the result: the SQLite file is copied; on
# PostgreSQL the statements the migrations sent are replayed in the test's fresh schema (they name
# no schema: Alembic relies on search_path). tests/unit/db/test_migrations.py still runs Alembic.
_Statements = list[tuple[str, Any, bool]]


async def _migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    db = create_engine(
        load_settings(
            {},
            environment="test",
            data_dir=str(directory / "data"),
            database_url=f"sqlite+aiosqlite:///{path}",
            migrate_on_start=False,
        )
    )
    try:
        await upgrade(db)
    finally:
        await db.dispose()  # the last connection checkpoints the WAL into the file
    return path


async def _recorded_pg_migrations() -> _Statements:
    schema = f"tpl_{uuid.uuid4().hex[:16]}"
    await _pg_admin(f'CREATE SCHEMA "{schema}"')
    recorded: _Statements = []
    db = create_engine(
        load_settings(
            {},
            environment="test",
            data_dir="/nonexistent",
            database_url=_postgres_url(),
            database_schema=schema,
            migrate_on_start=False,
        )
    )

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        recorded.append((statement, params, many))

    event.listen(db.sync_engine, "before_cursor_execute", record)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
        await _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    if any(schema in statement for statement, _, _ in recorded):
        raise RuntimeError("a migration names its schema: it cannot be replayed elsewhere")
    return recorded


async def _replay_pg(statements: _Statements, schema: str) -> None:
    import asyncpg

    url = make_url(_postgres_url()).set(drivername="postgresql")
    conn = await asyncpg.connect(
        url.render_as_string(hide_password=False), server_settings={"search_path": schema}
    )
    try:
        async with conn.transaction():
            for statement, params, many in statements:
                if many:
                    await conn.executemany(statement, [tuple(p) for p in params])
                else:
                    await conn.execute(statement, *(params or ()))
    finally:
        await conn.close()


_TEMPLATES: dict[str, Any] = {}


@pytest.fixture
async def engine(
    settings: Settings, db_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, migrated to head (from the session's template)."""
    if db_backend == "sqlite":
        target = Path(str(make_url(settings.resolved_database_url).database))
        if not target.exists():  # noqa: ASYNC240 - a local test file, before any I/O starts
            if "sqlite" not in _TEMPLATES:
                directory = tmp_path_factory.mktemp("migrated")
                _TEMPLATES["sqlite"] = await _migrated_sqlite_template(directory)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_TEMPLATES["sqlite"], target)
    else:
        if "postgres" not in _TEMPLATES:
            _TEMPLATES["postgres"] = await _recorded_pg_migrations()
        await _replay_pg(_TEMPLATES["postgres"], settings.database_schema)
    db = create_engine(settings)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> Litestar:
    return create_app(settings, engine=engine)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the real ASGI app in the test's own event loop.

    (Litestar's AsyncTestClient runs the app on another loop, which asyncpg pools do not allow.)
    """
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def tenant_service(engine: AsyncEngine) -> TenantService:
    return TenantService(engine)


@pytest.fixture
async def platform_token(tenant_service: TenantService) -> str:
    """A platform-admin API key token."""
    issued = await tenant_service.create_api_key(
        Actor("test", "test"), None, "platform_admin", "tests"
    )
    return issued.token


@pytest.fixture
def bearer() -> Iterator[object]:
    """``bearer(token)`` → the Authorization header dict."""

    def make(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    yield make
