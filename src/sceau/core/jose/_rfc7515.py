"""JWS compact serialization (RFC 7515 §7.1) with the ``Signer`` port.

The signing input is built by hand (``b64(header) "." b64(payload)``) and handed to a
:class:`Signer`, so HSM/KMS keys never have to become Python key objects; verification calls
``cryptography`` directly. Both are cross-checked against joserfc and npm ``jose`` in the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, runtime_checkable

from sceau.core.encoding import b64url_decode, b64url_encode, json_dumps_compact, json_loads
from sceau.core.errors import InputTooLarge, InvalidInput, InvalidKey, UnsupportedAlgorithm
from sceau.core.jose._rfc7517 import public_jwk
from sceau.core.jose._rfc7518 import Algorithm, get_algorithm
from sceau.core.jose._types import PRIVATE_KEY_TYPES, PrivateKey, PublicKey, is_public_key

__all__ = [
    "DEFAULT_MAX_JWS_LENGTH",
    "KeyOrResolver",
    "Signer",
    "SoftwareSigner",
    "VerifiedJws",
    "decode_compact_unverified",
    "sign_compact",
    "sign_compact_sync",
    "verify_compact",
]

DEFAULT_MAX_JWS_LENGTH: Final = 256 * 1024
MAX_HEADER_BYTES: Final = 8 * 1024

KeyOrResolver = PublicKey | Callable[[Mapping[str, Any]], PublicKey]


@runtime_checkable
class Signer(Protocol):
    """Signs with one key that never leaves its store (software, HSM or KMS).

    ``sign`` returns the JOSE form of the signature (raw ``r || s`` for ECDSA, RFC 7518 §3.4).
    """

    # Read-only members, so frozen dataclasses and HSM/KMS adapters satisfy the protocol.
    @property
    def key_id(self) -> str | None: ...

    @property
    def algorithm(self) -> str: ...

    async def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class SoftwareSigner:
    """A :class:`Signer` over an in-process ``cryptography`` key (tests, dev, benchmarks).

    >>> signer = SoftwareSigner(generate_private_key("ES256"), key_id="k1")  # doctest: +SKIP
    """

    private_key: PrivateKey
    algorithm: str = "ES256"
    key_id: str | None = None
    _alg: Algorithm = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.private_key, PRIVATE_KEY_TYPES):
            raise InvalidKey("SoftwareSigner needs a private key object", code="invalid_key")
        alg = get_algorithm(self.algorithm)
        if not alg.key_matches(self.private_key):
            raise UnsupportedAlgorithm(
                f"{self.algorithm} does not match the key type", code="alg_key_mismatch"
            )
        object.__setattr__(self, "_alg", alg)

    async def sign(self, message: bytes) -> bytes:
        return self._alg.sign_prechecked(self.private_key, message)

    def sign_sync(self, message: bytes) -> bytes:
        # Key/algorithm match was checked once in __post_init__.
        return self._alg.sign_prechecked(self.private_key, message)

    @property
    def public_jwk(self) -> dict[str, Any]:
        return public_jwk(self.private_key)


@dataclass(frozen=True, slots=True)
class VerifiedJws:
    """A JWS whose signature verified. ``claims`` parses the payload as a JSON object."""

    header: dict[str, Any]
    payload: bytes
    signing_input: bytes = b""

    @property
    def claims(self) -> dict[str, Any]:
        value = json_loads(self.payload)
        if not isinstance(value, dict):
            raise InvalidInput("JWS payload is not a JSON object", code="invalid_claims")
        return value


def _header_bytes(header: Mapping[str, Any], signer_alg: str, key_id: str | None) -> bytes:
    alg = header.get("alg")
    if alg is not None and alg != signer_alg:
        raise UnsupportedAlgorithm("header alg differs from the signer's", code="alg_key_mismatch")
    full: dict[str, Any] = {"alg": signer_alg}
    full.update(header)
    if key_id is not None and "kid" not in full:
        full["kid"] = key_id
    return json_dumps_compact(full)


def signing_input(
    header: Mapping[str, Any], payload: bytes | Mapping[str, Any], signer: Any
) -> str:
    """``b64(header) "." b64(payload)`` with ``alg``/``kid`` set from ``signer``."""
    get_algorithm(signer.algorithm)
    body = payload if isinstance(payload, bytes) else json_dumps_compact(payload)
    return (
        b64url_encode(_header_bytes(header, signer.algorithm, signer.key_id))
        + "."
        + b64url_encode(body)
    )


async def sign_compact(
    header: Mapping[str, Any], payload: bytes | Mapping[str, Any], signer: Signer
) -> str:
    """Sign a compact JWS through the :class:`Signer` port.

    ``alg`` comes from ``signer.algorithm``; ``kid`` from ``signer.key_id`` unless the header sets
    one. A Mapping payload is JSON-encoded compactly.
    """
    si = signing_input(header, payload, signer)
    sig = await signer.sign(si.encode("ascii"))
    return si + "." + b64url_encode(sig)


def sign_compact_sync(
    header: Mapping[str, Any], payload: bytes | Mapping[str, Any], signer: SoftwareSigner
) -> str:
    """Synchronous fast path of :func:`sign_compact` for a :class:`SoftwareSigner`."""
    si = signing_input(header, payload, signer)
    return si + "." + b64url_encode(signer.sign_sync(si.encode("ascii")))


# Parsed protected headers by their encoded segment. Issuers reuse one header for many tokens,
# and parsing is pure, so a small bounded memo is safe; callers get a fresh dict each time.
_HEADER_MEMO: dict[str, dict[str, Any]] = {}
_HEADER_MEMO_MAX: Final = 512


def _parse_header(segment: str) -> dict[str, Any]:
    cached = _HEADER_MEMO.get(segment)
    if cached is not None:
        return dict(cached)
    if len(segment) > MAX_HEADER_BYTES * 4 // 3 + 4:
        raise InputTooLarge("JWS header too large", code="header_too_large")
    header = json_loads(b64url_decode(segment), max_bytes=MAX_HEADER_BYTES, max_depth=8)
    if not isinstance(header, dict):
        raise InvalidInput("JWS header is not a JSON object", code="malformed_jws")
    if "crit" in header:
        # RFC 7515 §4.1.11: we implement no extension, so any crit list must be refused.
        raise InvalidInput("critical header extensions are not supported", code="unsupported_crit")
    if "alg" not in header:
        raise InvalidInput("JWS header has no alg", code="malformed_jws")
    if len(_HEADER_MEMO) >= _HEADER_MEMO_MAX:
        _HEADER_MEMO.clear()
    _HEADER_MEMO[segment] = header
    return dict(header)


def _split(token: str, max_length: int) -> tuple[str, str, str]:
    if not isinstance(token, str):
        raise InvalidInput("JWS must be a string", code="malformed_jws")
    if len(token) > max_length:
        raise InputTooLarge("JWS too large", code="token_too_large", limit=max_length)
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidInput("compact JWS needs three segments", code="malformed_jws")
    return parts[0], parts[1], parts[2]


def decode_compact_unverified(
    token: str, *, max_length: int = DEFAULT_MAX_JWS_LENGTH
) -> tuple[dict[str, Any], bytes]:
    """Header and payload of a compact JWS **without** checking the signature."""
    h, p, s = _split(token, max_length)
    header = _parse_header(h)
    payload = b64url_decode(p)
    b64url_decode(s)
    return header, payload


def _check_typ(header: Mapping[str, Any], typ: str | Collection[str] | None) -> None:
    if typ is None:
        return
    got = header.get("typ")
    ok = got == typ if isinstance(typ, str) else got in typ
    if not ok:
        raise InvalidInput(f"unexpected typ {got!r}", code="invalid_typ")


def verify_compact(
    token: str,
    key: KeyOrResolver,
    *,
    algorithms: Collection[str] = ("ES256",),
    typ: str | Collection[str] | None = None,
    max_length: int = DEFAULT_MAX_JWS_LENGTH,
) -> VerifiedJws:
    """Verify a compact JWS against ``key`` (or ``key(header)``) and the ``algorithms`` allow-list.

    Rejects (codes): ``alg_none``, ``alg_not_allowed`` (HS*, anything not in ``algorithms``),
    ``alg_key_mismatch``, ``unsupported_crit``, ``token_too_large``, ``bad_base64``,
    ``malformed_jws``, ``invalid_typ``, ``invalid_signature``.
    """
    h, p, s = _split(token, max_length)
    header = _parse_header(h)
    alg = get_algorithm(header["alg"], algorithms)
    _check_typ(header, typ)
    signature = b64url_decode(s)
    payload = b64url_decode(p)
    public_key = key if is_public_key(key) or not callable(key) else key(header)
    if not is_public_key(public_key):
        # Never bytes/str (HMAC confusion, SECURITY.md J-02) and never a private key object.
        raise InvalidKey("verification key must be a public key object", code="invalid_key")
    si = token[: len(h) + 1 + len(p)].encode("ascii")
    alg.verify(public_key, si, signature)
    return VerifiedJws(header, payload, si)
