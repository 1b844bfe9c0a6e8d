"""Building the unsigned payloads of the three formats from a credential type and claims.

Pure functions (no I/O): the service signs what these return.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sceau.core.sdjwt import SD
from sceau.credential_types.models import CredentialType

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
# Algorithm the tenant's key must use for each Data Integrity cryptosuite (VC DI ECDSA §3,
# EdDSA §3). ES256 is the HAIP 1.0 default elsewhere (None = the key service's default, ES256).
SUITE_ALGORITHM: Final[dict[str, str]] = {
    "ecdsa-rdfc-2019": "ES256",
    "ecdsa-jcs-2019": "ES256",
    "eddsa-rdfc-2022": "EdDSA",
}


def xml_datetime(epoch_s: int) -> str:
    """A VCDM 2.0 ``dateTimeStamp`` (§4.9) in UTC with second precision."""
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SdPlan:
    """How a type's claims are made disclosable: top-level names and nested paths."""

    __slots__ = ("nested", "top")

    def __init__(self, paths: Sequence[Sequence[str]]) -> None:
        self.top: frozenset[str] = frozenset(p[0] for p in paths if len(p) == 1)
        self.nested: tuple[tuple[str, ...], ...] = tuple(tuple(p) for p in paths if len(p) > 1)

    def mark(self, claims: Mapping[str, Any]) -> dict[Any, Any]:
        """``claims`` with :class:`SD` markers on every nested path (top level stays plain: the
        core takes those names as ``disclosable``). Paths absent from the claims are skipped."""
        if not self.nested:
            return dict(claims)
        out: dict[Any, Any] = _copy_objects(claims)
        for path in self.nested:
            parent: Any = out
            for name in path[:-1]:
                parent = parent.get(name) if isinstance(parent, dict) else None
            leaf = path[-1]
            if isinstance(parent, dict) and leaf in parent:
                parent[SD(leaf)] = parent.pop(leaf)
        return out


def _copy_objects(value: Mapping[str, Any]) -> dict[Any, Any]:
    return {k: _copy_objects(v) if isinstance(v, dict) else v for k, v in value.items()}


@functools.lru_cache(maxsize=1024)
def vc_context(issuer_url: str) -> list[Any]:
    """``@context`` of credentials built from claims: VCDM 2.0 plus an inline ``@vocab`` under
    the Credential Issuer's URL, so type-specific claim names expand to IRIs without a context
    to fetch (JSON-LD 1.1 §4.1.2; the shipped VC 2.0 context defines no ``@vocab``)."""
    # Cached: the JSON-LD layer caches processed contexts by object identity (treat read-only).
    return [VC_V2_CONTEXT, {"@vocab": f"{issuer_url}/vocab#"}]


def vc_document(
    ct: CredentialType,
    *,
    context: list[Any],
    issuer: str,
    subject: Mapping[str, Any],
    valid_from: int,
    valid_until: int,
    credential_status: list[dict[str, Any]] | None,
    base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A VCDM 2.0 credential (§4) for ``ct`` with ``subject`` as ``credentialSubject``.

    ``base`` (VC API) keeps the caller's ``@context``, ``id``, ``type`` and other members.
    """
    doc: dict[str, Any] = dict(base) if base is not None else {}
    doc.setdefault("@context", context)
    doc.setdefault("type", list(ct.vc_type or ["VerifiableCredential"]))
    doc["issuer"] = issuer
    doc.setdefault("validFrom", xml_datetime(valid_from))
    doc.setdefault("validUntil", xml_datetime(valid_until))
    doc["credentialSubject"] = dict(subject)
    if credential_status:
        # VCDM 2.0 §4.10: one entry or an array of entries.
        doc["credentialStatus"] = credential_status
    return doc
