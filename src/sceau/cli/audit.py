"""``sceau audit``: check the audit log's hash chain."""

from __future__ import annotations

from typing import Any

import click

from sceau.cli._common import console, emit_json, json_option, with_engine


@click.group()
def audit() -> None:
    """Audit log."""


@audit.command()
@json_option
def verify(as_json: bool) -> None:
    """Verify the hash chain; exit 1 naming the first bad entry."""
    from sceau.audit.chain import ChainBreak
    from sceau.audit.service import AuditService

    async def action(engine: Any) -> tuple[int, ChainBreak | None]:
        return await AuditService(engine).verify()

    checked, first_break = with_engine(action, migrate=False)
    if as_json:
        emit_json(
            {
                "ok": first_break is None,
                "checked": checked,
                "first_bad_seq": first_break.seq if first_break else None,
                "reason": first_break.reason if first_break else None,
            }
        )
    elif first_break is None:
        console().print(f"audit chain intact ({checked} entries)")
    else:
        console().print(
            f"[red]audit chain broken at entry {first_break.seq}[/red]: {first_break.reason}"
        )
    if first_break is not None:
        raise SystemExit(1)
