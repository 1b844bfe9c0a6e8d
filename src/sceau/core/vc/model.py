"""W3C VC Data Model 2.0: structural validation of credentials and presentations.

These checks are the data model's own rules (VCDM 2.0 §4); they run on the JSON form and do not
verify any proof. ``check_validity_period`` compares ``validFrom``/``validUntil`` with an injected
``now`` (the core has no clock).

>>> cred = {"@context": ["https://www.w3.org/ns/credentials/v2"],
...         "type": ["VerifiableCredential"], "issuer": "did:example:issuer",
...         "validFrom": "2026-01-01T00:00:00Z", "credentialSubject": {"id": "did:example:a"}}
>>> validate_credential(cred)
>>> check_validity_period(cred, now=1767225600)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sceau.core.errors import InvalidInput, VerificationFailed

__all__ = [
    "CREDENTIALS_V2_URL",
    "CredentialExpired",
    "CredentialNotYetValid",
    "InvalidCredential",
    "InvalidPresentation",
    "check_validity_period",
    "parse_datetime_stamp",
    "to_epoch",
    "validate_credential",
    "validate_presentation",
]

CREDENTIALS_V2_URL = "https://www.w3.org/ns/credentials/v2"
MAX_CREDENTIALS_IN_PRESENTATION = 64


class InvalidCredential(InvalidInput):
    """The document breaks a rule of the VC data model (VCDM 2.0 §4)."""

    code = "invalid_credential"


class InvalidPresentation(InvalidInput):
    """The document breaks a rule of the VC data model for presentations (VCDM 2.0 §4.13)."""

    code = "invalid_presentation"


class CredentialNotYetValid(VerificationFailed):
    """``now`` is before ``validFrom`` (VCDM 2.0 §4.9)."""

    code = "credential_not_yet_valid"


class CredentialExpired(VerificationFailed):
    """``now`` is after ``validUntil`` (VCDM 2.0 §4.9)."""

    code = "credential_expired"


# VCDM 2.0 §5.8 Example 32 (XML Schema 1.1 Part 2 dateTimeStamp).
_DATETIME_STAMP = re.compile(
    r"-?(?P<y>[1-9][0-9]{3,}|0[0-9]{3})-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01])"
    r"T(?:(?P<h>[01][0-9]|2[0-3]):(?P<mi>[0-5][0-9]):(?P<s>[0-5][0-9])(?P<f>\.[0-9]+)?"
    r"|(?P<h24>24:00:00(?:\.0+)?))"
    r"(?P<tz>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
    re.ASCII,
)


def parse_datetime_stamp(value: Any, *, field: str = "dateTime") -> datetime:
    """Parse an XML Schema ``dateTimeStamp`` (timezone required) into an aware ``datetime``."""
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(f"{field} must be a dateTimeStamp string", code="invalid_datetime")
    m = _DATETIME_STAMP.fullmatch(value)
    if m is None or value.startswith("-"):
        raise InvalidInput(
            f"{field} is not a valid dateTimeStamp", code="invalid_datetime", field=field
        )
    tz = m["tz"]
    offset = timedelta(0)
    if tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        offset = sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    try:
        year = int(m["y"])
        if m["h24"] is not None:
            base = datetime(year, int(m["mo"]), int(m["d"]), tzinfo=UTC) + timedelta(days=1)
        else:
            micro = int((m["f"] or ".0")[1:7].ljust(6, "0"))
            base = datetime(
                year,
                int(m["mo"]),
                int(m["d"]),
                int(m["h"]),
                int(m["mi"]),
                int(m["s"]),
                micro,
                tzinfo=UTC,
            )
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"{field} is not a real date", code="invalid_datetime", field=field
        ) from exc
    return base - offset


def to_epoch(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # VCDM §5.8: values without offset are UTC
    return value.timestamp()


def _is_url(value: Any) -> bool:
    # VCDM §4.4: identifiers are URLs; we require a scheme (no relative references, no blank nodes)
    return (
        isinstance(value, str)
        and 0 < len(value) <= 2048
        and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+", value) is not None
        and not value.startswith("_:")
    )


def _types(doc: Mapping[str, Any], error: type[InvalidInput]) -> list[str]:
    value = doc.get("type")
    types = [value] if isinstance(value, str) else value
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and t for t in types):
        raise error("type must be a string or a non-empty list of strings", field="type")
    return types


def _check_context(doc: Mapping[str, Any], error: type[InvalidInput]) -> None:
    ctx = doc.get("@context")
    if not isinstance(ctx, list) or not ctx or ctx[0] != CREDENTIALS_V2_URL:
        # VCDM §4.3: an ordered set whose first item is the v2 context URL
        raise error(f"@context must be a list starting with {CREDENTIALS_V2_URL}", field="@context")
    for item in ctx[1:]:
        if not (isinstance(item, dict) or _is_url(item)):
            raise error("@context items must be URLs or objects", field="@context")


def _check_id(doc: Mapping[str, Any], error: type[InvalidInput], where: str) -> None:
    if "id" in doc and not _is_url(doc["id"]):
        raise error(f"{where}.id must be a URL", field=f"{where}.id")


def _objects(value: Any, error: type[InvalidInput], name: str) -> list[Mapping[str, Any]]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, Mapping) for i in items):
        raise error(f"{name} must be an object or a non-empty list of objects", field=name)
    return items


def _check_typed_objects(doc: Mapping[str, Any], name: str, error: type[InvalidInput]) -> None:
    # §4.10 credentialStatus, §4.11 credentialSchema, §5.4 refreshService, §5.5 termsOfUse,
    # §5.6 evidence: each object needs a type; ids are URLs.
    if name not in doc:
        return
    for obj in _objects(doc[name], error, name):
        _types(obj, error)
        _check_id(obj, error, name)


def validate_credential(doc: Any) -> None:
    """Raise :class:`InvalidCredential` unless ``doc`` is a VCDM 2.0 verifiable credential.

    Checks §4.3 ``@context``, §4.4 ``id``, §4.5 ``type`` (includes ``VerifiableCredential``),
    §4.7 ``issuer`` (URL or object with a URL ``id``), §4.8 ``credentialSubject``, §4.9
    ``validFrom``/``validUntil`` (dateTimeStamp, ordered), §4.10 ``credentialStatus`` shape and
    the shape of §4.11/§5.4–5.6 typed objects.
    """
    err = InvalidCredential
    if not isinstance(doc, Mapping):
        raise err("a credential must be a JSON object")
    _check_context(doc, err)
    _check_id(doc, err, "credential")
    if "VerifiableCredential" not in _types(doc, err):
        raise err("type must include VerifiableCredential", field="type")
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        if not _is_url(issuer.get("id")):
            raise err("issuer.id must be a URL", field="issuer.id")
    elif not _is_url(issuer):
        raise err("issuer must be a URL or an object with an id", field="issuer")
    if "credentialSubject" not in doc:
        raise err("credentialSubject is required", field="credentialSubject")
    for subject in _objects(doc["credentialSubject"], err, "credentialSubject"):
        _check_id(subject, err, "credentialSubject")
    valid_from = valid_until = None
    if "validFrom" in doc:
        valid_from = parse_datetime_stamp(doc["validFrom"], field="validFrom")
    if "validUntil" in doc:
        valid_until = parse_datetime_stamp(doc["validUntil"], field="validUntil")
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise err("validFrom is later than validUntil", field="validUntil")
    for name in (
        "credentialStatus",
        "credentialSchema",
        "refreshService",
        "termsOfUse",
        "evidence",
    ):
        _check_typed_objects(doc, name, err)
    for name in ("name", "description"):
        if name in doc and not isinstance(doc[name], str | dict | list):
            raise err(f"{name} must be a string or language value objects", field=name)


def validate_presentation(doc: Any) -> None:
    """Raise :class:`InvalidPresentation` unless ``doc`` is a VCDM 2.0 verifiable presentation.

    Embedded credentials are validated with :func:`validate_credential` (errors re-raised as
    presentation errors naming the index); enveloped credentials need an ``id`` URL.
    """
    err = InvalidPresentation
    if not isinstance(doc, Mapping):
        raise err("a presentation must be a JSON object")
    _check_context(doc, err)
    _check_id(doc, err, "presentation")
    if "VerifiablePresentation" not in _types(doc, err):
        raise err("type must include VerifiablePresentation", field="type")
    holder = doc.get("holder")
    if holder is not None:
        if isinstance(holder, Mapping):
            if not _is_url(holder.get("id")):
                raise err("holder.id must be a URL", field="holder.id")
        elif not _is_url(holder):
            raise err("holder must be a URL or an object with an id", field="holder")
    if "verifiableCredential" in doc:
        creds = _objects(doc["verifiableCredential"], err, "verifiableCredential")
        if len(creds) > MAX_CREDENTIALS_IN_PRESENTATION:
            raise InvalidInput("too many credentials in presentation", code="input_too_large")
        for i, cred in enumerate(creds):
            types = cred.get("type")
            type_list = [types] if isinstance(types, str) else types or []
            if "EnvelopedVerifiableCredential" in type_list:
                if not _is_url(cred.get("id")):
                    raise err(
                        "an enveloped credential needs an id URL",
                        field=f"verifiableCredential[{i}].id",
                    )
                continue
            try:
                validate_credential(cred)
            except InvalidCredential as exc:
                raise err(
                    f"verifiableCredential[{i}]: {exc.detail}", field=f"verifiableCredential[{i}]"
                ) from exc
    _check_typed_objects(doc, "termsOfUse", err)


def check_validity_period(
    doc: Mapping[str, Any], now: int | float | datetime, *, leeway: int = 0
) -> None:
    """Raise if ``now`` is outside ``[validFrom, validUntil]`` (VCDM 2.0 §4.9), ``leeway`` in s."""
    now_s = to_epoch(now) if isinstance(now, datetime) else float(now)
    if "validFrom" in doc:
        valid_from = to_epoch(parse_datetime_stamp(doc["validFrom"], field="validFrom"))
        if now_s + leeway < valid_from:
            raise CredentialNotYetValid("credential is not valid yet", valid_from=doc["validFrom"])
    if "validUntil" in doc:
        valid_until = to_epoch(parse_datetime_stamp(doc["validUntil"], field="validUntil"))
        if now_s - leeway > valid_until:
            raise CredentialExpired("credential has expired", valid_until=doc["validUntil"])
