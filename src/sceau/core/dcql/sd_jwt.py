"""From an issued SD-JWT VC held by a wallet to a :class:`HolderCredential` for DCQL matching.

Walks the issuer-signed payload like RFC 9901 §7.1 steps 3–4 and records, for every
selectively disclosable claim, its *processed* concrete path (array indices as they appear after
undisclosed elements are removed) and the Disclosure that reveals it. A :class:`CredentialMatch`
built from it lists exactly the Disclosures to send: ``issuer_jwt~D1~...~Dn~`` (+ KB-JWT).

The holder verified the SD-JWT when it was issued; this walk re-checks only what it relies on
(allowed ``_sd_alg``, well-formed and unique Disclosures, bounded depth).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sceau.core.dcql.match import CredentialMatch, HolderCredential
from sceau.core.dcql.path import ConcretePath
from sceau.core.dcql.query import SD_JWT_VC
from sceau.core.encoding import b64url_decode, b64url_encode, json_loads
from sceau.core.errors import InputTooLarge, InvalidInput
from sceau.core.jose import decode_compact_unverified
from sceau.core.sdjwt import DEFAULT_LIMITS, HASH_ALGORITHMS, SdJwtLimits, parse_compact

__all__ = ["holder_credential_from_sd_jwt", "presentation_for_match"]

_SD = "_sd"
_SD_ALG = "_sd_alg"
_ARRAY = "..."


class _Walker:
    def __init__(self, by_digest: Mapping[str, tuple[str, list[Any]]], max_depth: int) -> None:
        self.by_digest = by_digest
        self.max_depth = max_depth
        self.paths: dict[ConcretePath, str] = {}

    def value(self, node: Any, path: ConcretePath) -> Any:
        if len(path) > self.max_depth:
            raise InputTooLarge("SD-JWT nested too deeply", code="sd_jwt_too_deep")
        if isinstance(node, dict):
            return self.obj(node, path)
        if isinstance(node, list):
            return self.array(node, path)
        return node

    def obj(self, node: dict[str, Any], path: ConcretePath) -> dict[str, Any]:
        out = {k: self.value(v, (*path, k)) for k, v in node.items() if k not in (_SD, _SD_ALG)}
        digests = node.get(_SD, [])
        for digest in digests if isinstance(digests, list) else []:
            found = self.by_digest.get(digest) if isinstance(digest, str) else None
            if found is None or len(found[1]) != 3:
                continue  # decoy, undisclosed, or not an object disclosure
            name = found[1][1]
            if name in out:
                raise InvalidInput("disclosed claim already exists", code="claim_name_exists")
            self.paths[(*path, name)] = found[0]
            out[name] = self.value(found[1][2], (*path, name))
        return out

    def array(self, node: list[Any], path: ConcretePath) -> list[Any]:
        out: list[Any] = []
        for item in node:
            if isinstance(item, dict) and len(item) == 1 and _ARRAY in item:
                found = self.by_digest.get(item[_ARRAY])
                if found is None or len(found[1]) != 2:
                    continue  # undisclosed elements vanish (§7.1 step 3.4)
                self.paths[(*path, len(out))] = found[0]
                out.append(self.value(found[1][1], (*path, len(out))))
            else:
                out.append(self.value(item, (*path, len(out))))
        return out


def holder_credential_from_sd_jwt(
    sd_jwt: str,
    *,
    credential_id: str,
    extra_types: tuple[str, ...] = (),
    authorities: frozenset[tuple[str, str]] = frozenset(),
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> HolderCredential:
    """A wallet's issued SD-JWT VC (``<JWT>~<D1>~...~``) as a DCQL :class:`HolderCredential`.

    ``extra_types``: ``vct`` values the credential's type extends (SD-JWT VC type metadata), which
    OpenID4VP §B.3.5 lets ``vct_values`` match too.
    """
    parsed = parse_compact(sd_jwt, limits)
    if parsed.kb_jwt is not None:
        raise InvalidInput("an issued SD-JWT has no KB-JWT", code="unexpected_kb_jwt")
    _, raw = decode_compact_unverified(parsed.jwt, max_length=limits.max_length)
    payload = json_loads(raw, max_depth=limits.max_depth)
    if not isinstance(payload, dict):
        raise InvalidInput("SD-JWT payload is not a JSON object", code="invalid_claims")
    hash_fn = HASH_ALGORITHMS.get(payload.get(_SD_ALG, "sha-256"))
    if hash_fn is None:
        raise InvalidInput("_sd_alg is not allowed", code="sd_alg_not_allowed")
    by_digest: dict[str, tuple[str, list[Any]]] = {}
    for encoded in parsed.disclosures:
        parts = json_loads(b64url_decode(encoded), max_depth=limits.max_depth)
        if not isinstance(parts, list) or len(parts) not in (2, 3):
            raise InvalidInput("malformed disclosure", code="invalid_disclosure")
        digest = b64url_encode(hash_fn(encoded.encode("ascii")).digest())
        if digest in by_digest:
            raise InvalidInput("disclosure repeated", code="disclosure_repeated")
        by_digest[digest] = (encoded, parts)
    walker = _Walker(by_digest, limits.max_depth)
    claims = walker.obj(payload, ())
    vct = claims.get("vct")
    types = ((vct,) if isinstance(vct, str) else ()) + tuple(extra_types)
    return HolderCredential(
        id=credential_id,
        format=SD_JWT_VC,
        claims=claims,
        types=types,
        disclosures=walker.paths,
        holder_binding="cnf" in payload,
        authorities=authorities,
    )


def presentation_for_match(sd_jwt: str, match: CredentialMatch) -> str:
    """``<issuer JWT>~<the match's Disclosures>~``, ready for a KB-JWT (RFC 9901 §4)."""
    parsed = parse_compact(sd_jwt)
    return "~".join([parsed.jwt, *match.disclosures, ""])
