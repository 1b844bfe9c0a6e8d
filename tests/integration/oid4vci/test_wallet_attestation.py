"""Wallet attestation at the token endpoint (OpenID4VCI 1.0 Appendix E; HAIP 1.0 §"Token
Endpoint", §"Wallet Attestation"): OAuth-Client-Attestation + PoP verified against the tenant's
trusted wallet providers, required where the tenant says so, refused as invalid_client (401)."""

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sceau.core.jose import SoftwareSigner
from sceau.oid4vci.tables import oid4vci_access_tokens, oid4vci_offers

from .conftest import Issuer
from .wallet import dpop_proof, new_signer, pre_authorized_code
from .wallet_attestation import CLIENT_ID, WalletInstance
from .wallet_provider import WalletProvider, der_b64

pytestmark = pytest.mark.anyio

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


async def _configure(issuer: Issuer, provider: WalletProvider, **policy: Any) -> None:
    response = await issuer.http.put(
        f"/admin/tenants/{issuer.tenant.slug}/wallet-providers",
        json={"trust_anchors_pem": [provider.anchor_pem], **policy},
        headers=issuer.admin("admin"),
    )
    assert response.status_code == 200, response.text


async def _trusting(issuer: Issuer, *, required: bool = True) -> WalletInstance:
    provider = WalletProvider()
    await _configure(issuer, provider, wallet_attestation_required=required)
    return WalletInstance(provider)


async def _code(issuer: Issuer) -> str:
    created = await issuer.offer_json(credential_configuration_ids=["permit"])
    return pre_authorized_code(created["credential_offer"])


async def _token(
    issuer: Issuer,
    code: str,
    headers: dict[str, str] | None = None,
    *,
    client_id: str | None = None,
    language: str | None = None,
) -> httpx.Response:
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
    if client_id is not None:
        form["client_id"] = client_id
    sent = {"DPoP": dpop_proof(new_signer(), "POST", f"{issuer.issuer_id}/token")}
    sent.update(headers or {})
    if language:
        sent["Accept-Language"] = language
    return await issuer.http.post(f"/t/{issuer.tenant.slug}/token", data=form, headers=sent)


async def _offer_used(issuer: Issuer) -> list[Any]:
    async with issuer.app.state["engine"].connect() as conn:
        rows = await conn.execute(select(oid4vci_offers.c.used_at_ms))
        return [r.used_at_ms for r in rows]


def _assert_invalid_client(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "invalid_client"
    assert response.headers["cache-control"] == "no-store"
    assert "access_token" not in body
    return str(body["error_description"])


# -- success ---------------------------------------------------------------------------------


@pytest.mark.parametrize("client_id", [None, CLIENT_ID])
async def test_token_with_valid_wallet_attestation_is_granted(
    issuer: Issuer, client_id: str | None
) -> None:
    wallet = await _trusting(issuer)
    response = await _token(
        issuer, await _code(issuer), wallet.headers(issuer.issuer_id), client_id=client_id
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "DPoP"
    # The token remembers its client: a key proof's iss must then be it (F.1).
    async with issuer.app.state["engine"].connect() as conn:
        stored = (await conn.execute(select(oid4vci_access_tokens.c.client_id))).scalars().all()
    assert stored == [wallet.client_id]


async def test_pop_audience_may_be_an_array_holding_the_issuer(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    pop = wallet.pop(issuer.issuer_id, claims={"aud": ["https://other.example", issuer.issuer_id]})
    response = await _token(issuer, await _code(issuer), wallet.headers(issuer.issuer_id, pop=pop))
    assert response.status_code == 200, response.text


async def test_without_wallet_providers_the_headers_are_not_evaluated(issuer: Issuer) -> None:
    """No wallet provider trusted: this AS offers no attest_jwt_client_auth (metadata), so the
    headers of a HAIP wallet are not looked at, as key_attestation headers are not."""
    wallet = WalletInstance(WalletProvider())
    response = await _token(issuer, await _code(issuer), wallet.headers(issuer.issuer_id))
    assert response.status_code == 200, response.text


async def test_not_required_and_absent_is_a_public_client(issuer: Issuer) -> None:
    await _trusting(issuer, required=False)
    response = await _token(issuer, await _code(issuer))
    assert response.status_code == 200, response.text


# -- refusals ----------------------------------------------------------------------------------


async def test_missing_attestation_when_required_is_refused_in_en_and_fr_and_burns_nothing(
    issuer: Issuer,
) -> None:
    wallet = await _trusting(issuer)
    code = await _code(issuer)
    english = _assert_invalid_client(await _token(issuer, code))
    assert "requires wallet attestation" in english
    assert "OAuth-Client-Attestation" in english
    french = _assert_invalid_client(await _token(issuer, code, language="fr"))
    assert "exige une attestation de portefeuille" in french
    assert await _offer_used(issuer) == [None]  # the pre-authorized code is still unused
    granted = await _token(issuer, code, wallet.headers(issuer.issuer_id))
    assert granted.status_code == 200, granted.text


async def test_only_one_of_the_two_headers_is_refused(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    headers = wallet.headers(issuer.issuer_id)
    for name in headers:
        alone = {name: headers[name]}
        _assert_invalid_client(await _token(issuer, await _code(issuer), alone))


async def test_bad_attestation_is_refused_even_when_not_required(issuer: Issuer) -> None:
    wallet = await _trusting(issuer, required=False)
    stranger = WalletInstance(WalletProvider())  # a provider the tenant does not trust
    code = await _code(issuer)
    description = _assert_invalid_client(
        await _token(issuer, code, stranger.headers(issuer.issuer_id))
    )
    assert "trust anchor" in description
    assert await _offer_used(issuer) == [None]
    ok = await _token(issuer, code, wallet.headers(issuer.issuer_id))
    assert ok.status_code == 200, ok.text


async def test_attestation_from_an_untrusted_wallet_provider_is_refused(issuer: Issuer) -> None:
    await _trusting(issuer)
    stranger = WalletInstance(WalletProvider())
    description = _assert_invalid_client(
        await _token(issuer, await _code(issuer), stranger.headers(issuer.issuer_id))
    )
    assert "x5c" in description


async def test_attestation_signed_by_a_ca_or_a_non_signing_certificate_is_refused(
    issuer: Issuer,
) -> None:
    # RFC 5280 §4.2.1.9 / §4.2.1.3: the signer is an end entity whose KeyUsage, when present,
    # allows digitalSignature; neither the anchor's own key nor a key agreement certificate is.
    wallet = await _trusting(issuer)
    provider = wallet.provider
    code = await _code(issuer)
    ca_signing = WalletProvider(
        ca_key=provider.ca_key, signer=SoftwareSigner(provider.ca_key, "ES256")
    )
    by_ca = WalletInstance(ca_signing, key=wallet.key)
    attestation = by_ca.attestation(header={"x5c": [der_b64(provider.ca)]})
    headers = by_ca.headers(issuer.issuer_id, attestation=attestation)
    _assert_invalid_client(await _token(issuer, code, headers))
    agreement = WalletInstance(WalletProvider(ca_key=provider.ca_key, leaf_digital_signature=False))
    attestation = agreement.attestation(
        header={"x5c": [der_b64(agreement.provider.leaf), der_b64(provider.ca)]}
    )
    headers = agreement.headers(issuer.issuer_id, attestation=attestation)
    _assert_invalid_client(await _token(issuer, code, headers))
    assert await _offer_used(issuer) == [None]
    ok = await _token(issuer, code, wallet.headers(issuer.issuer_id))
    assert ok.status_code == 200, ok.text


async def test_attestation_without_x5c_is_refused(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    attestation = wallet.attestation(header={"x5c": None})
    headers = wallet.headers(issuer.issuer_id, attestation=attestation)
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


async def test_expired_attestation_is_refused(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    attestation = wallet.attestation(exp=int(time.time()) - 3600)
    description = _assert_invalid_client(
        await _token(
            issuer,
            await _code(issuer),
            wallet.headers(issuer.issuer_id, attestation=attestation),
            language="fr",
        )
    )
    assert "expir" in description


@pytest.mark.parametrize(
    "change",
    [
        {"drop": ("exp",)},
        {"drop": ("sub",)},
        {"drop": ("iss",)},
        {"drop": ("cnf",)},
        {"claims": {"cnf": {"jwk": {"kty": "oct", "k": "c2VjcmV0"}}}},
        {"claims": {"iat": 4_000_000_000}},  # issued in the future
        {"claims": {"wallet_name": 42}},
        {"header": {"typ": "key-attestation+jwt"}},
        {"header": {"typ": "JWT"}},
    ],
    ids=["no-exp", "no-sub", "no-iss", "no-cnf", "oct-cnf", "future-iat", "bad-name", "typ", "jwt"],
)
async def test_malformed_attestation_is_refused(issuer: Issuer, change: dict[str, Any]) -> None:
    wallet = await _trusting(issuer)
    attestation = wallet.attestation(**change)
    headers = wallet.headers(issuer.issuer_id, attestation=attestation)
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


async def test_attestation_with_a_private_cnf_key_is_refused(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    private = {**wallet.key.public_jwk, "d": "AAAA"}
    attestation = wallet.attestation(claims={"cnf": {"jwk": private}})
    headers = wallet.headers(issuer.issuer_id, attestation=attestation)
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


async def test_pop_signed_by_another_key_is_refused(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    pop = wallet.pop(issuer.issuer_id, signer=new_signer())
    headers = wallet.headers(issuer.issuer_id, pop=pop)
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


@pytest.mark.parametrize(
    "audience",
    [
        "http://testserver/t/tenant-b",  # another tenant's Authorization Server
        "http://testserver/t/tenant-a/token",  # the endpoint, not the issuer identifier
        "",
    ],
)
async def test_pop_for_another_audience_is_refused(issuer: Issuer, audience: str) -> None:
    wallet = await _trusting(issuer)
    headers = wallet.headers(issuer.issuer_id, pop=wallet.pop(audience))
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


@pytest.mark.parametrize("age_s", [600, -600])
async def test_pop_with_stale_or_future_iat_is_refused(issuer: Issuer, age_s: int) -> None:
    wallet = await _trusting(issuer)
    pop = wallet.pop(issuer.issuer_id, iat=int(time.time()) - age_s)
    headers = wallet.headers(issuer.issuer_id, pop=pop)
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


@pytest.mark.parametrize(
    "change",
    [
        {"typ": "dpop+jwt"},
        {"claims": {"jti": None}},
        {"claims": {"jti": ""}},
        {"claims": {"iat": "now"}},
        {"claims": {"exp": 1_000}},  # expired
        {"claims": {"iss": "https://another-wallet.example"}},
    ],
    ids=["typ", "no-jti", "empty-jti", "string-iat", "expired", "iss-not-sub"],
)
async def test_malformed_pop_is_refused(issuer: Issuer, change: dict[str, Any]) -> None:
    wallet = await _trusting(issuer)
    headers = wallet.headers(issuer.issuer_id, pop=wallet.pop(issuer.issuer_id, **change))
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


async def test_replayed_pop_is_refused(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    headers = wallet.headers(issuer.issuer_id)
    first = await _token(issuer, await _code(issuer), headers)
    assert first.status_code == 200, first.text
    second_code = await _code(issuer)
    description = _assert_invalid_client(await _token(issuer, second_code, headers))
    assert "already used" in description
    # Same attestation, fresh PoP: accepted (the jti is what is single-use).
    fresh = wallet.headers(issuer.issuer_id, attestation=headers["OAuth-Client-Attestation"])
    again = await _token(issuer, second_code, fresh)
    assert again.status_code == 200, again.text


async def test_client_id_other_than_the_attestation_subject_is_refused(issuer: Issuer) -> None:
    wallet = await _trusting(issuer)
    description = _assert_invalid_client(
        await _token(
            issuer,
            await _code(issuer),
            wallet.headers(issuer.issuer_id),
            client_id="https://other-wallet.example",
        )
    )
    assert "sub" in description


@pytest.mark.parametrize("alg", ["none", "HS256"])
@pytest.mark.parametrize("which", ["attestation", "pop"])
async def test_unsigned_or_mac_attestation_and_pop_are_refused(
    issuer: Issuer, alg: str, which: str
) -> None:
    wallet = await _trusting(issuer)
    if which == "attestation":
        headers = wallet.headers(issuer.issuer_id, attestation=wallet.attestation(alg=alg))
    else:
        headers = wallet.headers(issuer.issuer_id, pop=wallet.pop(issuer.issuer_id, alg=alg))
    _assert_invalid_client(await _token(issuer, await _code(issuer), headers))


async def test_pop_signed_es384_is_refused(issuer: Issuer) -> None:
    provider = WalletProvider()
    await _configure(issuer, provider, wallet_attestation_required=True)
    wallet = WalletInstance(provider, key=new_signer("ES384"))
    _assert_invalid_client(
        await _token(issuer, await _code(issuer), wallet.headers(issuer.issuer_id))
    )


# -- configuration and metadata ----------------------------------------------------------------


async def test_wallet_attestation_required_is_read_back(issuer: Issuer) -> None:
    path = f"/admin/tenants/{issuer.tenant.slug}/wallet-providers"
    provider = WalletProvider()
    await _configure(issuer, provider)
    read = await issuer.http.get(path, headers=issuer.admin("admin"))
    assert read.json()["wallet_attestation_required"] is False
    await _configure(issuer, provider, wallet_attestation_required=True)
    read = await issuer.http.get(path, headers=issuer.admin("admin"))
    assert read.json()["wallet_attestation_required"] is True


async def _as_metadata(issuer: Issuer) -> dict[str, Any]:
    response = await issuer.http.get(
        f"/.well-known/oauth-authorization-server/t/{issuer.tenant.slug}"
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_metadata_lists_attest_jwt_client_auth_when_wallet_providers_are_trusted(
    issuer: Issuer,
) -> None:
    before = await _as_metadata(issuer)
    assert before["token_endpoint_auth_methods_supported"] == ["none"]
    assert before["pre-authorized_grant_anonymous_access_supported"] is True
    provider = WalletProvider()
    await _configure(issuer, provider)
    optional = await _as_metadata(issuer)
    assert optional["token_endpoint_auth_methods_supported"] == [
        "none",
        "attest_jwt_client_auth",
    ]
    assert optional["pre-authorized_grant_anonymous_access_supported"] is True
    await _configure(issuer, provider, wallet_attestation_required=True)
    required = await _as_metadata(issuer)
    assert required["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth"]
    assert required["pre-authorized_grant_anonymous_access_supported"] is False
