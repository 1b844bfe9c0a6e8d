"""``sceau key``: create, list, rotate and revoke a tenant's signing keys.

Output never contains private key material: only kids, algorithms, statuses and public JWKs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from rich.table import Table

from sceau.cli._common import console, emit_json, fail, json_option, settings_from_env, with_engine

T = TypeVar("T")
ALGORITHMS = ("ES256", "ES384", "EdDSA", "Ed25519")


def _run(action: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``action(KeyStoreService)`` on the configured database, errors shown by code."""
    from sceau.core.errors import SceauError
    from sceau.keys.service import KeyStoreService

    settings = settings_from_env()

    async def with_service(engine: Any) -> T:
        return await action(KeyStoreService.from_settings(engine, settings, warn=_warn))

    try:
        return with_engine(with_service)
    except SceauError as exc:
        fail(exc.code)


def _warn(message: str, path: str) -> None:
    # stderr, so `--json` output on stdout stays parseable.
    click.echo(f"WARNING: {message} ({path})", err=True)


def _actor() -> Any:
    from sceau.tenants.service import Actor

    return Actor("cli", "cli")


def _print_keys(keys: list[Any]) -> None:
    table = Table("algorithm", "status", "created (ms)")
    table.add_column("kid", overflow="fold")
    for k in keys:
        table.add_row(k.algorithm, k.status, str(k.created_at_ms), k.kid)
    console().print(table)


@click.group()
def key() -> None:
    """Signing keys of a tenant (published at /t/{tenant}/jwks.json and did.json)."""


@key.command()
@click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")
@click.option(
    "--algorithm",
    type=click.Choice(ALGORITHMS),
    default="ES256",
    show_default=True,
    help="JOSE algorithm; must be allowed by the tenant's policy.",
)
@json_option
def create(tenant_slug: str, algorithm: str, as_json: bool) -> None:
    """Create an active key (retires the active key of the same algorithm)."""
    created = _run(lambda keys: keys.create_key(_actor(), tenant_slug, algorithm))
    if as_json:
        emit_json(created)
        return
    console().print(f"Created {created.algorithm} key [bold]{created.kid}[/bold] (active).")


@key.command(name="list")
@click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")
@json_option
def list_(tenant_slug: str, as_json: bool) -> None:
    """List the tenant's keys, every status, newest first."""
    keys = _run(lambda service: service.list_keys(tenant_slug))
    if as_json:
        emit_json(keys)
        return
    _print_keys(keys)


@key.command()
@click.argument("kid")
@click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")
@json_option
def rotate(kid: str, tenant_slug: str, as_json: bool) -> None:
    """Retire the active key KID and create its successor (old signatures still verify)."""
    rotated = _run(lambda keys: keys.rotate_key(_actor(), tenant_slug, kid))
    if as_json:
        emit_json(rotated)
        return
    console().print(
        f"Retired {rotated.retired.kid}; new active key [bold]{rotated.active.kid}[/bold]."
    )


@key.command()
@click.argument("kid")
@click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")
@json_option
def revoke(kid: str, tenant_slug: str, as_json: bool) -> None:
    """Revoke key KID: no longer published, its signatures no longer verify."""
    revoked = _run(lambda keys: keys.revoke_key(_actor(), tenant_slug, kid))
    if as_json:
        emit_json(revoked)
        return
    console().print(f"Revoked {revoked.kid}.")
