"""PKCE (RFC 7636) with ``S256`` only (HAIP §4: ``plain`` is never accepted)."""

from __future__ import annotations

import hashlib
import hmac
import re

from sceau.core.encoding import b64url_encode
from sceau.errors import OAuthError

# RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(code_verifier)))`` (RFC 7636 §4.2)."""
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def verify_s256(verifier: str, challenge: str, method: str = "S256") -> None:
    """Raise ``invalid_grant`` unless ``verifier`` matches ``challenge`` (RFC 7636 §4.6)."""
    if method != "S256":
        raise OAuthError("invalid_request")
    if not _VERIFIER.fullmatch(verifier):
        raise OAuthError("invalid_grant")
    if not hmac.compare_digest(s256_challenge(verifier), challenge):
        raise OAuthError("invalid_grant")
