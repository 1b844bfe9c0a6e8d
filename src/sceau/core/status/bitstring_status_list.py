"""W3C Bitstring Status List v1.0: bitstrings, entries, list credentials, the validate algorithm.

Spec: ``shared/specs/vc-bitstring-status-list-1.0.md``. Index 0 is the left-most bit, i.e. the most
significant bit of byte 0 (§2.2 ``encodedList``, §7.1); an entry of ``statusSize`` bits occupies
positions ``index*size .. index*size+size-1`` read left to right (§3.2 step 10).

>>> bsl = BitstringStatusList(131_072)
>>> bsl.set(94567, 1)
>>> BitstringStatusList.decode(bsl.encode()).get(94567)
1
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sceau.core.encoding import b64url_decode, b64url_encode
from sceau.core.errors import InvalidInput
from sceau.core.status._compression import (
    DEFAULT_MAX_COMPRESSED_BYTES,
    DEFAULT_MAX_EXPANDED_BYTES,
    deflate_gzip,
    inflate_gzip,
)
from sceau.core.status.errors import (
    MalformedStatusList,
    StatusIndexOutOfRange,
    StatusListLengthError,
    StatusListTooLarge,
    StatusVerificationError,
)

__all__ = [
    "MIN_ENTRIES",
    "BitstringStatusList",
    "BitstringStatusListEntry",
    "StatusResult",
    "build_status_list_credential",
    "parse_status_list_entries",
    "parse_status_list_entry",
    "validate_status",
]

MIN_ENTRIES = 131_072  # §3.2 step 2 (16 KB of one-bit entries, §2.2 and §6.1)
MIN_BITS = 16 * 1024 * 8  # §3.3 step 1: "minimum size of 16KB"
MAX_STATUS_SIZE = 8  # statusMessage grows as 2**size; cap it (message arrays are in every VC)
MAX_INDEX_DIGITS = 12
MAX_ENTRIES_PER_CREDENTIAL = 16
PURPOSES = ("refresh", "revocation", "suspension", "message")  # §2.1 statusPurpose
ENTRY_TYPE = "BitstringStatusListEntry"
CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
_INDEX = re.compile(r"0|[1-9][0-9]*")  # "arbitrary size integer >= 0, expressed in base 10"
_HEX_STATUS = re.compile(r"0x[0-9a-fA-F]+")


class BitstringStatusList:
    """A mutable bitstring of ``length`` bits holding entries of ``status_size`` bits."""

    __slots__ = ("_data", "status_size")

    def __init__(self, entries: int = MIN_ENTRIES, status_size: int = 1) -> None:
        self.status_size = _check_size(status_size)
        if type(entries) is not int or entries <= 0:
            raise InvalidInput("entries must be a positive integer")
        nbits = max(entries * self.status_size, MIN_BITS)
        self._data = bytearray(-(-nbits // 8))

    @classmethod
    def from_bytes(cls, data: bytes | bytearray, status_size: int = 1) -> BitstringStatusList:
        obj = cls.__new__(cls)
        obj.status_size = _check_size(status_size)
        obj._data = bytearray(data)
        return obj

    @property
    def bit_length(self) -> int:
        return len(self._data) * 8

    def __len__(self) -> int:
        """Number of whole entries the bitstring holds."""
        return self.bit_length // self.status_size

    def _first_bit(self, index: int) -> int:
        if type(index) is not int or index < 0 or (index + 1) * self.status_size > self.bit_length:
            raise StatusIndexOutOfRange("statusListIndex is outside the bitstring")
        return index * self.status_size

    def get(self, index: int) -> int:
        """Status value at ``index``; outside the bitstring raises RANGE_ERROR (§3.2 step 10)."""
        pos = self._first_bit(index)
        if self.status_size == 1:
            return (self._data[pos >> 3] >> (7 - (pos & 7))) & 1
        value = 0
        for p in range(pos, pos + self.status_size):
            value = (value << 1) | ((self._data[p >> 3] >> (7 - (p & 7))) & 1)
        return value

    def set(self, index: int, status: int) -> None:
        if type(status) is not int or not 0 <= status < (1 << self.status_size):
            raise InvalidInput("status value does not fit in statusSize bits")
        pos = self._first_bit(index)
        for i in range(self.status_size):
            p = pos + i
            bit = (status >> (self.status_size - 1 - i)) & 1
            mask = 1 << (7 - (p & 7))
            if bit:
                self._data[p >> 3] |= mask
            else:
                self._data[p >> 3] &= ~mask & 0xFF

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def encode(self) -> str:
        """``encodedList``: multibase ``u`` + base64url(GZIP(bitstring)) (§3.3 step 3)."""
        return "u" + b64url_encode(deflate_gzip(bytes(self._data)))

    @classmethod
    def decode(
        cls,
        encoded_list: object,
        status_size: int = 1,
        *,
        max_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
    ) -> BitstringStatusList:
        """Bitstring Expansion Algorithm (§3.4) with an output cap against bombs."""
        if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
            raise MalformedStatusList("encodedList must be multibase base64url ('u' prefix)")
        if len(encoded_list) > DEFAULT_MAX_COMPRESSED_BYTES * 4 // 3 + 8:
            raise StatusListTooLarge("encodedList is too long")
        key = (encoded_list, max_bytes)
        expanded = _EXPANDED.get(key)
        if expanded is None:
            try:
                compressed = b64url_decode(encoded_list[1:])
            except InvalidInput as exc:
                raise MalformedStatusList("encodedList is not base64url") from exc
            expanded = inflate_gzip(compressed, max_out=max_bytes)
            if len(expanded) <= _EXPANDED_MAX_BYTES:
                if len(_EXPANDED) >= _EXPANDED_MAX:
                    _EXPANDED.clear()
                _EXPANDED[key] = expanded
        return cls.from_bytes(expanded, status_size)  # a copy: the memo is never written to


# Expanded lists by encodedList: a verifier checks many credentials against the same cached list
# (two entries per W3C credential), and inflating 16 KiB each time was most of a status check.
# A pure function of the string, so memoised; bounded (32 lists of at most 256 KiB, i.e. up to
# 2 Mi one-bit entries each), cleared when full; larger lists are inflated every time.
_EXPANDED: dict[tuple[str, int], bytes] = {}
_EXPANDED_MAX: Final = 32
_EXPANDED_MAX_BYTES: Final = 256 * 1024


def _check_size(size: object) -> int:
    if type(size) is not int or not 1 <= size <= MAX_STATUS_SIZE:
        raise MalformedStatusList(f"statusSize must be an integer from 1 to {MAX_STATUS_SIZE}")
    return size


@dataclass(frozen=True)
class BitstringStatusListEntry:
    """A ``credentialStatus`` entry of type ``BitstringStatusListEntry`` (§2.1)."""

    status_purpose: str
    status_list_index: int
    status_list_credential: str
    status_size: int = 1
    status_message: tuple[tuple[str, str], ...] = ()  # (status "0x..", message)
    id: str | None = None
    status_reference: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out.update(
            {
                "type": ENTRY_TYPE,
                "statusPurpose": self.status_purpose,
                "statusListIndex": str(self.status_list_index),
                "statusListCredential": self.status_list_credential,
            }
        )
        if self.status_size != 1:
            out["statusSize"] = self.status_size
        if self.status_message:
            out["statusMessage"] = [{"status": s, "message": m} for s, m in self.status_message]
        if self.status_reference:
            refs = list(self.status_reference)
            out["statusReference"] = refs[0] if len(refs) == 1 else refs
        return out


def _url(value: object, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 2048 or ":" not in value:
        raise MalformedStatusList(f"{name} must be a URL")
    return value


def _status_messages(value: object, size: int) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or len(value) != 1 << size:
        raise MalformedStatusList("statusMessage must list one message per possible status value")
    out: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, Mapping):
            raise MalformedStatusList("statusMessage items must be objects")
        status, message = item.get("status"), item.get("message")
        if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status):
            raise MalformedStatusList("statusMessage status must be a 0x-prefixed hex string")
        if not isinstance(message, str):
            raise MalformedStatusList("statusMessage message must be a string")
        out.append((status, message))
    return tuple(out)


def parse_status_list_entry(obj: object) -> BitstringStatusListEntry:
    """Validate one ``credentialStatus`` entry against §2.1 (MALFORMED_VALUE_ERROR otherwise)."""
    if not isinstance(obj, Mapping):
        raise MalformedStatusList("credentialStatus entry must be an object")
    if obj.get("type") != ENTRY_TYPE:
        raise MalformedStatusList("credentialStatus type must be BitstringStatusListEntry")
    purpose = obj.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise MalformedStatusList("statusPurpose must be a string")
    index = obj.get("statusListIndex")
    if not isinstance(index, str) or len(index) > MAX_INDEX_DIGITS or not _INDEX.fullmatch(index):
        raise MalformedStatusList("statusListIndex must be a base-10 integer string")
    slc = _url(obj.get("statusListCredential"), "statusListCredential")
    size = _check_size(obj.get("statusSize", 1))
    messages: tuple[tuple[str, str], ...] = ()
    if "statusMessage" in obj or size > 1:  # MUST be present when statusSize > 1
        messages = _status_messages(obj.get("statusMessage"), size)
    entry_id = obj.get("id")
    if entry_id is not None:
        entry_id = _url(entry_id, "id")
        if entry_id == slc:  # "It MUST NOT be the URL for the status list."
            raise MalformedStatusList("entry id must not be the status list URL")
    refs_raw = obj.get("statusReference")
    refs: tuple[str, ...] = ()
    if refs_raw is not None:
        items = refs_raw if isinstance(refs_raw, list) else [refs_raw]
        refs = tuple(_url(r, "statusReference") for r in items)
    return BitstringStatusListEntry(
        status_purpose=purpose,
        status_list_index=int(index),
        status_list_credential=slc,
        status_size=size,
        status_message=messages,
        id=entry_id,
        status_reference=refs,
    )


def parse_status_list_entries(credential: Mapping[str, Any]) -> list[BitstringStatusListEntry]:
    """All ``BitstringStatusListEntry`` items of a credential's ``credentialStatus``."""
    raw = credential.get("credentialStatus")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_ENTRIES_PER_CREDENTIAL:
        raise MalformedStatusList("too many credentialStatus entries")
    return [
        parse_status_list_entry(i)
        for i in items
        if isinstance(i, Mapping) and i.get("type") == ENTRY_TYPE
    ]


def build_status_list_credential(
    bitstring: BitstringStatusList,
    *,
    id: str,
    issuer: str | Mapping[str, Any],
    status_purpose: str | Sequence[str],
    valid_from: str | None = None,
    valid_until: str | None = None,
    ttl_ms: int | None = None,
    status_messages: Sequence[Mapping[str, str]] | None = None,
    subject_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (§2.2, Generate Algorithm §3.1 steps 2–4).

    Securing it (Data Integrity or VC-JOSE) is the caller's next step (§3.1 step 5).
    """
    purposes = [status_purpose] if isinstance(status_purpose, str) else list(status_purpose)
    if not purposes or not all(isinstance(p, str) and p for p in purposes):
        raise InvalidInput("status_purpose must be one or more strings")
    if "message" in purposes and bitstring.status_size == 1 and not status_messages:
        raise InvalidInput("message purpose needs statusMessages")
    subject: dict[str, Any] = {
        "id": subject_id or f"{id}#list",
        "type": LIST_TYPE,
        "statusPurpose": purposes[0] if len(purposes) == 1 else purposes,
        "encodedList": bitstring.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    if "message" in purposes or bitstring.status_size > 1:
        # §2.2: statusSize MUST be given with the message purpose.
        subject["statusSize"] = bitstring.status_size
        if status_messages:
            subject["statusMessages"] = [dict(m) for m in status_messages]
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
    }
    if valid_from is not None:
        doc["validFrom"] = valid_from
    if valid_until is not None:
        doc["validUntil"] = valid_until
    doc["credentialSubject"] = subject
    return doc


@dataclass(frozen=True)
class StatusResult:
    """The result map of §3.2 steps 11–15."""

    status: int
    purpose: str
    valid: bool
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _types(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise MalformedStatusList("type must be a string or an array of strings")


def validate_status(
    entry: BitstringStatusListEntry | Mapping[str, Any],
    status_list_credential: Mapping[str, Any],
    *,
    minimum_entries: int = MIN_ENTRIES,
    max_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
) -> StatusResult:
    """The Validate Algorithm (§3.2 steps 3, 5–15) on an already-verified list credential.

    Dereferencing and proof verification (step 4) belong to the caller, which must raise
    STATUS_RETRIEVAL_ERROR / STATUS_VERIFICATION_ERROR itself. The status list issuer may differ
    from the credential issuer (§2.2); trusting it is the caller's policy.
    """
    if not isinstance(entry, BitstringStatusListEntry):
        entry = parse_status_list_entry(entry)
    if CREDENTIAL_TYPE not in _types(status_list_credential.get("type")):
        raise StatusVerificationError("not a BitstringStatusListCredential")
    cred_id = status_list_credential.get("id")
    if cred_id is not None and cred_id != entry.status_list_credential:
        raise StatusVerificationError("status list credential id does not match the entry")
    subject = status_list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise MalformedStatusList("credentialSubject must be an object")
    if subject.get("type") != LIST_TYPE:
        raise MalformedStatusList("credentialSubject type must be BitstringStatusList")
    purposes = subject.get("statusPurpose")
    purpose_list = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purpose_list, list) or not all(isinstance(p, str) for p in purpose_list):
        raise MalformedStatusList("statusPurpose must be one or more strings")
    if entry.status_purpose not in purpose_list:  # step 5
        raise StatusVerificationError("statusPurpose does not match the status list")
    list_size = subject.get("statusSize", entry.status_size)
    if list_size != entry.status_size:
        raise StatusVerificationError("statusSize of the entry and the list differ")
    bitstring = BitstringStatusList.decode(
        subject.get("encodedList"), entry.status_size, max_bytes=max_bytes
    )  # steps 6 and 8
    if bitstring.bit_length // entry.status_size < minimum_entries:  # step 9
        raise StatusListLengthError("status list is shorter than the minimum number of entries")
    status = bitstring.get(entry.status_list_index)  # step 10 (RANGE_ERROR)
    message: str | None = None
    if entry.status_purpose == "message":  # step 14
        message = _message_for(status, entry, subject)
    return StatusResult(
        status=status, purpose=entry.status_purpose, valid=status == 0, message=message
    )


def _message_for(
    status: int, entry: BitstringStatusListEntry, subject: Mapping[str, Any]
) -> str | None:
    candidates: list[tuple[str, str]] = list(entry.status_message)
    raw = subject.get("statusMessages")
    if not candidates and isinstance(raw, list):
        candidates = [
            (m["status"], m["message"])
            for m in raw
            if isinstance(m, Mapping)
            and isinstance(m.get("status"), str)
            and _HEX_STATUS.fullmatch(m["status"])
            and isinstance(m.get("message"), str)
        ]
    for code, msg in candidates:
        if int(code, 16) == status:
            return msg
    return None
