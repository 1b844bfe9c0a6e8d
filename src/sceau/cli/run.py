"""``sceau run``: serve the app with granian."""

from __future__ import annotations

import click

from sceau.cli._common import console, settings_from_env


@click.command()
@click.option("--host", help="Bind address (default SCEAU_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default SCEAU_PORT or 8000).")
@click.option("--workers", type=int, help="Worker processes (default SCEAU_WORKERS or 1).")
def run(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve Sceau (migrations are applied on start outside prod)."""
    import asyncio

    from granian import Granian
    from granian.constants import Interfaces

    from sceau.db.engine import create_engine
    from sceau.db.migrate import upgrade

    settings = settings_from_env()
    bind_host = host or settings.host
    bind_port = port or settings.port
    if settings.should_migrate_on_start:
        # Once here, before workers start, rather than racing in every worker.
        async def migrate() -> None:
            engine = create_engine(settings)
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()

        asyncio.run(migrate())
    out = console()
    out.print(f"Sceau on http://{bind_host}:{bind_port}  (docs: /docs, OpenAPI: /openapi.json)")
    if settings.environment == "dev":
        out.print("Platform-admin key: .venv/bin/sceau apikey create --platform-admin")
    Granian(
        "sceau.web.asgi:app_from_env",
        address=bind_host,
        port=bind_port,
        interface=Interfaces.ASGI,
        workers=workers or settings.workers,
        factory=True,
    ).serve()
