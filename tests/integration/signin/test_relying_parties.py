"""Relying-party registration: validation (redirect URIs, keys, scopes within the purpose), the
secret shown once and stored hashed, audit, update and delete."""

from typing import Any

import pytest
from sqlalchemy import select

from sceau.db.tables import audit_events
from sceau.signin.tables import signin_relying_parties

from .conftest import LICENCE_SCOPE, TENANT, VCT, World

pytestmark = pytest.mark.anyio

BASE: dict[str, Any] = {
    "name_en": "Fishing portal",
    "name_fr": "Portail de pêche",
    "redirect_uris": ["https://portal.example.gc.ca/cb"],
    "token_endpoint_auth_method": "client_secret_basic",
    "scopes": {"licence": LICENCE_SCOPE},
}


async def create(world: World, **changes: Any) -> Any:
    return await world.admin.post(
        f"/admin/tenants/{TENANT}/relying-parties",
        json={**BASE, **changes},
        headers={**world.auth(), "Accept-Language": "fr-CA"},
    )


async def test_secret_is_shown_once_and_stored_as_a_hash(world: World) -> None:
    r = await create(world)
    assert r.status_code == 201, r.text
    body = r.json()
    secret, client_id = body["client_secret"], body["relying_party"]["client_id"]
    assert len(secret) >= 43
    rp = body["relying_party"]
    assert rp["scopes"]["licence"]["credential_types"][0]["acr"] == "loa2"  # from the type
    shown = await world.admin.get(
        f"/admin/tenants/{TENANT}/relying-parties/{client_id}", headers=world.auth("auditor")
    )
    assert shown.status_code == 200 and secret not in shown.text
    listed = await world.admin.get(f"/admin/tenants/{TENANT}/relying-parties", headers=world.auth())
    assert [p["client_id"] for p in listed.json()] == [client_id]
    await world.app.state["audit"].seal()
    async with world.app.state["engine"].connect() as conn:
        row = (
            await conn.execute(
                select(signin_relying_parties).where(
                    signin_relying_parties.c.client_id == client_id
                )
            )
        ).one()
        actions = (
            (
                await conn.execute(
                    select(audit_events.c.action).where(audit_events.c.target == client_id)
                )
            )
            .scalars()
            .all()
        )
    assert secret not in str(tuple(row)) and row.secret_hash
    assert actions == ["relying_party.create"]


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uris": ["http://portal.example.gc.ca/cb"]},  # http off loopback
        {"redirect_uris": ["https://portal.example.gc.ca/cb#frag"]},
        {"redirect_uris": ["myapp:/cb"]},
        {"post_logout_redirect_uris": ["http://evil.example/"]},
        {"scopes": {"licence": {**LICENCE_SCOPE, "claims": {"sub": ["licence_number"]}}}},
        {"scopes": {"openid": LICENCE_SCOPE}},
        {"jwks": {"keys": []}},  # jwks with client_secret_basic
        {"token_endpoint_auth_method": "private_key_jwt"},  # no jwks
        {
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]},
        },
    ],
)
async def test_invalid_registrations_are_refused(world: World, changes: dict[str, Any]) -> None:
    r = await create(world, **changes)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_relying_party"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "partie utilisatrice" in r.json()["title"].lower()


async def test_private_keys_are_refused_in_jwks(world: World) -> None:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    r = await create(
        world,
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=True)]},
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_relying_party"
    ok = await create(
        world,
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    assert ok.status_code == 201 and ok.json()["client_secret"] is None


@pytest.mark.parametrize(
    "scope",
    [
        # A claim the purpose does not allow.
        {**LICENCE_SCOPE, "claims": {"family_name": ["family_name"]}},
        # A subject claim the purpose does not allow.
        {**LICENCE_SCOPE, "subject_claims": [["family_name"]]},
        # A credential type the purpose does not allow.
        {
            **LICENCE_SCOPE,
            "credential_types": [{"format": "dc+sd-jwt", "vct": VCT + "-other"}],
            "acr": "loa1",
        },
        # A purpose that does not exist.
        {**LICENCE_SCOPE, "purpose": "no-such-purpose"},
    ],
)
async def test_scopes_cannot_ask_beyond_their_purpose(world: World, scope: Any) -> None:
    r = await create(world, scopes={"licence": scope})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "scope_beyond_purpose"


async def test_update_and_delete(world: World) -> None:
    client_id = (await create(world)).json()["relying_party"]["client_id"]
    url = f"/admin/tenants/{TENANT}/relying-parties/{client_id}"
    r = await world.admin.patch(
        url,
        json={"name_en": "Renamed", "redirect_uris": ["http://127.0.0.1:8080/cb"]},
        headers=world.auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["name_en"] == "Renamed"
    assert r.json()["redirect_uris"] == ["http://127.0.0.1:8080/cb"]  # loopback http is fine
    bad = await world.admin.patch(
        url, json={"scopes": {"x": {**LICENCE_SCOPE, "purpose": "nope"}}}, headers=world.auth()
    )
    assert bad.status_code == 422
    assert (await world.admin.delete(url, headers=world.auth())).status_code == 204
    assert (await world.admin.get(url, headers=world.auth())).status_code == 404
    assert (await world.admin.delete(url, headers=world.auth())).json()["code"] == (
        "relying_party_not_found"
    )
