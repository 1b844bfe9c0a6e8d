"""Every admin route is authorised by role and tenant; a key of tenant A never reaches tenant B.

The table below must list every route under /admin: a test walks the app's route table and fails
when a route is missing, so new routes are covered automatically.

Policy (documented in sceau.web.auth): another tenant → 404 tenant_not_found (same as a missing
tenant, no enumeration); wrong role in one's own tenant → 403; no or bad key → 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.integration.oid4vci.wallet_provider import WalletProvider

from sceau.db.tables import api_keys, audit_events, tenants

pytestmark = pytest.mark.anyio

TENANT_ROLES = ("admin", "issuer", "verifier", "auditor")


CREDENTIAL_TYPE = {
    "id": "permit",
    "format": "dc+sd-jwt",
    "display": {"en-CA": {"name": "Permit"}, "fr-CA": {"name": "Permis"}},
    "claims_schema": {"type": "object", "properties": {"given_name": {"type": "string"}}},
}

VERIFIER_CONFIG = {
    "client_id_prefix": "decentralized_identifier",
    "name_en": "Verifier",
    "name_fr": "Vérificateur",
    "purposes": [
        {
            "id": "age",
            "description_en": "Age check",
            "description_fr": "Vérification de l'âge",
            "allowed_claims": {"https://example.gc.ca/pid": [["age_over_18"]]},
        }
    ],
}

RELYING_PARTY = {
    "name_en": "Service",
    "name_fr": "Service",
    "redirect_uris": ["https://rp.example.gc.ca/cb"],
    "token_endpoint_auth_method": "client_secret_basic",
    "scopes": {
        "age": {
            "purpose": "age",
            "credential_types": [{"format": "dc+sd-jwt", "vct": "https://example.gc.ca/pid"}],
            "claims": {"age_over_18": ["age_over_18"]},
            "subject_claims": [["age_over_18"]],
            "acr": "loa2",
        }
    },
}


@dataclass(frozen=True)
class AdminRoute:
    method: str
    template: str  # as in the app's route table
    allowed: tuple[
        str, ...
    ]  # tenant roles allowed on their own tenant ("platform" = only platform admin)
    body: dict[str, Any] | None = None
    success: int = 200


ROUTES = [
    AdminRoute(
        "POST",
        "/admin/tenants",
        ("platform",),
        {"slug": "new-tenant", "name_en": "N", "name_fr": "N"},
        201,
    ),
    AdminRoute("GET", "/admin/tenants", ("platform",)),
    AdminRoute("GET", "/admin/tenants/{slug:str}", ("admin", "auditor")),
    AdminRoute("PATCH", "/admin/tenants/{slug:str}", ("admin",), {"name_en": "Renamed"}),
    AdminRoute("GET", "/admin/tenants/{slug:str}/api-keys", ("admin",)),
    AdminRoute(
        "POST",
        "/admin/tenants/{slug:str}/api-keys",
        ("admin",),
        {"role": "issuer", "label": "x"},
        201,
    ),
    AdminRoute("DELETE", "/admin/tenants/{slug:str}/api-keys/{key_id:str}", ("admin",), None, 204),
    AdminRoute("GET", "/admin/tenants/{slug:str}/audit", ("admin", "auditor")),
    AdminRoute(
        "POST",
        "/admin/tenants/{slug:str}/credential-types",
        ("admin",),
        CREDENTIAL_TYPE,
        201,
    ),
    AdminRoute("GET", "/admin/tenants/{slug:str}/credential-types", ("admin", "issuer", "auditor")),
    # The fixture tenants have no type "{type_id:str}": allowed roles get past authorisation to
    # 404 unknown_credential_type; the others get 403/404 tenant_not_found before any lookup.
    AdminRoute(
        "GET",
        "/admin/tenants/{slug:str}/credential-types/{type_id:str}",
        ("admin", "issuer", "auditor"),
        None,
        404,
    ),
    AdminRoute(
        "PUT",
        "/admin/tenants/{slug:str}/credential-types/{type_id:str}",
        ("admin",),
        CREDENTIAL_TYPE,
        404,
    ),
    AdminRoute(
        "DELETE", "/admin/tenants/{slug:str}/credential-types/{type_id:str}", ("admin",), None, 404
    ),
    AdminRoute("GET", "/admin/tenants/{slug:str}/keys", ("admin",)),
    AdminRoute("POST", "/admin/tenants/{slug:str}/keys", ("admin",), {"algorithm": "ES256"}, 201),
    # No kid "{kid:str}": allowed roles get 404 signing_key_not_found (real kids are exercised
    # in tests/integration/keys); the others get 403/404 tenant_not_found first.
    AdminRoute("POST", "/admin/tenants/{slug:str}/keys/{kid:str}/rotate", ("admin",), None, 404),
    AdminRoute("POST", "/admin/tenants/{slug:str}/keys/{kid:str}/revoke", ("admin",), None, 404),
    AdminRoute(
        "PUT",
        "/admin/tenants/{slug:str}/keys/{kid:str}/certificate-chain",
        ("admin",),
        {"x509_chain_pem": ["not a certificate"]},
        404,
    ),
    AdminRoute(
        "GET", "/admin/tenants/{slug:str}/keys/{kid:str}/certificate-chain", ("admin",), None, 404
    ),
    # No record "{record_id:str}": allowed roles reach 404 credential_record_not_found.
    AdminRoute(
        "GET",
        "/admin/tenants/{slug:str}/credentials/{record_id:str}",
        ("admin", "issuer", "auditor"),
        None,
        404,
    ),
    *(
        AdminRoute(
            "POST",
            f"/admin/tenants/{{slug:str}}/credentials/{{record_id:str}}/{action}",
            ("admin", "issuer"),
            None,
            404,
        )
        for action in ("revoke", "suspend", "unsuspend")
    ),
    # No credential type "permit" / no offer: allowed roles reach 404 (unknown type / offer).
    AdminRoute(
        "POST",
        "/admin/tenants/{slug:str}/offers",
        ("admin", "issuer"),
        {"credential_configuration_ids": ["permit"], "claims": {}},
        404,
    ),
    *(
        AdminRoute(
            "GET",
            f"/admin/tenants/{{slug:str}}/offers/{{offer_id:str}}/qr.{kind}",
            ("admin", "issuer"),
            None,
            404,
        )
        for kind in ("png", "svg")
    ),
    AdminRoute(
        "PUT",
        "/admin/tenants/{slug:str}/upstream-oidc",
        ("admin",),
        {"issuer": "https://login.example.gc.ca", "client_id": "sceau", "client_secret": "s3cret"},
    ),
    # Not configured yet: the tenant admin reaches 404.
    AdminRoute("GET", "/admin/tenants/{slug:str}/upstream-oidc", ("admin",), None, 404),
    AdminRoute(
        "PUT",
        "/admin/tenants/{slug:str}/wallet-providers",
        ("admin",),
        {"trust_anchors_pem": [WalletProvider().anchor_pem]},
    ),
    # Not configured yet: the tenant admin reaches 404.
    AdminRoute("GET", "/admin/tenants/{slug:str}/wallet-providers", ("admin",), None, 404),
    AdminRoute("PUT", "/admin/tenants/{slug:str}/verifier", ("admin",), VERIFIER_CONFIG),
    # Not configured yet: allowed roles reach 404 verifier_not_configured.
    AdminRoute("GET", "/admin/tenants/{slug:str}/verifier", ("admin", "verifier"), None, 404),
    AdminRoute(
        "POST",
        "/admin/tenants/{slug:str}/presentation-requests",
        ("admin", "verifier"),
        {"purpose": "age", "dcql_query": {"credentials": []}},
        404,
    ),
    *(
        AdminRoute(
            "GET",
            f"/admin/tenants/{{slug:str}}/presentation-requests/{{request_id:str}}{suffix}",
            ("admin", "verifier"),
            None,
            404,
        )
        for suffix in ("", "/qr.svg", "/qr.png")
    ),
    # No verifier configured: allowed roles reach 404 verifier_not_configured.
    AdminRoute(
        "POST",
        "/admin/tenants/{slug:str}/relying-parties",
        ("admin",),
        RELYING_PARTY,
        404,
    ),
    AdminRoute("GET", "/admin/tenants/{slug:str}/relying-parties", ("admin", "auditor")),
    # No client "{client_id:str}": allowed roles reach 404 relying_party_not_found.
    AdminRoute(
        "GET",
        "/admin/tenants/{slug:str}/relying-parties/{client_id:str}",
        ("admin", "auditor"),
        None,
        404,
    ),
    AdminRoute(
        "PATCH",
        "/admin/tenants/{slug:str}/relying-parties/{client_id:str}",
        ("admin",),
        {"name_en": "Renamed"},
        404,
    ),
    AdminRoute(
        "DELETE",
        "/admin/tenants/{slug:str}/relying-parties/{client_id:str}",
        ("admin",),
        None,
        404,
    ),
]
IDS = [f"{r.method} {r.template}" for r in ROUTES]


def url(route: AdminRoute, slug: str, key_id: str) -> str:
    return route.template.replace("{slug:str}", slug).replace("{key_id:str}", key_id)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def fingerprint(engine) -> tuple[Any, ...]:
    """Row counts and contents of the mutable tables except the audit log (logins may append)."""
    async with engine.connect() as conn:
        t = (await conn.execute(select(tenants).order_by(tenants.c.id))).all()
        k = (
            await conn.execute(
                select(
                    api_keys.c.key_id,
                    api_keys.c.tenant_id,
                    api_keys.c.role,
                    api_keys.c.revoked_at_ms,
                ).order_by(api_keys.c.key_id)
            )
        ).all()
    return tuple(map(tuple, t)), tuple(map(tuple, k))


async def test_every_admin_route_is_in_the_authorization_table(app) -> None:
    served = {
        (method, route.path)
        for route in app.routes
        if route.path.startswith("/admin")
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }
    listed = {(r.method, r.template) for r in ROUTES}
    assert served - listed == set(), "add the new admin route to ROUTES with its allowed roles"
    assert listed - served == set()


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
async def test_other_tenants_key_is_refused_without_change(
    client, engine, tenant_a, tenant_b, route
) -> None:
    before = await fingerprint(engine)
    for role in TENANT_ROLES:
        r = await client.request(
            route.method,
            url(route, tenant_b.slug, tenant_b.key_ids["issuer"]),
            json=route.body,
            headers=auth(tenant_a.tokens[role]),
        )
        expected = 403 if "platform" in route.allowed else 404
        assert r.status_code == expected, (role, r.text)
        assert r.json()["code"] == ("forbidden" if expected == 403 else "tenant_not_found")
        assert tenant_b.slug not in r.text
    assert await fingerprint(engine) == before


TENANT_SCOPED = [r for r in ROUTES if "platform" not in r.allowed]


@pytest.mark.parametrize(
    "route", TENANT_SCOPED, ids=[f"{r.method} {r.template}" for r in TENANT_SCOPED]
)
async def test_missing_tenant_and_other_tenant_look_the_same(client, tenant_a, route) -> None:
    other = await client.request(
        route.method,
        url(route, "tenant-b-does-not-exist", "0" * 16),
        json=route.body,
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert other.status_code == 404 and other.json()["code"] == "tenant_not_found"


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
@pytest.mark.parametrize("role", TENANT_ROLES)
async def test_roles_on_own_tenant_follow_the_table(client, engine, tenant_a, route, role) -> None:
    before = await fingerprint(engine)
    r = await client.request(
        route.method,
        url(route, tenant_a.slug, tenant_a.key_ids["verifier"]),
        json=route.body,
        headers=auth(tenant_a.tokens[role]),
    )
    if role in route.allowed:
        assert r.status_code == route.success, r.text
    else:
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "forbidden"
        assert await fingerprint(engine) == before


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
async def test_platform_admin_may_use_every_route(client, platform_token, tenant_b, route) -> None:
    r = await client.request(
        route.method,
        url(route, tenant_b.slug, tenant_b.key_ids["issuer"]),
        json=route.body,
        headers=auth(platform_token),
    )
    assert r.status_code == route.success, r.text


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
async def test_every_admin_route_requires_a_key(client, engine, tenant_b, route) -> None:
    before = await fingerprint(engine)
    r = await client.request(
        route.method, url(route, tenant_b.slug, tenant_b.key_ids["issuer"]), json=route.body
    )
    assert r.status_code == 401
    assert "www-authenticate" in r.headers
    assert await fingerprint(engine) == before


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
async def test_revoked_key_is_refused_on_every_route(
    client, tenant_service, tenant_a, route
) -> None:
    from sceau.tenants.service import Actor

    await tenant_service.revoke_api_key(
        Actor("test", "t"), tenant_a.slug, tenant_a.key_ids["admin"]
    )
    r = await client.request(
        route.method,
        url(route, tenant_a.slug, tenant_a.key_ids["issuer"]),
        json=route.body,
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 401


async def test_audit_listing_never_shows_other_tenants_events(
    client, engine, tenant_a, tenant_b
) -> None:
    r = await client.get("/admin/tenants/tenant-a/audit", headers=auth(tenant_a.tokens["auditor"]))
    assert r.status_code == 200
    entries = r.json()["entries"]
    assert entries and {e["tenant"] for e in entries} == {"tenant-a"}
    async with engine.connect() as conn:
        b_events = (
            await conn.execute(
                select(func.count())
                .select_from(audit_events)
                .where(audit_events.c.tenant == "tenant-b")
            )
        ).scalar_one()
    assert b_events > 0
