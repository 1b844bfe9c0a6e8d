"""Every error class answers problem+json (RFC 9457) in English or French; bad input never 500s."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sceau.web.i18n import load_catalogue, to_oauth_ascii

pytestmark = pytest.mark.anyio

EN, FR = load_catalogue("en"), load_catalogue("fr")
LANGS = {"en": ("en-CA", EN), "fr": ("fr-CA,fr;q=0.9,en;q=0.5", FR)}


def assert_problem(response: httpx.Response, status: int, code: str, lang: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    catalogue = LANGS[lang][1]
    assert set(body) == {"type", "title", "status", "detail", "code", "request_id"}
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] == catalogue[f"{code}.title"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert response.headers["content-language"] == lang
    return body


@pytest.fixture(params=["en", "fr"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def h(lang: str, token: str | None = None, **extra: str) -> dict[str, str]:
    headers = {"Accept-Language": LANGS[lang][0], **extra}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def test_malformed_json_is_a_400_problem(client, platform_token, lang) -> None:
    r = await client.post(
        "/admin/tenants",
        content=b'{"slug": ',
        headers=h(lang, platform_token, **{"Content-Type": "application/json"}),
    )
    assert_problem(r, 400, "malformed_json", lang)


@pytest.mark.parametrize(
    "body",
    [
        {"slug": "ok", "name_en": "A", "name_fr": "B", "admin": True},  # unknown field
        {"slug": "ok", "name_en": "A"},  # missing field
        {"slug": "Not A Slug!", "name_en": "A", "name_fr": "B"},
        {"slug": "ok", "name_en": 5, "name_fr": "B"},
        ["not", "an", "object"],
    ],
)
async def test_schema_violations_are_a_400_problem_that_does_not_echo_input(
    client, platform_token, lang, body
) -> None:
    r = await client.post("/admin/tenants", json=body, headers=h(lang, platform_token))
    problem = assert_problem(r, 400, "validation_failed", lang)
    assert "admin" not in problem["detail"] and "Not A Slug" not in r.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_wrong_content_type_is_a_415_problem(
    client, platform_token, lang, content_type
) -> None:
    r = await client.post(
        "/admin/tenants",
        content=b'{"slug":"x","name_en":"a","name_fr":"b"}',
        headers=h(lang, platform_token, **{"Content-Type": content_type}),
    )
    assert_problem(r, 415, "unsupported_media_type", lang)


async def test_announced_oversized_body_is_a_413_problem(client, platform_token, lang) -> None:
    body = b'{"slug":"x","name_en":"' + b"a" * (1024 * 1024) + b'","name_fr":"b"}'
    r = await client.post(
        "/admin/tenants",
        content=body,
        headers=h(lang, platform_token, **{"Content-Type": "application/json"}),
    )
    problem = assert_problem(r, 413, "body_too_large", lang)
    assert str(1024 * 1024) in problem["detail"]


async def test_streamed_oversized_body_is_cut_off_while_streaming(
    client, platform_token, lang
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(64):  # 4 MiB offered, no Content-Length
            sent += 1
            yield b"a" * 65536

    r = await client.post(
        "/admin/tenants",
        content=chunks(),
        headers=h(lang, platform_token, **{"Content-Type": "application/json"}),
    )
    assert_problem(r, 413, "body_too_large", lang)
    assert sent < 64  # the server stopped reading after the limit


async def test_unknown_route_is_a_404_problem(client, lang) -> None:
    assert_problem(await client.get("/admin/nothing-here", headers=h(lang)), 404, "not_found", lang)


async def test_wrong_method_is_a_405_problem(client, lang) -> None:
    assert_problem(await client.put("/healthz", headers=h(lang)), 405, "method_not_allowed", lang)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer sceau_nothing",
        "Bearer " + "a" * 5000,
        "Bearer sceau_0123456789abcdef_" + "A" * 43,
    ],
)
async def test_missing_or_bad_api_key_is_a_401_problem_with_www_authenticate(
    client, lang, authorization
) -> None:
    headers = h(lang)
    if authorization:
        headers["Authorization"] = authorization
    r = await client.get("/admin/tenants", headers=headers)
    assert_problem(r, 401, "unauthorized", lang)
    assert r.headers["www-authenticate"].startswith("Bearer ")


async def test_wrong_role_is_a_403_problem(client, tenant_a, lang) -> None:
    r = await client.get(
        "/admin/tenants/tenant-a/api-keys", headers=h(lang, tenant_a.tokens["auditor"])
    )
    assert_problem(r, 403, "forbidden", lang)


async def test_duplicate_tenant_is_a_409_problem(client, platform_token, tenant_a, lang) -> None:
    r = await client.post(
        "/admin/tenants",
        json={"slug": "tenant-a", "name_en": "A", "name_fr": "B"},
        headers=h(lang, platform_token),
    )
    assert_problem(r, 409, "tenant_exists", lang)


async def test_algorithm_outside_allow_list_is_a_422_problem(client, platform_token, lang) -> None:
    r = await client.post(
        "/admin/tenants",
        json={"slug": "x", "name_en": "A", "name_fr": "B", "signing_algorithms": ["HS256"]},
        headers=h(lang, platform_token),
    )
    problem = assert_problem(r, 422, "algorithm_not_allowed", lang)
    assert "ES256" in problem["detail"] and "HS256" not in problem["detail"]


async def test_unhandled_exception_is_a_500_problem_without_stack_trace(
    probe_client, lang, capsys
) -> None:
    r = await probe_client.get("/test/boom", headers=h(lang, **{"X-Request-ID": "req-boom-0001"}))
    assert_problem(r, 500, "internal_error", lang)
    assert "secret internal detail" not in r.text and "Traceback" not in r.text
    logged = [
        line for line in capsys.readouterr().out.splitlines() if "unhandled_exception" in line
    ]
    assert logged and "req-boom-0001" in logged[0] and "RuntimeError" in logged[0]


async def test_core_errors_map_to_problems_by_code(probe_client, lang) -> None:
    problem = assert_problem(
        await probe_client.get("/test/core-signature", headers=h(lang)),
        400,
        "invalid_signature",
        lang,
    )
    assert "wrong bytes" not in problem["detail"]
    assert_problem(
        await probe_client.get("/test/core-too-large", headers=h(lang)),
        413,
        "input_too_large",
        lang,
    )


async def test_protocol_routes_answer_rfc6749_errors(probe_client, lang) -> None:
    r = await probe_client.post("/test/oauth/token", headers=h(lang))
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "invalid_grant"
    assert body["error_description"].isascii() and body["error_description"]
    if lang == "fr":
        assert "autorisation" in body["error_description"].lower()


async def test_protocol_routes_map_crashes_and_core_errors_to_oauth_codes(
    probe_client, lang
) -> None:
    crash = await probe_client.get("/test/oauth/boom", headers=h(lang))
    assert crash.status_code == 500 and crash.json()["error"] == "server_error"
    core = await probe_client.get("/test/oauth/core", headers=h(lang))
    assert core.status_code == 400 and core.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"slug":"dup","slug":"other","name_en":"A","name_fr":"B"}',
        b'{"slug":"x","name_en":"A","name_fr":"B","n":NaN}',
        b'{"slug":"x","name_en":"A","name_fr":"B","n":Infinity}',
        b'{"slug":"\xff\xfe","name_en":"A","name_fr":"B"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"slug":"x","name_en":"A","name_fr":"B"} trailing',
        b"\xef\xbb\xbf{}",
    ],
)
async def test_non_strict_json_is_a_400_problem_and_creates_nothing(
    client, platform_token, lang, raw
) -> None:
    r = await client.post(
        "/admin/tenants",
        content=raw,
        headers=h(lang, platform_token, **{"Content-Type": "application/json"}),
    )
    assert_problem(r, 400, "malformed_json", lang)
    listed = await client.get("/admin/tenants", headers=h(lang, platform_token))
    assert listed.json() == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tenants/tenant-a/audit?limit=0",
        "/admin/tenants/tenant-a/audit?limit=abc",
        "/admin/tenants/tenant-a/audit?after=-1",
        "/admin/tenants/tenant-a/audit?limit=100000",
        "/admin/tenants/tenant-a/audit?after=99999999999999999999999",
    ],
)
async def test_bad_query_parameters_are_a_400_problem(client, tenant_a, lang, path) -> None:
    r = await client.get(path, headers=h(lang, tenant_a.tokens["admin"]))
    assert_problem(r, 400, "validation_failed", lang)


@pytest.mark.parametrize(
    "slug", ["%2e%2e", "..%2Ftenant-a", "TENANT-A", "tenant-a%00", "x" * 300, "%F0%9F%98%80"]
)
async def test_odd_tenant_slugs_never_reach_another_tenant(client, tenant_a, lang, slug) -> None:
    r = await client.get(f"/admin/tenants/{slug}", headers=h(lang, tenant_a.tokens["admin"]))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_form_encoded_protocol_endpoints_are_not_forced_to_json(probe_client, lang) -> None:
    grant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ok = await probe_client.post(
        "/test/oauth/form-token", data={"grant_type": grant}, headers=h(lang)
    )
    assert ok.status_code == 200 and ok.json() == {"grant_type": grant}
    bad = await probe_client.post(
        "/test/oauth/form-token", data={"grant_type": "x"}, headers=h(lang)
    )
    assert bad.status_code == 400 and bad.json()["error"] == "unsupported_grant_type"


async def test_oauth_description_is_localized_for_protocol_codes(probe_client, lang) -> None:
    bad = await probe_client.post(
        "/test/oauth/form-token", data={"grant_type": "x"}, headers=h(lang)
    )
    expected = "pas en charge" if lang == "fr" else "not supported"
    assert expected in bad.json()["error_description"]


async def test_oauth_code_without_message_falls_back_to_generic_text(probe_client, lang) -> None:
    r = await probe_client.get("/test/oauth2/unknown-code", headers=h(lang))
    body = r.json()
    assert body["error"] == "some_future_code"
    assert body["error_description"] == to_oauth_ascii(LANGS[lang][1]["error.detail"])


async def test_specific_core_codes_keep_their_code_and_take_status_and_text_from_their_class(
    probe_client, lang
) -> None:
    r = await probe_client.get("/test/core-specific-code", headers=h(lang))
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "invalid_claims" and body["type"].endswith("invalid_claims")
    assert body["title"] == LANGS[lang][1]["invalid_input.title"]
    assert "NumericDate" not in r.text
    big = await probe_client.get("/test/core-specific-too-large", headers=h(lang))
    assert big.status_code == 413 and big.json()["code"] == "token_too_large"
    assert big.json()["title"] == LANGS[lang][1]["input_too_large.title"]


def _read_only_engine(settings: Any, db_backend: str) -> Any:
    """An engine on the same database that may only read: a replica after a failover, or a
    read-only role (PostgreSQL), a read-only file (SQLite)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    url = settings.resolved_database_url
    if db_backend == "postgres":
        server_settings = {"default_transaction_read_only": "on"}
        if settings.database_schema:
            server_settings["search_path"] = settings.database_schema
        return create_async_engine(url, connect_args={"server_settings": server_settings})
    path = url.split("///", 1)[1]
    return create_async_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")


async def test_a_read_only_database_is_a_503_with_retry_after_not_a_500(
    settings, engine, db_backend, platform_token, lang
) -> None:
    """SECURITY R-10: writes during a failover (the database answers read-only) are 503 with
    Retry-After — admin API as a problem, protocol endpoints as temporarily_unavailable — and
    reads keep working."""
    from sceau.web.app import create_app

    read_only = _read_only_engine(settings, db_backend)
    app = create_app(settings, engine=read_only)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            listed = await http.get("/admin/tenants", headers=h(lang, platform_token))
            assert listed.status_code == 200, listed.text
            r = await http.post(
                "/admin/tenants",
                json={"slug": "during-failover", "name_en": "A", "name_fr": "B"},
                headers=h(lang, platform_token),
            )
            body = assert_problem(r, 503, "service_unavailable", lang)
            assert r.headers["retry-after"] == "2"
            assert "Traceback" not in r.text and "read-only" not in r.text.lower()
            assert body["status"] == 503
    finally:
        await read_only.dispose()


async def test_a_database_outage_at_a_protocol_endpoint_is_temporarily_unavailable(
    probe_client, lang
) -> None:
    r = await probe_client.get("/test/oauth/db-down", headers=h(lang))
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json()["error"] == "temporarily_unavailable"
    assert "refused" not in r.text and "INSERT" not in r.text
