"""Matching a holder's credentials against a DCQL query (OpenID4VP 1.0 §6.4), and checking on the
Verifier side that returned presentations satisfy it (§6.4, §6.5 — never rely on the Wallet).

A credential is described format-neutrally by :class:`HolderCredential`: its processed claims
(SD-JWT VC: the payload with every disclosure applied; W3C VC: the credential document; mdoc:
``{namespace: {element: value}}``), its types, and for SD-JWT the disclosure behind each
selectively disclosable claim path, so that the result says exactly what to release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sceau.core.dcql.errors import ClaimsPathError, DcqlNotSatisfied
from sceau.core.dcql.path import ConcretePath, select_claims, select_mdoc_claim
from sceau.core.dcql.query import (
    MSO_MDOC,
    SD_JWT_VC,
    W3C_FORMATS,
    ClaimsQuery,
    CredentialQuery,
    DcqlQuery,
)

__all__ = [
    "VC_V2_TYPE_IRIS",
    "CredentialMatch",
    "DcqlResult",
    "HolderCredential",
    "evaluate_dcql_query",
    "match_credential",
    "verify_presented_credentials",
]

# Types defined by the VCDM 2.0 base context (https://www.w3.org/ns/credentials/v2), expanded
# as JSON-LD would; other terms stay as they are unless the caller supplies expanded types
# (OpenID4VP §B.1.1 allows equivalent mechanisms to JSON-LD expansion).
VC_V2_TYPE_IRIS: Mapping[str, str] = {
    "VerifiableCredential": "https://www.w3.org/2018/credentials#VerifiableCredential",
    "VerifiablePresentation": "https://www.w3.org/2018/credentials#VerifiablePresentation",
    "EnvelopedVerifiableCredential": (
        "https://www.w3.org/2018/credentials#EnvelopedVerifiableCredential"
    ),
    "BitstringStatusListCredential": (
        "https://www.w3.org/ns/credentials/status#BitstringStatusListCredential"
    ),
}


@dataclass(frozen=True)
class HolderCredential:
    """One credential in a wallet, as DCQL sees it.

    ``types``: SD-JWT VC ``vct`` (plus types it extends), expanded W3C VC types, or the mdoc
    doctype. For W3C formats, when empty, they are derived from ``claims["type"]``.
    ``disclosures``: SD-JWT only — concrete claim path → the disclosure that reveals it.
    ``authorities``: trusted-authority matches known for its issuer, as ``(type, value)`` pairs.
    """

    id: str
    format: str
    claims: Mapping[str, Any]
    types: tuple[str, ...] = ()
    disclosures: Mapping[ConcretePath, str] = field(default_factory=dict)
    holder_binding: bool = True
    authorities: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class CredentialMatch:
    """A credential satisfying a Credential Query, with the claims to present."""

    query_id: str
    credential_id: str
    claim_paths: tuple[ConcretePath, ...]
    claim_set: tuple[str, ...] | None
    disclosures: tuple[str, ...]


@dataclass(frozen=True)
class DcqlResult:
    """Outcome of evaluating a query against a wallet.

    ``matches``: every matching credential per Credential Query id. ``selection``: what to return
    (§6.4.2: for ``credential_sets``, the first satisfiable option of each set; one credential
    per query unless ``multiple``). ``satisfiable``: whether the whole query can be answered.
    """

    matches: Mapping[str, tuple[CredentialMatch, ...]]
    selection: Mapping[str, tuple[CredentialMatch, ...]]
    satisfiable: bool


def _types_of(cred: HolderCredential) -> set[str]:
    if cred.types:
        return set(cred.types)
    if cred.format in W3C_FORMATS:
        raw = cred.claims.get("type")
        names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        return {VC_V2_TYPE_IRIS.get(t, t) for t in names if isinstance(t, str)}
    if cred.format == SD_JWT_VC and isinstance(cred.claims.get("vct"), str):
        return {cred.claims["vct"]}
    return set()


def _meta_matches(cq: CredentialQuery, cred: HolderCredential) -> bool:
    types = _types_of(cred)
    if cq.format == SD_JWT_VC:
        return bool(types & set(cq.vct_values))
    if cq.format in W3C_FORMATS:
        return any(set(alt) <= types for alt in cq.type_values)
    if cq.format == MSO_MDOC:
        return cq.meta.get("doctype_value") in types
    return False


def _value_equal(a: Any, b: Any) -> bool:
    # §6.3 "type and value of the claim both match exactly": True is not 1.
    return type(a) is type(b) and a == b


def _select(cred: HolderCredential, claim: ClaimsQuery) -> list[ConcretePath] | None:
    try:
        if cred.format == MSO_MDOC:
            selected = select_mdoc_claim(cred.claims, claim.path)
        else:
            selected = select_claims(cred.claims, claim.path)
    except ClaimsPathError:
        return None
    if claim.values is not None:
        selected = [
            (p, v) for p, v in selected if any(_value_equal(v, want) for want in claim.values)
        ]
    return [p for p, _ in selected] or None


def _disclosures_for(cred: HolderCredential, paths: Iterable[ConcretePath]) -> tuple[str, ...]:
    """SD-JWT: disclosures revealing each path — its own, its ancestors' (a nested claim is only
    reachable through its parents) and its descendants' (a selected object comes whole)."""
    wanted: list[str] = []
    seen: set[str] = set()
    for path in paths:
        for dpath, disclosure in cred.disclosures.items():
            related = dpath == path[: len(dpath)] or path == dpath[: len(path)]
            if related and disclosure not in seen:
                seen.add(disclosure)
                wanted.append(disclosure)
    return tuple(wanted)


def match_credential(cq: CredentialQuery, cred: HolderCredential) -> CredentialMatch | None:
    """The match of one credential against one Credential Query, or None (§6.4.1)."""
    if cred.format != cq.format or not _meta_matches(cq, cred):
        return None
    if cq.require_cryptographic_holder_binding and not cred.holder_binding:
        return None
    if cq.trusted_authorities is not None:
        wanted = {(ta.type, v) for ta in cq.trusted_authorities for v in ta.values}
        if not wanted & cred.authorities:
            return None
    if cq.claims is None:  # no selectively disclosable claims requested
        return CredentialMatch(cq.id, cred.id, (), None, ())
    by_id = {c.id: c for c in cq.claims if c.id is not None}
    options: Sequence[tuple[str, ...] | None] = cq.claim_sets or (None,)
    for option in options:  # first satisfiable option (§6.4.1)
        chosen = cq.claims if option is None else tuple(by_id[i] for i in option)
        paths: list[ConcretePath] = []
        for claim in chosen:
            selected = _select(cred, claim)
            if selected is None:
                break
            paths.extend(p for p in selected if p not in paths)
        else:
            return CredentialMatch(
                query_id=cq.id,
                credential_id=cred.id,
                claim_paths=tuple(paths),
                claim_set=option,
                disclosures=_disclosures_for(cred, paths),
            )
    return None


def evaluate_dcql_query(query: DcqlQuery, credentials: Sequence[HolderCredential]) -> DcqlResult:
    """Evaluate ``query`` against a holder's credentials (§6.4.1 and §6.4.2)."""
    matches: dict[str, tuple[CredentialMatch, ...]] = {}
    for cq in query.credentials:
        found = (match_credential(cq, c) for c in credentials)
        matches[cq.id] = tuple(m for m in found if m is not None)
    satisfied = {qid for qid, ms in matches.items() if ms}
    chosen: list[str] = []
    if query.credential_sets is None:
        ok = satisfied == set(matches)
        chosen = [cq.id for cq in query.credentials]
    else:
        ok = True
        for cs in query.credential_sets:
            option = next((o for o in cs.options if set(o) <= satisfied), None)
            if option is None:
                ok = ok and not cs.required
                continue
            chosen.extend(i for i in option if i not in chosen)
    selection: dict[str, tuple[CredentialMatch, ...]] = {}
    if ok:
        for qid in chosen:
            ms = matches[qid]
            selection[qid] = ms if query.by_id[qid].multiple else ms[:1]
    return DcqlResult(matches=matches, selection=selection, satisfiable=ok)


def verify_presented_credentials(
    query: DcqlQuery, presented: Mapping[str, Sequence[HolderCredential]]
) -> dict[str, tuple[CredentialMatch, ...]]:
    """Verifier side: check verified, presented credentials (keyed by Credential Query id, as in
    ``vp_token``) against the query. Raises :class:`DcqlNotSatisfied` on any violation.

    Enforced: only known query ids; non-empty arrays; one presentation unless ``multiple``
    (§8.1 ``vp_token``); each credential matches its query (format, meta, holder binding,
    claims/values); the queries, or the required ``credential_sets``, are all answered.
    """
    unknown = set(presented) - set(query.by_id)
    if unknown:
        raise DcqlNotSatisfied("vp_token has entries for unknown credential queries")
    out: dict[str, tuple[CredentialMatch, ...]] = {}
    for qid, creds in presented.items():
        cq = query.by_id[qid]
        if not creds:
            raise DcqlNotSatisfied("vp_token entry is empty")
        if len(creds) > 1 and not cq.multiple:
            raise DcqlNotSatisfied("several presentations for a query without multiple")
        found = []
        for cred in creds:
            m = match_credential(cq, cred)
            if m is None:
                raise DcqlNotSatisfied("a presented credential does not match its query")
            found.append(m)
        out[qid] = tuple(found)
    answered = set(out)
    if query.credential_sets is None:
        if answered != set(query.by_id):
            raise DcqlNotSatisfied("not every credential query was answered")
    else:
        for cs in query.credential_sets:
            if cs.required and not any(set(o) <= answered for o in cs.options):
                raise DcqlNotSatisfied("a required credential set is not satisfied")
    return out
