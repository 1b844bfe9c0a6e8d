"""Claim values are kept only as long as needed: sealed under the KEK, gone from the session once
the code is redeemed, gone with the access token when it expires; hashes only for secrets."""

import secrets
import time

import pytest
from sqlalchemy import select, update

from sceau.signin.tables import signin_access_tokens, signin_sessions

from .conftest import World
from .test_negative import get_code, token_request

pytestmark = pytest.mark.anyio


async def test_claims_are_sealed_then_deleted(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    engine = world.app.state["engine"]
    async with engine.connect() as conn:
        [session] = (await conn.execute(select(signin_sessions))).all()
    assert session.status == "code" and session.claims_sealed is not None
    assert session.presentation_secret_sealed is None  # read once, then forgotten
    assert b"Marie" not in session.claims_sealed and code not in str(tuple(session))
    tokens = (await token_request(world, rp, code, verifier)).json()
    async with engine.connect() as conn:
        session = (await conn.execute(select(signin_sessions))).one()
        [token_row] = (await conn.execute(select(signin_access_tokens))).all()
    assert session.status == "redeemed" and session.claims_sealed is None
    assert tokens["access_token"] not in str(tuple(token_row))
    assert token_row.claims_sealed is not None and b"Marie" not in token_row.claims_sealed
    # The token expires: the purge deletes it with its sealed claims.
    async with engine.begin() as conn:
        await conn.execute(
            update(signin_access_tokens).values(expires_at_ms=int(time.time() * 1000) - 1)
        )
    assert await world.app.state["signin"].purge_expired() >= 1
    async with engine.connect() as conn:
        assert (await conn.execute(select(signin_access_tokens))).all() == []


async def test_sign_in_outcomes_are_audited_without_personal_data(world: World) -> None:
    from sceau.db.tables import audit_events

    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    tokens = (await token_request(world, rp, code, verifier)).json()
    assert (await token_request(world, rp, code, verifier)).status_code == 400  # reuse
    r = await world.admin.get(
        "/t/tenant-a/oidc/logout", params={"id_token_hint": tokens["id_token"]}
    )
    assert r.status_code == 200
    await world.app.state["audit"].seal()
    async with world.app.state["engine"].connect() as conn:
        rows = (
            await conn.execute(
                select(audit_events).where(audit_events.c.actor == f"oidc:{rp.client_id}")
            )
        ).all()
    actions = [row.action for row in rows]
    assert actions == [
        "presentation_request.create",
        "signin.authorized",
        "signin.token",
        "signin.code_reused",
        "signin.logout",
    ]
    text = str([tuple(row) for row in rows])
    assert "Marie" not in text and "QC-2026-0042" not in text
