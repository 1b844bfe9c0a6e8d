"""The encrypted local store: holder keys and credentials in one AES-GCM sealed file.

The file ``wallet.json.enc`` in the wallet directory holds ``scrypt`` parameters, a salt, a nonce
and the AES-256-GCM ciphertext of a JSON document. The key comes from a passphrase (scrypt,
RFC 7914, N=2^15 by default) or from a 32-byte key file. Writes go to a temporary file then
``os.replace`` so a crash never leaves half a wallet.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from sceau.core.errors import InputTooLarge, InvalidInput
from sceau.core.jose import SoftwareSigner, generate_private_key, jwk_thumbprint
from sceau.wallet.errors import WalletLocked

__all__ = [
    "STORE_FILE",
    "KeyMaterial",
    "StoredCredential",
    "WalletStore",
    "passphrase_key",
]

STORE_FILE: Final = "wallet.json.enc"
MAX_STORE_BYTES: Final = 16 * 1024 * 1024
_FORMAT: Final = "sceau-wallet-1"
_AAD: Final = _FORMAT.encode()


class StoredCredential(msgspec.Struct, kw_only=True):
    """One issued credential as received, with what the wallet needs to present it."""

    id: str
    format: str  # dc+sd-jwt, ldp_vc, jwt_vc_json
    credential: Any  # compact string (SD-JWT VC, VC-JOSE) or JSON object (Data Integrity)
    key_id: str  # JWK thumbprint of the holder key it is bound to
    issuer: str  # Credential Issuer Identifier
    configuration_id: str
    received_at: int
    display: list[dict[str, Any]] = msgspec.field(default_factory=list)
    claims: dict[str, Any] = msgspec.field(default_factory=dict)  # as the wallet reads them
    # How often this copy was presented: the wallet prefers the least used copy of a batch, so
    # two verifiers do not see the same signature and key (unlinkability, RFC 9901 §10.1).
    presentations: int = 0


class _Document(msgspec.Struct, kw_only=True):
    keys: dict[str, str] = msgspec.field(default_factory=dict)  # thumbprint -> PKCS#8 b64
    credentials: list[StoredCredential] = msgspec.field(default_factory=list)


class _Envelope(msgspec.Struct, kw_only=True):
    format: str
    kdf: str  # "scrypt" or "keyfile"
    salt: str
    n: int
    r: int
    p: int
    nonce: str
    ciphertext: str


@dataclass(frozen=True)
class KeyMaterial:
    """How to open the store: a passphrase (scrypt) or the raw 32 bytes of a key file."""

    passphrase: str | None = None
    key_file_bytes: bytes | None = None
    scrypt_n: int = 2**15

    def derive(self, salt: bytes, n: int, r: int, p: int) -> bytes:
        if self.key_file_bytes is not None:
            if len(self.key_file_bytes) != 32:
                raise InvalidInput("a wallet key file holds exactly 32 bytes", code="bad_key_file")
            return self.key_file_bytes
        if not self.passphrase:
            raise WalletLocked("a passphrase or a key file is required")
        return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(self.passphrase.encode())

    @property
    def kdf(self) -> str:
        return "keyfile" if self.key_file_bytes is not None else "scrypt"


def passphrase_key(passphrase: str, *, scrypt_n: int = 2**15) -> KeyMaterial:
    return KeyMaterial(passphrase=passphrase, scrypt_n=scrypt_n)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class WalletStore:
    """The holder's keys and credentials, decrypted in memory; :meth:`save` seals them again.

    >>> import tempfile
    >>> store = WalletStore.open(tempfile.mkdtemp(), passphrase_key("pw", scrypt_n=2**10))
    >>> signer = store.new_key(); store.save()
    >>> WalletStore.open(store.directory, passphrase_key("pw", scrypt_n=2**10)).signer(
    ...     store.key_id(signer)) is not None
    True
    """

    directory: Path
    material: KeyMaterial
    _doc: _Document = field(default_factory=_Document)
    _salt: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    _params: tuple[int, int, int] = (2**15, 8, 1)

    @classmethod
    def open(cls, directory: str | os.PathLike[str], material: KeyMaterial) -> WalletStore:
        """Open (or start) the store in ``directory``; a wrong key raises :class:`WalletLocked`."""
        path = Path(directory) / STORE_FILE
        store = cls(Path(directory), material, _params=(material.scrypt_n, 8, 1))
        if not path.exists():
            return store
        raw = path.read_bytes()
        if len(raw) > MAX_STORE_BYTES:
            raise InputTooLarge("wallet file", limit=MAX_STORE_BYTES)
        try:
            env = msgspec.json.decode(raw, type=_Envelope)
        except msgspec.DecodeError as exc:
            raise WalletLocked("the wallet file is not a Sceau wallet") from exc
        if env.format != _FORMAT or env.kdf != material.kdf:
            raise WalletLocked("the wallet file was sealed differently")
        salt = _unb64(env.salt)
        key = material.derive(salt, env.n, env.r, env.p)
        try:
            plain = AESGCM(key).decrypt(_unb64(env.nonce), _unb64(env.ciphertext), _AAD)
        except Exception as exc:  # cryptography's InvalidTag: wrong key or tampered file
            raise WalletLocked("wrong passphrase or key file, or a tampered wallet") from exc
        store._doc = msgspec.json.decode(plain, type=_Document)
        store._salt = salt
        store._params = (env.n, env.r, env.p)
        return store

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        n, r, p = self._params
        key = self.material.derive(self._salt, n, r, p)
        nonce = secrets.token_bytes(12)
        ciphertext = AESGCM(key).encrypt(nonce, msgspec.json.encode(self._doc), _AAD)
        env = _Envelope(
            format=_FORMAT,
            kdf=self.material.kdf,
            salt=_b64(self._salt),
            n=n,
            r=r,
            p=p,
            nonce=_b64(nonce),
            ciphertext=_b64(ciphertext),
        )
        path = self.directory / STORE_FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(msgspec.json.encode(env))
        os.replace(tmp, path)

    # --- keys -----------------------------------------------------------------------------
    def new_key(self) -> SoftwareSigner:
        """A fresh ES256 holder key (HAIP), kept in the store under its JWK thumbprint."""
        private = generate_private_key("ES256")
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        der = private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        signer = SoftwareSigner(private, "ES256")
        self._doc.keys[self.key_id(signer)] = _b64(der)
        return signer

    @staticmethod
    def key_id(signer: SoftwareSigner) -> str:
        return jwk_thumbprint(dict(signer.public_jwk))

    def signer(self, key_id: str) -> SoftwareSigner:
        der = self._doc.keys.get(key_id)
        if der is None:
            raise InvalidInput("no such holder key in this wallet", code="unknown_key")
        private = serialization.load_der_private_key(_unb64(der), password=None)
        return SoftwareSigner(private, "ES256")  # type: ignore[arg-type]

    # --- credentials ----------------------------------------------------------------------
    def add(self, credential: StoredCredential) -> None:
        self._doc.credentials.append(credential)

    @property
    def credentials(self) -> list[StoredCredential]:
        return list(self._doc.credentials)

    def mark_presented(self, credential_id: str) -> None:
        for credential in self._doc.credentials:
            if credential.id == credential_id:
                credential.presentations += 1

    def remove(self, credential_id: str) -> None:
        self._doc.credentials = [c for c in self._doc.credentials if c.id != credential_id]


def new_credential_id() -> str:
    return f"cred-{int(time.time())}-{secrets.token_hex(4)}"
