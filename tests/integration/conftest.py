"""Fixtures for HTTP tests: tenants with keys of every role, and an app with test-only routes."""

# No `from __future__ import annotations` here: Litestar resolves handler annotations by module
# name, and conftest modules share the name "conftest"; real annotation objects avoid the lookup.

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import httpx
import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.core.errors import InputTooLarge, InvalidInput, InvalidSignature
from sceau.errors import OAuthError
from sceau.settings import Settings
from sceau.tenants.models import TenantCreate
from sceau.tenants.service import Actor, TenantService
from sceau.web.app import create_app
from sceau.web.problems import protocol_router

ACTOR = Actor("test", "test-request")


@dataclass(frozen=True)
class TenantKeys:
    slug: str
    tokens: dict[str, str]  # role -> token
    key_ids: dict[str, str]


async def make_tenant(service: TenantService, slug: str) -> TenantKeys:
    created = await service.create_tenant(
        ACTOR, TenantCreate(slug=slug, name_en=f"{slug} EN", name_fr=f"{slug} FR")
    )
    tokens = {"admin": created.admin_key.token}
    key_ids = {"admin": created.admin_key.api_key.key_id}
    for role in ("issuer", "verifier", "auditor"):
        issued = await service.create_api_key(ACTOR, slug, role, f"{role} key")  # type: ignore[arg-type]
        tokens[role] = issued.token
        key_ids[role] = issued.api_key.key_id
    return TenantKeys(slug, tokens, key_ids)


@pytest.fixture
async def tenant_a(tenant_service: TenantService) -> TenantKeys:
    return await make_tenant(tenant_service, "tenant-a")


@pytest.fixture
async def tenant_b(tenant_service: TenantService) -> TenantKeys:
    return await make_tenant(tenant_service, "tenant-b")


# --- test-only routes, mounted only in the `probe_client` app ---------------------------------


@get("/test/boom", include_in_schema=False)
async def boom() -> None:
    raise RuntimeError("secret internal detail /etc/passwd")


@get("/test/core-signature", include_in_schema=False)
async def core_signature() -> None:
    raise InvalidSignature("signature over the wrong bytes")


@get("/test/core-too-large", include_in_schema=False)
async def core_too_large() -> None:
    raise InputTooLarge("too many disclosures", limit=100)


@get("/test/core-specific-code", include_in_schema=False)
async def core_specific_code() -> None:
    raise InvalidInput("iat is not a NumericDate", code="invalid_claims", claim="iat")


@get("/test/core-specific-too-large", include_in_schema=False)
async def core_specific_too_large() -> None:
    raise InputTooLarge("token", code="token_too_large")


@post("/token", include_in_schema=False)
async def oauth_token() -> None:
    raise OAuthError("invalid_grant")


class TokenForm(msgspec.Struct, forbid_unknown_fields=True):
    grant_type: str


@post("/form-token", include_in_schema=False, status_code=200)
async def oauth_form_token(
    data: Annotated[TokenForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> dict[str, str]:
    if data.grant_type != "urn:ietf:params:oauth:grant-type:pre-authorized_code":
        raise OAuthError("unsupported_grant_type")
    return {"grant_type": data.grant_type}


@get("/boom", include_in_schema=False)
async def oauth_boom() -> None:
    raise RuntimeError("oops")


@get("/core", include_in_schema=False)
async def oauth_core() -> None:
    raise InvalidSignature("x")


@get("/db-down", include_in_schema=False)
async def oauth_db_down() -> None:
    from sqlalchemy.exc import OperationalError

    raise OperationalError("INSERT ...", None, ConnectionRefusedError("connection refused"))


TEST_ROUTES = [
    boom,
    core_signature,
    core_too_large,
    core_specific_code,
    core_specific_too_large,
    protocol_router(
        "/test/oauth", [oauth_token, oauth_form_token, oauth_boom, oauth_core, oauth_db_down]
    ),
]


@pytest.fixture
async def probe_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    app: Litestar = create_app(settings, engine=engine, extra_route_handlers=TEST_ROUTES)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@get("/unknown-code", include_in_schema=False)
async def oauth_unknown_code() -> None:
    raise OAuthError("some_future_code")


TEST_ROUTES.append(protocol_router("/test/oauth2", [oauth_unknown_code]))
