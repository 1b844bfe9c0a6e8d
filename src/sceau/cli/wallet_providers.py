"""``sceau wallet-providers``: the wallet providers a tenant trusts (OpenID4VCI key attestations
and Wallet Attestation, HAIP 1.0).

``set`` reads the same JSON body as ``PUT /admin/tenants/{slug}/wallet-providers`` from
``--from-file`` (``-`` for stdin), with the same checks and audit; ``show`` prints it.
"""

from __future__ import annotations

from typing import Any

import click

from sceau.cli._common import (
    console,
    emit_json,
    fail,
    from_file_option,
    json_option,
    read_definition,
    tenant_option,
    with_engine,
)


def _run(action: Any) -> Any:
    from sceau.core.errors import SceauError

    try:
        return with_engine(action)
    except SceauError as exc:
        # The detail names the offending member (never a secret: the file is the admin's own).
        fail(f"{exc.code}: {exc.detail}" if exc.detail else exc.code, 1)


def _print(view: Any) -> None:
    out = console()
    out.print(f"Trust anchors: {len(view.trust_anchors_pem)} wallet provider CA certificate(s)")
    scope = ", ".join(view.key_attestation_configurations or ["every configuration"])
    out.print(
        "Key attestation required: " + (f"yes ({scope})" if view.key_attestation_required else "no")
    )
    out.print(f"Key storage accepted: {', '.join(view.key_storage or ['any'])}")
    out.print(f"User authentication accepted: {', '.join(view.user_authentication or ['any'])}")
    out.print(f"Wallet attestation required: {'yes' if view.wallet_attestation_required else 'no'}")


@click.group(name="wallet-providers")
def wallet_providers() -> None:
    """Wallet providers trusted by a tenant for key and wallet attestations."""


@wallet_providers.command(name="set")
@tenant_option
@from_file_option("JSON body of PUT /admin/tenants/{slug}/wallet-providers")
@json_option
def set_(tenant_slug: str, from_file: Any, as_json: bool) -> None:
    """Replace the tenant's trusted wallet providers and attestation policy.

    The file holds trust_anchors_pem (the providers' CA certificates, PEM) and optionally
    key_attestation_required, key_attestation_configurations, key_storage, user_authentication
    and wallet_attestation_required.
    """
    from sceau.oid4vci.wallet_providers import WalletProviderService, WalletProvidersPut
    from sceau.tenants.service import TenantService

    data = read_definition(from_file, WalletProvidersPut, "wallet providers")

    async def action(engine: Any) -> Any:
        await TenantService(engine).get_tenant(tenant_slug)
        return await WalletProviderService(engine).put("cli", "cli", tenant_slug, data)

    view = _run(action)
    if as_json:
        emit_json(view)
        return
    _print(view)


@wallet_providers.command()
@tenant_option
@json_option
def show(tenant_slug: str, as_json: bool) -> None:
    """Show the tenant's trusted wallet providers and attestation policy."""
    from sceau.oid4vci.wallet_providers import WalletProviderService
    from sceau.tenants.service import TenantService

    async def action(engine: Any) -> Any:
        await TenantService(engine).get_tenant(tenant_slug)
        return await WalletProviderService(engine).view(tenant_slug)

    view = _run(action)
    if as_json:
        emit_json(view)
        return
    _print(view)
