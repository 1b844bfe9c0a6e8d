"""decode_disclosures' batched loop gives the answers of the one-at-a-time definition."""

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.core.encoding import b64url_decode, b64url_encode, json_loads
from sceau.core.errors import SceauError
from sceau.core.sdjwt._model import hash_b64
from sceau.core.sdjwt._verify import decode_disclosures


def _one_at_a_time(disclosures: list[str]) -> dict[str, tuple[str, list[object]]]:
    out: dict[str, tuple[str, list[object]]] = {}
    for encoded in disclosures:
        if not encoded.isascii():
            raise SceauError("not base64url")
        digest = hash_b64(hashlib.sha256, encoded)  # RFC 9901 §4.2.3
        if digest in out:
            raise SceauError("repeated")
        parts = json_loads(b64url_decode(encoded))
        if not isinstance(parts, list) or not 2 <= len(parts) <= 3:
            raise SceauError("shape")
        if not isinstance(parts[0], str) or (len(parts) == 3 and not isinstance(parts[1], str)):
            raise SceauError("shape")
        out[digest] = (encoded, parts)
    return out


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab{}[]:,"é', max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet="ab:", max_size=2), inner, max_size=3)
    ),
    max_leaves=6,
)
_disclosure = st.one_of(
    st.tuples(st.text(max_size=6), st.text(max_size=6), _values).map(list),
    st.tuples(st.text(max_size=6), _values).map(list),
    _values,
).map(lambda v: b64url_encode(json.dumps(v).encode()))
_mangled = st.text(alphabet="AQgw0-_+/=~ é\\", min_size=1, max_size=8)


@given(st.lists(st.one_of(_disclosure, _disclosure, _mangled), max_size=6))
def test_batched_decoding_agrees_with_one_at_a_time(disclosures: list[str]) -> None:
    try:
        expected: object = _one_at_a_time(disclosures)
    except SceauError:
        expected = SceauError
    try:
        got: object = decode_disclosures(disclosures, hashlib.sha256)
    except SceauError:
        got = SceauError
    assert got == expected


def test_a_tilde_inside_one_disclosure_cannot_split_it_into_two() -> None:
    a = b64url_encode(b'["s1","a",1]')
    b = b64url_encode(b'["s2","b",2]')
    with pytest.raises(SceauError) as exc:
        decode_disclosures([a + "~" + b], hashlib.sha256)
    assert exc.value.code == "bad_base64"


def test_cnf_jwk_differing_only_in_a_non_string_member_is_not_served_from_the_memo() -> None:
    from sceau.core.jose import generate_private_key, public_jwk
    from sceau.core.sdjwt._verify import holder_key

    jwk = public_jwk(generate_private_key("ES256"))
    holder_key({"cnf": {"jwk": jwk}})  # now memoised
    with pytest.raises(SceauError) as exc:
        holder_key({"cnf": {"jwk": {**jwk, "alg": ["ES256"]}}})
    assert exc.value.code == "invalid_jwk"
