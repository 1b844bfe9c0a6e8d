"""The wallet receives credentials from the real OpenID4VCI issuer (pre-authorized code, DPoP)."""

import pytest

from sceau.core.errors import SceauError
from sceau.core.jose import jwk_thumbprint
from sceau.wallet import IssuanceFailed, WalletLocked, WalletStore, passphrase_key, receive_offer

from .conftest import CLAIMS, World

pytestmark = pytest.mark.anyio


async def test_wallet_receives_an_sd_jwt_vc_and_keeps_it_encrypted(world: World) -> None:
    created = await world.offer()
    store = world.store()
    received = await receive_offer(world.http, store, created["offer_uri"])
    store.save()
    [credential] = received.credentials
    assert credential.format == "dc+sd-jwt"
    assert credential.claims["licence_number"] == CLAIMS["licence_number"]
    assert received.encrypted_response  # the issuer offers response encryption: the wallet uses it
    raw = (world.wallet_dir / "wallet.json.enc").read_bytes()
    assert b"QC-2026-0042" not in raw and b"Tremblay" not in raw
    reopened = world.store()
    assert [c.id for c in reopened.credentials] == [credential.id]
    # The holder key the credential is bound to is in the store.
    assert jwk_thumbprint(dict(reopened.signer(credential.key_id).public_jwk)) == credential.key_id
    # The issuer heard that the credential was stored (§11 credential_accepted).
    from sqlalchemy import select

    from sceau.oid4vci.tables import oid4vci_issuances

    async with world.app.state["engine"].connect() as conn:
        events = (await conn.execute(select(oid4vci_issuances.c.event))).scalars().all()
    assert events == ["credential_accepted"]


async def test_wrong_passphrase_does_not_open_the_wallet(world: World) -> None:
    store = world.store()
    store.new_key()
    store.save()
    with pytest.raises(WalletLocked):
        WalletStore.open(world.wallet_dir, passphrase_key("wrong", scrypt_n=2**10))


async def test_batch_gives_distinct_credentials_bound_to_distinct_keys(world: World) -> None:
    created = await world.offer()
    store = world.store()
    received = await receive_offer(world.http, store, created["offer_uri"], batch_size=3)
    assert len(received.credentials) == 3
    assert len({c.key_id for c in received.credentials}) == 3
    assert len({c.credential for c in received.credentials}) == 3


async def test_offer_with_tx_code_needs_the_right_code(world: World) -> None:
    created = await world.offer(tx_code=True)
    assert created["tx_code"]
    store = world.store()
    with pytest.raises(SceauError) as missing:
        await receive_offer(world.http, store, created["offer_uri"])
    assert missing.value.code == "tx_code_required"
    wrong = (
        "0" * len(created["tx_code"])
        if created["tx_code"] != "0" * len(created["tx_code"])
        else "1"
    )
    with pytest.raises(IssuanceFailed) as refused:
        await receive_offer(world.http, store, created["offer_uri"], tx_code=wrong)
    assert refused.value.code == "invalid_grant"
    # A wrong code spends the offer (the issuer's choice against guessing): a new offer, right code.
    again = await world.offer(tx_code=True)
    received = await receive_offer(world.http, store, again["offer_uri"], tx_code=again["tx_code"])
    assert len(received.credentials) == 1


async def test_offer_by_value_works_too(world: World) -> None:
    created = await world.offer()
    store = world.store()
    received = await receive_offer(world.http, store, created["offer_uri_by_value"])
    assert received.credentials[0].claims["given_name"] == "Marie"


async def test_plain_http_to_a_non_loopback_host_is_refused(world: World) -> None:
    from sceau.wallet import WalletHttp

    async with WalletHttp() as http:
        with pytest.raises(SceauError) as refused:
            await receive_offer(
                http,
                world.store(),
                "openid-credential-offer://?credential_offer_uri=http://example.com/o",
            )
    assert refused.value.code == "url_not_allowed"


async def test_deferred_credential_is_collected_after_the_issuers_interval(world: World) -> None:
    import time
    from collections import ChainMap

    from sceau.oid4vci.config import Oid4vciConfig
    from sceau.oid4vci.service import Oid4vciService

    now = [time.time()]
    waited: list[float] = []
    service = Oid4vciService(
        world.app.state["engine"],
        Oid4vciConfig(deferred_interval_s=5),
        "http://sceau.example.gc.ca",
        ChainMap({}, world.app.state),
        clock=lambda: now[0],
    )
    world.app.state["oid4vci"] = service

    async def sleep(seconds: float) -> None:  # time passes for the issuer and the wallet alike
        waited.append(seconds)
        now[0] += seconds

    created = await world.offer(credential_configuration_ids=["fishing-review"])
    store = world.store()
    received = await receive_offer(
        world.http, store, created["offer_uri"], clock=lambda: now[0], sleep=sleep
    )
    assert waited == [5]
    [credential] = received.credentials
    assert credential.claims["licence_number"] == CLAIMS["licence_number"]


async def test_deferred_credential_not_ready_in_time_is_reported_pending(world: World) -> None:
    created = await world.offer(credential_configuration_ids=["fishing-review"])
    with pytest.raises(IssuanceFailed) as pending:
        await receive_offer(world.http, world.store(), created["offer_uri"], deferred_wait_s=1)
    assert pending.value.code == "issuance_pending"


@pytest.mark.parametrize("fmt", ["ldp_vc", "jwt_vc_json", "dc+sd-jwt"])
async def test_credential_altered_on_the_way_is_refused(world: World, fmt: str) -> None:
    import httpx2
    import msgspec

    from sceau.wallet import WalletHttp

    def alter(body: dict) -> dict:  # type: ignore[type-arg]
        item = body["credentials"][0]
        if isinstance(item["credential"], dict):  # a Data Integrity credential: edit a claim
            item["credential"]["credentialSubject"]["licence_number"] = "QC-9999"
        else:  # a JWS: swap a character of the signature
            head, rest = item["credential"].split(".", 1)
            payload, sig = rest.split(".", 1)
            item["credential"] = f"{head}.{payload}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}"
        return body

    class Alter(httpx2.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx2.ASGITransport(app=world.app)

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            response = await self.inner.handle_async_request(request)
            content = await response.aread()
            if request.url.path.endswith("/credential") and response.status_code == 200:
                altered = msgspec.json.encode(alter(msgspec.json.decode(content)))
                return httpx2.Response(
                    200, content=altered, headers={"content-type": "application/json"}
                )
            return httpx2.Response(response.status_code, content=content, headers=response.headers)

    config = "fishing" if fmt == "dc+sd-jwt" else f"fishing-{fmt}"
    offer = await world.offer(credential_configuration_ids=[config])
    store = world.store()
    async with WalletHttp(transport=Alter(), http_hosts=world.http.http_hosts) as http:
        with pytest.raises(IssuanceFailed) as refused:
            await receive_offer(http, store, offer["offer_uri"], encrypt_response=False)
    assert refused.value.code == "invalid_credential"
    assert store.credentials == []
    # The issuer heard that the credential was not stored (§11 credential_failure).
    from sqlalchemy import select

    from sceau.oid4vci.tables import oid4vci_issuances

    async with world.app.state["engine"].connect() as conn:
        events = (await conn.execute(select(oid4vci_issuances.c.event))).scalars().all()
    assert events == ["credential_failure"]
