"""``sceau relying-party``: register, list, show and delete a tenant's OpenID Connect clients.

``create`` reads the same JSON body as ``POST /admin/tenants/{slug}/relying-parties`` from
``--from-file`` (``-`` for stdin) and goes through the same service, checks and audit as the API.
A ``client_secret_basic`` client's secret is printed once; only its hash is stored.
"""

from __future__ import annotations

from typing import Any

import click
import msgspec
from rich.table import Table

from sceau.cli._common import (
    console,
    emit_json,
    fail,
    from_file_option,
    json_option,
    read_definition,
    settings_from_env,
    tenant_option,
    with_engine,
)

CLI_ACTOR = "cli"


def _service(engine: Any) -> Any:
    from sceau.credential_types.service import CredentialTypeService
    from sceau.fetch import FetchPolicy, SafeFetcher
    from sceau.keys.service import KeyStoreService
    from sceau.signin.clients import RelyingPartyService
    from sceau.tenants.service import TenantService
    from sceau.verification.service import build_verification_service

    settings = settings_from_env()
    tenants = TenantService(engine)
    keys = KeyStoreService.from_settings(
        engine,
        settings,
        tenants=tenants,
        warn=lambda m, p: click.echo(f"WARNING: {m} ({p})", err=True),
    )
    verification = build_verification_service(
        engine,
        settings,
        tenants=tenants,
        keys=keys,
        fetcher=SafeFetcher(FetchPolicy(allow_insecure=settings.environment != "prod")),
    )
    return RelyingPartyService(
        engine,
        tenants=tenants,
        verification=verification,
        credential_types=CredentialTypeService(
            engine, tenants, public_url=settings.resolved_public_url
        ),
    )


def _run(action: Any) -> Any:
    from sceau.core.errors import SceauError

    try:
        return with_engine(action)
    except SceauError as exc:
        fail(exc.code, 1)


def _actor() -> Any:
    from sceau.tenants.service import Actor

    return Actor(CLI_ACTOR, "cli")


@click.group(name="relying-party")
def relying_party() -> None:
    """OpenID Connect relying parties (sign in with a credential, issue 6)."""


@relying_party.command()
@tenant_option
@from_file_option("JSON registration, the admin API body")
@json_option
def create(tenant_slug: str, from_file: Any, as_json: bool) -> None:
    """Register a relying party; prints its client_id (and its secret, once)."""
    from sceau.signin.models import RelyingPartyCreate

    data = read_definition(from_file, RelyingPartyCreate, "relying party")

    async def action(engine: Any) -> Any:
        return await _service(engine).create(_actor(), tenant_slug, data)

    created = _run(action)
    if as_json:
        emit_json(created)
        return
    rp = created.relying_party
    console().print(f"Registered relying party [bold]{rp.client_id}[/bold] in {tenant_slug}.")
    if created.client_secret is not None:
        console().print(f"client_secret (shown once): {created.client_secret}")


@relying_party.command(name="list")
@tenant_option
@json_option
def list_(tenant_slug: str, as_json: bool) -> None:
    """List the tenant's relying parties."""

    async def action(engine: Any) -> Any:
        return await _service(engine).list(tenant_slug)

    parties = _run(action)
    if as_json:
        emit_json(parties)
        return
    table = Table("client_id", "name (en)", "auth method", "scopes")
    for rp in parties:
        table.add_row(rp.client_id, rp.name_en, rp.token_endpoint_auth_method, " ".join(rp.scopes))
    console().print(table)


@relying_party.command()
@tenant_option
@click.argument("client_id")
@json_option
def show(tenant_slug: str, client_id: str, as_json: bool) -> None:
    """Show one relying party (never its secret)."""

    async def action(engine: Any) -> Any:
        return await _service(engine).get(tenant_slug, client_id)

    rp = _run(action)
    if as_json:
        emit_json(rp)
        return
    console().print(msgspec.json.format(msgspec.json.encode(rp)).decode())


@relying_party.command()
@tenant_option
@click.argument("client_id")
def delete(tenant_slug: str, client_id: str) -> None:
    """Delete a relying party (audited)."""

    async def action(engine: Any) -> None:
        await _service(engine).delete(_actor(), tenant_slug, client_id)

    _run(action)
    console().print(f"Deleted relying party {client_id}.")
