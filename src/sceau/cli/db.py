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
