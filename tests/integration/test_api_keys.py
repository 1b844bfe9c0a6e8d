"""API keys: shown once, stored as a hash, revocable, last use recorded once per interval."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sceau.audit.service import seal
from sceau.db.tables import api_keys, audit_events
from sceau.tenants.service import Actor, TenantService
from sceau.tenants.tokens import parse_token

pytestmark = pytest.mark.anyio


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_created_key_token_is_shown_once_and_never_listed(client, tenant_a) -> None:
    created = await client.post(
        "/admin/tenants/tenant-a/api-keys",
        json={"role": "verifier", "label": "kiosk"},
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("sceau_")
    listed = await client.get(
        "/admin/tenants/tenant-a/api-keys", headers=auth(tenant_a.tokens["admin"])
    )
    assert listed.status_code == 200
    _, secret = parse_token(token)
    assert secret not in listed.text and "token" not in listed.json()[0]
    assert created.json()["api_key"]["key_id"] in listed.text


async def test_only_a_sha256_of_the_secret_is_stored(engine, tenant_a) -> None:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(api_keys))).all()
    stored = " ".join(str(v) for row in rows for v in row)
    for token in tenant_a.tokens.values():
        _, secret = parse_token(token)
        assert secret not in stored
        assert token not in stored


async def test_tokens_carry_256_bits_of_randomness_and_a_public_key_id(tenant_a) -> None:
    key_id, secret = parse_token(tenant_a.tokens["admin"])
    assert len(key_id) == 16
    assert len(secret) == 43  # 32 bytes base64url without padding
    assert len({parse_token(t)[1] for t in tenant_a.tokens.values()}) == 4


async def test_key_with_right_id_but_wrong_secret_is_refused(client, tenant_a) -> None:
    key_id, secret = parse_token(tenant_a.tokens["admin"])
    forged = f"sceau_{key_id}_{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
    r = await client.get("/admin/tenants/tenant-a", headers=auth(forged))
    assert r.status_code == 401


async def test_revoked_key_is_refused_immediately(client, tenant_a) -> None:
    token = tenant_a.tokens["auditor"]
    assert (await client.get("/admin/tenants/tenant-a", headers=auth(token))).status_code == 200
    r = await client.delete(
        f"/admin/tenants/tenant-a/api-keys/{tenant_a.key_ids['auditor']}",
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 204
    assert (await client.get("/admin/tenants/tenant-a", headers=auth(token))).status_code == 401


async def test_revoking_unknown_key_is_a_404_problem(client, tenant_a) -> None:
    r = await client.delete(
        "/admin/tenants/tenant-a/api-keys/0123456789abcdef", headers=auth(tenant_a.tokens["admin"])
    )
    assert r.status_code == 404 and r.json()["code"] == "apikey_not_found"


async def test_key_use_is_recorded_at_most_once_per_interval(engine, tenant_a) -> None:
    clock = [1_000_000]
    service = TenantService(engine, login_audit_interval_s=60, clock_ms=lambda: clock[0])

    async def logins() -> int:
        await seal(engine)
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(audit_events.c.seq).where(
                    audit_events.c.action == "apikey.login",
                    audit_events.c.target == f"apikey:{tenant_a.key_ids['issuer']}",
                )
            )
            return len(rows.all())

    for _ in range(5):
        await service.authenticate(tenant_a.tokens["issuer"], "req-1")
    assert await logins() == 1
    clock[0] += 61_000
    await service.authenticate(tenant_a.tokens["issuer"], "req-2")
    assert await logins() == 2
    keys = await service.list_api_keys("tenant-a")
    assert next(k for k in keys if k.role == "issuer").last_used_at_ms == clock[0]


async def test_platform_admin_key_is_created_without_tenant(tenant_service) -> None:
    issued = await tenant_service.create_api_key(Actor("t", "t"), None, "platform_admin")
    assert issued.api_key.tenant is None
    principal = await tenant_service.authenticate(issued.token, "r")
    assert principal.is_platform_admin
