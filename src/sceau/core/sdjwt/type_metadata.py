"""SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc §"SD-JWT VC Type Metadata"): parsing,
bilingual display lookup (en-CA / fr-CA) and document integrity (§"Integrity of Referenced
Documents", W3C SRI syntax).

Parsing is strict about structure and caps text lengths (SECURITY.md S-08); unknown properties
are ignored as the spec requires. ``extends`` chains are resolved by the caller (who fetches);
:func:`check_extends_chain` rejects cycles and over-long chains.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sceau.core.encoding import json_loads
from sceau.core.errors import InvalidInput, UnsupportedAlgorithm, VerificationFailed

__all__ = [
    "ClaimDisplay",
    "ClaimMetadata",
    "TypeDisplay",
    "TypeMetadata",
    "check_extends_chain",
    "parse_type_metadata",
    "type_metadata_for",
    "verify_integrity",
]

MAX_TEXT: Final = 2048
MAX_ITEMS: Final = 256
_SD_VALUES: Final = frozenset({"always", "allowed", "never"})
# SRI hash names, strongest last (§"Integrity of Referenced Documents": use the strongest).
_SRI: Final = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_SRI_ORDER: Final = ("sha256", "sha384", "sha512")


@dataclass(frozen=True, slots=True)
class TypeDisplay:
    locale: str
    name: str
    description: str | None = None
    rendering: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ClaimDisplay:
    locale: str
    label: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimMetadata:
    path: tuple[str | int | None, ...]
    display: tuple[ClaimDisplay, ...] = ()
    mandatory: bool = False
    sd: str = "allowed"
    svg_id: str | None = None

    def label(self, locale: str) -> str | None:
        entry = _best(self.display, locale)
        return entry.label if entry else None


@dataclass(frozen=True, slots=True)
class TypeMetadata:
    vct: str
    name: str | None = None
    description: str | None = None
    extends: str | None = None
    extends_integrity: str | None = None
    display: tuple[TypeDisplay, ...] = ()
    claims: tuple[ClaimMetadata, ...] = ()

    def display_for(self, locale: str) -> TypeDisplay | None:
        """Best display entry: exact tag, then same language (``fr-CA`` → ``fr``), then first."""
        entry: TypeDisplay | None = _best(self.display, locale)
        return entry

    def claim(self, path: Sequence[str | int | None]) -> ClaimMetadata | None:
        want = tuple(path)
        return next((c for c in self.claims if c.path == want), None)


def _best(entries: Sequence[Any], locale: str) -> Any:
    if not entries:
        return None
    lower = locale.lower()
    for e in entries:
        if e.locale.lower() == lower:
            return e
    lang = lower.split("-")[0]
    for e in entries:
        if e.locale.lower().split("-")[0] == lang:
            return e
    return entries[0]


def _text(obj: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise InvalidInput(
            f"type metadata {name!r} must be a string ≤ {MAX_TEXT}", code="invalid_type_metadata"
        )
    return value


def _array(obj: Mapping[str, Any], name: str) -> list[Any]:
    value = obj.get(name, [])
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise InvalidInput(f"type metadata {name!r} must be an array", code="invalid_type_metadata")
    for item in value:
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{name!r} entries must be objects", code="invalid_type_metadata")
    return value


def _claim(obj: Mapping[str, Any]) -> ClaimMetadata:
    path = obj.get("path")
    if not isinstance(path, list) or not path or len(path) > 32:
        raise InvalidInput("claim path must be a non-empty array", code="invalid_type_metadata")
    for comp in path:
        ok = (
            comp is None
            or isinstance(comp, str)
            or (isinstance(comp, int) and not isinstance(comp, bool) and comp >= 0)
        )
        if not ok:
            raise InvalidInput("claim path component invalid", code="invalid_type_metadata")
    sd = obj.get("sd", "allowed")
    if not isinstance(sd, str) or sd not in _SD_VALUES:
        raise InvalidInput("claim sd must be always/allowed/never", code="invalid_type_metadata")
    mandatory = obj.get("mandatory", False)
    if not isinstance(mandatory, bool):
        raise InvalidInput("claim mandatory must be a boolean", code="invalid_type_metadata")
    display = tuple(
        ClaimDisplay(
            str(_text(d, "locale", required=True)),
            str(_text(d, "label", required=True)),
            _text(d, "description"),
        )
        for d in _array(obj, "display")
    )
    return ClaimMetadata(tuple(path), display, mandatory, sd, _text(obj, "svg_id"))


def parse_type_metadata(document: bytes | str | Mapping[str, Any]) -> TypeMetadata:
    """Parse and validate a Type Metadata document (raises ``invalid_type_metadata``)."""
    obj = (
        json_loads(document, max_bytes=256 * 1024)
        if isinstance(document, (bytes, str))
        else document
    )
    if not isinstance(obj, Mapping):
        raise InvalidInput("type metadata must be a JSON object", code="invalid_type_metadata")
    display = []
    for d in _array(obj, "display"):
        rendering = d.get("rendering")
        if rendering is not None and not isinstance(rendering, Mapping):
            raise InvalidInput("rendering must be an object", code="invalid_type_metadata")
        display.append(
            TypeDisplay(
                str(_text(d, "locale", required=True)),
                str(_text(d, "name", required=True)),
                _text(d, "description"),
                rendering,
            )
        )
    return TypeMetadata(
        vct=str(_text(obj, "vct", required=True)),
        name=_text(obj, "name"),
        description=_text(obj, "description"),
        extends=_text(obj, "extends"),
        extends_integrity=_text(obj, "extends#integrity"),
        display=tuple(display),
        claims=tuple(_claim(c) for c in _array(obj, "claims")),
    )


def verify_integrity(document: bytes, integrity: str) -> None:
    """Check ``document`` against SRI integrity metadata (``sha256-<base64>`` …, space-separated).

    Uses only the strongest supported algorithm present; any of its digests may match.
    """
    if not isinstance(integrity, str) or len(integrity) > 4096:
        raise InvalidInput("integrity must be a string", code="invalid_integrity")
    by_alg: dict[str, list[bytes]] = {}
    for token in integrity.split():
        alg, sep, rest = token.partition("-")
        if not sep or alg not in _SRI:
            continue  # unknown algorithms are ignored (W3C SRI §3.3.3)
        b64 = rest.split("?", 1)[0]
        try:
            by_alg.setdefault(alg, []).append(base64.b64decode(b64, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidInput("integrity digest is not base64", code="invalid_integrity") from None
    strongest = next((a for a in reversed(_SRI_ORDER) if a in by_alg), None)
    if strongest is None:
        raise UnsupportedAlgorithm("no supported integrity algorithm", code="unsupported_integrity")
    digest = _SRI[strongest](document).digest()
    if not any(hmac.compare_digest(digest, want) for want in by_alg[strongest]):
        raise VerificationFailed("document does not match its integrity", code="integrity_mismatch")


def check_extends_chain(chain: Sequence[TypeMetadata], *, max_length: int = 8) -> None:
    """Reject circular or over-long ``extends`` chains (§"Circular extends Dependencies")."""
    if len(chain) > max_length:
        raise InvalidInput("extends chain too long", code="extends_too_long")
    seen: set[str] = set()
    for i, meta in enumerate(chain):
        if meta.vct in seen:
            raise InvalidInput("circular extends", code="circular_extends")
        seen.add(meta.vct)
        if i + 1 < len(chain) and meta.extends != chain[i + 1].vct:
            raise InvalidInput("extends chain is not linked", code="invalid_type_metadata")
        if meta.extends is not None and meta.extends in seen:
            raise InvalidInput("circular extends", code="circular_extends")


def type_metadata_for(vct: str, document: bytes, integrity: str | None = None) -> TypeMetadata:
    """Validate a fetched Type Metadata document for a credential's ``vct``.

    ``integrity`` is the credential's ``vct#integrity`` claim, checked over the exact fetched
    octets before parsing (§"Integrity of Referenced Documents"); the document's ``vct`` must equal
    the credential's (§"Retrieving Type Metadata").
    """
    if integrity is not None:
        verify_integrity(document, integrity)
    meta = parse_type_metadata(document)
    if meta.vct != vct:
        raise VerificationFailed("type metadata describes another vct", code="vct_mismatch")
    return meta
