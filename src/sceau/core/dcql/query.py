"""Parsing and validating DCQL queries (OpenID4VP 1.0 §6, claims path pointers §7).

Unknown members are ignored, as §6 requires ("Implementations MUST ignore any unknown
properties"); every defined member is type-checked strictly and every reference must resolve.

>>> q = parse_dcql_query({"credentials": [{"id": "pid", "format": "dc+sd-jwt",
...     "meta": {"vct_values": ["urn:eu.europa.ec.eudi:pid:1"]},
...     "claims": [{"path": ["given_name"]}]}]})
>>> q.credentials[0].claims[0].path
('given_name',)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from sceau.core.dcql.errors import (
    DuplicateDcqlId,
    InvalidClaimsPath,
    InvalidDcqlQuery,
    UnsupportedCredentialFormat,
)

__all__ = [
    "FORMATS",
    "ClaimValue",
    "ClaimsQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlLimits",
    "DcqlQuery",
    "PathComponent",
    "TrustedAuthoritiesQuery",
    "parse_claims_path",
    "parse_dcql_query",
]

PathComponent: TypeAlias = str | int | None
ClaimValue: TypeAlias = str | int | bool

SD_JWT_VC = "dc+sd-jwt"
LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"
MSO_MDOC = "mso_mdoc"
FORMATS = frozenset({SD_JWT_VC, LDP_VC, JWT_VC_JSON, MSO_MDOC})
W3C_FORMATS = frozenset({LDP_VC, JWT_VC_JSON})
# §6.1 id / §6.3 id: "non-empty string consisting of alphanumeric, underscore or hyphen"
_ID = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class DcqlLimits:
    """Size limits applied while parsing (defaults are generous for real queries)."""

    max_credentials: int = 32
    max_claims: int = 64
    max_path_length: int = 16
    max_values: int = 32
    max_sets: int = 16
    max_options: int = 32
    max_id_length: int = 64
    max_string_length: int = 1024


@dataclass(frozen=True)
class ClaimsQuery:
    """§6.3 Claims Query."""

    path: tuple[PathComponent, ...]
    id: str | None = None
    values: tuple[ClaimValue, ...] | None = None
    intent_to_retain: bool | None = None  # mso_mdoc only (§B.2.4)


@dataclass(frozen=True)
class TrustedAuthoritiesQuery:
    """§6.1.1 Trusted Authorities Query."""

    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CredentialQuery:
    """§6.1 Credential Query."""

    id: str
    format: str
    meta: Mapping[str, Any]
    multiple: bool = False
    trusted_authorities: tuple[TrustedAuthoritiesQuery, ...] | None = None
    require_cryptographic_holder_binding: bool = True
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None

    @property
    def vct_values(self) -> tuple[str, ...]:
        return tuple(self.meta.get("vct_values", ()))

    @property
    def type_values(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(t) for t in self.meta.get("type_values", ()))


@dataclass(frozen=True)
class CredentialSetQuery:
    """§6.2 Credential Set Query."""

    options: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class DcqlQuery:
    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None
    by_id: Mapping[str, CredentialQuery] = field(default_factory=dict, repr=False, compare=False)


def _obj(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidDcqlQuery(f"{what} must be an object")
    return value


def _array(value: object, what: str, limit: int) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise InvalidDcqlQuery(f"{what} must be a non-empty array")
    if len(value) > limit:
        raise InvalidDcqlQuery(f"{what} has too many elements")
    return value


def _bool(obj: Mapping[str, Any], name: str, default: bool) -> bool:
    value = obj.get(name, default)
    if not isinstance(value, bool):
        raise InvalidDcqlQuery(f"{name} must be a boolean")
    return value


def _id(value: object, what: str, limits: DcqlLimits) -> str:
    if not isinstance(value, str) or len(value) > limits.max_id_length or not _ID.fullmatch(value):
        raise InvalidDcqlQuery(f"{what} must be a non-empty string of [A-Za-z0-9_-]")
    return value


def _string(value: object, what: str, limits: DcqlLimits) -> str:
    if not isinstance(value, str) or not value or len(value) > limits.max_string_length:
        raise InvalidDcqlQuery(f"{what} must be a non-empty string")
    return value


def parse_claims_path(
    value: object, limits: DcqlLimits | None = None, *, mdoc: bool = False
) -> tuple[PathComponent, ...]:
    """A claims path pointer (§7): non-empty array of strings, nulls and non-negative integers;
    for mso_mdoc exactly two strings (§7.2)."""
    limits = limits or DcqlLimits()
    if not isinstance(value, list) or not value or len(value) > limits.max_path_length:
        raise InvalidClaimsPath("claims path must be a non-empty array")
    out: list[PathComponent] = []
    for comp in value:
        if comp is None or isinstance(comp, str):
            if isinstance(comp, str) and len(comp) > limits.max_string_length:
                raise InvalidClaimsPath("claims path component is too long")
            out.append(comp)
        elif type(comp) is int and comp >= 0:  # bool is not an index
            out.append(comp)
        else:
            raise InvalidClaimsPath("claims path components are strings, null or integers >= 0")
    if mdoc and (len(out) != 2 or not all(isinstance(c, str) for c in out)):
        raise InvalidClaimsPath("mso_mdoc claims path is [namespace, data element]")
    return tuple(out)


def _claim_value(value: object, limits: DcqlLimits) -> ClaimValue:
    if isinstance(value, bool) or type(value) is int:
        return value
    if isinstance(value, str) and len(value) <= limits.max_string_length:
        return value
    raise InvalidDcqlQuery("claim values must be strings, integers or booleans")


def _parse_claims_query(raw: object, fmt: str, limits: DcqlLimits) -> ClaimsQuery:
    obj = _obj(raw, "claims query")
    claim_id = _id(obj["id"], "claims query id", limits) if "id" in obj else None
    if "path" not in obj:
        raise InvalidClaimsPath("claims query needs a path")
    path = parse_claims_path(obj["path"], limits, mdoc=fmt == MSO_MDOC)
    values: tuple[ClaimValue, ...] | None = None
    if "values" in obj:
        values = tuple(
            _claim_value(v, limits) for v in _array(obj["values"], "values", limits.max_values)
        )
    retain: bool | None = None
    if "intent_to_retain" in obj:
        retain = _bool(obj, "intent_to_retain", False)
    return ClaimsQuery(path=path, id=claim_id, values=values, intent_to_retain=retain)


def _parse_meta(raw: object, fmt: str, limits: DcqlLimits) -> Mapping[str, Any]:
    meta = _obj(raw, "meta")
    if fmt == SD_JWT_VC:  # §B.3.5 vct_values: REQUIRED, non-empty array of strings
        vcts = _array(meta.get("vct_values"), "meta.vct_values", limits.max_values)
        for v in vcts:
            _string(v, "vct value", limits)
    elif fmt in W3C_FORMATS:  # §B.1.1 type_values: REQUIRED, non-empty array of string arrays
        for alt in _array(meta.get("type_values"), "meta.type_values", limits.max_values):
            for t in _array(alt, "type_values entry", limits.max_values):
                _string(t, "type value", limits)
    elif fmt == MSO_MDOC:  # §B.2.3 doctype_value: REQUIRED string
        _string(meta.get("doctype_value"), "meta.doctype_value", limits)
    return meta


def _parse_credential_query(raw: object, limits: DcqlLimits) -> CredentialQuery:
    obj = _obj(raw, "credential query")
    cq_id = _id(obj.get("id"), "credential query id", limits)
    fmt = obj.get("format")
    if not isinstance(fmt, str):
        raise InvalidDcqlQuery("format must be a string")
    if fmt not in FORMATS:
        raise UnsupportedCredentialFormat("unknown credential format")
    if "meta" not in obj:
        raise InvalidDcqlQuery("meta is required")
    meta = _parse_meta(obj["meta"], fmt, limits)
    authorities: tuple[TrustedAuthoritiesQuery, ...] | None = None
    if "trusted_authorities" in obj:
        items = []
        for ta in _array(obj["trusted_authorities"], "trusted_authorities", limits.max_values):
            ta_obj = _obj(ta, "trusted authorities query")
            ta_type = _string(ta_obj.get("type"), "trusted_authorities type", limits)
            vals = _array(ta_obj.get("values"), "trusted_authorities values", limits.max_values)
            items.append(
                TrustedAuthoritiesQuery(
                    ta_type, tuple(_string(v, "trusted authority", limits) for v in vals)
                )
            )
        authorities = tuple(items)
    claims: tuple[ClaimsQuery, ...] | None = None
    if "claims" in obj:
        claims = tuple(
            _parse_claims_query(c, fmt, limits)
            for c in _array(obj["claims"], "claims", limits.max_claims)
        )
        ids = [c.id for c in claims if c.id is not None]
        if len(ids) != len(set(ids)):
            raise DuplicateDcqlId("claims query ids must be unique")
        paths = [c.path for c in claims]
        if len(paths) != len(set(paths)):  # §6.1 "MUST NOT point to the same claim more than once"
            raise DuplicateDcqlId("two claims queries point to the same claim")
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    if "claim_sets" in obj:
        if claims is None:  # §6.4.1 "claim_sets MUST NOT be present if claims is absent"
            raise InvalidDcqlQuery("claim_sets needs claims")
        if any(c.id is None for c in claims):  # §6.3 id REQUIRED if claim_sets is present
            raise InvalidDcqlQuery("every claims query needs an id when claim_sets is present")
        known = {c.id for c in claims}
        sets = []
        for option in _array(obj["claim_sets"], "claim_sets", limits.max_options):
            ids_ = tuple(
                _id(i, "claim_sets id", limits)
                for i in _array(option, "claim_sets option", limits.max_claims)
            )
            if not set(ids_) <= known:
                raise InvalidDcqlQuery("claim_sets refers to an unknown claims query id")
            sets.append(ids_)
        claim_sets = tuple(sets)
    return CredentialQuery(
        id=cq_id,
        format=fmt,
        meta=meta,
        multiple=_bool(obj, "multiple", False),
        trusted_authorities=authorities,
        require_cryptographic_holder_binding=_bool(
            obj, "require_cryptographic_holder_binding", True
        ),
        claims=claims,
        claim_sets=claim_sets,
    )


def parse_dcql_query(raw: object, limits: DcqlLimits | None = None) -> DcqlQuery:
    """Validate a DCQL query (a decoded JSON object) into a :class:`DcqlQuery`."""
    limits = limits or DcqlLimits()
    obj = _obj(raw, "dcql_query")
    credentials = tuple(
        _parse_credential_query(c, limits)
        for c in _array(obj.get("credentials"), "credentials", limits.max_credentials)
    )
    by_id: dict[str, CredentialQuery] = {}
    for cq in credentials:
        if cq.id in by_id:  # §6.1 "the same id MUST NOT be present more than once"
            raise DuplicateDcqlId("credential query ids must be unique")
        by_id[cq.id] = cq
    sets: tuple[CredentialSetQuery, ...] | None = None
    if "credential_sets" in obj:
        items = []
        for cs in _array(obj["credential_sets"], "credential_sets", limits.max_sets):
            cs_obj = _obj(cs, "credential set query")
            options = []
            for option in _array(cs_obj.get("options"), "options", limits.max_options):
                ids = tuple(
                    _id(i, "options id", limits)
                    for i in _array(option, "option", limits.max_credentials)
                )
                if not set(ids) <= set(by_id):
                    raise InvalidDcqlQuery("credential_sets refers to an unknown credential query")
                options.append(ids)
            items.append(
                CredentialSetQuery(options=tuple(options), required=_bool(cs_obj, "required", True))
            )
        sets = tuple(items)
    return DcqlQuery(credentials=credentials, credential_sets=sets, by_id=by_id)
