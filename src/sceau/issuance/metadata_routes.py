"""Public metadata routes of each tenant's Credential Issuer (thin: read, build, return).

Well-known URLs use path insertion (OID4VCI §12.2.2, RFC 8414 §3.1, SD-JWT VC §"JWT VC Issuer
Metadata"): the issuer ``{public_url}/t/{tenant}`` has its metadata at
``{public_url}/.well-known/<name>/t/{tenant}``.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from sceau.credential_types.errors import UnknownCredentialType
from sceau.credential_types.service import CredentialTypeService
from sceau.issuance.metadata import (
    authorization_server_metadata,
    credential_issuer_metadata,
    jwt_vc_issuer_metadata,
    type_metadata,
)
from sceau.keys.service import KeyStoreService
from sceau.oid4vci.encryption import request_decryption_key, request_encryption_metadata
from sceau.oid4vci.wallet_providers import WalletProviderService, provide_wallet_providers
from sceau.tenants.service import TenantService
from sceau.web.problems import problem_responses

CACHE_CONTROL = "public, max-age=300"
PROBLEMS = problem_responses(404)


def _json(body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(body, headers={"Cache-Control": CACHE_CONTROL}, media_type="application/json")


@get(
    "/.well-known/openid-credential-issuer/t/{tenant:str}",
    responses=PROBLEMS,
    tags=["issuer metadata"],
    summary="OpenID4VCI Credential Issuer metadata (§12.2)",
    dependencies={"wallet_providers": Provide(provide_wallet_providers, sync_to_thread=False)},
)
async def credential_issuer(
    tenant: FromPath[str],
    tenants: NamedDependency[TenantService],
    credential_types: NamedDependency[CredentialTypeService],
    keys: NamedDependency[KeyStoreService],
    wallet_providers: NamedDependency[WalletProviderService],
) -> Response[dict[str, Any]]:
    found = await tenants.get_tenant(tenant)
    types = await credential_types.list(tenant)
    # Key attestation (OpenID4VCI Appendix D, HAIP 1.0): offered when wallet providers are trusted.
    trust = await wallet_providers.trust(tenant)
    # §8.2, #encrypted-messages: the key wallets encrypt Credential Requests to.
    decryption_key = request_decryption_key(keys, tenant)
    return _json(
        credential_issuer_metadata(
            credential_types.issuer(tenant),
            name_en=found.name_en,
            name_fr=found.name_fr,
            types=types,
            key_attestations_required=(
                {}
                if trust is None
                else {
                    ct.id: required
                    for ct in types
                    if (required := trust.key_attestations_required(ct.id)) is not None
                }
            ),
            attestation_proof_type=trust is not None,
            request_encryption=(
                None if decryption_key is None else request_encryption_metadata(decryption_key)
            ),
        )
    )


@get(
    "/.well-known/oauth-authorization-server/t/{tenant:str}",
    responses=PROBLEMS,
    tags=["issuer metadata"],
    summary="OAuth 2.0 Authorization Server metadata (RFC 8414)",
    dependencies={"wallet_providers": Provide(provide_wallet_providers, sync_to_thread=False)},
)
async def authorization_server(
    tenant: FromPath[str],
    tenants: NamedDependency[TenantService],
    credential_types: NamedDependency[CredentialTypeService],
    wallet_providers: NamedDependency[WalletProviderService],
) -> Response[dict[str, Any]]:
    await tenants.get_tenant(tenant)
    types = await credential_types.list(tenant)
    # Wallet attestation (OpenID4VCI Appendix E, HAIP): offered when wallet providers are trusted.
    trust = await wallet_providers.trust(tenant)
    return _json(
        authorization_server_metadata(
            credential_types.issuer(tenant),
            scopes=[ct.id for ct in types],
            wallet_attestation=trust is not None,
            wallet_attestation_required=trust is not None and trust.wallet_attestation_required,
        )
    )


@get(
    "/.well-known/jwt-vc-issuer/t/{tenant:str}",
    responses=PROBLEMS,
    tags=["issuer metadata"],
    summary="SD-JWT VC JWT VC Issuer metadata (with the tenant's JWKS)",
)
async def jwt_vc_issuer(
    tenant: FromPath[str],
    keys: NamedDependency[KeyStoreService],
    credential_types: NamedDependency[CredentialTypeService],
) -> Response[dict[str, Any]]:
    jwks = await keys.public_jwks(tenant)  # tenant_not_found for an unknown tenant
    return _json(jwt_vc_issuer_metadata(credential_types.issuer(tenant), jwks))


@get(
    "/t/{tenant:str}/types/{type_id:str}",
    responses=PROBLEMS,
    tags=["issuer metadata"],
    summary="SD-JWT VC Type Metadata of a dc+sd-jwt credential type (the default vct URL)",
)
async def sd_jwt_vc_type_metadata(
    tenant: FromPath[str],
    type_id: FromPath[str],
    tenants: NamedDependency[TenantService],
    credential_types: NamedDependency[CredentialTypeService],
) -> Response[dict[str, Any]]:
    await tenants.get_tenant(tenant)
    ct = await credential_types.get(tenant, type_id)
    if ct.format != "dc+sd-jwt":
        raise UnknownCredentialType(type_id=type_id)
    return _json(type_metadata(ct))


ROUTES = [credential_issuer, authorization_server, jwt_vc_issuer, sd_jwt_vc_type_metadata]
