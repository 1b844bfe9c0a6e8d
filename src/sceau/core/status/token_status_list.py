"""IETF Token Status List (draft-ietf-oauth-status-list): lists, tokens and references.

Spec: ``shared/specs/token-status-list.md``. Section names below are that draft's.

>>> sl = StatusList(16, bits=1)
>>> sl.set(0, StatusType.INVALID)
>>> StatusList.from_json(sl.to_json()).get(0)
1
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sceau.core.encoding import b64url_decode, b64url_encode
from sceau.core.errors import InvalidInput
from sceau.core.jose import Signer, sign_compact, verify_compact
from sceau.core.status._compression import (
    DEFAULT_MAX_COMPRESSED_BYTES,
    DEFAULT_MAX_EXPANDED_BYTES,
    deflate_zlib,
    inflate_zlib,
)
from sceau.core.status.errors import (
    MalformedStatusList,
    StatusIndexOutOfRange,
    StatusListTooLarge,
    StatusVerificationError,
)

__all__ = [
    "STATUS_LIST_TYP",
    "StatusList",
    "StatusListReference",
    "StatusListToken",
    "StatusType",
    "cache_ttl",
    "check_referenced_token_status",
    "sign_status_list_token",
    "status_list_reference",
    "verify_status_list_token",
]

STATUS_LIST_TYP = "statuslist+jwt"  # §Status List Token in JWT Format: typ MUST be this
ALLOWED_BITS = (1, 2, 4, 8)  # §Compressed Byte Array step 1
DEFAULT_MAX_TOKEN_LENGTH = 8 * 1024 * 1024
MAX_URI_LENGTH = 2048
MAX_ENCODED_CHARS = DEFAULT_MAX_COMPRESSED_BYTES * 4 // 3 + 4  # base64url of the compressed cap


class StatusType(enum.IntEnum):
    """Registered Status Type values (§Status Types Values)."""

    VALID = 0x00
    INVALID = 0x01
    SUSPENDED = 0x02
    APPLICATION_SPECIFIC = 0x03


def _check_bits(bits: object) -> int:
    if type(bits) is not int or bits not in ALLOWED_BITS:
        raise MalformedStatusList("bits must be 1, 2, 4 or 8")
    return bits


class StatusList:
    """A mutable status list: ``bits`` per entry, packed least significant bits first.

    §Compressed Byte Array step 3: "the blocks being packed into bytes from the least significant
    bit ("0") to the most significant bit ("7")". Backed by a ``bytearray``; get/set are O(1).
    """

    __slots__ = ("_data", "bits")

    def __init__(self, size: int, bits: int = 1) -> None:
        self.bits = _check_bits(bits)
        if type(size) is not int or size <= 0:
            raise InvalidInput("status list size must be a positive integer")
        per_byte = 8 // self.bits
        self._data = bytearray(-(-size // per_byte))

    @classmethod
    def from_bytes(cls, data: bytes | bytearray, bits: int = 1) -> StatusList:
        """Wrap an uncompressed byte array."""
        if not data:
            raise MalformedStatusList("status list is empty")
        obj = cls.__new__(cls)
        obj.bits = _check_bits(bits)
        obj._data = bytearray(data)
        return obj

    def __len__(self) -> int:
        return len(self._data) * (8 // self.bits)

    def _locate(self, index: int) -> tuple[int, int]:
        if type(index) is not int or not 0 <= index < len(self):
            raise StatusIndexOutOfRange("status index is out of bounds of the status list")
        per_byte = 8 // self.bits
        return index // per_byte, (index % per_byte) * self.bits

    def get(self, index: int) -> int:
        """Status value at ``index``; out of bounds raises :class:`StatusIndexOutOfRange`."""
        byte, shift = self._locate(index)
        return (self._data[byte] >> shift) & ((1 << self.bits) - 1)

    def set(self, index: int, status: int) -> None:
        """Set the status value at ``index`` (must fit in ``bits``)."""
        if type(status) is not int and not isinstance(status, StatusType):
            raise InvalidInput("status must be an integer")
        mask = (1 << self.bits) - 1
        if not 0 <= status <= mask:
            raise InvalidInput("status value does not fit in the list's bits")
        byte, shift = self._locate(index)
        self._data[byte] = (self._data[byte] & ~(mask << shift) & 0xFF) | (int(status) << shift)

    def to_bytes(self) -> bytes:
        """The uncompressed byte array."""
        return bytes(self._data)

    def compress(self, level: int = 9) -> bytes:
        """ZLIB/DEFLATE at the highest level (§Compressed Byte Array step 4)."""
        return deflate_zlib(bytes(self._data), level)

    def to_json(self, *, aggregation_uri: str | None = None) -> dict[str, Any]:
        """The ``StatusList`` JSON object (§Status List in JSON Format)."""
        out: dict[str, Any] = {"bits": self.bits, "lst": b64url_encode(self.compress())}
        if aggregation_uri is not None:
            out["aggregation_uri"] = aggregation_uri
        return out

    @classmethod
    def decompress(
        cls, compressed: bytes, bits: int, *, max_bytes: int = DEFAULT_MAX_EXPANDED_BYTES
    ) -> StatusList:
        """Inflate a compressed byte array with an output cap (bombs raise StatusListTooLarge)."""
        return cls.from_bytes(inflate_zlib(compressed, max_out=max_bytes), bits)

    @classmethod
    def from_json(cls, obj: object, *, max_bytes: int = DEFAULT_MAX_EXPANDED_BYTES) -> StatusList:
        """Parse and inflate a ``StatusList`` JSON object."""
        if not isinstance(obj, Mapping):
            raise MalformedStatusList("status_list must be a JSON object")
        bits = _check_bits(obj.get("bits"))
        lst = obj.get("lst")
        if not isinstance(lst, str) or not lst:
            raise MalformedStatusList("lst must be a non-empty base64url string")
        if len(lst) > MAX_ENCODED_CHARS:
            raise StatusListTooLarge("lst is too long")
        try:
            compressed = b64url_decode(lst)
        except InvalidInput as exc:
            raise MalformedStatusList("lst is not base64url") from exc
        agg = obj.get("aggregation_uri")
        if agg is not None and not isinstance(agg, str):
            raise MalformedStatusList("aggregation_uri must be a string")
        return cls.decompress(compressed, bits, max_bytes=max_bytes)


@dataclass(frozen=True)
class StatusListReference:
    """``status.status_list`` of a Referenced Token (§Referenced Token in JOSE)."""

    idx: int
    uri: str

    def to_json(self) -> dict[str, Any]:
        return {"status_list": {"idx": self.idx, "uri": self.uri}}


def status_list_reference(claims: Mapping[str, Any]) -> StatusListReference:
    """Extract and validate ``status.status_list`` from Referenced Token claims (§Validation Rules
    step 1)."""
    status = claims.get("status")
    if not isinstance(status, Mapping):
        raise MalformedStatusList("referenced token has no status claim")
    ref = status.get("status_list")
    if not isinstance(ref, Mapping):
        raise MalformedStatusList("status claim has no status_list object")
    idx = ref.get("idx")
    uri = ref.get("uri")
    # bool is an int subclass in Python; JSON true is not an index.
    if type(idx) is not int or idx < 0:
        raise MalformedStatusList("status_list.idx must be a non-negative integer")
    if not isinstance(uri, str) or not uri or len(uri) > MAX_URI_LENGTH or ":" not in uri:
        raise MalformedStatusList("status_list.uri must be a URI")
    return StatusListReference(idx=idx, uri=uri)


@dataclass(frozen=True)
class StatusListToken:
    """A verified ``statuslist+jwt`` token."""

    header: dict[str, Any]
    claims: dict[str, Any]
    status_list: StatusList
    sub: str
    iat: int
    exp: int | None
    ttl: int | None

    def status(self, index: int) -> int:
        return self.status_list.get(index)


def _epoch(now: int | datetime) -> int:
    return int(now.timestamp()) if isinstance(now, datetime) else int(now)


async def sign_status_list_token(
    status_list: StatusList,
    *,
    uri: str,
    signer: Signer,
    now: int | datetime,
    exp: int | datetime | None = None,
    ttl: int | None = None,
    iss: str | None = None,
    aggregation_uri: str | None = None,
    extra_claims: Mapping[str, Any] | None = None,
    header: Mapping[str, Any] | None = None,
) -> str:
    """Build and sign a Status List Token in JWT format (§Status List Token in JWT Format).

    ``uri`` becomes ``sub`` and must equal the ``uri`` in the Referenced Tokens' reference.
    ``header`` adds protected header parameters (e.g. ``x5c``); ``typ`` stays the list's.
    """
    if not isinstance(uri, str) or not uri:
        raise InvalidInput("uri is required")
    if ttl is not None and (type(ttl) is not int or ttl <= 0):
        raise InvalidInput("ttl must be a positive integer")  # "MUST be a positive number"
    claims: dict[str, Any] = dict(extra_claims or {})
    claims.update({"sub": uri, "iat": _epoch(now)})
    if exp is not None:
        claims["exp"] = _epoch(exp)
    if ttl is not None:
        claims["ttl"] = ttl
    if iss is not None:
        claims["iss"] = iss
    claims["status_list"] = status_list.to_json(aggregation_uri=aggregation_uri)
    return await sign_compact({**(header or {}), "typ": STATUS_LIST_TYP}, claims, signer)


def _numeric_date(claims: Mapping[str, Any], name: str, *, required: bool) -> int | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise StatusVerificationError(f"status list token lacks {name}")
        return None
    if type(value) is not int or not 0 <= value < 2**53:
        raise StatusVerificationError(f"status list token {name} is not a valid NumericDate")
    return value


def verify_status_list_token(
    token: str,
    key: Any,
    *,
    now: int | datetime,
    expected_uri: str | None = None,
    algorithms: Collection[str] = ("ES256",),
    leeway: int = 60,
    max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH,
    max_list_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
) -> StatusListToken:
    """Verify a Status List Token and inflate its list (§Validation Rules steps 3–5).

    ``key`` is a public key or a resolver callable, as for :func:`sceau.core.jose.verify_compact`.
    ``expected_uri`` is the Referenced Token's ``status_list.uri``; ``sub`` must equal it.
    """
    verified = verify_compact(
        token, key, algorithms=algorithms, typ=STATUS_LIST_TYP, max_length=max_token_length
    )
    if verified.header.get("typ") != STATUS_LIST_TYP:  # explicit typing, RFC 8725 §3.11
        raise StatusVerificationError("status list token typ must be statuslist+jwt")
    claims = verified.claims
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise StatusVerificationError("status list token lacks sub")
    if expected_uri is not None and sub != expected_uri:
        raise StatusVerificationError("status list token sub does not match the reference uri")
    iat = _numeric_date(claims, "iat", required=True)
    assert iat is not None
    exp = _numeric_date(claims, "exp", required=False)
    t = _epoch(now)
    if exp is not None and exp <= t - leeway:
        raise StatusVerificationError("status list token is expired")
    if iat > t + leeway:
        raise StatusVerificationError("status list token is issued in the future")
    ttl = claims.get("ttl")
    if ttl is not None and (type(ttl) is not int or ttl <= 0):
        raise StatusVerificationError("status list token ttl must be a positive number")
    status_list = StatusList.from_json(claims.get("status_list"), max_bytes=max_list_bytes)
    return StatusListToken(
        header=dict(verified.header),
        claims=dict(claims),
        status_list=status_list,
        sub=sub,
        iat=iat,
        exp=exp,
        ttl=ttl,
    )


def check_referenced_token_status(
    referenced_claims: Mapping[str, Any], token: StatusListToken
) -> int:
    """Status value of a Referenced Token (§Validation Rules steps 1, 4a and 6).

    The caller verified both tokens. Raises when the list is not the one referenced or the index
    is out of bounds; returns the raw status value (compare with :class:`StatusType`).
    """
    ref = status_list_reference(referenced_claims)
    if token.sub != ref.uri:
        raise StatusVerificationError("status list token sub does not match the reference uri")
    return token.status_list.get(ref.idx)


def cache_ttl(
    token: StatusListToken,
    *,
    now: int | datetime,
    min_ttl: int = 60,
    max_ttl: int = 24 * 3600,
) -> int:
    """Seconds a relying party may cache ``token`` (§Expiration and Caching, SECURITY.md L-04).

    Starts from ``ttl`` (or ``max_ttl`` when absent), never beyond ``exp``, clamped to
    ``[min_ttl, max_ttl]`` so that ``ttl: 0`` cannot force a fetch per request and ten years
    cannot pin a stale list. An expired token has no cache life (0).
    """
    t = _epoch(now)
    if token.exp is not None and token.exp <= t:
        return 0
    ttl = token.ttl if token.ttl is not None else max_ttl
    ttl = max(min_ttl, min(ttl, max_ttl))
    if token.exp is not None:
        ttl = min(ttl, token.exp - t)
    return ttl
