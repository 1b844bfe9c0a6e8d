"""Holder presentation (RFC 9901 §7.2) and Key Binding JWT creation (§4.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sceau.core.encoding import json_loads
from sceau.core.errors import InvalidInput
from sceau.core.jose import (
    Signer,
    SoftwareSigner,
    decode_compact_unverified,
    sign_compact,
    sign_compact_sync,
)
from sceau.core.sdjwt._model import (
    ARRAY_KEY,
    DEFAULT_LIMITS,
    SD_ALG_KEY,
    SD_KEY,
    SdJwtLimits,
    hash_b64,
    hash_function,
)
from sceau.core.sdjwt._verify import decode_disclosures, parse_compact

__all__ = [
    "create_presentation",
    "create_presentation_sync",
    "kb_jwt_payload",
    "select_disclosures",
]

# A disclosure frame says what to reveal, with the semantics of the reference implementation
# (so the spec examples reproduce): for an object member, True or a non-empty dict/list reveals
# the claim (and a dict/list walks into its value), while {} / [] / None / False walk without
# revealing; a list addresses array elements by position, where anything but None/False reveals.
Frame = Mapping[str, Any] | list[Any] | bool | None


class _Selector:
    __slots__ = ("by_digest", "chosen")

    def __init__(self, by_digest: dict[str, tuple[str, list[Any]]]) -> None:
        self.by_digest = by_digest
        self.chosen: list[str] = []

    def walk(self, node: Any, frame: Any) -> None:
        if frame is None or frame is False:
            return
        if isinstance(node, dict):
            sub = frame if isinstance(frame, Mapping) else {}
            for key, val in node.items():
                if key == SD_KEY and isinstance(val, list):
                    for digest in val:
                        found = self.by_digest.get(digest) if isinstance(digest, str) else None
                        if found is None or len(found[1]) != 3:
                            continue
                        name, value = found[1][1], found[1][2]
                        want = sub.get(name)
                        if want:  # as the reference: True or a non-empty frame discloses
                            self.chosen.append(found[0])
                            self.walk(value, want)
                elif key not in (SD_ALG_KEY,):
                    self.walk(val, sub.get(key))
        elif isinstance(node, list):
            sub_list = frame if isinstance(frame, list) else []
            for pos, item in enumerate(node):
                want = sub_list[pos] if pos < len(sub_list) else None
                if isinstance(item, dict) and len(item) == 1 and ARRAY_KEY in item:
                    digest = item[ARRAY_KEY]
                    found = self.by_digest.get(digest) if isinstance(digest, str) else None
                    if found is None or len(found[1]) != 2 or want is None or want is False:
                        continue
                    self.chosen.append(found[0])
                    self.walk(found[1][1], want)
                else:
                    self.walk(item, want)


def select_disclosures(
    sd_jwt: str, frame: Frame, *, limits: SdJwtLimits = DEFAULT_LIMITS
) -> tuple[str, list[str]]:
    """Pick the Disclosures named by ``frame`` from an issued SD-JWT the holder already verified.

    Returns ``(issuer_jwt, disclosures)``; every chosen Disclosure is referenced by the payload or
    by another chosen Disclosure (§7.2 step 2).

    >>> # frame = {"given_name": True, "address": {"locality": True}, "nationalities": [True]}
    """
    parsed = parse_compact(sd_jwt, limits)
    if parsed.kb_jwt is not None:
        raise InvalidInput("issued SD-JWT must not carry a KB-JWT", code="unexpected_kb_jwt")
    _, raw = decode_compact_unverified(parsed.jwt, max_length=limits.max_length)
    payload = json_loads(raw, max_depth=limits.max_depth)
    if not isinstance(payload, dict):
        raise InvalidInput("SD-JWT payload is not a JSON object", code="invalid_claims")
    hash_fn = hash_function(payload.get(SD_ALG_KEY, "sha-256"))
    selector = _Selector(decode_disclosures(parsed.disclosures, hash_fn, limits))
    selector.walk(payload, frame if frame is not True else {})
    return parsed.jwt, selector.chosen


def kb_jwt_payload(
    sd_jwt: str, hash_name: str, *, audience: str, nonce: str, iat: int
) -> dict[str, Any]:
    """KB-JWT claims (§4.3): ``sd_hash`` over ``<JWT>~<D1>~...~<DN>~`` with the ``_sd_alg``."""
    return {
        "iat": iat,
        "aud": audience,
        "nonce": nonce,
        "sd_hash": hash_b64(hash_function(hash_name), sd_jwt),
    }


def _assemble(jwt: str, chosen: list[str]) -> str:
    return "~".join([jwt, *chosen, ""])


def _sd_alg(jwt: str, limits: SdJwtLimits) -> str:
    _, raw = decode_compact_unverified(jwt, max_length=limits.max_length)
    payload = json_loads(raw, max_depth=limits.max_depth)
    alg = payload.get(SD_ALG_KEY, "sha-256") if isinstance(payload, dict) else "sha-256"
    return str(alg)


async def create_presentation(
    sd_jwt: str,
    frame: Frame,
    *,
    holder_signer: Signer | None = None,
    audience: str | None = None,
    nonce: str | None = None,
    iat: int | None = None,
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> str:
    """Build an SD-JWT presentation, with a KB-JWT when ``holder_signer`` is given."""
    jwt, chosen = select_disclosures(sd_jwt, frame, limits=limits)
    presented = _assemble(jwt, chosen)
    if holder_signer is None:
        return presented
    claims = _kb_claims(presented, jwt, audience, nonce, iat, limits)
    return presented + await sign_compact({"typ": "kb+jwt"}, claims, holder_signer)


def create_presentation_sync(
    sd_jwt: str,
    frame: Frame,
    *,
    holder_signer: SoftwareSigner | None = None,
    audience: str | None = None,
    nonce: str | None = None,
    iat: int | None = None,
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> str:
    """Synchronous :func:`create_presentation` for a :class:`SoftwareSigner`."""
    jwt, chosen = select_disclosures(sd_jwt, frame, limits=limits)
    presented = _assemble(jwt, chosen)
    if holder_signer is None:
        return presented
    claims = _kb_claims(presented, jwt, audience, nonce, iat, limits)
    return presented + sign_compact_sync({"typ": "kb+jwt"}, claims, holder_signer)


def _kb_claims(
    presented: str,
    jwt: str,
    audience: str | None,
    nonce: str | None,
    iat: int | None,
    limits: SdJwtLimits,
) -> dict[str, Any]:
    if audience is None or nonce is None or iat is None:
        raise InvalidInput("KB-JWT needs audience, nonce and iat", code="invalid_kb_jwt")
    return kb_jwt_payload(presented, _sd_alg(jwt, limits), audience=audience, nonce=nonce, iat=iat)
