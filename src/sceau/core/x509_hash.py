"""The ``x509_hash`` Client Identifier of OpenID4VP 1.0 §5.9.3 (required by HAIP).

The value after ``x509_hash:`` is the base64url (no padding) SHA-256 of the DER-encoded leaf
certificate that the request object carries first in its ``x5c`` header. The verifier computes
it from its configured chain; the wallet recomputes it from the ``x5c`` it received.

>>> x509_hash(b"\\x30\\x00")  # any DER bytes
'5PYNCqbX89O2pklLHIYbmfZJxvnsUauvIBsg8pcyfJU'
"""

from __future__ import annotations

import hashlib
from typing import Final

from sceau.core.encoding import b64url_encode

__all__ = ["X509_HASH_PREFIX", "x509_hash"]

X509_HASH_PREFIX: Final = "x509_hash:"


def x509_hash(leaf_der: bytes) -> str:
    """base64url(SHA-256(DER leaf certificate)), the part of the client_id after the prefix."""
    return b64url_encode(hashlib.sha256(leaf_der).digest())
