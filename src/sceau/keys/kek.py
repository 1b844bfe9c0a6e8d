"""The key encryption key (KEK) that seals signing keys at rest (AES-256-GCM, NIST SP 800-38D).

Production reads it from ``SCEAU_KEK`` (base64url of 32 random bytes). Without one, dev and test
generate a KEK file in the data directory and log a loud warning; prod refuses to start.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sceau.core.encoding import b64url_decode, b64url_encode
from sceau.keys.errors import KeyEncryptionKeyError, KeyEncryptionKeyMismatch, SealedKeyInvalid
from sceau.settings import Settings

__all__ = ["DEV_KEK_FILE", "KEK_BYTES", "KeyEncryptionKey", "load_kek", "parse_kek"]

KEK_BYTES: Final = 32
NONCE_BYTES: Final = 12  # SP 800-38D §8.2.2: 96-bit random IVs, far below 2^32 seals per KEK
DEV_KEK_FILE: Final = "dev-kek.b64u"
MAX_SEALED_BYTES: Final = 16 * 1024
_AAD_PREFIX: Final = b"sceau/signing-key/v1\x00"
_DERIVE_SALT: Final = b"sceau/derived-key/v1"

_log = structlog.get_logger("sceau.keys")


@dataclass(frozen=True)
class KeyEncryptionKey:
    """Seals and opens private key bytes, bound to (tenant, kid) through the GCM AAD."""

    _key: bytes = field(repr=False)
    # Public fingerprint stored beside each sealed key: a wrong KEK is named as such.
    kek_id: str = field(init=False)

    def __post_init__(self) -> None:
        if len(self._key) != KEK_BYTES:
            raise KeyEncryptionKeyError("the KEK must be 32 bytes")
        digest = hashlib.sha256(b"sceau/kek-id/v1\x00" + self._key).hexdigest()[:16]
        object.__setattr__(self, "kek_id", digest)

    @staticmethod
    def _aad(tenant_slug: str, kid: str) -> bytes:
        # Binding the row identity into the AAD makes a ciphertext copied to another tenant's or
        # another key's row fail authentication instead of signing under the wrong identity.
        return _AAD_PREFIX + tenant_slug.encode() + b"\x00" + kid.encode()

    def seal(self, plaintext: bytes, *, tenant_slug: str, kid: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + AESGCM(self._key).encrypt(nonce, plaintext, self._aad(tenant_slug, kid))

    def open(self, sealed: bytes, *, kek_id: str, tenant_slug: str, kid: str) -> bytes:
        if kek_id != self.kek_id:
            raise KeyEncryptionKeyMismatch(
                "the configured KEK is not the one this key was sealed with",
                kek_id=kek_id,
            )
        if not NONCE_BYTES + 16 < len(sealed) <= MAX_SEALED_BYTES:
            raise SealedKeyInvalid("sealed key has an impossible length", kid=kid)
        try:
            return AESGCM(self._key).decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._aad(tenant_slug, kid)
            )
        except InvalidTag:
            raise SealedKeyInvalid("sealed key failed authentication", kid=kid) from None

    def derive(self, purpose: str, *, tenant_slug: str, length: int = 32) -> bytes:
        """Key material for another use, bound to ``(purpose, tenant_slug)`` (HKDF, RFC 5869).

        For keys that must be the same in every process yet need no row of their own (the
        OpenID4VCI request decryption key, :mod:`sceau.oid4vci.encryption`). The salt and the
        ``info`` (purpose, tenant) separate each output from the others and from the AES-GCM
        sealing above; changing the KEK changes every derived key.
        """
        if not purpose or "\x00" in purpose or "\x00" in tenant_slug:
            raise ValueError("purpose and tenant must be non-empty text without NUL")
        info = purpose.encode() + b"\x00" + tenant_slug.encode()
        hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_DERIVE_SALT, info=info)
        return hkdf.derive(self._key)


def parse_kek(value: str) -> KeyEncryptionKey:
    """A KEK from its base64url text (padding optional); raises without echoing the value."""
    try:
        raw = b64url_decode(value.strip().rstrip("="))
    except Exception:
        raise KeyEncryptionKeyError("SCEAU_KEK is not base64url") from None
    if len(raw) != KEK_BYTES:
        raise KeyEncryptionKeyError("SCEAU_KEK must encode exactly 32 bytes")
    return KeyEncryptionKey(raw)


def new_kek_text() -> str:
    """A fresh KEK in the ``SCEAU_KEK`` format."""
    return b64url_encode(secrets.token_bytes(KEK_BYTES))


DEV_KEK_WARNING: Final = (
    "SIGNING KEYS ARE ENCRYPTED WITH A GENERATED DEVELOPMENT KEK stored next to the database. "
    "Set SCEAU_KEK (base64url of 32 random bytes) outside development."
)


def _log_warning(message: str, path: str) -> None:
    _log.warning("dev_kek_in_use", message=message, path=path)


def load_kek(
    settings: Settings, *, warn: Callable[[str, str], None] = _log_warning
) -> KeyEncryptionKey:
    """The KEK from settings, else (dev/test only) the generated dev KEK file in ``data_dir``.

    ``warn(message, path)`` announces the dev KEK (a log line by default; the CLI uses stderr).
    """
    if settings.kek:
        return parse_kek(settings.kek)
    if settings.environment == "prod":
        raise KeyEncryptionKeyError("SCEAU_KEK is required in production")
    path = Path(settings.data_dir) / DEV_KEK_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting together must not each write a different KEK.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(new_kek_text() + "\n")
    warn(DEV_KEK_WARNING, str(path))
    return parse_kek(path.read_text())
