"""Revoke / suspend / unsuspend by record id, and the signed, cacheable lists that show it."""

from __future__ import annotations

import time

import pytest

from sceau.core.jose import decode_compact_unverified
from sceau.core.status.token_status_list import verify_status_list_token

from .helpers import issue_record

pytestmark = pytest.mark.anyio


async def fetch_token(status_app, tenant: str, allocation, **headers: str):
    uri = allocation.sd_jwt_status["status_list"]["uri"]
    path = uri.removeprefix("https://sceau.example")
    return await status_app.http.get(path, headers=headers)


async def verified_list(status_app, tenant: str, allocation):
    response = await fetch_token(status_app, tenant, allocation)
    assert response.status_code == 200, response.text
    token = response.text
    kid = decode_compact_unverified(token)[0]["kid"]
    key = await status_app.keys.verification_key(tenant, kid)
    return verify_status_list_token(
        token,
        key,
        now=int(time.time()),
        expected_uri=allocation.sd_jwt_status["status_list"]["uri"],
    ), response


async def test_revocation_is_visible_in_the_next_signed_token_status_list(
    status_app, tenant_a, bearer
) -> None:
    record_id, allocation = await issue_record(status_app.service, tenant_a.slug)
    _, other = await issue_record(status_app.service, tenant_a.slug)
    before, first = await verified_list(status_app, tenant_a.slug, allocation)
    assert before.status(allocation.index) == 0
    assert first.headers["content-type"] == "application/statuslist+jwt"
    assert first.headers["cache-control"] == "public, max-age=300"
    assert before.ttl == 300
    assert before.exp is not None and before.exp > before.iat
    assert decode_compact_unverified(first.text)[0]["typ"] == "statuslist+jwt"
    response = await status_app.http.post(
        f"/admin/tenants/{tenant_a.slug}/credentials/{record_id}/revoke",
        headers=bearer(tenant_a.tokens["issuer"]),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"record_id": record_id, "status": "revoked", "changed": True}
    after, second = await verified_list(status_app, tenant_a.slug, allocation)
    assert after.status(allocation.index) == 1
    assert after.status(other.index) == 0
    assert second.headers["etag"] != first.headers["etag"]
    assert len(after.status_list) >= 131_072


async def test_unchanged_list_answers_304_to_its_etag_and_is_not_resigned(
    status_app, tenant_a
) -> None:
    _, allocation = await issue_record(status_app.service, tenant_a.slug)
    first = await fetch_token(status_app, tenant_a.slug, allocation)
    etag = first.headers["etag"]
    again = await fetch_token(status_app, tenant_a.slug, allocation, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    third = await fetch_token(status_app, tenant_a.slug, allocation)
    assert third.text == first.text  # cached signed token, same bytes


async def test_suspend_then_unsuspend_returns_the_entry_to_valid(
    status_app, tenant_a, bearer
) -> None:
    record_id, allocation = await issue_record(status_app.service, tenant_a.slug)
    base = f"/admin/tenants/{tenant_a.slug}/credentials/{record_id}"
    headers = bearer(tenant_a.tokens["admin"])
    assert (await status_app.http.post(f"{base}/suspend", headers=headers)).status_code == 200
    suspended, _ = await verified_list(status_app, tenant_a.slug, allocation)
    assert suspended.status(allocation.index) == 2
    again = await status_app.http.post(f"{base}/suspend", headers=headers)
    assert again.json()["changed"] is False
    assert (await status_app.http.post(f"{base}/unsuspend", headers=headers)).status_code == 200
    valid, _ = await verified_list(status_app, tenant_a.slug, allocation)
    assert valid.status(allocation.index) == 0
    record = await status_app.http.get(base, headers=bearer(tenant_a.tokens["auditor"]))
    assert record.status_code == 200
    assert record.json()["status"] == "valid"
    assert "claims" not in record.json()


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Illegal status change"), ("fr", "Changement de statut interdit")],
)
async def test_unsuspending_a_revoked_credential_is_a_409_problem(
    status_app, tenant_a, bearer, language, title
) -> None:
    record_id, _ = await issue_record(status_app.service, tenant_a.slug)
    base = f"/admin/tenants/{tenant_a.slug}/credentials/{record_id}"
    headers = bearer(tenant_a.tokens["issuer"])
    await status_app.http.post(f"{base}/revoke", headers=headers)
    for action in ("unsuspend", "suspend"):
        response = await status_app.http.post(
            f"{base}/{action}", headers={**headers, "Accept-Language": language}
        )
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == "illegal_status_transition"
        assert body["title"].startswith(title)
    # revocation is final: the record stays revoked
    record = await status_app.http.get(base, headers=headers)
    assert record.json()["status"] == "revoked"


@pytest.mark.parametrize("record_id", ["cr_doesnotexist0000000000", "not-a-record", "cr_%2e%2e"])
@pytest.mark.parametrize(
    ("language", "title"), [("en", "Credential record"), ("fr", "Attestation")]
)
async def test_unknown_or_malformed_record_id_is_a_404_problem(
    status_app, tenant_a, bearer, record_id, language, title
) -> None:
    response = await status_app.http.post(
        f"/admin/tenants/{tenant_a.slug}/credentials/{record_id}/revoke",
        headers={**bearer(tenant_a.tokens["admin"]), "Accept-Language": language},
    )
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "credential_record_not_found"
    assert body["title"].startswith(title)


async def test_another_tenant_cannot_revoke_or_read_a_record(
    status_app, tenant_a, tenant_b, bearer
) -> None:
    record_id, allocation = await issue_record(status_app.service, tenant_a.slug)
    path = f"/admin/tenants/{tenant_a.slug}/credentials/{record_id}"
    for role in ("admin", "issuer"):
        response = await status_app.http.post(
            f"{path}/revoke", headers=bearer(tenant_b.tokens[role])
        )
        assert response.status_code == 404
        assert response.json()["code"] == "tenant_not_found"
    # the record id under the other tenant's own path is not found either
    response = await status_app.http.post(
        f"/admin/tenants/{tenant_b.slug}/credentials/{record_id}/revoke",
        headers=bearer(tenant_b.tokens["admin"]),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "credential_record_not_found"
    for role in ("verifier", "auditor"):
        response = await status_app.http.post(
            f"{path}/revoke", headers=bearer(tenant_a.tokens[role])
        )
        assert response.status_code == 403
    # the list of tenant A is not served under tenant B
    list_id = allocation.list_ids[0]
    response = await status_app.http.get(f"/t/{tenant_b.slug}/status-lists/{list_id}")
    assert response.status_code == 404
    state, _ = await verified_list(status_app, tenant_a.slug, allocation)
    assert state.status(allocation.index) == 0


async def test_status_changes_are_audited(status_app, tenant_a, bearer) -> None:
    record_id, _ = await issue_record(status_app.service, tenant_a.slug)
    await status_app.http.post(
        f"/admin/tenants/{tenant_a.slug}/credentials/{record_id}/suspend",
        headers=bearer(tenant_a.tokens["issuer"]),
    )
    response = await status_app.http.get(
        f"/admin/tenants/{tenant_a.slug}/audit", headers=bearer(tenant_a.tokens["admin"])
    )
    entries = [e for e in response.json()["entries"] if e["action"] == "credential.suspend"]
    assert len(entries) == 1
    assert entries[0]["target"] == f"credential:{record_id}"
    assert entries[0]["actor"] == f"apikey:{tenant_a.key_ids['issuer']}"
    assert entries[0]["details"] == {"type": "permit", "from": "valid", "to": "suspended"}


async def test_historical_timestamp_query_is_refused(status_app, tenant_a) -> None:
    _, allocation = await issue_record(status_app.service, tenant_a.slug)
    uri = allocation.sd_jwt_status["status_list"]["uri"].removeprefix("https://sceau.example")
    response = await status_app.http.get(uri, params={"timestamp": "2020-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert response.json()["code"] == "historical_status_not_supported"


async def test_unknown_list_is_404(status_app, tenant_a) -> None:
    response = await status_app.http.get(f"/t/{tenant_a.slug}/status-lists/{'0' * 24}")
    assert response.status_code == 404
    assert response.json()["code"] == "status_list_not_found"


async def test_status_endpoint_logs_no_client_address_or_identifiers(
    status_app, tenant_a, capsys
) -> None:
    record_id, allocation = await issue_record(status_app.service, tenant_a.slug)
    capsys.readouterr()
    response = await fetch_token(status_app, tenant_a.slug, allocation)
    assert response.status_code == 200
    logged = capsys.readouterr()
    text = logged.out + logged.err
    assert "/t/{tenant}/status-lists/{list_id}" in text  # the route template only
    assert allocation.list_ids[0] not in text
    assert record_id not in text
    assert "127.0.0.1" not in text
