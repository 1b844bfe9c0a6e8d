"""Bounded inflate for status lists: never expands beyond a configured cap.

Both formats compress a bit array (TSL: ZLIB/RFC 1950, BSL: GZIP/RFC 1952). A naive
``zlib.decompress`` expands a 1 MB bomb into gigabytes; here the output is capped, the stream must
end cleanly (checksum present) and nothing may follow it.
"""

from __future__ import annotations

import struct
import zlib

from sceau.core.status.errors import MalformedStatusList, StatusListTooLarge

# 16 MiB of bits = 134 million one-bit entries: far above any real list, far below harm.
DEFAULT_MAX_EXPANDED_BYTES = 16 * 1024 * 1024
# Compressed input cap; an all-distinct list of 16 MiB barely compresses, so allow the same.
DEFAULT_MAX_COMPRESSED_BYTES = 16 * 1024 * 1024
# RFC 1952 allows concatenated members; real encoders emit one. Bound the loop.
MAX_GZIP_MEMBERS = 8

_ZLIB_WBITS = 15
_GZIP_WBITS = 31
# Fixed header (no FNAME, mtime 0, OS=unix) as emitted by pako, the encoder behind the BSL spec
# examples; with raw DEFLATE at level 9 the spec's example encodedList is reproduced byte for byte.
_GZIP_HEADER = bytes.fromhex("1f8b0800000000000003")


def _inflate_member(data: bytes, wbits: int, max_out: int, what: str) -> tuple[bytes, bytes]:
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(data, max_out + 1)
    except zlib.error as exc:  # bad header, preset dictionary (FDICT), bad checksum, ...
        raise MalformedStatusList(f"{what} is not a valid compressed stream") from exc
    if len(out) > max_out:
        raise StatusListTooLarge(f"{what} expands beyond {max_out} bytes", limit=max_out)
    if not d.eof:  # truncated stream, or checksum missing
        raise MalformedStatusList(f"{what} compressed stream is truncated")
    return out, d.unused_data


def inflate_zlib(data: bytes, *, max_out: int = DEFAULT_MAX_EXPANDED_BYTES) -> bytes:
    """Inflate one ZLIB stream (RFC 1950); trailing bytes, truncation and FDICT are errors."""
    if len(data) > DEFAULT_MAX_COMPRESSED_BYTES:
        raise StatusListTooLarge("compressed status list too large")
    out, rest = _inflate_member(data, _ZLIB_WBITS, max_out, "status list")
    if rest:
        raise MalformedStatusList("status list has trailing bytes after the compressed stream")
    return out


def inflate_gzip(data: bytes, *, max_out: int = DEFAULT_MAX_EXPANDED_BYTES) -> bytes:
    """Inflate GZIP (RFC 1952), up to :data:`MAX_GZIP_MEMBERS` members, capped in total."""
    if len(data) > DEFAULT_MAX_COMPRESSED_BYTES:
        raise StatusListTooLarge("compressed status list too large")
    parts: list[bytes] = []
    total = 0
    rest = data
    for _ in range(MAX_GZIP_MEMBERS):
        out, rest = _inflate_member(rest, _GZIP_WBITS, max_out - total, "encodedList")
        parts.append(out)
        total += len(out)
        if not rest:
            return b"".join(parts)
    raise MalformedStatusList("encodedList has too many gzip members or trailing bytes")


def deflate_zlib(data: bytes, level: int = 9) -> bytes:
    """ZLIB-compress at the highest level (TSL §4 step 4 recommends it)."""
    return zlib.compress(data, level)


def deflate_gzip(data: bytes, level: int = 9) -> bytes:
    """Deterministic GZIP: fixed header (mtime 0), raw DEFLATE, CRC-32 and size trailer."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return _GZIP_HEADER + body + trailer
