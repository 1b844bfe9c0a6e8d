"""SD-JWT issuance (RFC 9901 §4): disclosures, digests, decoys, issuer-signed JWT."""

from __future__ import annotations

import binascii
import json
import os
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sceau.core.encoding import b64url_encode
from sceau.core.errors import InvalidInput
from sceau.core.jose import Signer, SoftwareSigner, sign_compact, sign_compact_sync
from sceau.core.sdjwt._model import (
    ARRAY_KEY,
    RESERVED_NAMES,
    SD,
    SD_ALG_KEY,
    SD_KEY,
    Disclosure,
    IssuedSdJwt,
    default_salt,
    hash_b64,
    hash_function,
)

__all__ = ["build_sd_payload", "issue_sd_jwt", "issue_sd_jwt_sync", "spec_disclosure_json"]

SaltFactory = Callable[[], str]
DecoyCount = Callable[[], int]


_RESERVED_OR_ALG = frozenset({*RESERVED_NAMES, SD_ALG_KEY})
_b2a = binascii.b2a_base64
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_SPEC_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_encode_value = _SPEC_ENCODER.encode
_encode_str = json.encoder.encode_basestring  # C implementation, no ASCII escaping


def spec_disclosure_json(parts: list[Any]) -> str:
    """JSON of a Disclosure array as in the RFC 9901 examples (``", "`` separators, UTF-8)."""
    return _encode_value(parts)


class _Builder:
    __slots__ = (
        "decoy_count",
        "disclosures",
        "dumps",
        "hash_fn",
        "max_depth",
        "pool",
        "pool_pos",
        "salt",
    )

    def __init__(
        self,
        hash_fn: Callable[[bytes], Any],
        salt: SaltFactory,
        decoy_count: DecoyCount | None,
        dumps: Callable[[list[Any]], str],
        max_depth: int,
    ) -> None:
        self.hash_fn = hash_fn
        self.salt = salt
        self.decoy_count = decoy_count
        self.dumps = dumps
        self.disclosures: list[Disclosure] = []
        self.max_depth = max_depth
        self.pool = ""
        self.pool_pos = 0

    def next_salt(self) -> str:
        if self.salt is not default_salt:
            salt = self.salt()
            if not isinstance(salt, str):
                raise InvalidInput("salt factory must return a string", code="invalid_salt")
            return salt
        # Default: 144-bit CSPRNG salts (§9.3 asks for at least 128), 18 bytes so that one
        # base64url encoding of 32 salts splits on 24-character boundaries. The pool lives in
        # this builder only, so it is never shared across issuances or forked processes.
        if self.pool_pos >= len(self.pool):
            self.pool = b64url_encode(os.urandom(18 * 32))
            self.pool_pos = 0
        start = self.pool_pos
        self.pool_pos = start + 24
        return self.pool[start : start + 24]

    def disclose(self, name: str | None, value: Any) -> str:
        # Hot path (once per disclosable claim): salt, JSON and base64url are inlined.
        pos = self.pool_pos
        if self.salt is default_salt and pos < len(self.pool):
            salt = self.pool[pos : pos + 24]
            self.pool_pos = pos + 24
        else:
            salt = self.next_salt()
        if self.dumps is spec_disclosure_json:
            v = _encode_str(value) if type(value) is str else _encode_value(value)
            # Default salts are base64url, so they need no JSON escaping.
            s = f'"{salt}"' if self.salt is default_salt else _encode_str(salt)
            text = f"[{s}, {v}]" if name is None else f"[{s}, {_encode_str(name)}, {v}]"
        else:
            text = self.dumps([salt, value] if name is None else [salt, name, value])
        raw = _b2a(text.encode("utf-8"), newline=False).translate(_URLSAFE, b"=")
        encoded = raw.decode()
        digest = _b2a(self.hash_fn(raw).digest(), newline=False).translate(_URLSAFE, b"=").decode()
        self.disclosures.append(Disclosure(encoded, digest, salt, name, value))
        return digest

    def walk(self, value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is str or kind is int or kind is bool or kind is float or value is None:
            return value  # fast path: most claim values are scalars
        if depth > self.max_depth:
            raise InvalidInput("claims nested too deeply", code="claims_too_deep")
        if isinstance(value, Mapping):
            return self.walk_object(value, depth)
        if isinstance(value, (list, tuple)):
            out: list[Any] = []
            for item in value:
                if isinstance(item, SD):
                    # §4.2.4.2: the array element is replaced by {"...": digest}.
                    out.append({ARRAY_KEY: self.disclose(None, self.walk(item.value, depth + 1))})
                else:
                    out.append(self.walk(item, depth + 1))
            return out
        if isinstance(value, SD):
            raise InvalidInput("SD marker in an illegal place", code="invalid_sd_marker")
        return value

    def walk_object(
        self, obj: Mapping[Any, Any], depth: int, sd_names: Collection[str] = ()
    ) -> dict[str, Any]:
        # "_sd" first, like the reference implementation, so vectors reproduce byte for byte.
        digests: list[str] = []
        out: dict[str, Any] = {SD_KEY: digests}
        for key, value in obj.items():
            name = key.value if isinstance(key, SD) else key
            if not isinstance(name, str):
                raise InvalidInput("claim names must be strings", code="invalid_claims")
            if name in _RESERVED_OR_ALG:
                # §4.1 rule 7 and §4.2.1: reserved names are never claims.
                raise InvalidInput(f"claim name {name!r} is reserved", code="reserved_claim_name")
            kind = type(value)
            if kind is str or kind is int or kind is bool or kind is float or value is None:
                sub = value
            else:
                sub = self.walk(value, depth + 1)
            if isinstance(key, SD) or name in sd_names:
                digests.append(self.disclose(name, sub))
            else:
                out[name] = sub
        if self.decoy_count is not None:
            # §4.2.5: decoys are digests over random salts, indistinguishable from real ones.
            for _ in range(self.decoy_count()):
                digests.append(hash_b64(self.hash_fn, self.next_salt()))
        if digests:
            # §4.2.4.1: sorted so the order does not reveal the original claim order.
            digests.sort()
        else:
            del out[SD_KEY]
        return out


def build_sd_payload(
    claims: Mapping[Any, Any],
    *,
    sd_alg: str = "sha-256",
    salt: SaltFactory = default_salt,
    decoy_count: DecoyCount | None = None,
    disclosure_json: Callable[[list[Any]], str] = spec_disclosure_json,
    max_depth: int = 32,
    disclosable: Collection[str] = (),
) -> tuple[dict[str, Any], tuple[Disclosure, ...]]:
    """Turn ``claims`` (with :class:`SD` markers) into an SD-JWT payload and its Disclosures.

    >>> payload, ds = build_sd_payload({"iss": "x", SD("given_name"): "Jean"})
    >>> sorted(payload), ds[0].name
    (['_sd', '_sd_alg', 'iss'], 'given_name')
    """
    builder = _Builder(hash_function(sd_alg), salt, decoy_count, disclosure_json, max_depth)
    payload = builder.walk_object(claims, 1, disclosable)
    payload[SD_ALG_KEY] = sd_alg
    return payload, tuple(builder.disclosures)


def _header(typ: str | None, header: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if typ is not None:
        out["typ"] = typ
    if header:
        out.update(header)
    return out


def _add_cnf(payload: dict[str, Any], holder_jwk: Mapping[str, Any] | None) -> None:
    # §4.1.2: the holder's public key goes in plaintext ``cnf`` (RFC 7800), never disclosable.
    if holder_jwk is None:
        return
    if "d" in holder_jwk:
        raise InvalidInput("holder JWK carries a private key", code="private_key_in_jwk")
    if "cnf" in payload:
        raise InvalidInput("claims already carry cnf", code="claim_name_exists")
    payload["cnf"] = {"jwk": dict(holder_jwk)}


def _prepare(
    claims: Mapping[Any, Any],
    typ: str | None,
    header: Mapping[str, Any] | None,
    holder_jwk: Mapping[str, Any] | None,
    sd_alg: str,
    salt: SaltFactory,
    decoy_count: DecoyCount | None,
    disclosure_json: Callable[[list[Any]], str],
    disclosable: Collection[str],
) -> tuple[dict[str, Any], dict[str, Any], tuple[Disclosure, ...]]:
    payload, disclosures = build_sd_payload(
        claims,
        sd_alg=sd_alg,
        salt=salt,
        decoy_count=decoy_count,
        disclosure_json=disclosure_json,
        disclosable=disclosable,
    )
    _add_cnf(payload, holder_jwk)
    return _header(typ, header), payload, disclosures


async def issue_sd_jwt(
    claims: Mapping[Any, Any],
    signer: Signer,
    *,
    typ: str | None = None,
    header: Mapping[str, Any] | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    sd_alg: str = "sha-256",
    salt: SaltFactory = default_salt,
    decoy_count: DecoyCount | None = None,
    disclosure_json: Callable[[list[Any]], str] = spec_disclosure_json,
    disclosable: Collection[str] = (),
) -> IssuedSdJwt:
    """Issue an SD-JWT through the :class:`Signer` port (HSM/KMS or software).

    The sync twin :func:`issue_sd_jwt_sync` takes the same arguments; both share ``_prepare``.
    """
    head, payload, disclosures = _prepare(
        claims, typ, header, holder_jwk, sd_alg, salt, decoy_count, disclosure_json, disclosable
    )
    return IssuedSdJwt(await sign_compact(head, payload, signer), disclosures, payload)


def issue_sd_jwt_sync(
    claims: Mapping[Any, Any],
    signer: SoftwareSigner,
    *,
    typ: str | None = None,
    header: Mapping[str, Any] | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    sd_alg: str = "sha-256",
    salt: SaltFactory = default_salt,
    decoy_count: DecoyCount | None = None,
    disclosure_json: Callable[[list[Any]], str] = spec_disclosure_json,
    disclosable: Collection[str] = (),
) -> IssuedSdJwt:
    """Synchronous fast path of :func:`issue_sd_jwt` for a :class:`SoftwareSigner`."""
    head, payload, disclosures = _prepare(
        claims, typ, header, holder_jwk, sd_alg, salt, decoy_count, disclosure_json, disclosable
    )
    return IssuedSdJwt(sign_compact_sync(head, payload, signer), disclosures, payload)
