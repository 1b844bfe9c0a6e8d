"""The wallet refuses requests it cannot tie to the verifier (OpenID4VP §5.9.3, §5.10)."""

import base64
import datetime as dt
import hashlib
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

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


# --- x509_hash (OpenID4VP §5.9.3): the client_id is the hash of the leaf in x5c -------------


def _ca() -> tuple[Any, x509.Certificate]:
    key = generate_private_key("ES256")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test verifier CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return key, cert


def _leaf(ca: tuple[Any, x509.Certificate], dns: str) -> tuple[Any, x509.Certificate]:
    ca_key, ca_cert = ca
    key = generate_private_key("ES256")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _hash_of(cert: x509.Certificate) -> str:
    digest = hashlib.sha256(cert.public_bytes(Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _x509_hash_jar(client_id: str, x5c_leaf: x509.Certificate, signing_key: Any) -> str:
    payload = _payload(client_id=client_id)
    x5c = [base64.b64encode(x5c_leaf.public_bytes(Encoding.DER)).decode()]
    header = {"typ": "oauth-authz-req+jwt", "alg": "ES256", "x5c": x5c}
    return sign_compact_sync(header, payload, SoftwareSigner(signing_key, "ES256"))


def _uri(client_id: str) -> str:
    return "openid4vp://?" + urlencode(
        {"client_id": client_id, "request_uri": "https://verifier.example.gc.ca/r"}
    )


async def test_x509_hash_request_whose_leaf_hashes_to_the_client_id_is_accepted() -> None:
    ca = _ca()
    key, leaf = _leaf(ca, "verifier.example.gc.ca")
    client_id = "x509_hash:" + _hash_of(leaf)
    request = await _fetch(_x509_hash_jar(client_id, leaf, key), ca[1], _uri(client_id))
    assert request.prefix == "x509_hash" and request.client_id == client_id
    # What the person is shown is the name the trusted chain vouches for, not the hash.
    assert request.verifier_identity == "verifier.example.gc.ca"


async def test_x509_hash_of_another_certificate_is_refused() -> None:
    """A verifier with its own trusted certificate cannot borrow another one's client_id."""
    ca = _ca()
    _, honest_leaf = _leaf(ca, "verifier.example.gc.ca")
    key, own_leaf = _leaf(ca, "attacker.example.gc.ca")
    client_id = "x509_hash:" + _hash_of(honest_leaf)
    with pytest.raises(RequestRejected) as refused:
        await _fetch(_x509_hash_jar(client_id, own_leaf, key), ca[1], _uri(client_id))
    assert refused.value.code == "untrusted_verifier"


@pytest.mark.parametrize(
    "tamper",
    ["flipped_character", "padded", "standard_alphabet", "empty", "hex"],
)
async def test_x509_hash_client_id_tampered_in_uri_and_object_is_refused(tamper: str) -> None:
    ca = _ca()
    key, leaf = _leaf(ca, "verifier.example.gc.ca")
    value = _hash_of(leaf)
    bad = {
        "flipped_character": ("B" if value[0] == "A" else "A") + value[1:],
        "padded": value + "=",
        "standard_alphabet": base64.b64encode(
            hashlib.sha256(leaf.public_bytes(Encoding.DER)).digest()
        ).decode(),
        "empty": "",
        "hex": hashlib.sha256(leaf.public_bytes(Encoding.DER)).hexdigest(),
    }[tamper]
    assert bad != value
    client_id = "x509_hash:" + bad
    with pytest.raises(RequestRejected) as refused:
        await _fetch(_x509_hash_jar(client_id, leaf, key), ca[1], _uri(client_id))
    assert refused.value.code == "untrusted_verifier"


async def test_x509_hash_request_not_signed_by_the_leaf_key_is_refused() -> None:
    ca = _ca()
    _, leaf = _leaf(ca, "verifier.example.gc.ca")
    client_id = "x509_hash:" + _hash_of(leaf)
    jar = _x509_hash_jar(client_id, leaf, generate_private_key("ES256"))
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, ca[1], _uri(client_id))
    assert refused.value.code == "invalid_request_object"


@pytest.mark.parametrize("anchor", ["other_root", "none"])
async def test_x509_hash_leaf_outside_the_wallets_trust_anchors_is_refused(anchor: str) -> None:
    """§5.9.3: a matching hash is not enough, the chain must lead to a trust anchor."""
    ca = _ca()
    key, leaf = _leaf(ca, "verifier.example.gc.ca")
    client_id = "x509_hash:" + _hash_of(leaf)
    with pytest.raises(RequestRejected) as refused:
        await _fetch(
            _x509_hash_jar(client_id, leaf, key),
            _ca()[1] if anchor == "other_root" else None,
            _uri(client_id),
        )
    assert refused.value.code == "untrusted_verifier"


async def test_x509_hash_request_signed_by_the_ca_itself_is_refused() -> None:
    """RFC 5280 §4.2.1.9: a CA certificate is no verifier; its key signs certificates, so the
    trust anchor's own certificate as the "leaf" (hash and chain both match) is refused."""
    ca_key, ca_cert = _ca()
    client_id = "x509_hash:" + _hash_of(ca_cert)
    with pytest.raises(RequestRejected) as refused:
        await _fetch(_x509_hash_jar(client_id, ca_cert, ca_key), ca_cert, _uri(client_id))
    assert refused.value.code == "untrusted_verifier"


async def test_x509_hash_request_without_x5c_is_refused() -> None:
    ca = _ca()
    key, leaf = _leaf(ca, "verifier.example.gc.ca")
    client_id = "x509_hash:" + _hash_of(leaf)
    jar = sign_compact_sync(
        {"typ": "oauth-authz-req+jwt", "alg": "ES256"},
        _payload(client_id=client_id),
        SoftwareSigner(key, "ES256"),
    )
    with pytest.raises(RequestRejected) as refused:
        await _fetch(jar, ca[1], _uri(client_id))
    assert refused.value.code == "untrusted_verifier"


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
