"""``sceau audit``: check the audit log's hash chain (sealing pending events first)."""

from __future__ import annotations

from typing import Any

import click

from sceau.cli._common import console, emit_json, json_option, with_engine


@click.group()
def audit() -> None:
    """Audit log."""


@audit.command()
@click.option(
    "--no-seal",
    is_flag=True,
    help="Do not seal pending events first (read-only: a replica or a read-only role).",
)
@json_option
def verify(no_seal: bool, as_json: bool) -> None:
    """Seal pending events, then verify the hash chain; exit 1 naming the first bad entry."""
    from sceau.audit.chain import ChainBreak
    from sceau.audit.service import AuditService

    async def action(engine: Any) -> tuple[int, ChainBreak | None, int]:
        service = AuditService(engine)
        checked, first_break = await service.verify(seal_first=not no_seal)
        return checked, first_break, await service.pending()

    checked, first_break, pending = with_engine(action, migrate=False)
    if as_json:
        emit_json(
            {
                "ok": first_break is None,
                "checked": checked,
                "pending": pending,
                "first_bad_seq": first_break.seq if first_break else None,
                "reason": first_break.reason if first_break else None,
            }
        )
    elif first_break is None:
        unsealed = f"; {pending} event(s) recorded but not yet sealed" if pending else ""
        console().print(f"audit chain intact ({checked} entries{unsealed})")
    else:
        console().print(
            f"[red]audit chain broken at entry {first_break.seq}[/red]: {first_break.reason}"
        )
    if first_break is not None:
        raise SystemExit(1)
