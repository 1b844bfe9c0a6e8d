"""``sceau db``: database migrations."""

from __future__ import annotations

from typing import Any

import click

from sceau.cli._common import console, emit_json, json_option, with_engine


@click.group()
def db() -> None:
    """Database migrations."""


@db.command()
@json_option
def upgrade(as_json: bool) -> None:
    """Apply all migrations (to head) on SCEAU_DATABASE_URL."""
    from sceau.db.migrate import current_revision

    async def action(engine: Any) -> str | None:
        return await current_revision(engine)

    revision = with_engine(action)
    if as_json:
        emit_json({"revision": revision})
    else:
        console().print(f"database at revision [bold]{revision}[/bold]")


@db.command()
@json_option
def purge(as_json: bool) -> None:
    """Delete expired protocol state now (what every server also does each SCEAU_PURGE_INTERVAL_S).

    Offers and their claims, access tokens, nonces, DPoP jtis, authorization and sign-in sessions,
    and the secrets of expired presentation requests. Safe to run at any time, on any server.
    """
    from sceau.cli._common import settings_from_env
    from sceau.maintenance import purge_once
    from sceau.web.app import create_app

    async def action(engine: Any) -> dict[str, int]:
        app = create_app(settings_from_env(), engine=engine)
        return await purge_once(app.state)

    counts = with_engine(action)
    if as_json:
        emit_json(counts)
    else:
        out = console()
        for name, count in counts.items():
            out.print(f"{name}: {'failed (see log)' if count < 0 else count}")
    if any(count < 0 for count in counts.values()):
        raise SystemExit(1)
