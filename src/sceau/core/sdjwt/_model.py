"""Data types, limits and hash registry for SD-JWT (RFC 9901)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from sceau.core.encoding import b64url_encode
from sceau.core.errors import InvalidInput, UnsupportedAlgorithm

__all__ = [
    "DEFAULT_LIMITS",
    "HASH_ALGORITHMS",
    "SD",
    "Disclosure",
    "IssuedSdJwt",
    "SdJwtLimits",
    "VerifiedSdJwt",
    "default_salt",
    "hash_b64",
    "random_decoy_count",
]

SD_KEY: Final = "_sd"
ARRAY_KEY: Final = "..."
SD_ALG_KEY: Final = "_sd_alg"
RESERVED_NAMES: Final = frozenset({SD_KEY, ARRAY_KEY})

# RFC 9901 §4.1.1 and §9.4: only full-length SHA-2 digests from the IANA hash names registry.
HASH_ALGORITHMS: Final = MappingProxyType(
    {"sha-256": hashlib.sha256, "sha-384": hashlib.sha384, "sha-512": hashlib.sha512}
)


def hash_function(name: object) -> Callable[[bytes], Any]:
    fn = HASH_ALGORITHMS.get(name) if isinstance(name, str) else None
    if fn is None:
        raise UnsupportedAlgorithm(f"_sd_alg {name!r} is not allowed", code="sd_alg_not_allowed")
    return fn


def hash_b64(fn: Callable[[bytes], Any], data: str) -> str:
    """base64url digest over the US-ASCII bytes of ``data`` (RFC 9901 §4.2.3)."""
    return b64url_encode(fn(data.encode("ascii")).digest())


def default_salt() -> str:
    """128 bits from the OS CSPRNG, base64url (RFC 9901 §9.3)."""
    return b64url_encode(secrets.token_bytes(16))


def random_decoy_count(low: int = 1, high: int = 3) -> Callable[[], int]:
    """Decoy-count factory drawing from the CSPRNG (RFC 9901 §4.2.5)."""

    def count() -> int:
        return low + secrets.randbelow(high - low + 1)

    return count


@dataclass(frozen=True, slots=True)
class SD:
    """Marks an object key (``{SD("name"): value}``) or an array element (``[SD(v)]``) as
    selectively disclosable."""

    value: Any


class Disclosure(NamedTuple):
    """One Disclosure: its encoded form, digest and decoded parts (RFC 9901 §4.2)."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: Any


@dataclass(frozen=True, slots=True)
class SdJwtLimits:
    """Size limits applied before and during parsing (SECURITY.md J-06, S-03)."""

    max_length: int = 256 * 1024
    max_disclosures: int = 512
    max_disclosure_length: int = 32 * 1024
    max_depth: int = 32


DEFAULT_LIMITS: Final = SdJwtLimits()


@dataclass(frozen=True, slots=True)
class IssuedSdJwt:
    """An issued SD-JWT: ``compact`` is ``<JWT>~<D1>~...~<DN>~``."""

    jwt: str
    disclosures: tuple[Disclosure, ...]
    payload: dict[str, Any]

    @property
    def compact(self) -> str:
        return "~".join([self.jwt, *(d.encoded for d in self.disclosures), ""])


@dataclass(frozen=True, slots=True)
class VerifiedSdJwt:
    """Result of verification: ``claims`` is the Processed SD-JWT Payload (RFC 9901 §7.1)."""

    header: dict[str, Any]
    claims: dict[str, Any]
    disclosures: tuple[Disclosure, ...]
    kb_header: dict[str, Any] | None = None
    kb_claims: dict[str, Any] | None = None
    issuer_payload: dict[str, Any] = field(default_factory=dict)


def invalid(detail: str, code: str) -> InvalidInput:
    return InvalidInput(detail, code=code)
