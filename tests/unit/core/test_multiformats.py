"""Multibase / multicodec / Multikey: spec key vectors, round trips and strict rejection."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import multiformats as mf_oracle
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given
from hypothesis import strategies as st

from sceau.core.errors import InvalidInput, InvalidKey
from sceau.core.multiformats import (
    MULTICODECS,
    decode_varint,
    encode_varint,
    multibase_decode,
    multibase_encode,
    multikey_decode,
    multikey_decode_private,
    multikey_encode,
    multikey_encode_private,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "vc"


def _load(rel: str) -> dict[str, str]:
    return json.loads((DATA / rel).read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("rel", "secret_member", "curve"),
    [
        ("vc-di-ecdsa/p256KeyPair.json", "secretKeyMultibase", "secp256r1"),
        ("vc-di-ecdsa/p384KeyPair.json", "secretKeyMultibase", "secp384r1"),
        ("vc-di-eddsa/keyPair.json", "privateKeyMultibase", None),
    ],
)
def test_spec_key_pairs_decode_and_reencode_identically(
    rel: str, secret_member: str, curve: str | None
) -> None:
    pair = _load(rel)
    public = multikey_decode(pair["publicKeyMultibase"])
    private = multikey_decode_private(pair[secret_member])
    if curve is None:
        assert isinstance(public, ed25519.Ed25519PublicKey)
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        assert public.curve.name == curve
    assert multikey_encode(public) == pair["publicKeyMultibase"]
    assert multikey_encode_private(private) == pair[secret_member]
    raw = serialization.Encoding.Raw if curve is None else serialization.Encoding.X962
    fmt = (
        serialization.PublicFormat.Raw
        if curve is None
        else serialization.PublicFormat.CompressedPoint
    )
    assert private.public_key().public_bytes(raw, fmt) == public.public_bytes(raw, fmt)


def test_did_key_spec_example_is_an_ed25519_key() -> None:
    key = multikey_decode("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    assert isinstance(key, ed25519.Ed25519PublicKey)


def test_multicodec_prefixes_match_the_multiformats_library() -> None:
    for name, entry in MULTICODECS.items():
        assert mf_oracle.multicodec.get(name).code == entry.code
        assert mf_oracle.varint.encode(entry.code) == entry.prefix


def test_well_known_varint_prefixes() -> None:
    assert MULTICODECS["ed25519-pub"].prefix == b"\xed\x01"
    assert MULTICODECS["p256-pub"].prefix == b"\x80\x24"
    assert MULTICODECS["p384-pub"].prefix == b"\x81\x24"
    assert MULTICODECS["ed25519-priv"].prefix == b"\x80\x26"
    assert MULTICODECS["p256-priv"].prefix == b"\x86\x26"


@given(st.binary(max_size=200))
def test_multibase_round_trips_in_both_bases(data: bytes) -> None:
    for base in ("z", "u"):
        encoded = multibase_encode(data, base)  # type: ignore[arg-type]
        if base == "z" and not data:
            continue  # "z" alone is not a valid value (empty base58 body rejected)
        assert multibase_decode(encoded) == data


@given(st.binary(max_size=64))
def test_multibase_z_matches_the_multiformats_library(data: bytes) -> None:
    if data:
        assert multibase_encode(data) == mf_oracle.multibase.encode(data, "base58btc")
        assert multibase_encode(data, "u") == mf_oracle.multibase.encode(data, "base64url")


@given(st.text(max_size=40))
def test_multibase_decode_never_raises_anything_but_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        multibase_decode(text)


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_varint_round_trips(value: int) -> None:
    encoded = encode_varint(value)
    assert decode_varint(encoded + b"\x00") == (value, len(encoded))


@pytest.mark.parametrize(
    "bad",
    ["", "f00", "z0OIl", "u====", "uAB=", "z", "uA", "mAAAA", "u_x"],
)
def test_malformed_multibase_is_rejected(bad: str) -> None:
    with pytest.raises(InvalidInput):
        multibase_decode(bad)


def test_oversized_multibase_is_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        multibase_decode("z" + "2" * 10_000)
    assert exc.value.code == "input_too_large"


def test_non_minimal_varint_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        decode_varint(b"\xed\x81\x00")
    with pytest.raises(InvalidInput):
        decode_varint(b"\x80\x80")


def test_multikey_with_wrong_length_is_rejected() -> None:
    data = MULTICODECS["ed25519-pub"].prefix + b"\x01" * 31
    with pytest.raises(InvalidKey) as exc:
        multikey_decode(multibase_encode(data))
    assert exc.value.code == "invalidPublicKeyLength"


def test_multikey_with_point_not_on_curve_is_rejected() -> None:
    data = MULTICODECS["p256-pub"].prefix + b"\x02" + b"\xff" * 32
    with pytest.raises(InvalidKey) as exc:
        multikey_decode(multibase_encode(data))
    assert exc.value.code == "invalidPublicKey"


def test_uncompressed_point_is_rejected_by_length() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    with pytest.raises(InvalidKey):
        multikey_decode(multibase_encode(MULTICODECS["p256-pub"].prefix + raw))


def test_secret_key_is_not_accepted_as_public_multikey() -> None:
    secret = _load("vc-di-ecdsa/p256KeyPair.json")["secretKeyMultibase"]
    with pytest.raises(InvalidKey):
        multikey_decode(secret)


def test_unknown_multicodec_and_base64_multikey_are_rejected() -> None:
    with pytest.raises(InvalidKey):
        multikey_decode(multibase_encode(encode_varint(0x55) + b"\x00" * 32))
    with pytest.raises(InvalidKey):
        multikey_decode(multibase_encode(MULTICODECS["ed25519-pub"].prefix + b"\x00" * 32, "u"))


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.SECP384R1(), ec.SECP521R1()])
def test_generated_ec_keys_round_trip(curve: ec.EllipticCurve) -> None:
    private = ec.generate_private_key(curve)
    public = private.public_key()
    decoded = multikey_decode(multikey_encode(public))
    assert isinstance(decoded, ec.EllipticCurvePublicKey)
    assert decoded.public_numbers() == public.public_numbers()
    again = multikey_decode_private(multikey_encode_private(private))
    assert isinstance(again, ec.EllipticCurvePrivateKey)
    assert again.private_numbers() == private.private_numbers()
