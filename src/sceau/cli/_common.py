"""Helpers shared by the command modules: settings, engine, output."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import click
import msgspec
from rich.console import Console

from sceau.settings import Settings, SettingsError, load_settings

T = TypeVar("T")

json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
tenant_option = click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")


def from_file_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--from-file`` (``-`` for stdin): an admin API body read by :func:`read_definition`."""
    return click.option(
        "--from-file",
        "from_file",
        required=True,
        type=click.File("rb"),
        help=f"{what} (- for stdin).",
    )


def settings_from_env() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def with_engine(action: Callable[[Any], Awaitable[T]], *, migrate: bool = True) -> T:
    """Run ``action(engine)`` on the configured database (migrated to head first)."""
    from sceau.db.engine import create_engine
    from sceau.db.migrate import upgrade

    settings = settings_from_env()

    async def _main() -> T:
        engine = create_engine(settings)
        try:
            if migrate:
                await upgrade(engine)
            return await action(engine)
        finally:
            await engine.dispose()

    from sqlalchemy.exc import DBAPIError

    try:
        return asyncio.run(_main())
    except (DBAPIError, OSError) as exc:
        # The driver message may contain the URL; name the failure without echoing it.
        hint = "" if migrate else " (run `sceau db upgrade` first?)"
        fail(f"database error: {type(exc).__name__}{hint}")


def emit_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def console() -> Console:
    return Console(highlight=False)


def fail(message: str, code: int = 1) -> NoReturn:
    Console(stderr=True, highlight=False).print(f"[red]error:[/red] {message}")
    raise SystemExit(code)


MAX_DEFINITION_BYTES = 256 * 1024


def read_definition(source: Any, model: type[T], what: str) -> T:
    """An admin API body read from a JSON file (``--from-file``), size-capped and typed; a bad
    file ends the command with exit code 2 and a message naming ``what``."""
    raw = source.read(MAX_DEFINITION_BYTES + 1)
    if len(raw) > MAX_DEFINITION_BYTES:
        fail(f"{what} larger than {MAX_DEFINITION_BYTES} bytes", 2)
    try:
        return msgspec.json.decode(raw, type=model)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        fail(f"invalid {what}: {exc}", 2)
