"""HTTP routes: public JWKS and did:web documents, and the admin key lifecycle (thin)."""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from sceau.keys.models import (
    CertificateChain,
    CertificateChainIn,
    Jwks,
    SigningKey,
    SigningKeyCreate,
    SigningKeyRotated,
)
from sceau.keys.service import KeyStoreService
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS, problem_responses

__all__ = ["ROUTES", "SigningKeyController", "tenant_did_document", "tenant_jwks"]

# Public and cacheable; short enough that a rotation or revocation spreads within minutes.
PUBLIC_CACHE_CONTROL: Final = "public, max-age=300"
KEY_ADMIN_ROLES: Final = ("admin",)
_KEY_PROBLEMS = {**ADMIN_PROBLEMS, **problem_responses(409, 422)}


@get(
    "/t/{tenant:str}/jwks.json",
    tags=["keys"],
    summary="The tenant's public signing keys (active and retired) as a JWK Set",
    responses=problem_responses(404),
)
async def tenant_jwks(
    tenant: FromPath[str], keys: NamedDependency[KeyStoreService]
) -> Response[Jwks]:
    return Response(
        Jwks(keys=await keys.public_jwks(tenant)),
        headers={"Cache-Control": PUBLIC_CACHE_CONTROL},
        media_type="application/jwk-set+json",
    )


@get(
    "/t/{tenant:str}/did.json",
    tags=["keys"],
    summary="The tenant's did:web DID document (did:web:{host}:t:{tenant})",
    responses=problem_responses(404),
)
async def tenant_did_document(
    tenant: FromPath[str], keys: NamedDependency[KeyStoreService]
) -> Response[dict[str, Any]]:
    return Response(
        await keys.did_document(tenant),
        headers={"Cache-Control": PUBLIC_CACHE_CONTROL},
        media_type="application/did+json",
    )


class SigningKeyController(Controller):
    path = "/admin/tenants/{slug:str}/keys"
    tags = ["keys"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @post(
        "/",
        responses=_KEY_PROBLEMS,
        status_code=HTTP_201_CREATED,
        summary="Create a signing key (retires the active key of the same algorithm)",
    )
    async def create_key(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: JSONBody[SigningKeyCreate],
        principal: NamedDependency[Principal],
        keys: NamedDependency[KeyStoreService],
    ) -> SigningKey:
        authorize(principal, slug, KEY_ADMIN_ROLES)
        return await keys.create_key(principal.actor(request_id_of(request)), slug, data.algorithm)

    @get("/", responses=ADMIN_PROBLEMS, summary="List a tenant's signing keys (all statuses)")
    async def list_keys(
        self,
        slug: FromPath[str],
        principal: NamedDependency[Principal],
        keys: NamedDependency[KeyStoreService],
    ) -> list[SigningKey]:
        authorize(principal, slug, KEY_ADMIN_ROLES)
        return await keys.list_keys(slug)

    @post(
        "/{kid:str}/rotate",
        responses=_KEY_PROBLEMS,
        status_code=HTTP_200_OK,
        summary="Retire an active key and create its successor",
    )
    async def rotate_key(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        kid: FromPath[str],
        principal: NamedDependency[Principal],
        keys: NamedDependency[KeyStoreService],
    ) -> SigningKeyRotated:
        authorize(principal, slug, KEY_ADMIN_ROLES)
        return await keys.rotate_key(principal.actor(request_id_of(request)), slug, kid)

    @post(
        "/{kid:str}/revoke",
        responses=_KEY_PROBLEMS,
        status_code=HTTP_200_OK,
        summary="Revoke a key: no longer published, its signatures no longer verify",
    )
    async def revoke_key(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        kid: FromPath[str],
        principal: NamedDependency[Principal],
        keys: NamedDependency[KeyStoreService],
    ) -> SigningKey:
        authorize(principal, slug, KEY_ADMIN_ROLES)
        return await keys.revoke_key(principal.actor(request_id_of(request)), slug, kid)

    @put(
        "/{kid:str}/certificate-chain",
        responses=_KEY_PROBLEMS,
        status_code=HTTP_200_OK,
        summary="Upload the X.509 chain of the active ES256 key (leaf first; HAIP issuer x5c)",
    )
    async def put_certificate_chain(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        kid: FromPath[str],
        data: JSONBody[CertificateChainIn],
        principal: NamedDependency[Principal],
        keys: NamedDependency[KeyStoreService],
    ) -> CertificateChain:
        authorize(principal, slug, KEY_ADMIN_ROLES)
        return await keys.upload_certificate_chain(
            principal.actor(request_id_of(request)), slug, kid, data.x509_chain_pem
        )

    @get(
        "/{kid:str}/certificate-chain",
        responses=ADMIN_PROBLEMS,
        summary="A key's X.509 chain (uploaded, or the dev chain outside production)",
    )
    async def get_certificate_chain(
        self,
        slug: FromPath[str],
        kid: FromPath[str],
        principal: NamedDependency[Principal],
        keys: NamedDependency[KeyStoreService],
    ) -> CertificateChain:
        authorize(principal, slug, KEY_ADMIN_ROLES)
        return await keys.certificate_chain(slug, kid)


ROUTES: list[ControllerRouterHandler] = [tenant_jwks, tenant_did_document, SigningKeyController]
