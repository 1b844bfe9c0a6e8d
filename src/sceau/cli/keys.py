"""``sceau key``: create, list, rotate and revoke a tenant's signing keys; upload and show the
X.509 chain of an ES256 key (HAIP 1.0 issuer ``x5c``).

Output never contains private key material: only kids, algorithms, statuses and public JWKs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import msgspec
from rich.table import Table

from sceau.cli._common import (
    console,
    emit_json,
    fail,
    from_file_option,
    json_option,
    settings_from_env,
    tenant_option,
    with_engine,
)

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
@tenant_option
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
@tenant_option
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
@tenant_option
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
@tenant_option
@json_option
def revoke(kid: str, tenant_slug: str, as_json: bool) -> None:
    """Revoke key KID: no longer published, its signatures no longer verify."""
    revoked = _run(lambda keys: keys.revoke_key(_actor(), tenant_slug, kid))
    if as_json:
        emit_json(revoked)
        return
    console().print(f"Revoked {revoked.kid}.")


MAX_CHAIN_BYTES = 64 * 1024
_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----"
)


def _print_chain(chain: Any) -> None:
    import datetime as dt

    until = dt.datetime.fromtimestamp(chain.not_after_ms / 1000, dt.UTC)
    click.echo(f"key:              {chain.kid}")
    click.echo(f"chain:            {chain.source}, {len(chain.x509_chain_pem)} certificate(s)")
    click.echo(f"x5c carries:      {len(chain.x5c)} (leaf first, without the self-signed root)")
    click.echo(f"leaf valid until: {until:%Y-%m-%d %H:%M:%S} UTC")


@key.command(name="set-chain")
@click.argument("kid")
@tenant_option
@from_file_option("PEM certificates, leaf first, each issued by the next")
@json_option
def set_chain(kid: str, tenant_slug: str, from_file: Any, as_json: bool) -> None:
    """Upload the X.509 chain of the active ES256 key KID (HAIP 1.0 issuer x5c).

    The leaf must certify KID's public key, be valid now and name the tenant's Credential Issuer
    identifier (URI SAN, or its host as DNS SAN). SD-JWT VCs and status list tokens signed by KID
    then carry the chain in x5c. Same checks and audit as
    PUT /admin/tenants/{slug}/keys/{kid}/certificate-chain.
    """
    from sceau.keys.models import CertificateChainIn

    raw = from_file.read(MAX_CHAIN_BYTES + 1)
    if len(raw) > MAX_CHAIN_BYTES:
        fail(f"certificate file larger than {MAX_CHAIN_BYTES} bytes", 2)
    pems = _PEM_CERTIFICATE.findall(raw.decode("ascii", "replace"))
    if not pems:
        fail("no PEM certificate (-----BEGIN CERTIFICATE-----) in the file", 2)
    try:  # the API body's bounds (1 to 5 certificates, each at most 16 KiB)
        body = msgspec.convert({"x509_chain_pem": pems}, CertificateChainIn)
    except msgspec.ValidationError as exc:
        fail(f"invalid certificate chain: {exc}", 2)
    chain = _run(
        lambda keys: keys.upload_certificate_chain(_actor(), tenant_slug, kid, body.x509_chain_pem)
    )
    if as_json:
        emit_json(chain)
        return
    _print_chain(chain)


@key.command(name="chain")
@click.argument("kid")
@tenant_option
@click.option("--pem", "as_pem", is_flag=True, help="Print the certificates as PEM.")
@json_option
def chain(kid: str, tenant_slug: str, as_pem: bool, as_json: bool) -> None:
    """Show the X.509 chain of key KID (uploaded, or the dev chain outside production)."""
    stored = _run(lambda keys: keys.certificate_chain(tenant_slug, kid))
    if as_json:
        emit_json(stored)
    elif as_pem:
        for pem in stored.x509_chain_pem:
            click.echo(pem.rstrip("\n"))
    else:
        _print_chain(stored)
