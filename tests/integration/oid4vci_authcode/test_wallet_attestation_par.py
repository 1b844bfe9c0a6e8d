"""Wallet attestation in the authorization code flow (HAIP 1.0 §"Authorization Endpoint": wallets
authenticate at PAR as at the token endpoint, and the PAR client_id is the attestation's sub)."""

from typing import Any

import httpx
import pytest
from oid4vci.wallet import dpop_proof
from oid4vci.wallet_attestation import WalletInstance
from oid4vci.wallet_provider import WalletProvider
from sqlalchemy import func, select

from sceau.oid4vci.authorization import oid4vci_par_requests

from .conftest import WALLET_REDIRECT, Env
from .test_authorization_code_flow import CLIENT_ID, Flow

pytestmark = pytest.mark.anyio


async def _trusting(env: Env, *, required: bool = True) -> WalletInstance:
    provider = WalletProvider()
    response = await env.http.put(
        f"/admin/tenants/{env.tenant.slug}/wallet-providers",
        json={"trust_anchors_pem": [provider.anchor_pem], "wallet_attestation_required": required},
        headers=env.admin(),
    )
    assert response.status_code == 200, response.text
    return WalletInstance(provider, client_id=CLIENT_ID)


class AttestedFlow(Flow):
    """The flow of ``test_authorization_code_flow`` with attestation headers on PAR and token."""

    async def par_with(self, headers: dict[str, str], **params: str) -> httpx.Response:
        form = {
            "client_id": CLIENT_ID,
            "response_type": "code",
            "redirect_uri": WALLET_REDIRECT,
            "code_challenge": self._challenge(),
            "code_challenge_method": "S256",
            "state": self.state,
            "scope": "permit",
            **params,
        }
        return await self.env.http.post(self.path("par"), data=form, headers=headers)

    def _challenge(self) -> str:
        from sceau.oauth.pkce import s256_challenge

        return s256_challenge(self.verifier)

    async def token_with(self, code: str, headers: dict[str, str]) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WALLET_REDIRECT,
            "client_id": CLIENT_ID,
            "code_verifier": self.verifier,
        }
        proof = dpop_proof(self.dpop_key, "POST", f"{self.env.issuer}/token")
        return await self.env.http.post(
            self.path("token"), data=form, headers={"DPoP": proof, **headers}
        )


async def _par_rows(env: Env) -> int:
    async with env.app.state["engine"].connect() as conn:
        return int(
            (
                await conn.execute(select(func.count()).select_from(oid4vci_par_requests))
            ).scalar_one()
        )


def _assert_invalid_client(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    body = dict(response.json())
    assert body["error"] == "invalid_client"
    assert body["error_description"]
    return body


async def test_attested_wallet_goes_through_par_and_token(env: Env) -> None:
    wallet = await _trusting(env)
    flow = AttestedFlow(env)
    pushed = await flow.par_with(wallet.headers(env.issuer))
    assert pushed.status_code == 201, pushed.text
    query = await flow.login(pushed.json()["request_uri"])
    code = query["code"][0]
    token = await flow.token_with(code, wallet.headers(env.issuer))
    assert token.status_code == 200, token.text
    issued = await flow.credential(token.json()["access_token"], "permit")
    assert issued.status_code == 200, issued.text


async def test_par_without_attestation_when_required_is_refused_and_stores_nothing(
    env: Env,
) -> None:
    await _trusting(env)
    flow = AttestedFlow(env)
    body = _assert_invalid_client(await flow.par_with({"Accept-Language": "fr"}))
    assert "attestation de portefeuille" in body["error_description"]
    assert await _par_rows(env) == 0


async def test_par_client_id_must_be_the_attestation_subject(env: Env) -> None:
    wallet = await _trusting(env)
    other = WalletInstance(wallet.provider, client_id="another-wallet")
    flow = AttestedFlow(env)
    _assert_invalid_client(await flow.par_with(other.headers(env.issuer)))
    assert await _par_rows(env) == 0


async def test_par_with_untrusted_attestation_is_refused_even_when_not_required(env: Env) -> None:
    await _trusting(env, required=False)
    stranger = WalletInstance(WalletProvider(), client_id=CLIENT_ID)
    flow = AttestedFlow(env)
    _assert_invalid_client(await flow.par_with(stranger.headers(env.issuer)))
    assert await _par_rows(env) == 0
    plain = await flow.par_with({})  # not required: a public client may still push
    assert plain.status_code == 201, plain.text


async def test_code_token_request_without_attestation_is_refused_and_the_code_survives(
    env: Env,
) -> None:
    wallet = await _trusting(env)
    flow = AttestedFlow(env)
    pushed = await flow.par_with(wallet.headers(env.issuer))
    assert pushed.status_code == 201, pushed.text
    code = (await flow.login(pushed.json()["request_uri"]))["code"][0]
    _assert_invalid_client(await flow.token_with(code, {}))
    stranger = WalletInstance(WalletProvider(), client_id=CLIENT_ID)
    _assert_invalid_client(await flow.token_with(code, stranger.headers(env.issuer)))
    token = await flow.token_with(code, wallet.headers(env.issuer))
    assert token.status_code == 200, token.text
