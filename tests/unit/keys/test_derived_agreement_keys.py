"""Keys derived from the KEK (HKDF-SHA256, RFC 5869): the OpenID4VCI request decryption key."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sceau.keys.kek import KeyEncryptionKey, new_kek_text, parse_kek
from sceau.keys.service import KeyStoreService
from sceau.keys.software import SoftwareKeyBackend


def _store(kek: KeyEncryptionKey | None) -> KeyStoreService:
    @dataclass(frozen=True)
    class DeviceBackend:  # a backend that keeps its keys inside (no KEK)
        name: str = "device"

    backend = SoftwareKeyBackend(kek) if kek is not None else DeviceBackend()
    return KeyStoreService(None, backend, tenants=None, public_url="https://x")  # type: ignore[arg-type]


def test_derivation_is_hkdf_sha256_bound_to_purpose_and_tenant() -> None:
    kek = parse_kek(new_kek_text())
    derived = kek.derive("p/v1", tenant_slug="acme", length=40)
    # An independent HKDF computation over the same inputs gives the same bytes.
    from cryptography.hazmat.primitives import hashes

    expected = HKDF(
        algorithm=hashes.SHA256(), length=40, salt=b"sceau/derived-key/v1", info=b"p/v1\x00acme"
    ).derive(kek._key)
    assert derived == expected
    assert kek.derive("p/v1", tenant_slug="acme", length=40) == derived
    assert kek.derive("p/v2", tenant_slug="acme", length=40) != derived
    assert kek.derive("p/v1", tenant_slug="acme2", length=40) != derived
    assert parse_kek(new_kek_text()).derive("p/v1", tenant_slug="acme", length=40) != derived
    with pytest.raises(ValueError):
        kek.derive("p\x00", tenant_slug="acme")
    with pytest.raises(ValueError):
        kek.derive("", tenant_slug="acme")


def test_agreement_key_is_a_stable_p256_key_per_tenant_and_purpose() -> None:
    text = new_kek_text()
    one, two = _store(parse_kek(text)), _store(parse_kek(text))  # two processes, one KEK
    key = one.agreement_key("acme", "purpose/v1")
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    same = two.agreement_key("acme", "purpose/v1")
    assert same is not None
    assert same.private_numbers().private_value == key.private_numbers().private_value
    other = one.agreement_key("beta", "purpose/v1")
    assert other is not None
    assert other.private_numbers().private_value != key.private_numbers().private_value


def test_backend_without_kek_offers_no_agreement_key() -> None:
    assert _store(None).agreement_key("acme", "purpose/v1") is None
