"""IETF Token Status List: spec vectors, bit order, tokens, references, bombs."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.core.encoding import b64url_decode, b64url_encode
from sceau.core.jose import (
    SoftwareSigner,
    decode_compact_unverified,
    generate_private_key,
    sign_compact_sync,
)
from sceau.core.status.errors import (
    MalformedStatusList,
    StatusIndexOutOfRange,
    StatusListTooLarge,
    StatusVerificationError,
)
from sceau.core.status.token_status_list import (
    StatusList,
    StatusListToken,
    StatusType,
    cache_ttl,
    check_referenced_token_status,
    sign_status_list_token,
    status_list_reference,
    verify_status_list_token,
)

DATA = Path(__file__).resolve().parents[3] / "data" / "status"
VECTORS: dict[str, Any] = json.loads((DATA / "token_status_list_vectors.json").read_text())
NOW = 1_700_000_000
URI = "https://issuer.example/statuslists/1"


def _ids(v: dict[str, Any]) -> str:
    return str(v["name"])


@pytest.mark.parametrize("vector", VECTORS["encodings"], ids=_ids)
def test_spec_vector_is_reproduced_exactly(vector: dict[str, Any]) -> None:
    sl = StatusList(vector["size"], bits=vector["bits"])
    if vector["byte_array_hex"]:
        for i, value in enumerate(
            StatusList.from_bytes(bytes.fromhex(vector["byte_array_hex"]), vector["bits"]).get(j)
            for j in range(vector["size"])
        ):
            sl.set(i, value)
        assert sl.to_bytes().hex() == vector["byte_array_hex"]
    else:
        for idx, value in vector["statuses"].items():
            sl.set(int(idx), value)
    assert sl.to_json() == {"bits": vector["bits"], "lst": vector["lst"]}


@pytest.mark.parametrize("vector", VECTORS["encodings"], ids=_ids)
def test_spec_vector_decodes_to_the_listed_statuses(vector: dict[str, Any]) -> None:
    sl = StatusList.from_json({"bits": vector["bits"], "lst": vector["lst"]})
    assert len(sl) == vector["size"]
    if vector["statuses"]:
        expected = {int(k): v for k, v in vector["statuses"].items()}
        for idx, value in expected.items():
            assert sl.get(idx) == value
        # every entry not listed is VALID: rebuild from the listing and compare all bytes
        rebuilt = StatusList(vector["size"], bits=vector["bits"])
        for idx, value in expected.items():
            rebuilt.set(idx, value)
        assert sl.to_bytes() == rebuilt.to_bytes()


def test_one_bit_example_bit_order_is_least_significant_first() -> None:
    # §Compressed Byte Array: status[0]=1, status[3]=1, ... gives 0xB9 0xA3.
    sl = StatusList(16, bits=1)
    for i in (0, 3, 4, 5, 7, 8, 9, 13, 15):
        sl.set(i, 1)
    assert sl.to_bytes() == bytes([0xB9, 0xA3])
    assert sl.compress().hex() == "78dadbb918000217015d"


def test_two_bit_example_matches_the_spec_figure() -> None:
    values = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
    sl = StatusList(12, bits=2)
    for i, v in enumerate(values):
        sl.set(i, v)
    assert sl.to_bytes() == bytes([0xC9, 0x44, 0xF9])
    assert sl.compress().hex() == "78da3be9f2130003df0207"


def test_spec_status_list_jwt_payload_decodes() -> None:
    header, payload = decode_compact_unverified(VECTORS["status_list_jwt_raw"])
    assert header["typ"] == "statuslist+jwt"
    claims = json.loads(payload)
    sl = StatusList.from_json(claims["status_list"])
    assert [sl.get(i) for i in range(16)] == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]


@pytest.mark.parametrize("bits", [0, 3, 5, 16, True, "1", None])
def test_bits_other_than_1_2_4_8_are_rejected(bits: object) -> None:
    with pytest.raises(MalformedStatusList):
        StatusList.from_json({"bits": bits, "lst": "eNrbuRgAAhcBXQ"})


def test_index_out_of_bounds_is_rejected() -> None:
    sl = StatusList.from_json({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})
    for idx in (16, -1, 2**64):
        with pytest.raises(StatusIndexOutOfRange) as exc:
            sl.get(idx)
        assert exc.value.code == "RANGE_ERROR"


def test_status_value_wider_than_bits_is_rejected() -> None:
    sl = StatusList(8, bits=2)
    with pytest.raises(Exception, match="does not fit"):
        sl.set(0, 4)


def test_zlib_bomb_is_refused_quickly() -> None:
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)  # 64 MiB of zeros in ~64 KB
    start = time.monotonic()
    with pytest.raises(StatusListTooLarge):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(bomb)})
    assert time.monotonic() - start < 1.0


def test_configured_expansion_cap_applies() -> None:
    sl = StatusList(1024 * 8, bits=1)
    with pytest.raises(StatusListTooLarge):
        StatusList.from_json(sl.to_json(), max_bytes=1023)
    assert len(StatusList.from_json(sl.to_json(), max_bytes=1024)) == 8192


@pytest.mark.parametrize(
    "compressed",
    [
        b64url_decode("eLsADQAHYwQjAAAsAA0"),  # preset dictionary (FDICT)
        zlib.compress(bytes(64), 9)[:-4],  # Adler-32 removed
        zlib.compress(bytes(64), 9) + b"junk",  # trailing garbage
        b"",  # empty stream
        b"\x00\x01\x02\x03",  # not zlib
    ],
    ids=["fdict", "no-checksum", "trailing", "empty", "garbage"],
)
def test_malformed_compressed_stream_is_rejected(compressed: bytes) -> None:
    with pytest.raises(MalformedStatusList):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(compressed)})


@pytest.mark.parametrize("level", [1, 6, 9])
def test_every_zlib_level_is_accepted(level: int) -> None:
    raw = bytes([0xB9, 0xA3])
    sl = StatusList.from_json({"bits": 1, "lst": b64url_encode(zlib.compress(raw, level))})
    assert sl.to_bytes() == raw


@settings(max_examples=60, deadline=None)
@given(
    bits=st.sampled_from([1, 2, 4, 8]),
    size=st.integers(min_value=1, max_value=4096),
    data=st.data(),
)
def test_round_trip_preserves_every_status(bits: int, size: int, data: st.DataObject) -> None:
    sl = StatusList(size, bits=bits)
    writes = data.draw(
        st.dictionaries(st.integers(0, size - 1), st.integers(0, (1 << bits) - 1), max_size=64)
    )
    for idx, value in writes.items():
        sl.set(idx, value)
    back = StatusList.from_json(sl.to_json())
    for idx, value in writes.items():
        assert back.get(idx) == value
    assert back.to_bytes() == sl.to_bytes()


# --- tokens ---------------------------------------------------------------------------------


def _signed(sl: StatusList, signer: SoftwareSigner, **kw: Any) -> str:
    kw.setdefault("uri", URI)
    kw.setdefault("now", NOW)
    kw.setdefault("exp", NOW + 3600)
    kw.setdefault("ttl", 43200)
    return asyncio.run(sign_status_list_token(sl, signer=signer, **kw))


@pytest.fixture(scope="module")
def signer() -> SoftwareSigner:
    return SoftwareSigner(generate_private_key("ES256"), key_id="status-1")


def test_signed_token_verifies_and_has_the_required_claims(signer: SoftwareSigner) -> None:
    sl = StatusList(1 << 17, bits=2)
    sl.set(7, StatusType.SUSPENDED)
    token = _signed(sl, signer, iss="https://issuer.example")
    header, payload = decode_compact_unverified(token)
    assert header == {"alg": "ES256", "kid": "status-1", "typ": "statuslist+jwt"}
    claims = json.loads(payload)
    assert {"sub", "iat", "exp", "ttl", "status_list", "iss"} <= set(claims)
    verified = verify_status_list_token(
        token, signer.private_key.public_key(), now=NOW + 10, expected_uri=URI
    )
    assert verified.sub == URI and verified.ttl == 43200 and verified.exp == NOW + 3600
    assert verified.status(7) == StatusType.SUSPENDED
    assert verified.status(8) == StatusType.VALID


def test_token_for_another_list_uri_is_rejected(signer: SoftwareSigner) -> None:
    token = _signed(StatusList(16), signer, uri="https://issuer.example/statuslists/2")
    with pytest.raises(StatusVerificationError):
        verify_status_list_token(token, signer.private_key.public_key(), now=NOW, expected_uri=URI)


def test_expired_token_is_rejected(signer: SoftwareSigner) -> None:
    token = _signed(StatusList(16), signer, exp=NOW - 3600)
    with pytest.raises(StatusVerificationError):
        verify_status_list_token(token, signer.private_key.public_key(), now=NOW)


def test_token_with_other_typ_is_rejected(signer: SoftwareSigner) -> None:
    claims = {"sub": URI, "iat": NOW, "status_list": StatusList(16).to_json()}
    token = sign_compact_sync({"typ": "JWT"}, claims, signer)
    with pytest.raises(Exception) as exc:
        verify_status_list_token(token, signer.private_key.public_key(), now=NOW)
    assert exc.value.code in {"STATUS_VERIFICATION_ERROR", "invalid_typ", "invalid_input"}


def test_token_signed_by_another_key_is_rejected(signer: SoftwareSigner) -> None:
    token = _signed(StatusList(16), signer)
    other = generate_private_key("ES256").public_key()
    with pytest.raises(Exception) as exc:
        verify_status_list_token(token, other, now=NOW)
    assert exc.value.code == "invalid_signature"


@pytest.mark.parametrize("ttl", [0, -5, "60", 1.5])
def test_token_with_non_positive_ttl_is_rejected(signer: SoftwareSigner, ttl: object) -> None:
    claims = {"sub": URI, "iat": NOW, "ttl": ttl, "status_list": StatusList(16).to_json()}
    token = sign_compact_sync({"typ": "statuslist+jwt"}, claims, signer)
    with pytest.raises(StatusVerificationError):
        verify_status_list_token(token, signer.private_key.public_key(), now=NOW)


def test_token_without_iat_is_rejected(signer: SoftwareSigner) -> None:
    claims = {"sub": URI, "status_list": StatusList(16).to_json()}
    token = sign_compact_sync({"typ": "statuslist+jwt"}, claims, signer)
    with pytest.raises(StatusVerificationError):
        verify_status_list_token(token, signer.private_key.public_key(), now=NOW)


def test_referenced_token_status_is_looked_up(signer: SoftwareSigner) -> None:
    sl = StatusList(1 << 10, bits=1)
    sl.set(0, StatusType.INVALID)
    verified = verify_status_list_token(
        _signed(sl, signer), signer.private_key.public_key(), now=NOW
    )
    revoked = {"status": {"status_list": {"idx": 0, "uri": URI}}}
    fine = {"status": {"status_list": {"idx": 1, "uri": URI}}}
    assert check_referenced_token_status(revoked, verified) == StatusType.INVALID
    assert check_referenced_token_status(fine, verified) == StatusType.VALID
    with pytest.raises(StatusIndexOutOfRange):
        check_referenced_token_status(
            {"status": {"status_list": {"idx": 1 << 10, "uri": URI}}}, verified
        )
    with pytest.raises(StatusVerificationError):
        check_referenced_token_status(
            {"status": {"status_list": {"idx": 0, "uri": URI + "x"}}}, verified
        )


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"status": {}},
        {"status": {"status_list": {"uri": URI}}},
        {"status": {"status_list": {"idx": -1, "uri": URI}}},
        {"status": {"status_list": {"idx": "0", "uri": URI}}},
        {"status": {"status_list": {"idx": True, "uri": URI}}},
        {"status": {"status_list": {"idx": 0}}},
        {"status": {"status_list": {"idx": 0, "uri": 5}}},
    ],
)
def test_malformed_status_reference_is_rejected(claims: dict[str, Any]) -> None:
    with pytest.raises(MalformedStatusList):
        status_list_reference(claims)


def test_spec_referenced_token_reference_parses() -> None:
    ref = status_list_reference(
        {"status": {"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}}
    )
    assert (ref.idx, ref.uri) == (0, "https://example.com/statuslists/1")
    assert ref.to_json() == {"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}


def test_oversized_lst_string_is_refused_before_decoding() -> None:
    with pytest.raises(StatusListTooLarge):
        StatusList.from_json({"bits": 1, "lst": "A" * (30 * 1024 * 1024)})


@pytest.mark.parametrize(
    "ttl,exp,expected",
    [
        (43200, NOW + 3600, 3600),  # never beyond exp
        (1, NOW + 3600, 60),  # clamped up to the minimum
        (10 * 365 * 86400, None, 86400),  # clamped down to the maximum
        (None, None, 86400),
        (300, NOW - 1, 0),  # expired: no cache life
    ],
)
def test_cache_ttl_is_clamped_and_bounded_by_exp(
    ttl: int | None, exp: int | None, expected: int
) -> None:
    token = StatusListToken(
        header={}, claims={}, status_list=StatusList(8), sub=URI, iat=NOW, exp=exp, ttl=ttl
    )
    assert cache_ttl(token, now=NOW) == expected
