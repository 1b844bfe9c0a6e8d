"""``sceau demo``: issue, present, revoke and present again, on a throw-away local platform."""

from __future__ import annotations

import click

from sceau.cli._common import fail


@click.command()
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option("--keep", is_flag=True, help="Keep the temporary data directory (and its log).")
def demo(lang: str, keep: bool) -> None:
    """Issue, present, revoke, present again (exit 0 when the outcome is the expected one)."""
    import asyncio

    from sceau.demo import run_demo

    try:
        outcome = asyncio.run(run_demo(lang=lang, keep=keep, out=click.echo))
    except RuntimeError as exc:
        fail(str(exc))
    if not outcome.expected:
        raise SystemExit(1)
