"""Expired protocol state goes (sceau.maintenance): OpenID4VP request secrets and unread claims,
OpenID4VCI offers; the periodic task runs passes until the app stops."""

import asyncio
import time
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from verification.world import Holder, Issuer

from oid4vp.holder import respond
from oid4vp.test_exchange import SD_QUERY, result, start, vp_token_for
from sceau.maintenance import purge_once, purge_periodically
from sceau.oid4vp.service import RESULT_GRACE_S, PresentationService
from sceau.oid4vp.tables import presentation_requests

pytestmark = pytest.mark.anyio

TTL_S = 300  # the presentation request's default lifetime


def _shift_clock(app: Litestar, seconds: float) -> None:
    """Replace the app's OpenID4VP service by one whose clock runs ``seconds`` ahead."""
    old: PresentationService = app.state["presentations"]
    app.state["presentations"] = PresentationService(
        old._db,
        verification=old._verification,
        keys=old._keys,
        clock_ms=lambda: int((time.time() + seconds) * 1000),
    )


async def _row(engine: AsyncEngine, request_id: str) -> Any:
    async with engine.connect() as conn:
        query = select(presentation_requests).where(presentation_requests.c.id == request_id)
        return (await conn.execute(query)).mappings().one()


async def _verified_unread(
    client: Any, verifier: Any, issuer: Issuer, holder: Holder
) -> dict[str, Any]:
    created, request = await start(client, verifier, SD_QUERY, response_mode="direct_post.jwt")
    r = await respond(client, request, await vp_token_for("dc+sd-jwt", issuer, holder, request))
    assert r.status_code == 200, r.text
    return created


async def test_unread_claims_and_keys_of_expired_requests_are_wiped(
    client, app, engine, verifier, issuer, holder
) -> None:
    created = await _verified_unread(client, verifier, issuer, holder)
    before = await _row(engine, created["id"])
    assert before["sealed_result"] is not None

    _shift_clock(app, TTL_S + RESULT_GRACE_S + 60)
    counts = await purge_once(app.state)
    assert counts["oid4vp"] == 1
    after = await _row(engine, created["id"])
    assert after["sealed_result"] is None and after["response_key"] is None
    assert after["status"] == "verified" and after["outcome"] == before["outcome"]  # metadata stays

    read = await result(client, created)
    assert read["status"] == "verified" and read["claims"] is None
    assert read["claims_expired"] is True and read["claims_released"] is False
    # Idempotent: nothing left to wipe (a JSON null is not taken for a key).
    assert (await purge_once(app.state))["oid4vp"] == 0


async def test_claims_stay_readable_during_the_grace_period(
    client, app, engine, verifier, issuer, holder
) -> None:
    created = await _verified_unread(client, verifier, issuer, holder)
    pending, _ = await start(client, verifier, SD_QUERY, response_mode="direct_post.jwt")
    assert (await _row(engine, pending["id"]))["response_key"] is not None

    _shift_clock(app, TTL_S + 60)  # both requests expired; the response is within the grace
    # Only the pending one changes: the answered request's key went at its response.
    assert (await purge_once(app.state))["oid4vp"] == 1
    assert (await _row(engine, pending["id"]))["response_key"] is None  # expired, never answered
    read = await result(client, created)
    assert read["claims"]["pid"][0]["given_name"] == "Jeanne"
    assert read["claims_expired"] is False


async def test_expired_offers_and_their_claims_are_deleted(client, app, engine, tenant_a) -> None:
    from sceau.oid4vci.routes import provide_oid4vci
    from sceau.oid4vci.tables import oid4vci_offers

    headers = {"Authorization": f"Bearer {tenant_a.tokens['admin']}"}
    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/credential-types",
        json={
            "id": "permit",
            "format": "dc+sd-jwt",
            "vct": "https://example.gc.ca/permit",
            "claims_schema": {"type": "object", "properties": {"n": {"type": "string"}}},
            "display": {"en-CA": {"name": "Permit"}, "fr-CA": {"name": "Permis"}},
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/offers",
        json={"credential_configuration_ids": ["permit"], "claims": {"n": "7"}, "expires_in": 60},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    offer_id = r.json()["id"]

    service = provide_oid4vci(app.state)
    assert await purge_once(app.state) == {
        "oid4vci": 0,
        "oid4vci_authorization": 0,
        "oid4vp": 0,
        "signin": 0,
    }
    real = service.clock
    service.clock = lambda: real() + 120  # the offer expired a minute ago
    try:
        assert (await purge_once(app.state))["oid4vci"] == 1
    finally:
        service.clock = real
    async with engine.connect() as conn:
        left = await conn.execute(select(oid4vci_offers).where(oid4vci_offers.c.id == offer_id))
        assert left.first() is None


async def test_the_periodic_task_purges_until_cancelled(
    client, app, engine, verifier, issuer, holder
) -> None:
    created = await _verified_unread(client, verifier, issuer, holder)
    _shift_clock(app, TTL_S + RESULT_GRACE_S + 60)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:  # after the first pass: stop, as the app's shutdown does
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await purge_periodically(app.state, 300.0, sleep=sleep, jitter=lambda: 0.5)
    assert sleeps == [150.0, 300.0]  # a random part of the interval first, then the interval
    assert (await _row(engine, created["id"]))["sealed_result"] is None
