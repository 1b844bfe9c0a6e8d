"""The verify hot-path shortcuts give exactly the answers of the general code they replace."""

import binascii
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from sceau.core.encoding import b64url_decode, b64url_encode, json_loads
from sceau.core.errors import InvalidInput, InvalidSignature, SceauError, UnsupportedAlgorithm
from sceau.core.jose import generate_private_key
from sceau.core.jose._rfc7518 import ALGORITHMS, raw_ecdsa_to_der

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_CANON_2 = {c for i, c in enumerate(_ALPHABET) if i & 0x0F == 0}
_CANON_3 = {c for i, c in enumerate(_ALPHABET) if i & 0x03 == 0}


def _reference_b64url(text: str) -> bytes | None:
    """RFC 4648 §5 strict unpadded decoding with binascii only (the general path)."""
    if not text.isascii() or len(text) % 4 == 1 or any(c not in _ALPHABET for c in text):
        return None
    rem = len(text) % 4
    if rem and text[-1] not in (_CANON_2 if rem == 2 else _CANON_3):
        return None
    std = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
    return binascii.a2b_base64(std.encode(), strict_mode=True)


@given(
    st.binary(min_size=190, max_size=700),
    st.integers(min_value=0, max_value=900),
    st.sampled_from([*'+/= \n"\\!~.é\x00', "", "", "", "A"]),
)
def test_long_base64url_decoding_agrees_with_strict_binascii(
    data: bytes, where: int, injected: str
) -> None:
    text = b64url_encode(data)
    text = text[:where] + injected + text[where + 1 :] if injected else text
    expected = _reference_b64url(text)
    try:
        got: bytes | None = b64url_decode(text)
    except InvalidInput as exc:
        assert exc.code == "bad_base64"
        got = None
    assert got == expected


def test_json_string_escape_in_a_long_segment_is_not_base64url() -> None:
    # Reaching msgspec's base64 as a JSON string, "\u0041" would otherwise mean "A".
    body = b64url_encode(os.urandom(300))
    with pytest.raises(InvalidInput):
        b64url_decode(body[:40] + "\\u0041" + body[46:])


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from('ab:{}[],é "')),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.sampled_from("ab:{ é"), max_size=3), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@given(_json_values, st.sampled_from([None, ", ", ","]))
def test_object_fast_path_agrees_with_stdlib_json(value: object, sep: str | None) -> None:
    text = json.dumps(value, ensure_ascii=False, separators=(sep, ":") if sep else None)
    if text.count("[") + text.count("{") <= 32:
        assert json_loads(text.encode()) == json.loads(text)


@given(
    st.dictionaries(st.text(alphabet="ab:", max_size=3), st.text(alphabet="x:", max_size=3)),
    st.text(alphabet="ab:", max_size=3),
    st.sampled_from(["1", '"v:"', '{"k":":"}', '[":"]']),
    st.booleans(),
)
def test_duplicate_member_is_rejected_on_the_fast_path_anywhere(
    members: dict[str, str], dup: str, dup_value: str, nested: bool
) -> None:
    body = ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in {**members, dup: "0"}.items())
    obj = "{" + body + f",{json.dumps(dup)}:{dup_value}" + "}"
    text = f'{{"outer":[1,{obj}]}}' if nested else obj
    assert "\\" not in text  # the msgspec path, not the stdlib fallback
    with pytest.raises(InvalidInput) as exc:
        json_loads(text.encode())
    assert exc.value.code == "duplicate_json_member"


@pytest.mark.parametrize("size", [32, 48, 66])
def test_raw_signature_to_der_matches_encode_dss_signature(size: int) -> None:
    for i in range(3000):
        sig = bytearray(os.urandom(2 * size))
        if i % 3 == 0:
            sig[0] = 0
        if i % 5 == 0:
            sig[size : size + 2] = b"\0\0"
        if i % 7 == 0:
            sig[0] = 0xFF
        if i % 11 == 0:
            sig[0:size] = b"\0" * (size - 1) + b"\x01"
        r = int.from_bytes(sig[:size], "big")
        s = int.from_bytes(sig[size:], "big")
        assert raw_ecdsa_to_der(bytes(sig), size) == encode_dss_signature(r, s)


@pytest.mark.parametrize("zero", ["r", "s"])
def test_zero_r_or_s_is_rejected_on_the_ec_hot_path(zero: str) -> None:
    key = generate_private_key("ES256")
    alg = ALGORITHMS["ES256"]
    good = alg.sign(key, b"m")
    alg.verify(key.public_key(), b"m", good)  # warms the type-set fast path
    bad = b"\0" * 32 + good[32:] if zero == "r" else good[:32] + b"\0" * 32
    with pytest.raises(InvalidSignature) as exc:
        alg.verify(key.public_key(), b"m", bad)
    assert exc.value.code == "invalid_signature"


def test_ec_hot_path_still_refuses_wrong_curve_length_and_bad_signature() -> None:
    p256 = generate_private_key("ES256")
    es256 = ALGORITHMS["ES256"]
    sig = es256.sign(p256, b"m")
    es256.verify(p256.public_key(), b"m", sig)
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(UnsupportedAlgorithm):
        es256.verify(p384, b"m", sig)  # RFC 8725 §3.1: algorithm bound to the key's curve
    k1 = ec.generate_private_key(ec.SECP256K1()).public_key()
    with pytest.raises(UnsupportedAlgorithm):
        es256.verify(k1, b"m", sig)  # same size, other curve
    with pytest.raises(InvalidSignature):
        es256.verify(p256.public_key(), b"m", sig[:-1])
    with pytest.raises(InvalidSignature):
        es256.verify(p256.public_key(), b"other", sig)
    with pytest.raises(SceauError):
        ALGORITHMS["ES384"].verify(p256.public_key(), b"m", sig)
