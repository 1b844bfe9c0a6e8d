"""SD-JWT parsing, disclosure processing and verification (RFC 9901 §7.1, §7.3, §4.3)."""

from __future__ import annotations

import binascii
import math
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, Final

import msgspec

from sceau.core.encoding import (
    _CANON_LAST_2,
    _CANON_LAST_3,
    _FROM_URLSAFE,
    _PADDING_B,
    _msgspec_decode,
    b64url_decode,
    json_loads,
)
from sceau.core.errors import (
    InputTooLarge,
    InvalidInput,
    InvalidKey,
    VerificationFailed,
)
from sceau.core.jose import PublicKey, public_key_from_jwk
from sceau.core.jose._rfc7515 import DEFAULT_MAX_JWS_LENGTH, _parse_header, _split
from sceau.core.jose._rfc7518 import get_algorithm
from sceau.core.jose._types import is_public_key
from sceau.core.sdjwt._model import (
    ARRAY_KEY,
    DEFAULT_LIMITS,
    HASH_ALGORITHMS,
    RESERVED_NAMES,
    SD_ALG_KEY,
    SD_KEY,
    Disclosure,
    SdJwtLimits,
    VerifiedSdJwt,
    hash_b64,
    hash_function,
)

__all__ = [
    "DEFAULT_KB_ALGORITHMS",
    "IssuerKeyLookup",
    "ParsedSdJwt",
    "decode_disclosures",
    "parse_compact",
    "process_payload",
    "verify_sd_jwt",
]

_b2a = binascii.b2a_base64
_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_PADDING: Final = _PADDING_B
_msgspec_b64_list: Final = msgspec.json.Decoder(list[bytes]).decode
_SPECIAL_KEYS: Final = frozenset({SD_KEY, SD_ALG_KEY, ARRAY_KEY})
DEFAULT_KB_ALGORITHMS: Final = ("ES256", "ES384", "ES512", "EdDSA", "Ed25519")
# (iss, protected header) -> issuer public key. ``iss`` is None when the payload has none.
IssuerKeyLookup = Callable[[Any, Mapping[str, Any]], PublicKey]


class ParsedSdJwt:
    """The three parts of a compact SD-JWT or SD-JWT+KB (RFC 9901 §4)."""

    __slots__ = ("disclosures", "jwt", "kb_jwt", "sd_jwt")

    def __init__(self, jwt: str, disclosures: list[str], kb_jwt: str | None, sd_jwt: str) -> None:
        self.jwt = jwt
        self.disclosures = disclosures
        self.kb_jwt = kb_jwt
        self.sd_jwt = sd_jwt  # "<JWT>~<D1>~...~" — the exact input to sd_hash (§4.3.1)


def parse_compact(token: str, limits: SdJwtLimits = DEFAULT_LIMITS) -> ParsedSdJwt:
    """Split ``<JWT>~<D1>~...~<DN>~[<KB-JWT>]`` with size and count limits."""
    if not isinstance(token, str):
        raise InvalidInput("SD-JWT must be a string", code="malformed_sd_jwt")
    if len(token) > limits.max_length:
        raise InputTooLarge("SD-JWT too large", code="token_too_large", limit=limits.max_length)
    if token.count("~") > limits.max_disclosures + 1:
        raise InputTooLarge("too many disclosures", code="too_many_disclosures")
    parts = token.split("~")
    if len(parts) < 2:
        # §4: the separating tilde after the issuer-signed JWT is never omitted.
        raise InvalidInput("not an SD-JWT (no '~')", code="malformed_sd_jwt")
    jwt, disclosures, last = parts[0], parts[1:-1], parts[-1]
    for d in disclosures:
        if not d:
            raise InvalidInput("empty disclosure", code="malformed_sd_jwt")
        if len(d) > limits.max_disclosure_length:
            raise InputTooLarge("disclosure too large", code="disclosure_too_large")
    sd_jwt = token[: len(token) - len(last)]
    return ParsedSdJwt(jwt, disclosures, last or None, sd_jwt)


def decode_disclosures(
    disclosures: list[str], hash_fn: Callable[[bytes], Any], limits: SdJwtLimits = DEFAULT_LIMITS
) -> dict[str, tuple[str, list[Any]]]:
    """Map digest -> (encoded disclosure, decoded array); a repeated disclosure is rejected.

    Strict base64url and strict JSON exactly as :func:`~sceau.core.encoding.b64url_decode` and
    :func:`~sceau.core.encoding.json_loads`, inlined: this loop runs once per Disclosure.
    """
    if len(disclosures) > limits.max_disclosures:
        raise InputTooLarge("too many disclosures", code="too_many_disclosures")
    out: dict[str, tuple[str, list[Any]]] = {}
    if not disclosures:
        return out
    # Whole-list C calls where the work is per byte (ASCII check, digest encoding, alphabet
    # mapping); a "~" inside an item would split it, so the item count is checked.
    try:
        blob = "~".join(disclosures).encode("ascii")
    except UnicodeEncodeError:
        raise InvalidInput("disclosure is not base64url", code="bad_base64") from None
    items = blob.split(b"~")
    if len(items) != len(disclosures):
        raise InvalidInput("disclosure is not base64url", code="bad_base64")
    # §4.2.3: the digest is over the encoded string as received, never a re-encoding.
    digests = (
        b"".join([_b2a(hash_fn(item).digest()) for item in items])
        .translate(_URLSAFE, b"=")
        .decode("ascii")
        .split("\n")
    )
    # The canonical last characters are letters and digits, so checking them after the
    # "-_" -> "+/" mapping gives the same answer as checking the received text.
    std_items = blob.translate(_FROM_URLSAFE).split(b"~")
    canon2, canon3, padding = _CANON_LAST_2, _CANON_LAST_3, _PADDING
    padded = []
    for std in std_items:
        rem = len(std) & 3
        if rem and (rem == 1 or std[-1] not in (canon2 if rem == 2 else canon3)):
            raise InvalidInput("non-canonical base64url", code="bad_base64")
        padded.append(std + padding[rem])
    # One msgspec call decodes every item (each its own JSON string, so padding stays per item);
    # a quote or backslash would change the JSON framing, and is not base64url anyway.
    if 0x22 in blob or 0x5C in blob:
        raise InvalidInput("not base64url", code="bad_base64")
    try:
        raws = _msgspec_b64_list(b'["' + b'","'.join(padded) + b'"]')
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError):
        raise InvalidInput("not base64url", code="bad_base64") from None
    max_depth, max_len = limits.max_depth, limits.max_disclosure_length
    fast_json = _msgspec_decode
    for encoded, key, raw in zip(disclosures, digests, raws, strict=False):  # digests: +1 ""
        if key in out:
            # §4: "MUST NOT ... send a Disclosure more than once".
            raise InvalidInput("disclosure sent more than once", code="disclosure_repeated")
        if 0x7B not in raw and len(raw) <= max_len and raw.count(b"[") <= max_depth:
            # The object-free fast path of json_loads (no member can repeat without an object).
            try:
                parts = fast_json(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError):
                raise InvalidInput("invalid JSON", code="invalid_json") from None
        else:
            parts = json_loads(raw, max_depth=max_depth, max_bytes=max_len)
        if type(parts) is not list or not 2 <= len(parts) <= 3:
            raise InvalidInput(
                "disclosure is not a 2- or 3-element array", code="invalid_disclosure"
            )
        if type(parts[0]) is not str or (len(parts) == 3 and type(parts[1]) is not str):
            raise InvalidInput("disclosure salt or name is not a string", code="invalid_disclosure")
        out[key] = (encoded, parts)
    return out


class _Processor:
    __slots__ = ("by_digest", "max_depth", "seen", "used")

    def __init__(self, by_digest: dict[str, tuple[str, list[Any]]], max_depth: int) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.used = 0
        self.max_depth = max_depth

    def _claim(self, digest: Any) -> tuple[str, list[Any]] | None:
        if type(digest) is not str:
            raise InvalidInput("digest is not a string", code="invalid_sd")
        seen = self.seen
        if digest in seen:
            # §7.1 step 4 (SECURITY.md S-02).
            raise InvalidInput("digest appears more than once", code="duplicate_digest")
        seen.add(digest)
        found = self.by_digest.get(digest)
        if found is not None:
            self.used += 1
        return found  # None: a decoy or an undisclosed claim (§7.1 step 3.3.1)

    def value(self, node: Any, depth: int) -> Any:
        # Parsed JSON holds exactly dict/list/str/int/float/bool/None, so type() identity is exact.
        kind = type(node)
        if kind is not dict and kind is not list:
            return node
        if depth > self.max_depth:
            raise InputTooLarge("SD-JWT nested too deeply", code="sd_jwt_too_deep")
        return self.obj(node, depth) if kind is dict else self.array(node, depth)

    def obj(self, node: dict[str, Any], depth: int, top: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, val in node.items():
            if key in _SPECIAL_KEYS:
                if key == SD_KEY:
                    continue
                if key == SD_ALG_KEY:
                    if top:
                        continue
                    # §4.1.1: only at the top level (SECURITY.md S-04).
                    raise InvalidInput("_sd_alg below the top level", code="misplaced_sd_alg")
                raise InvalidInput("'...' outside an array element", code="reserved_claim_name")
            kind = type(val)
            out[key] = self.value(val, depth + 1) if kind is dict or kind is list else val
        digests = node.get(SD_KEY)
        if digests is None:
            return out
        if type(digests) is not list:
            raise InvalidInput("_sd is not an array", code="invalid_sd")
        claim = self._claim
        for digest in digests:
            found = claim(digest)
            if found is None:
                continue
            parts = found[1]
            if len(parts) != 3:  # §7.1 step 3.3.2.1
                raise InvalidInput("object disclosure needs 3 elements", code="invalid_disclosure")
            name = parts[1]
            if name in RESERVED_NAMES:  # §7.1 step 3.3.2.2
                raise InvalidInput(f"disclosed claim name {name!r}", code="reserved_claim_name")
            if name in out or name in node:  # §7.1 step 3.3.2.3
                raise InvalidInput(f"claim {name!r} already exists", code="claim_name_exists")
            val = parts[2]
            kind = type(val)
            out[name] = self.value(val, depth + 1) if kind is dict or kind is list else val
        return out

    def array(self, node: list[Any], depth: int) -> list[Any]:
        out: list[Any] = []
        for item in node:
            if type(item) is dict and ARRAY_KEY in item:
                if len(item) != 1:
                    # SECURITY.md S-03: "..." is reserved; {"...": d, "x": 1} is refused.
                    raise InvalidInput("'...' with other members", code="reserved_claim_name")
                found = self._claim(item[ARRAY_KEY])
                if found is None:
                    continue  # §7.1 step 3.4: undisclosed elements are removed
                parts = found[1]
                if len(parts) != 2:  # §7.1 step 3.3.3.1
                    raise InvalidInput(
                        "array disclosure needs 2 elements", code="invalid_disclosure"
                    )
                out.append(self.value(parts[1], depth + 1))
            else:
                out.append(self.value(item, depth + 1))
        return out


def process_payload(
    payload: dict[str, Any],
    disclosures: list[str],
    *,
    sd_algs: Collection[str] = tuple(HASH_ALGORITHMS),
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], tuple[Disclosure, ...]]:
    """Apply RFC 9901 §7.1 step 2.5 and steps 3-5 to an issuer payload whose signature verified.

    Returns the Processed SD-JWT Payload and the Disclosures in the order they were sent.
    """
    sd_alg = payload.get(SD_ALG_KEY, "sha-256")  # §4.1.1 default
    if sd_alg not in sd_algs:
        hash_function(None)  # raises sd_alg_not_allowed
    hash_fn = hash_function(sd_alg)
    by_digest = decode_disclosures(disclosures, hash_fn, limits)
    proc = _Processor(by_digest, limits.max_depth)
    claims = proc.obj(payload, 1, top=True)
    if proc.used != len(by_digest):
        # §7.1 step 5 (SECURITY.md S-01).
        raise InvalidInput("a disclosure is not referenced", code="unreferenced_disclosure")
    # tuple.__new__ builds the NamedTuple without its Python-level __new__ (one call per item).
    new = tuple.__new__
    result = tuple(
        [
            new(
                Disclosure,
                (encoded, digest, parts[0], parts[1] if len(parts) == 3 else None, parts[-1]),
            )
            for digest, (encoded, parts) in by_digest.items()
        ]
    )
    return claims, result


def _now(now: int | float | datetime | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        return now.timestamp()
    return float(now)


def numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    """RFC 7519 §2 NumericDate: a finite JSON number; strings, bools, NaN and huge values fail."""
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{name} is not a NumericDate", code="invalid_claims")
    if not math.isfinite(value) or not 0 <= value < 2**53:
        raise InvalidInput(f"{name} out of range", code="invalid_claims")
    return float(value)


def check_validity(
    claims: Mapping[str, Any], now: float, leeway: int, required: Collection[str] = ()
) -> None:
    """§7.1 step 6: ``exp``, ``nbf``, ``iat`` against ``now`` (SECURITY.md J-09)."""
    for name in required:
        if name not in claims:
            raise VerificationFailed(f"required claim {name!r} missing", code="missing_claim")
    exp = numeric_date(claims, "exp")
    if exp is not None and now >= exp + leeway:
        raise VerificationFailed("credential expired", code="expired")
    nbf = numeric_date(claims, "nbf")
    if nbf is not None and nbf > now + leeway:
        raise VerificationFailed("credential not yet valid", code="not_yet_valid")
    iat = numeric_date(claims, "iat")
    if iat is not None and iat > now + leeway:
        raise VerificationFailed("credential issued in the future", code="iat_in_future")


# Holder keys seen in cnf, by all their JWK members: imports are pure, so memoising the decoded
# key is safe (signatures are never memoised). Bounded; cleared when full.
_CNF_KEYS: dict[tuple[Any, ...], PublicKey] = {}
_CNF_KEYS_MAX: Final = 1024


def holder_key(payload: Mapping[str, Any]) -> PublicKey:
    """The holder's public key from ``cnf.jwk`` (RFC 9901 §4.1.2, RFC 7800)."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise VerificationFailed("no cnf.jwk to check key binding", code="missing_cnf")
    # Every member is part of the memo key, so a JWK that differs only in a non-string member
    # (say "alg": []) is imported, and refused, on its own instead of matching a cached key.
    memo_key = tuple(sorted(jwk.items()))  # JSON object keys are unique str: no value compares
    try:
        key = _CNF_KEYS.get(memo_key)
    except TypeError:  # an array or object member: not hashable, import without the memo
        return public_key_from_jwk(jwk)
    if key is None:
        key = public_key_from_jwk(jwk)
        if len(_CNF_KEYS) >= _CNF_KEYS_MAX:
            _CNF_KEYS.clear()
        _CNF_KEYS[memo_key] = key
    return key


def verify_kb_jwt(
    kb_jwt: str,
    sd_jwt: str,
    key: PublicKey,
    hash_fn: Callable[[bytes], Any],
    *,
    audience: str,
    nonce: str,
    now: float,
    max_age: int,
    leeway: int,
    algorithms: Collection[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """RFC 9901 §7.3 step 5: signature by the cnf key, typ, iat window, aud, nonce, sd_hash."""
    # verify_compact(kb_jwt, key, algorithms=algorithms, typ="kb+jwt").claims, inlined: same
    # checks in the same order, without the VerifiedJws object and a second look at the header.
    h, p, s = _split(kb_jwt, DEFAULT_MAX_JWS_LENGTH)
    header = _parse_header(h)
    alg = get_algorithm(header["alg"], algorithms)
    got = header.get("typ")
    if got != "kb+jwt":  # §4.3: typ MUST be kb+jwt
        raise InvalidInput(f"unexpected typ {got!r}", code="invalid_typ")
    signature = b64url_decode(s)
    payload = b64url_decode(p)
    if not is_public_key(key):
        raise InvalidKey("verification key must be a public key object", code="invalid_key")
    alg.verify(key, kb_jwt[: len(h) + 1 + len(p)].encode("ascii"), signature)
    claims = json_loads(payload)
    if not isinstance(claims, dict):
        raise InvalidInput("JWS payload is not a JSON object", code="invalid_claims")
    iat = numeric_date(claims, "iat")
    if iat is None:
        raise InvalidInput("KB-JWT has no iat", code="invalid_kb_jwt")
    if iat > now + leeway:
        raise VerificationFailed("KB-JWT issued in the future", code="kb_iat_in_future")
    if iat < now - max_age - leeway:
        raise VerificationFailed("KB-JWT too old", code="kb_stale")
    if claims.get("aud") != audience:  # a single string (§4.3), exact match
        raise VerificationFailed("KB-JWT audience mismatch", code="kb_aud_mismatch")
    if claims.get("nonce") != nonce:
        raise VerificationFailed("KB-JWT nonce mismatch", code="kb_nonce_mismatch")
    sd_hash = claims.get("sd_hash")
    if not isinstance(sd_hash, str) or sd_hash != hash_b64(hash_fn, sd_jwt):
        raise VerificationFailed("KB-JWT sd_hash mismatch", code="kb_sd_hash_mismatch")
    return header, claims


def verify_issuer_jwt(
    jwt: str,
    issuer_key: PublicKey | IssuerKeyLookup,
    *,
    algorithms: Collection[str],
    typ: str | Collection[str] | None,
    limits: SdJwtLimits,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """§7.1 step 2: signature with an allowed algorithm by the issuer's key."""
    h, p, s = _split(jwt, limits.max_length)
    header = _parse_header(h)
    alg = get_algorithm(header["alg"], algorithms)
    if typ is not None:
        got = header.get("typ")
        if not (got == typ if isinstance(typ, str) else got in typ):
            raise InvalidInput(f"unexpected typ {got!r}", code="invalid_typ")
    signature = b64url_decode(s)
    payload = json_loads(b64url_decode(p), max_depth=limits.max_depth)
    if not isinstance(payload, dict):
        raise InvalidInput("SD-JWT payload is not a JSON object", code="invalid_claims")
    if is_public_key(issuer_key):
        key: Any = issuer_key
    elif callable(issuer_key):
        key = issuer_key(payload.get("iss"), header)
    else:
        key = issuer_key
    if not is_public_key(key):
        raise InvalidKey("issuer key must be a public key object", code="invalid_key")
    alg.verify(key, jwt[: len(h) + 1 + len(p)].encode("ascii"), signature)
    return header, payload


def verify_sd_jwt(
    token: str,
    issuer_key: PublicKey | IssuerKeyLookup,
    *,
    algorithms: Collection[str] = ("ES256",),
    typ: str | Collection[str] | None = None,
    require_key_binding: bool = True,
    allow_key_binding: bool = True,
    audience: str | None = None,
    nonce: str | None = None,
    now: int | float | datetime | None = None,
    leeway: int = 60,
    kb_max_age: int = 300,
    kb_algorithms: Collection[str] = DEFAULT_KB_ALGORITHMS,
    sd_algs: Collection[str] = tuple(HASH_ALGORITHMS),
    required_claims: Collection[str] = (),
    limits: SdJwtLimits = DEFAULT_LIMITS,
    sd_hash_input: str | None = None,
) -> VerifiedSdJwt:
    """Verify an SD-JWT or SD-JWT+KB (RFC 9901 §7.1 and §7.3) and return the processed claims.

    ``require_key_binding`` is the verifier's policy (§7.3 step 1), never inferred from the input;
    a KB-JWT that is present is always checked (SECURITY.md S-06). Holders receiving an issued
    SD-JWT pass ``require_key_binding=False, allow_key_binding=False`` (§7.2).
    ``sd_hash_input``: the SD-JWT the KB-JWT's ``sd_hash`` covers when it is not ``token``'s own
    (General JWS JSON with several signatures: built from the first one, §8.1; see
    :func:`verify_sd_jwt_json`).
    """
    parsed = parse_compact(token, limits)
    if parsed.kb_jwt is None and require_key_binding:
        raise VerificationFailed("key binding required", code="kb_required")
    if parsed.kb_jwt is not None and not allow_key_binding:
        raise InvalidInput("SD-JWT+KB where an SD-JWT was expected", code="unexpected_kb_jwt")
    header, payload = verify_issuer_jwt(
        parsed.jwt, issuer_key, algorithms=algorithms, typ=typ, limits=limits
    )
    claims, disclosures = process_payload(
        payload, parsed.disclosures, sd_algs=sd_algs, limits=limits
    )
    t = _now(now)
    check_validity(claims, t, leeway, required_claims)
    kb_header = kb_claims = None
    if parsed.kb_jwt is not None:
        if audience is None or nonce is None:
            raise VerificationFailed(
                "expected audience and nonce are needed to check key binding",
                code="kb_expectations_missing",
            )
        kb_header, kb_claims = verify_kb_jwt(
            parsed.kb_jwt,
            parsed.sd_jwt if sd_hash_input is None else sd_hash_input,
            holder_key(payload),
            hash_function(payload.get(SD_ALG_KEY, "sha-256")),
            audience=audience,
            nonce=nonce,
            now=t,
            max_age=kb_max_age,
            leeway=leeway,
            algorithms=kb_algorithms,
        )
    return VerifiedSdJwt(header, claims, disclosures, kb_header, kb_claims, payload)
