"""Request ids, security headers, JSON logs without secrets, Prometheus metrics."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.anyio


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


async def test_well_formed_incoming_request_id_is_kept(client) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123_def.456"})
    assert r.headers["x-request-id"] == "abc-123_def.456"


@pytest.mark.parametrize(
    "incoming", ["short", "x" * 65, "bad id with spaces", "<script>alert(1)</script>"]
)
async def test_malformed_incoming_request_id_is_replaced(client, incoming) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": incoming})
    assert r.headers["x-request-id"] != incoming
    assert len(r.headers["x-request-id"]) == 32


async def test_every_response_carries_security_headers(client) -> None:
    for path in ("/healthz", "/docs", "/openapi.json", "/nowhere", "/admin/tenants"):
        r = await client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "x-request-id" in r.headers


async def test_admin_responses_are_not_cached(client, tenant_a) -> None:
    ok = await client.get("/admin/tenants/tenant-a", headers=auth(tenant_a.tokens["admin"]))
    denied = await client.get("/admin/tenants/tenant-a")
    assert ok.headers["cache-control"] == "no-store"
    assert denied.headers["cache-control"] == "no-store"


async def test_docs_page_uses_no_third_party_assets(client) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200 and "/admin/tenants" in r.text
    assert "http://" not in r.text and "https://" not in r.text
    scripts = re.findall(r'<script src="([^"]+)"', r.text)
    assert scripts == ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/init.js"]
    assert "<script>" not in r.text  # no inline script: the CSP (script 'self') would block it
    for asset in [*scripts, "/docs/assets/swagger-ui.css"]:
        served = await client.get(asset)
        assert served.status_code == 200 and len(served.content) > 0
    init = (await client.get("/docs/assets/init.js")).text
    assert 'url: "/openapi.json"' in init and "validatorUrl: null" in init


async def test_openapi_document_is_3_1_and_lists_admin_routes(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    assert "/admin/tenants/{slug}/audit" in doc["paths"]


async def test_each_request_logs_one_json_line_with_request_id_route_status(
    client, tenant_a, capsys
) -> None:
    capsys.readouterr()
    await client.get(
        "/admin/tenants/tenant-a",
        headers={**auth(tenant_a.tokens["admin"]), "X-Request-ID": "req-log-000001"},
    )
    lines = [
        entry for entry in log_lines(capsys.readouterr().out) if entry.get("event") == "request"
    ]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-log-000001"
    assert line["route"] == "/admin/tenants/{slug}"
    assert line["status"] == 200
    assert line["tenant"] == "tenant-a"
    assert isinstance(line["duration_ms"], float)


async def test_api_keys_never_appear_in_logs_or_other_responses(
    client, platform_token, capsys
) -> None:
    capsys.readouterr()
    created = await client.post(
        "/admin/tenants",
        json={"slug": "logs", "name_en": "L", "name_fr": "L"},
        headers=auth(platform_token),
    )
    token = created.json()["admin_key"]["token"]
    responses = [
        await client.get("/admin/tenants/logs", headers=auth(token)),
        await client.get("/admin/tenants/logs/api-keys", headers=auth(token)),
        await client.get("/admin/tenants/logs/audit", headers=auth(token)),
        await client.get("/admin/tenants/logs", headers=auth(token + "x")),
        await client.get(f"/admin/tenants/logs?key={token}", headers=auth(token)),
        await client.get("/metrics"),
    ]
    out = capsys.readouterr()
    secret = token.split("_", 2)[2]
    for text in (out.out, out.err, *(r.text for r in responses)):
        assert token not in text and secret not in text and platform_token not in text


async def test_metrics_count_requests_by_route_template_and_status(client, tenant_a) -> None:
    await client.get("/admin/tenants/tenant-a", headers=auth(tenant_a.tokens["admin"]))
    await client.get("/admin/tenants/tenant-b")
    text = (await client.get("/metrics")).text
    assert (
        'sceau_http_requests_total{method="GET",route="/admin/tenants/{slug}",status="200"} 1.0'
        in text
    )
    assert 'route="/admin/tenants/{slug}",status="401"' in text
    assert "sceau_http_request_duration_seconds_bucket" in text
    assert "tenant-a" not in text  # templates, not concrete paths


async def test_readyz_fails_when_migrations_are_not_at_head(settings) -> None:
    import httpx

    from sceau.db.engine import create_engine
    from sceau.web.app import create_app

    engine = create_engine(settings)  # never migrated
    try:
        app = create_app(settings, engine=engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            r = await http.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
    finally:
        await engine.dispose()


async def test_openapi_documents_problem_responses_on_admin_routes(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    for path, item in doc["paths"].items():
        if not path.startswith("/admin"):
            continue
        for method, operation in item.items():
            for status in ("401", "403", "404"):
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, (method, path, status)


async def test_hsts_is_sent_in_prod_only(settings, engine, client) -> None:
    import httpx
    import msgspec

    from sceau.web.app import create_app

    assert "strict-transport-security" not in (await client.get("/healthz")).headers
    from sceau.keys.kek import new_kek_text

    # Prod refuses to start without SCEAU_KEK (signing keys at rest).
    prod_settings = msgspec.structs.replace(settings, environment="prod", kek=new_kek_text())
    prod = create_app(prod_settings, engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=prod), base_url="http://t") as h:
        r = await h.get("/healthz")
    assert r.headers["strict-transport-security"].startswith("max-age=")
