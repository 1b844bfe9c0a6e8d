"""``sceau tenant``: create and list tenants."""

from __future__ import annotations

from typing import Any

import click
import msgspec
from rich.table import Table

from sceau.cli._common import console, emit_json, fail, json_option, with_engine

CLI_ACTOR = "cli"


@click.group()
def tenant() -> None:
    """Tenants (departments and programs)."""


@tenant.command()
@click.option("--slug", required=True, help="Short identifier: lowercase letters, digits, hyphens.")
@click.option("--name-en", required=True, help="English name.")
@click.option("--name-fr", required=True, help="French name.")
@click.option(
    "--algorithm",
    "algorithms",
    multiple=True,
    help="Allowed signing algorithm (repeatable; default ES256).",
)
@json_option
def create(
    slug: str, name_en: str, name_fr: str, algorithms: tuple[str, ...], as_json: bool
) -> None:
    """Create a tenant and print it with its first admin API key (shown once)."""
    from sceau.core.errors import SceauError
    from sceau.tenants.models import TenantCreate, TenantCreated
    from sceau.tenants.service import Actor, TenantService

    raw: dict[str, Any] = {"slug": slug, "name_en": name_en, "name_fr": name_fr}
    if algorithms:
        raw["signing_algorithms"] = list(algorithms)
    try:
        data = msgspec.convert(raw, TenantCreate)
    except msgspec.ValidationError as exc:
        fail(f"invalid tenant: {exc}", 2)

    async def action(engine: Any) -> TenantCreated:
        return await TenantService(engine).create_tenant(Actor(CLI_ACTOR, "cli"), data)

    try:
        created = with_engine(action)
    except SceauError as exc:
        fail(exc.code, 1)
    if as_json:
        emit_json(created)
        return
    out = console()
    out.print(f"Created tenant [bold]{created.tenant.slug}[/bold].")
    out.print("Admin API key (shown once, store it now):")
    out.print(created.admin_key.token, markup=False)


@tenant.command(name="list")
@json_option
def list_(as_json: bool) -> None:
    """List tenants."""
    from sceau.tenants.models import Tenant
    from sceau.tenants.service import TenantService

    async def action(engine: Any) -> list[Tenant]:
        return await TenantService(engine).list_tenants()

    tenants = with_engine(action)
    if as_json:
        emit_json(tenants)
        return
    table = Table("slug", "name (en)", "name (fr)", "algorithms")
    for t in tenants:
        table.add_row(t.slug, t.name_en, t.name_fr, ", ".join(t.signing_algorithms))
    console().print(table)
