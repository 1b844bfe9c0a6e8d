"""The wallet refuses requests it cannot tie to the verifier (OpenID4VP §5.9.3, §5.10)."""

import base64
import json
import time
from typing import Any

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sceau.core.jose import SoftwareSigner, generate_private_key, sign_compact_sync
from sceau.verification.service import dev_certificate_chain
from sceau.wallet import RequestRejected, WalletHttp, fetch_request

from .conftest import QUERY, World

pytestmark = pytest.mark.anyio

ATTACKER_URI = "openid4vp://?client_id=x509_san_dns%3Averifier.example.gc.ca&request_uri=https%3A%2F%2Fverifier.example.gc.ca%2Fr"


class Tamper(httpx2.AsyncBaseTransport):
    """Passes requests to the app and rewrites the request object on the way back."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, edit: Any) -> None:
        self.inner, self.edit = inner, edit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if "/oid4vp/requests/" in request.url.path:
            return httpx2.Response(response.status_code, content=self.edit(response.text))
        return response


async def test_request_object_with_a_broken_signature_is_refused(world: World) -> None:
    created = await world.presentation_request()

    def flip(jar: str) -> str:
        head, payload, sig = jar.split(".")
        return f"{head}.{payload}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}"

    transport = Tamper(httpx2.ASGITransport(app=world.app), flip)
    async with WalletHttp(transport=transport, http_hosts=world.http.http_hosts) as http:
        with pytest.raises(RequestRejected) as refused:
            await fetch_request(
                http, created["authorization_request_uri"], trust_anchors=[world.anchor]
            )
    assert refused.value.code == "invalid_request_object"


def _signed_request(payload: dict[str, Any], dns: str) -> tuple[str, x509.Certificate]:
    """A request signed by a key certified for ``dns`` under a root the wallet trusts."""
    key = generate_private_key("ES256")
    chain = dev_certificate_chain(key.public_key(), dns)  # type: ignore[arg-type]
    certs = [x509.load_pem_x509_certificate(p.encode()) for p in chain]
    x5c = [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in certs[:-1]]
    header = {"typ": "oauth-authz-req+jwt", "alg": "ES256", "x5c": x5c}
    return sign_compact_sync(header, payload, SoftwareSigner(key, "ES256")), certs[-1]


def _payload(**over: Any) -> dict[str, Any]:
    return {
        "client_id": "x509_san_dns:verifier.example.gc.ca",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://verifier.example.gc.ca/response",
        "nonce": "n-1",
        "state": "s-1",
        "dcql_query": QUERY,
        "exp": int(time.time()) + 60,
        **over,
    }


async def _fetch(jar: str, anchor: x509.Certificate | None, uri: str = ATTACKER_URI) -> Any:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, text=jar)

    async with WalletHttp(transport=httpx2.MockTransport(handler)) as http:
        return await fetch_request(http, uri, trust_anchors=[anchor] if anchor else [])


async def test_honest_looking_request_from_a_trusted_chain_is_accepted() -> None:
    jar, root = _signed_request(_payload(), "verifier.example.gc.ca")
    request = await _fetch(jar, root)
    assert request.verifier_identity == "verifier.example.gc.ca"


async def test_response_uri_on_another_host_than_the_certified_name_is_refused() -> None:
    jar, root = _signed_request(
        _payload(response_uri="https://collector.example.com/response"), "verifier.example.gc.ca"
    )
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, root)
    assert refused.value.code == "untrusted_verifier"


async def test_certificate_for_another_name_is_refused() -> None:
    jar, root = _signed_request(_payload(), "other.example.gc.ca")
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, root)
    assert refused.value.code == "untrusted_verifier"


async def test_client_id_in_the_object_must_be_the_one_in_the_uri() -> None:
    jar, root = _signed_request(
        _payload(client_id="x509_san_dns:other.example.gc.ca"), "verifier.example.gc.ca"
    )
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, root)
    assert refused.value.code == "invalid_request_object"


async def test_expired_request_object_is_refused() -> None:
    jar, root = _signed_request(_payload(exp=int(time.time()) - 3600), "verifier.example.gc.ca")
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, root)
    assert refused.value.code == "invalid_request_object"


async def test_wallet_nonce_must_be_echoed_when_the_request_is_fetched_by_post() -> None:
    jar, root = _signed_request(_payload(wallet_nonce="not-the-one-sent"), "verifier.example.gc.ca")
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, root, ATTACKER_URI + "&request_uri_method=post")
    assert refused.value.code == "invalid_request_object"


async def test_unsigned_redirect_uri_request_is_refused_by_default() -> None:
    uri = "openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Frp.example.gc.ca%2Fcb&request_uri=https%3A%2F%2Frp.example.gc.ca%2Fr"
    jar = "eyJhbGciOiJub25lIiwidHlwIjoib2F1dGgtYXV0aHotcmVxK2p3dCJ9.e30."
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, None, uri)
    assert refused.value.code == "untrusted_verifier"


def _by_value_uri(**over: Any) -> str:
    from urllib.parse import urlencode

    defaults = {
        "client_id": "redirect_uri:https://rp.example.gc.ca/response",
        "response_uri": "https://rp.example.gc.ca/response",
    }
    payload = _payload(**{**defaults, **over})
    del payload["exp"]
    if not isinstance(payload["dcql_query"], str):
        payload["dcql_query"] = json.dumps(payload["dcql_query"])
    return "openid4vp://?" + urlencode(payload)


async def test_by_value_redirect_uri_request_is_refused_by_default() -> None:
    with pytest.raises(RequestRejected) as refused:
        await _fetch("", None, _by_value_uri())
    assert refused.value.code == "untrusted_verifier"


async def test_by_value_redirect_uri_request_is_read_when_allowed() -> None:
    """OpenID4VP §5.9.3: unsigned parameters by value; the same checks as a signed request."""
    async with WalletHttp(transport=httpx2.MockTransport(lambda r: httpx2.Response(500))) as http:
        request = await fetch_request(http, _by_value_uri(), allow_unsigned_redirect_uri=True)
        assert request.prefix == "redirect_uri"
        assert request.verifier_identity == "https://rp.example.gc.ca/response"
        assert request.payload["dcql_query"] == QUERY
        other_host = _by_value_uri(response_uri="https://attacker.example/response")
        with pytest.raises(RequestRejected) as refused:
            await fetch_request(http, other_host, allow_unsigned_redirect_uri=True)
        assert refused.value.code == "untrusted_verifier"
        with pytest.raises(RequestRejected) as refused:
            await fetch_request(
                http, _by_value_uri(dcql_query="{not json"), allow_unsigned_redirect_uri=True
            )
        assert refused.value.code == "invalid_request_object"


async def test_oversized_answer_is_not_buffered() -> None:
    from sceau.core.errors import InputTooLarge

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=b"x" * 5000)

    async with WalletHttp(transport=httpx2.MockTransport(handler), max_response_bytes=1000) as http:
        with pytest.raises(InputTooLarge):
            await http.get("https://verifier.example.gc.ca/r")
