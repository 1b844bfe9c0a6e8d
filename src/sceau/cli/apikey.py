"""``sceau apikey``: create, list and revoke API keys."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from sceau.cli._common import console, emit_json, fail, json_option, with_engine

ROLES = ("admin", "issuer", "verifier", "auditor")


@click.group()
def apikey() -> None:
    """API keys (tenant roles, and the platform-admin key)."""


@apikey.command()
@click.option("--tenant", "tenant_slug", help="Tenant slug (omit with --platform-admin).")
@click.option("--role", type=click.Choice(ROLES), help="Role within the tenant.")
@click.option("--platform-admin", is_flag=True, help="Create a platform-admin key (all tenants).")
@click.option("--label", default="", help="Free-text label (no personal data).")
@json_option
def create(
    tenant_slug: str | None, role: str | None, platform_admin: bool, label: str, as_json: bool
) -> None:
    """Create an API key and print its token (shown once)."""
    from sceau.core.errors import SceauError
    from sceau.tenants.models import IssuedApiKey
    from sceau.tenants.service import Actor, TenantService

    if platform_admin == bool(tenant_slug or role):
        fail("give either --platform-admin, or --tenant and --role", 2)
    if not platform_admin and not (tenant_slug and role):
        fail("--tenant and --role go together", 2)

    async def action(engine: Any) -> IssuedApiKey:
        service = TenantService(engine)
        actor = Actor("cli", "cli")
        if platform_admin:
            return await service.create_api_key(actor, None, "platform_admin", label)
        return await service.create_api_key(actor, tenant_slug, role, label)  # type: ignore[arg-type]

    try:
        issued = with_engine(action)
    except SceauError as exc:
        fail(exc.code)
    if as_json:
        emit_json(issued)
        return
    out = console()
    out.print(
        f"Created {issued.api_key.role} key [bold]{issued.api_key.key_id}[/bold] (shown once):"
    )
    out.print(issued.token, markup=False)


@apikey.command(name="list")
@click.option("--tenant", "tenant_slug", help="Tenant slug; omit for platform-admin keys.")
@json_option
def list_(tenant_slug: str | None, as_json: bool) -> None:
    """List API keys (never their secrets)."""
    from sceau.core.errors import SceauError
    from sceau.tenants.models import ApiKey
    from sceau.tenants.service import TenantService

    async def action(engine: Any) -> list[ApiKey]:
        return await TenantService(engine).list_api_keys(tenant_slug)

    try:
        keys = with_engine(action)
    except SceauError as exc:
        fail(exc.code)
    if as_json:
        emit_json(keys)
        return
    table = Table("key id", "tenant", "role", "label", "revoked")
    for k in keys:
        table.add_row(
            k.key_id, k.tenant or "-", k.role, k.label, "yes" if k.revoked_at_ms else "no"
        )
    console().print(table)


@apikey.command()
@click.argument("key_id")
@click.option("--tenant", "tenant_slug", help="Tenant slug; omit for a platform-admin key.")
@json_option
def revoke(key_id: str, tenant_slug: str | None, as_json: bool) -> None:
    """Revoke an API key by its key id."""
    from sceau.core.errors import SceauError
    from sceau.tenants.service import Actor, TenantService

    async def action(engine: Any) -> None:
        await TenantService(engine).revoke_api_key(Actor("cli", "cli"), tenant_slug, key_id)

    try:
        with_engine(action)
    except SceauError as exc:
        fail(exc.code)
    if as_json:
        emit_json({"key_id": key_id, "revoked": True})
    else:
        console().print(f"Revoked {key_id}.")
