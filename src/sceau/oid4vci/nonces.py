"""Stateless ``c_nonce`` values (OID4VCI §7): minted without a database write, used once.

A nonce is ``b64url(expires_at_ms ‖ 16 random bytes ‖ tag)`` where ``tag`` is the first 16 bytes
of ``HMAC-SHA256(key, "c_nonce|" ‖ tenant ‖ "|" ‖ expires_at_ms ‖ random)``. Any app server
holding the key can check it, so the Nonce Endpoint costs no database round trip; the Credential
Endpoint records each nonce it accepts (until its expiry) in the transaction that issues, which
makes it one-time (Appendix F.1, §13.7 "Proof replay").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from collections.abc import Callable

from sceau.core.encoding import b64url_decode, b64url_encode
from sceau.core.errors import SceauError

_TAG = 16
_RANDOM = 16
_LENGTH = 8 + _RANDOM + _TAG


def _tag(key: bytes, tenant: str, body: bytes) -> bytes:
    message = b"c_nonce|" + tenant.encode("utf-8") + b"|" + body
    return hmac.new(key, message, hashlib.sha256).digest()[:_TAG]


def mint_c_nonce(
    key: bytes,
    tenant: str,
    expires_at_ms: int,
    random: Callable[[int], bytes] = secrets.token_bytes,
) -> str:
    body = struct.pack(">Q", expires_at_ms) + random(_RANDOM)
    return b64url_encode(body + _tag(key, tenant, body))


def check_c_nonce(key: bytes, tenant: str, nonce: str, now_ms: int) -> int | None:
    """The nonce's expiry (ms) if it was minted with ``key`` for ``tenant`` and is live, else None.

    (Whether it was used already is the caller's database check.)
    """
    if not isinstance(nonce, str) or len(nonce) > 64:
        return None
    try:
        raw = b64url_decode(nonce)
    except SceauError:
        return None
    if len(raw) != _LENGTH:
        return None
    body, tag = raw[:-_TAG], raw[-_TAG:]
    if not hmac.compare_digest(tag, _tag(key, tenant, body)):
        return None
    (expires_at_ms,) = struct.unpack(">Q", body[:8])
    return int(expires_at_ms) if expires_at_ms > now_ms else None
