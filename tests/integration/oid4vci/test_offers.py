"""Credential offers: by value and by reference, QR codes, expiry, single use, tx_code lockout."""

from urllib.parse import unquote

import pytest

from .conftest import Issuer
from .wallet import PRE_AUTH, offer_from_uri, pre_authorized_code

pytestmark = pytest.mark.anyio


async def test_offer_is_returned_by_value_by_reference_and_as_json(issuer: Issuer) -> None:
    created = await issuer.offer_json()
    offer = created["credential_offer"]
    assert offer["credential_issuer"] == issuer.issuer_id
    assert offer["credential_configuration_ids"] == ["permit"]
    assert "tx_code" not in offer["grants"][PRE_AUTH]
    assert created["tx_code"] is None
    assert offer_from_uri(created["offer_uri_by_value"]) == offer
    assert created["offer_uri"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert unquote(created["offer_uri"].split("=", 1)[1]) == created["credential_offer_uri"]
    fetched = await issuer.http.get(created["credential_offer_uri"])
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("application/json")
    assert fetched.json() == offer


async def test_offer_qr_codes_are_png_and_svg_with_a_title(issuer: Issuer) -> None:
    created = await issuer.offer_json()
    auth = {"Authorization": f"Bearer {issuer.tenant.tokens['issuer']}"}
    png = await issuer.http.get(created["qr_png"], headers=auth)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = await issuer.http.get(created["qr_svg"], headers={**auth, "Accept-Language": "fr-CA"})
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<title>Offre d" in svg.content and b"<svg" in svg.content
    no_key = await issuer.http.get(created["qr_png"])
    assert no_key.status_code == 401


async def test_offer_creation_needs_the_admin_or_issuer_role(issuer: Issuer) -> None:
    assert (await issuer.offer(token_role="admin")).status_code == 201
    assert (await issuer.offer(token_role="verifier")).status_code == 403
    assert (await issuer.offer(token_role="auditor")).status_code == 403


async def test_offer_for_an_unknown_configuration_is_refused(issuer: Issuer) -> None:
    response = await issuer.offer(credential_configuration_ids=["nope"])
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_credential_type"
    duplicate = await issuer.offer(credential_configuration_ids=["permit", "permit"])
    assert duplicate.json()["code"] == "invalid_offer"


async def test_offer_with_tx_code_returns_the_pin_once_and_stores_only_a_hash(
    issuer: Issuer,
) -> None:
    created = await issuer.offer_json(tx_code=True, tx_code_description="Code sent by SMS")
    pin = created["tx_code"]
    assert pin.isdigit() and len(pin) == 6
    grant = created["credential_offer"]["grants"][PRE_AUTH]
    assert grant["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "Code sent by SMS",
    }
    fetched = (await issuer.http.get(created["credential_offer_uri"])).json()
    assert pin not in str(fetched)
    async with issuer.service.engine.connect() as conn:
        from sqlalchemy import select

        from sceau.oid4vci.tables import oid4vci_offers

        row = (await conn.execute(select(oid4vci_offers))).one()
    assert pin not in str(row._mapping.values())
    assert pre_authorized_code(created["credential_offer"]) not in str(row.code_hash)


async def test_expired_offer_is_gone_and_its_code_is_invalid_grant(issuer: Issuer) -> None:
    created = await issuer.offer_json(expires_in=60)
    issuer.clock.now += 61
    assert (await issuer.http.get(created["credential_offer_uri"])).status_code == 404
    response = await issuer.wallet().token(pre_authorized_code(created["credential_offer"]))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_pre_authorized_code_is_single_use(issuer: Issuer) -> None:
    created = await issuer.offer_json()
    code = pre_authorized_code(created["credential_offer"])
    assert (await issuer.wallet().token(code)).status_code == 200
    again = await issuer.wallet().token(code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # A used offer is no longer served by reference (its code must not leak again).
    assert (await issuer.http.get(created["credential_offer_uri"])).status_code == 404


async def test_wrong_tx_code_locks_the_offer_after_the_configured_tries(issuer: Issuer) -> None:
    created = await issuer.offer_json(tx_code=True)
    code, pin = pre_authorized_code(created["credential_offer"]), created["tx_code"]
    wrong = "0" * 6 if pin != "0" * 6 else "1" * 6
    wallet = issuer.wallet()
    for _ in range(5):
        response = await wallet.token(code, wrong)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        issuer.clock.now += 10  # past the back-off
    locked = await wallet.token(code, pin)
    assert locked.status_code == 400
    assert locked.json()["error"] == "invalid_grant"


async def test_tx_code_retry_inside_the_backoff_is_refused_even_when_right(
    issuer: Issuer,
) -> None:
    created = await issuer.offer_json(tx_code=True)
    code, pin = pre_authorized_code(created["credential_offer"]), created["tx_code"]
    wallet = issuer.wallet()
    wrong = "0" * 6 if pin != "0" * 6 else "1" * 6
    assert (await wallet.token(code, wrong)).json()["error"] == "invalid_grant"
    assert (await wallet.token(code, pin)).json()["error"] == "invalid_grant"
    issuer.clock.now += 2
    assert (await wallet.token(code, pin)).status_code == 200
