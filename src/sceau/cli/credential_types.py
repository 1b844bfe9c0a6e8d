"""``sceau credential-type``: define, list, show and delete a tenant's credential types.

``create`` reads the same JSON body as ``POST /admin/tenants/{slug}/credential-types`` from
``--from-file`` (``-`` for stdin), and goes through the same service, rules and audit as the API.
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
# A definition file larger than this is refused before parsing (same order as the API body limit).


def _service(engine: Any) -> Any:
    from sceau.credential_types.service import CredentialTypeService
    from sceau.tenants.service import TenantService

    public_url = settings_from_env().resolved_public_url
    return CredentialTypeService(engine, TenantService(engine), public_url=public_url)


def _run(action: Any) -> Any:
    from sceau.core.errors import SceauError

    try:
        return with_engine(action)
    except SceauError as exc:
        detail = f": {exc.params['reason']}" if "reason" in getattr(exc, "params", {}) else ""
        fail(f"{exc.code}{detail}", 1)


@click.group(name="credential-type")
def credential_type() -> None:
    """Credential types (what a tenant issues: format, claims schema, display, validity)."""


@credential_type.command()
@tenant_option
@from_file_option("JSON definition, the admin API body")
@json_option
def create(tenant_slug: str, from_file: Any, as_json: bool) -> None:
    """Define a credential type from a JSON file and print it with its defaults filled."""
    from sceau.credential_types.models import CredentialType, CredentialTypeCreate
    from sceau.tenants.service import Actor

    data = read_definition(from_file, CredentialTypeCreate, "credential type")

    async def action(engine: Any) -> CredentialType:
        created: CredentialType = await _service(engine).create(
            Actor(CLI_ACTOR, "cli"), tenant_slug, data
        )
        return created

    ct = _run(action)
    if as_json:
        emit_json(ct)
        return
    console().print(f"Created credential type [bold]{ct.id}[/bold] ({ct.format}) in {tenant_slug}.")


@credential_type.command(name="list")
@tenant_option
@json_option
def list_(tenant_slug: str, as_json: bool) -> None:
    """List a tenant's credential types."""

    async def action(engine: Any) -> Any:
        return await _service(engine).admin_list(tenant_slug)

    types = _run(action)
    if as_json:
        emit_json(types)
        return
    table = Table("id", "format", "vct / type", "status", "validity (s)", "name (en)")
    for ct in types:
        kind = ct.vct or ", ".join((ct.vc_type or [])[1:])
        table.add_row(
            ct.id,
            ct.format + (f" ({ct.cryptosuite})" if ct.cryptosuite else ""),
            kind,
            "on" if ct.status_enabled else "off",
            str(ct.validity_seconds),
            str(ct.display.get("en-CA", {}).get("name", "")),
        )
    console().print(table)


@credential_type.command()
@tenant_option
@click.argument("type_id")
@json_option
def show(tenant_slug: str, type_id: str, as_json: bool) -> None:
    """Print one credential type's full definition."""

    async def action(engine: Any) -> Any:
        return await _service(engine).admin_get(tenant_slug, type_id)

    ct = _run(action)
    if as_json:
        emit_json(ct)
        return
    # The definition is nested (schema, display per locale): print it as indented JSON.
    console().print_json(msgspec.json.encode(ct).decode())


@credential_type.command()
@tenant_option
@click.argument("type_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def delete(tenant_slug: str, type_id: str, yes: bool, as_json: bool) -> None:
    """Delete a credential type (credentials already issued keep their records)."""
    from sceau.tenants.service import Actor

    if not yes and not as_json:
        click.confirm(f"Delete credential type {type_id} of {tenant_slug}?", abort=True)

    async def action(engine: Any) -> None:
        await _service(engine).delete(Actor(CLI_ACTOR, "cli"), tenant_slug, type_id)

    _run(action)
    if as_json:
        emit_json({"deleted": type_id, "tenant": tenant_slug})
        return
    console().print(f"Deleted credential type [bold]{type_id}[/bold].")
