"""``sceau credential revoke|suspend|unsuspend|show RECORD_ID`` and ``sceau status lists``.

The same service and database as the admin API; changes are audited with actor ``cli``.
"""

from __future__ import annotations

import uuid
from typing import Any

import click

from sceau.cli._common import console, emit_json, fail, json_option, settings_from_env, with_engine


def _service(engine: Any) -> Any:
    from sceau.status_lists.service import StatusListService

    return StatusListService(engine, public_url=settings_from_env().resolved_public_url)


@click.group()
def credential() -> None:
    """Issued credentials: revoke (final), suspend, unsuspend, show."""


def _change(action: str, record_id: str, as_json: bool) -> None:
    from sceau.core.errors import SceauError
    from sceau.tenants.service import Actor

    async def run(engine: Any) -> Any:
        service = _service(engine)
        tenant = await service.tenant_of_record(record_id)
        return await service.change_status_now(
            tenant_slug=tenant,
            record_id=record_id,
            action=action,
            actor=Actor("cli", f"cli-{uuid.uuid4().hex[:16]}"),
        )

    try:
        change = with_engine(run)
    except SceauError as exc:
        fail(f"{exc.code}: cannot {action} {record_id}")
    if as_json:
        emit_json(change)
    else:
        note = "" if change.changed else " (unchanged)"
        console().print(f"{record_id}: {change.status}{note}")


@credential.command()
@click.argument("record_id")
@json_option
def revoke(record_id: str, as_json: bool) -> None:
    """Revoke a credential by record id (final: it cannot be unsuspended)."""
    _change("revoke", record_id, as_json)


@credential.command()
@click.argument("record_id")
@json_option
def suspend(record_id: str, as_json: bool) -> None:
    """Suspend a credential by record id."""
    _change("suspend", record_id, as_json)


@credential.command()
@click.argument("record_id")
@json_option
def unsuspend(record_id: str, as_json: bool) -> None:
    """Lift a suspension (refused for a revoked credential)."""
    _change("unsuspend", record_id, as_json)


@credential.command()
@click.argument("record_id")
@json_option
def show(record_id: str, as_json: bool) -> None:
    """Show a credential's record (never claim values)."""
    from sceau.core.errors import SceauError

    async def run(engine: Any) -> Any:
        service = _service(engine)
        return await service.get_record(await service.tenant_of_record(record_id), record_id)

    try:
        record = with_engine(run)
    except SceauError as exc:
        fail(f"{exc.code}: {record_id}")
    if as_json:
        emit_json(record)
    else:
        console().print(
            f"{record.id} tenant={record.tenant} type={record.type_id} status={record.status}"
        )


@click.group()
def status() -> None:
    """Status lists."""


@status.command("lists")
@click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")
@json_option
def lists(tenant_slug: str, as_json: bool) -> None:
    """List a tenant's status lists with their fill and version."""

    async def run(engine: Any) -> list[dict[str, Any]]:
        service = _service(engine)
        found: list[dict[str, Any]] = await service.lists(tenant_slug)
        for item in found:
            purposes = (None,) if item["kind"] == "token" else ("revocation", "suspension")
            item["uris"] = [service.list_uri(tenant_slug, item["id"], p) for p in purposes]
        return found

    found = with_engine(run)
    if as_json:
        emit_json(found)
        return
    for item in found:
        console().print(
            f"{item['id']} {item['kind']} {item['next_position']}/{item['size']} "
            f"v{item['version']} {' '.join(item['uris'])}"
        )
