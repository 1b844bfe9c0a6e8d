"""API key tokens: ``sceau_<key_id>_<secret>``.

``key_id`` (16 hex characters) is public and finds the row; ``secret`` is 256 random bits
(base64url, 43 characters). Only SHA-256 of the secret is stored: a fast hash is right for a
uniformly random 256-bit secret (no dictionary to attack), and comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sceau.errors import Unauthorized

PREFIX = "sceau_"
_TOKEN = re.compile(r"^sceau_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewToken:
    key_id: str
    token: str
    secret_sha256: str


def new_token(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> NewToken:
    key_id = random_bytes(8).hex()
    secret = base64.urlsafe_b64encode(random_bytes(32)).rstrip(b"=").decode("ascii")
    return NewToken(key_id, f"{PREFIX}{key_id}_{secret}", hash_secret(secret))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse_token(token: str) -> tuple[str, str]:
    """``(key_id, secret)`` of a well-formed token; raises :class:`Unauthorized` otherwise."""
    match = _TOKEN.match(token)
    if not match:
        raise Unauthorized()
    return match.group(1), match.group(2)


def secret_matches(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_sha256)
