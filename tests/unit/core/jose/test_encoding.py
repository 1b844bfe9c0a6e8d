import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.core.encoding import b64url_decode, b64url_encode, json_dumps_compact, json_loads
from sceau.core.errors import InputTooLarge, InvalidInput, SceauError


@given(st.binary(max_size=200))
def test_b64url_round_trips_any_bytes(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


@pytest.mark.parametrize("bad", ["YQ==", "YQ=", "a+b/", "ab c", "ab\n", "a", "YR", "YWJ", "é"])
def test_b64url_decode_rejects_padding_foreign_chars_and_non_canonical_bits(bad: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        b64url_decode(bad)
    assert exc.value.code == "bad_base64"


@given(st.text(max_size=50))
def test_b64url_decode_raises_only_invalid_input(text: str) -> None:
    try:
        b64url_decode(text)
    except InvalidInput as exc:
        assert exc.code == "bad_base64"


def test_json_loads_rejects_duplicate_members() -> None:
    with pytest.raises(InvalidInput) as exc:
        json_loads(b'{"iss":"https://issuer.example","iss":"https://evil.example"}')
    assert exc.value.code == "duplicate_json_member"


@pytest.mark.parametrize(
    "bad",
    [
        b"NaN",
        b'{"a":Infinity}',
        b"[1,]",
        b"{} x",
        b"\xef\xbb\xbf{}",
        b'"\\ud800"',
        b"\xff",
        b"/*c*/1",
    ],
)
def test_json_loads_rejects_non_strict_json(bad: bytes) -> None:
    with pytest.raises(InvalidInput) as exc:
        json_loads(bad)
    assert exc.value.code == "invalid_json"


def test_json_loads_rejects_deep_nesting_without_recursion_error() -> None:
    with pytest.raises(InputTooLarge) as exc:
        json_loads("[" * 100_000 + "]" * 100_000, max_bytes=10**6)
    assert exc.value.code == "json_too_deep"
    with pytest.raises(InputTooLarge):
        json_loads("[" * 40 + "]" * 40)
    assert json_loads("[" * 32 + "]" * 32) is not None


def test_json_loads_rejects_oversized_input() -> None:
    with pytest.raises(InputTooLarge) as exc:
        json_loads(b"1" * 11, max_bytes=10)
    assert exc.value.code == "json_too_large"


def test_json_dumps_compact_has_no_whitespace_and_keeps_unicode() -> None:
    assert json_dumps_compact({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()
    with pytest.raises(InvalidInput):
        json_dumps_compact({"a": float("nan")})


@given(st.binary(max_size=300))
def test_json_loads_raises_only_sceau_errors(data: bytes) -> None:
    with contextlib.suppress(SceauError):
        json_loads(data)


@pytest.mark.parametrize("bad", [b"[1e400]", b'{"a":1e400}', b"[-1e999]"])
def test_json_loads_rejects_numbers_that_overflow_to_infinity(bad: bytes) -> None:
    with pytest.raises(InvalidInput) as exc:
        json_loads(bad)
    assert exc.value.code == "invalid_json"


_arrays = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=10,
)


@given(_arrays, st.sampled_from([None, ", ", ","]))
def test_object_free_fast_path_agrees_with_stdlib_json(value: object, sep: str | None) -> None:
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(sep, ":") if sep else None)
    if text.count("[") <= 32:
        assert json_loads(text.encode()) == json.loads(text)
        assert json_loads(text) == json.loads(text)
