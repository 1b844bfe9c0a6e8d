"""The app starts on a migrated database and answers the operational endpoints."""

from __future__ import annotations

import pytest

from sceau.db.migrate import head_revision

pytestmark = pytest.mark.anyio


async def test_healthz_answers_ok(client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_migrations_at_head(client) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["migrations"] == head_revision()


async def test_platform_admin_creates_tenant_and_gets_admin_key(
    client, platform_token, bearer
) -> None:
    response = await client.post(
        "/admin/tenants",
        json={"slug": "demo", "name_en": "Demo", "name_fr": "Démo"},
        headers=bearer(platform_token),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tenant"]["signing_algorithms"] == ["ES256"]
    admin_token = body["admin_key"]["token"]
    assert admin_token.startswith("sceau_")
    own = await client.get("/admin/tenants/demo", headers=bearer(admin_token))
    assert own.status_code == 200
    assert own.json()["name_fr"] == "Démo"
