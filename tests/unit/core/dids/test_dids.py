"""did:key, did:jwk, did:web mapping, DID documents and verification-method resolution."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import base58
import pytest

from sceau.core.dids import (
    build_did_document,
    did_jwk_from_jwk,
    did_key_from_public_key,
    did_web_from_parts,
    did_web_to_url,
    parse_did_document,
    public_key_from_did_jwk,
    public_key_from_did_key,
    resolve_did_jwk,
    resolve_did_key,
    resolve_verification_method,
)
from sceau.core.dids.errors import (
    DidNotFound,
    InvalidDid,
    InvalidDidDocument,
    InvalidDidUrl,
    InvalidPublicKey,
    InvalidPublicKeyLength,
    MethodNotSupported,
    UnsupportedPublicKeyType,
)
from sceau.core.encoding import b64url_encode
from sceau.core.jose import generate_private_key, public_jwk

EX: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "data" / "did_examples.json").read_text()
)


class DictResolver:
    """A resolver port backed by a dict (stands in for the services' https fetcher)."""

    def __init__(self, docs: Mapping[str, Mapping[str, Any]]) -> None:
        self.docs = docs
        self.calls: list[str] = []

    async def resolve(self, did: str) -> Mapping[str, Any]:
        self.calls.append(did)
        return self.docs[did]


def _resolve(did_url: str, resolver: Any = None, **kw: Any) -> Any:
    return asyncio.run(resolve_verification_method(did_url, resolver, **kw))


# --- did:key --------------------------------------------------------------------------------


def test_spec_ed25519_did_key_decodes_to_the_spec_jwk() -> None:
    vec = EX["did_key"]["ed25519"]
    doc = resolve_did_key(vec["did"], public_key_format="JsonWebKey2020")
    vm = doc["verificationMethod"][0]
    mb = vec["did"].removeprefix("did:key:")
    assert vm["id"] == f"{vec['did']}#{mb}"
    assert vm["publicKeyJwk"] == vec["jwk"]
    assert doc["assertionMethod"] == [vm["id"]] and doc["authentication"] == [vm["id"]]


@pytest.mark.parametrize(
    "did",
    EX["did_key"]["ed25519_more"] + EX["did_key"]["p256"] + EX["did_key"]["p384"],
)
def test_spec_did_keys_round_trip_through_the_public_key(did: str) -> None:
    key = public_key_from_did_key(did)
    assert did_key_from_public_key(key) == did
    doc = resolve_did_key(did)
    assert doc["verificationMethod"][0]["type"] == "Multikey"
    assert doc["verificationMethod"][0]["publicKeyMultibase"] == did.removeprefix("did:key:")


@pytest.mark.parametrize("alg", ["ES256", "ES384", "EdDSA"])
def test_generated_did_key_resolves_to_its_key(alg: str) -> None:
    key = generate_private_key(alg).public_key()
    did = did_key_from_public_key(key)
    assert public_jwk(_resolve(did)) == public_jwk(key)
    assert public_jwk(_resolve(did + "#" + did.removeprefix("did:key:"))) == public_jwk(key)


def test_did_key_x25519_is_an_unsupported_key_type() -> None:
    with pytest.raises(UnsupportedPublicKeyType):
        public_key_from_did_key(EX["did_key"]["x25519_unsupported"])


def _mb(prefix: bytes, raw: bytes) -> str:
    return "did:key:z" + base58.b58encode(prefix + raw).decode()


def test_did_key_p256_with_32_byte_key_is_invalid_length() -> None:
    with pytest.raises(InvalidPublicKeyLength) as exc:
        public_key_from_did_key(_mb(b"\x80\x24", b"\x02" + bytes(31)))
    assert exc.value.code == "invalidPublicKeyLength"


def test_did_key_point_not_on_curve_is_invalid_public_key() -> None:
    with pytest.raises(InvalidPublicKey) as exc:
        public_key_from_did_key(_mb(b"\x80\x24", b"\x02" + b"\xff" * 32))
    assert exc.value.code == "invalidPublicKey"


def test_did_key_unknown_multicodec_is_unsupported() -> None:
    with pytest.raises(UnsupportedPublicKeyType):
        public_key_from_did_key(_mb(b"\x99\x01", bytes(33)))
    with pytest.raises(UnsupportedPublicKeyType):  # secp256k1: known codec, not allowed
        public_key_from_did_key(_mb(b"\xe7\x01", b"\x02" + bytes(32)))


@pytest.mark.parametrize(
    "did",
    [
        "did:key:f1234",  # multibase prefix f instead of z
        "did:key:z0OIl",  # not base58
        "did:KEY:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:key:0:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # version not positive
        "did:key:",
        "did:web:example.com",
    ],
)
def test_malformed_did_key_is_invalid_did(did: str) -> None:
    with pytest.raises(InvalidDid) as exc:
        public_key_from_did_key(did)
    assert exc.value.code == "invalidDid"


# --- did:jwk --------------------------------------------------------------------------------


def test_spec_did_jwk_document_is_reproduced() -> None:
    ex = EX["did_jwk_p256"]
    assert resolve_did_jwk(ex["did"]) == ex["document"]
    key = public_key_from_did_jwk(ex["did"])
    assert public_jwk(key) == ex["document"]["verificationMethod"][0]["publicKeyJwk"]


def test_did_jwk_round_trips_and_resolves_via_fragment_zero() -> None:
    key = generate_private_key("ES256").public_key()
    did = did_jwk_from_jwk(public_jwk(key))
    assert public_jwk(_resolve(did + "#0")) == public_jwk(key)
    with pytest.raises(DidNotFound):
        _resolve(did + "#1")


def test_did_jwk_use_sig_has_no_key_agreement() -> None:
    did = did_jwk_from_jwk({**public_jwk(generate_private_key()), "use": "sig"})
    doc = resolve_did_jwk(did)
    assert "keyAgreement" not in doc and doc["assertionMethod"] == [did + "#0"]


def test_did_jwk_with_private_key_members_is_rejected() -> None:
    jwk = {**public_jwk(generate_private_key()), "d": "AAAA"}
    with pytest.raises(InvalidPublicKey):
        public_key_from_did_jwk("did:jwk:" + b64url_encode(json.dumps(jwk).encode()))
    with pytest.raises(Exception) as exc:
        did_jwk_from_jwk(jwk)
    assert exc.value.code == "private_key_in_jwk"


@pytest.mark.parametrize(
    "payload",
    [
        b'{"kty":"oct","k":"AAAA"}',
        b'{"kty":"EC","kty":"EC","crv":"P-256"}',  # duplicate member
        b"[1,2]",
        b"not json",
    ],
)
def test_malformed_did_jwk_is_rejected(payload: bytes) -> None:
    with pytest.raises((InvalidDid, InvalidPublicKey)):
        public_key_from_did_jwk("did:jwk:" + b64url_encode(payload))


def test_did_jwk_with_padding_is_invalid() -> None:
    with pytest.raises(InvalidDid):
        public_key_from_did_jwk(EX["did_jwk_p256"]["did"] + "=")


# --- did:web --------------------------------------------------------------------------------


@pytest.mark.parametrize("did,url", EX["did_web_urls"])
def test_spec_did_web_maps_to_the_spec_url(did: str, url: str) -> None:
    assert did_web_to_url(did, allowed_ports={443, 3000}) == url


def test_did_web_port_must_be_allowed() -> None:
    with pytest.raises(InvalidDid):
        did_web_to_url("did:web:example.com%3A3000")
    assert did_web_to_url("did:web:example.com%3A443") == "https://example.com/.well-known/did.json"


@pytest.mark.parametrize(
    "did",
    [
        "did:web:127.0.0.1",
        "did:web:localhost",
        "did:web:169.254.169.254",
        "did:web:2130706433",
        "did:web:0x7f.0.0.1",
        "did:web:0177.0.0.1",
        "did:web:127.1",
        "did:web:%5B%3A%3Affff%3A127.0.0.1%5D",
        "did:web:0.0.0.0",
        "did:web:100.64.0.1",
        "did:web:metadata.google.internal",
        "did:web:foo.internal",
        "did:web:printer.local",
        "did:web:app.localhost",
        "did:web:example.com%3A6379",
        "did:web:example.com%3A0",
        "did:web:example.com%3A99999",
        "did:web:example.com%2Fadmin",
        "did:web:example.com:..:admin",
        "did:web:example.com:a::b",
        "did:web:example.com:.",
        "did:web:example.com:",
        "did:web:exa_mple.com",
        "did:web:Example.COM",
        "did:web:-bad.example.com",
        "did:web:",
        "did:webs:example.com",
        "did:web:example.com:user%2F..%2Fadmin",
    ],
)
def test_did_web_to_private_or_malformed_target_is_refused(did: str) -> None:
    with pytest.raises(InvalidDid) as exc:
        did_web_to_url(did)
    assert exc.value.code == "invalidDid"


def test_did_web_built_from_parts_maps_back() -> None:
    did = did_web_from_parts("issuer.example.ca", ["tenants", "acme"])
    assert did == "did:web:issuer.example.ca:tenants:acme"
    assert did_web_to_url(did) == "https://issuer.example.ca/tenants/acme/did.json"


def test_spec_did_web_document_parses_and_yields_its_keys() -> None:
    ex = EX["did_web_example"]
    doc = parse_did_document(ex, did="did:web:example.com")
    assert doc.public_key("did:web:example.com#key-2", "assertionMethod") is not None
    with pytest.raises(UnsupportedPublicKeyType):  # X25519 key agreement key: not for signing
        doc.public_key("did:web:example.com#key-1", "keyAgreement")
    with pytest.raises(DidNotFound):  # key-1 is not an assertion method
        doc.public_key("did:web:example.com#key-1", "assertionMethod")


def test_did_document_for_another_did_is_rejected() -> None:
    with pytest.raises(InvalidDidDocument):
        parse_did_document(EX["did_web_example"], did="did:web:other.example")


def test_did_document_method_of_another_did_is_rejected() -> None:
    doc = json.loads(json.dumps(EX["did_web_example"]))
    doc["verificationMethod"][0]["id"] = "did:web:attacker.example#key-0"
    with pytest.raises(InvalidDidDocument):
        parse_did_document(doc, did="did:web:example.com")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["verificationMethod"][2]["publicKeyJwk"].update(d="AAAA"),
        lambda d: d["verificationMethod"].append(dict(d["verificationMethod"][0])),
        lambda d: d["assertionMethod"].append("#key-0"),
        lambda d: d["assertionMethod"].append("did:web:example.com#nope"),
        lambda d: d.update(verificationMethod={}),
        lambda d: d["verificationMethod"][0].pop("controller"),
    ],
    ids=["private-jwk", "duplicate-id", "relative-ref", "dangling-ref", "not-array", "no-ctrl"],
)
def test_malformed_did_document_is_rejected(mutate: Any) -> None:
    doc = json.loads(json.dumps(EX["did_web_example"]))
    mutate(doc)
    with pytest.raises(InvalidDidDocument):
        parse_did_document(doc, did="did:web:example.com")


@pytest.mark.parametrize("fmt", ["Multikey", "JsonWebKey2020"])
def test_built_did_web_document_resolves_through_the_port(fmt: str) -> None:
    did = "did:web:issuer.example.ca:tenants:acme"
    k1 = generate_private_key("ES256").public_key()
    k2 = generate_private_key("EdDSA").public_key()
    doc = build_did_document(did, [("k1", k1), ("k2", k2)], public_key_format=fmt)
    assert doc["assertionMethod"] == [f"{did}#k1", f"{did}#k2"]
    assert doc["authentication"] == [f"{did}#k1", f"{did}#k2"]
    resolver = DictResolver({did: doc})
    assert public_jwk(_resolve(f"{did}#k2", resolver)) == public_jwk(k2)
    assert resolver.calls == [did]
    with pytest.raises(DidNotFound):  # two keys: a fragment is required
        _resolve(did, resolver)
    with pytest.raises(DidNotFound):
        _resolve(f"{did}#k1", resolver, relationship="keyAgreement")


def test_did_web_resolution_refuses_unsafe_did_before_the_port() -> None:
    resolver = DictResolver({})
    with pytest.raises(InvalidDid):
        _resolve("did:web:127.0.0.1#k1", resolver)
    assert resolver.calls == []


def test_did_key_is_never_sent_to_the_port() -> None:
    resolver = DictResolver({})
    key = generate_private_key().public_key()
    assert public_jwk(_resolve(did_key_from_public_key(key), resolver)) == public_jwk(key)
    assert resolver.calls == []


def test_unknown_method_without_resolver_is_not_supported() -> None:
    with pytest.raises(MethodNotSupported):
        _resolve("did:example:123#k")


@pytest.mark.parametrize("url", ["did:web:example.com/path#k", "did:web:example.com?x=1", "nope"])
def test_did_url_with_path_or_query_is_invalid(url: str) -> None:
    with pytest.raises(InvalidDidUrl):
        _resolve(url, DictResolver({}))
