"""Opaque OAuth tokens: 256 random bits, base64url; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

TokenFactory = Callable[[int], str]


def new_token(nbytes: int = 32, factory: TokenFactory = secrets.token_urlsafe) -> str:
    """A fresh unguessable token (``nbytes`` of randomness, base64url without padding)."""
    return factory(nbytes)


def token_hash(token: str) -> str:
    """SHA-256 (hex) of ``token``: what the database keeps (a leaked table reveals no token).

    Tokens carry >= 128 random bits, so a fast hash is enough; a slow one adds nothing.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
