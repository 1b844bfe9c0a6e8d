"""W3C Bitstring Status List: spec examples, bit order, validate algorithm, bombs."""

from __future__ import annotations

import copy
import gzip
import json
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.core.encoding import b64url_decode, b64url_encode
from sceau.core.status.bitstring_status_list import (
    MIN_ENTRIES,
    BitstringStatusList,
    build_status_list_credential,
    parse_status_list_entries,
    parse_status_list_entry,
    validate_status,
)
from sceau.core.status.errors import (
    MalformedStatusList,
    StatusIndexOutOfRange,
    StatusListLengthError,
    StatusListTooLarge,
    StatusVerificationError,
)

DATA = Path(__file__).resolve().parents[3] / "data" / "status"
EXAMPLES: dict[str, Any] = json.loads((DATA / "bitstring_status_list_examples.json").read_text())
LIST_URL = "https://example.com/credentials/status/3"


def _entry(index: int, purpose: str = "revocation", **extra: Any) -> dict[str, Any]:
    return {
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
        **extra,
    }


def _list_credential(bsl: BitstringStatusList, purpose: str | list[str] = "revocation") -> Any:
    return build_status_list_credential(
        bsl, id=LIST_URL, issuer="did:example:12345", status_purpose=purpose
    )


def test_spec_example_encoded_list_is_reproduced_byte_for_byte() -> None:
    example = EXAMPLES["example3_status_list_credential"]
    built = build_status_list_credential(
        BitstringStatusList(MIN_ENTRIES),
        id=example["id"],
        issuer=example["issuer"],
        status_purpose="revocation",
        valid_from=example["validFrom"],
        subject_id=example["credentialSubject"]["id"],
    )
    assert built == example


def test_spec_example_list_is_16kb_of_valid_entries() -> None:
    example = EXAMPLES["example3_status_list_credential"]
    bsl = BitstringStatusList.decode(example["credentialSubject"]["encodedList"])
    assert len(bsl) == MIN_ENTRIES
    assert bsl.to_bytes() == bytes(16384)


def test_spec_example_entries_validate_against_the_example_list() -> None:
    cred = EXAMPLES["example1_credential"]
    entries = parse_status_list_entries(cred)
    assert [(e.status_purpose, e.status_list_index) for e in entries] == [
        ("revocation", 94567),
        ("suspension", 23452),
    ]
    result = validate_status(entries[0], EXAMPLES["example3_status_list_credential"])
    assert (result.status, result.purpose, result.valid) == (0, "revocation", True)


def test_spec_example_message_entry_parses() -> None:
    entry = parse_status_list_entry(EXAMPLES["example2_entry"])
    assert entry.status_size == 2 and len(entry.status_message) == 4
    assert entry.to_json() == EXAMPLES["example2_entry"]


def test_index_zero_is_the_left_most_bit() -> None:
    # §2.2 / §7.1: index 0 is the most significant bit of the first byte.
    bsl = BitstringStatusList(MIN_ENTRIES)
    bsl.set(0, 1)
    bsl.set(MIN_ENTRIES - 1, 1)
    raw = bsl.to_bytes()
    assert raw[0] == 0x80 and raw[-1] == 0x01 and sum(raw) == 0x81
    back = BitstringStatusList.decode(bsl.encode())
    assert back.get(0) == 1 and back.get(MIN_ENTRIES - 1) == 1 and back.get(1) == 0


def test_multi_bit_status_is_read_left_to_right() -> None:
    bsl = BitstringStatusList(MIN_ENTRIES, status_size=2)
    bsl.set(1, 0b10)
    assert bsl.to_bytes()[0] == 0b0010_0000
    assert bsl.get(1) == 2 and bsl.get(0) == 0


def test_revoked_entry_is_not_valid() -> None:
    bsl = BitstringStatusList()
    bsl.set(94567, 1)
    result = validate_status(_entry(94567), _list_credential(bsl))
    assert (result.status, result.valid) == (1, False)
    assert validate_status(_entry(94566), _list_credential(bsl)).valid


def test_purpose_mismatch_is_a_status_verification_error() -> None:
    with pytest.raises(StatusVerificationError) as exc:
        validate_status(
            _entry(1, "revocation"), _list_credential(BitstringStatusList(), "suspension")
        )
    assert exc.value.code == "STATUS_VERIFICATION_ERROR"


def test_list_with_several_purposes_accepts_each() -> None:
    cred = _list_credential(BitstringStatusList(), ["revocation", "suspension"])
    assert validate_status(_entry(5, "suspension"), cred).valid


def test_short_list_is_a_length_error() -> None:
    short = BitstringStatusList.from_bytes(bytes(100_000 // 8))
    cred = _list_credential(BitstringStatusList())
    cred["credentialSubject"]["encodedList"] = short.encode()
    with pytest.raises(StatusListLengthError) as exc:
        validate_status(_entry(1), cred)
    assert exc.value.code == "STATUS_LIST_LENGTH_ERROR"


def test_index_beyond_list_is_a_range_error() -> None:
    cred = _list_credential(BitstringStatusList())
    with pytest.raises(StatusIndexOutOfRange) as exc:
        validate_status(_entry(MIN_ENTRIES), cred)
    assert exc.value.code == "RANGE_ERROR"


@pytest.mark.parametrize(
    "index", ["-1", "1e3", "0x10", "01", " 1", "", 5, "18446744073709551616000"]
)
def test_malformed_status_list_index_is_rejected(index: object) -> None:
    entry = _entry(0)
    entry["statusListIndex"] = index
    with pytest.raises(MalformedStatusList) as exc:
        parse_status_list_entry(entry)
    assert exc.value.code == "MALFORMED_VALUE_ERROR"


@pytest.mark.parametrize(
    "change",
    [
        {"type": "StatusList2021Entry"},
        {"statusPurpose": 3},
        {"statusSize": 0},
        {"statusSize": 2},  # statusMessage missing
        {"statusSize": 1, "statusMessage": [{"status": "0x0", "message": "a"}]},
        {"statusListCredential": "not a url"},
        {"id": LIST_URL},  # MUST NOT be the list URL
    ],
)
def test_malformed_entry_is_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(MalformedStatusList):
        parse_status_list_entry({**_entry(1), **change})


def test_message_purpose_returns_the_message() -> None:
    bsl = BitstringStatusList(4 * MIN_ENTRIES, status_size=2)
    bsl.set(492847, 2)
    messages = EXAMPLES["example2_entry"]["statusMessage"]
    cred = build_status_list_credential(
        bsl,
        id="https://example.com/credentials/status/8",
        issuer="did:example:12345",
        status_purpose="message",
        status_messages=messages,
    )
    result = validate_status(EXAMPLES["example2_entry"], cred)
    assert (result.status, result.valid, result.message) == (2, False, "rejected")


def test_status_size_mismatch_between_entry_and_list_is_rejected() -> None:
    bsl = BitstringStatusList(MIN_ENTRIES, status_size=2)
    cred = _list_credential(bsl, "message")
    cred["credentialSubject"]["statusSize"] = 2
    with pytest.raises(StatusVerificationError):
        validate_status(_entry(1, "message"), cred)


def test_wrong_list_credential_type_is_rejected() -> None:
    cred = copy.deepcopy(EXAMPLES["example3_status_list_credential"])
    cred["type"] = ["VerifiableCredential"]
    with pytest.raises(StatusVerificationError):
        validate_status(_entry(1), cred)


def test_gzip_bomb_is_refused_within_a_second() -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024), 9)  # 64 MiB of zeros, ~64 KB compressed
    start = time.monotonic()
    with pytest.raises(StatusListTooLarge):
        BitstringStatusList.decode("u" + b64url_encode(bomb))
    assert time.monotonic() - start < 1.0


def test_many_gzip_members_are_refused() -> None:
    member = gzip.compress(bytes(16), 9)
    with pytest.raises(MalformedStatusList):
        BitstringStatusList.decode("u" + b64url_encode(member * 1000))


@pytest.mark.parametrize(
    "encoded",
    [
        "z" + b64url_encode(gzip.compress(bytes(16384))),  # wrong multibase prefix
        "u" + b64url_encode(gzip.compress(bytes(16384)))[:-6],  # truncated trailer
        "u" + b64url_encode(zlib.compress(bytes(16384))),  # zlib, not gzip
        "u" + b64url_encode(gzip.compress(bytes(16384)) + b"\x00junk"),  # trailing garbage
        "uAAAA",
        "u!!",
        "u",
    ],
    ids=["wrong-prefix", "truncated", "zlib", "trailing-garbage", "short", "bad-alphabet", "empty"],
)
def test_malformed_encoded_list_is_rejected(encoded: str) -> None:
    with pytest.raises(MalformedStatusList):
        BitstringStatusList.decode(encoded)


@pytest.mark.parametrize("level", [1, 6, 9])
@pytest.mark.parametrize("filename", [None, "list.bin"])
def test_every_valid_gzip_encoding_decodes_identically(level: int, filename: str | None) -> None:
    bsl = BitstringStatusList()
    bsl.set(42, 1)
    import io

    buf = io.BytesIO()
    with gzip.GzipFile(filename=filename or "", mode="wb", fileobj=buf, compresslevel=level) as f:
        f.write(bsl.to_bytes())
    back = BitstringStatusList.decode("u" + b64url_encode(buf.getvalue()))
    assert back.to_bytes() == bsl.to_bytes()


def test_encoded_list_decodes_with_stdlib_gzip() -> None:
    bsl = BitstringStatusList()
    bsl.set(7, 1)
    assert gzip.decompress(b64url_decode(bsl.encode()[1:])) == bsl.to_bytes()


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(1, 4),
    writes=st.dictionaries(st.integers(0, MIN_ENTRIES // 4 - 1), st.integers(0, 15), max_size=40),
)
def test_round_trip_preserves_every_status(size: int, writes: dict[int, int]) -> None:
    bsl = BitstringStatusList(MIN_ENTRIES, status_size=size)
    mask = (1 << size) - 1
    for idx, value in writes.items():
        bsl.set(idx, value & mask)
    back = BitstringStatusList.decode(bsl.encode(), size)
    for idx, value in writes.items():
        assert back.get(idx) == value & mask


def test_oversized_encoded_list_string_is_refused_before_decoding() -> None:
    with pytest.raises(StatusListTooLarge):
        BitstringStatusList.decode("u" + "A" * (30 * 1024 * 1024))
