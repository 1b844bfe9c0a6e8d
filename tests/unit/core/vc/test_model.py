"""VCDM 2.0 data model rules for credentials and presentations, and the validity period."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from _vcdata import load_json
from hypothesis import given
from hypothesis import strategies as st

from sceau.core.errors import InvalidInput
from sceau.core.vc.model import (
    CredentialExpired,
    CredentialNotYetValid,
    InvalidCredential,
    InvalidPresentation,
    check_validity_period,
    parse_datetime_stamp,
    validate_credential,
    validate_presentation,
)

CRED: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "http://university.example/credentials/3732",
    "type": ["VerifiableCredential", "ExampleDegreeCredential"],
    "issuer": "https://university.example/issuers/565049",
    "validFrom": "2010-01-01T00:00:00Z",
    "validUntil": "2030-01-01T19:23:24+05:00",
    "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
    "credentialStatus": {
        "id": "https://status.example/3#94567",
        "type": "BitstringStatusListEntry",
    },
}


def _with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(CRED)
    for k, v in changes.items():
        if v is ...:
            del doc[k]
        else:
            doc[k] = v
    return doc


def test_spec_vector_credentials_are_valid() -> None:
    validate_credential(load_json("vc-di-eddsa/unsigned.json"))
    validate_credential(load_json("vc-di-ecdsa/unsigned.json"))
    validate_credential(CRED)


def test_issuer_object_with_id_is_valid() -> None:
    validate_credential(
        _with(issuer={"id": "did:example:76e12ec712ebc6f1c221ebfeb1f", "name": "U"})
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, "@context"),
        ({"@context": "https://www.w3.org/ns/credentials/v2"}, "@context"),
        (
            {
                "@context": [
                    "https://www.w3.org/ns/credentials/examples/v2",
                    "https://www.w3.org/ns/credentials/v2",
                ]
            },
            "@context",
        ),
        ({"@context": ["https://www.w3.org/ns/credentials/v2", 42]}, "@context"),
        ({"type": ["ExampleDegreeCredential"]}, "type"),
        ({"type": []}, "type"),
        ({"issuer": ...}, "issuer"),
        ({"issuer": "not a url"}, "issuer"),
        ({"issuer": {"name": "no id"}}, "issuer.id"),
        ({"credentialSubject": ...}, "credentialSubject"),
        ({"credentialSubject": []}, "credentialSubject"),
        ({"credentialSubject": "did:example:x"}, "credentialSubject"),
        ({"credentialSubject": {"id": "relative"}}, "credentialSubject.id"),
        ({"id": "3732"}, "credential.id"),
        ({"credentialStatus": {"id": "https://s.example/1"}}, "type"),
        ({"credentialStatus": [{"type": "X", "id": "nope"}]}, "credentialStatus.id"),
        ({"credentialSchema": {"id": "https://s.example/schema"}}, "type"),
        ({"validFrom": "2031-01-01T00:00:00Z"}, "validUntil"),
    ],
)
def test_data_model_violations_are_rejected(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCredential) as exc:
        validate_credential(_with(**changes))
    assert exc.value.params.get("field") == field


@pytest.mark.parametrize(
    "value",
    [
        "2010-01-01T00:00:00",
        "2010-01-01",
        "2010-13-01T00:00:00Z",
        "2010-02-30T00:00:00Z",
        "2010-01-01T25:00:00Z",
        "2010-01-01T00:00:00+15:00",
        "2010-01-01 00:00:00Z",
        20100101,
    ],
)
def test_invalid_datetime_stamps_are_rejected(value: Any) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_credential(_with(validFrom=value))
    assert exc.value.code == "invalid_datetime"


def test_datetime_stamp_parsing_honours_offsets_fractions_and_24h() -> None:
    assert parse_datetime_stamp("2030-01-01T19:23:24+05:00") == datetime(
        2030, 1, 1, 14, 23, 24, tzinfo=UTC
    )
    assert parse_datetime_stamp("2030-01-01T00:00:00.5Z").microsecond == 500_000
    assert parse_datetime_stamp("2030-01-01T24:00:00Z") == datetime(2030, 1, 2, tzinfo=UTC)


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.just(UTC)
    )
)
def test_datetime_stamp_round_trips(value: datetime) -> None:
    text = f"{value.year:04d}-" + value.strftime("%m-%dT%H:%M:%S.%fZ")
    assert parse_datetime_stamp(text) == value


@given(st.text(max_size=40))
def test_datetime_parser_only_raises_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        parse_datetime_stamp(text)


def test_validity_period_is_checked_against_injected_now() -> None:
    check_validity_period(CRED, now=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(CredentialNotYetValid):
        check_validity_period(CRED, now=datetime(2009, 12, 31, 23, 59, 59, tzinfo=UTC))
    with pytest.raises(CredentialExpired):
        check_validity_period(CRED, now=datetime(2030, 1, 1, 14, 23, 25, tzinfo=UTC))
    check_validity_period(CRED, now=datetime(2030, 1, 1, 14, 23, 24, tzinfo=UTC))
    check_validity_period(CRED, now=1893507810, leeway=10)  # 6 s after validUntil, within leeway


def test_presentation_rules() -> None:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiablePresentation",
        "holder": "did:example:holder",
        "verifiableCredential": [CRED],
    }
    validate_presentation(vp)
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt,eyJ",
    }
    validate_presentation({**vp, "verifiableCredential": enveloped})
    with pytest.raises(InvalidPresentation):
        validate_presentation({**vp, "type": ["VerifiableCredential"]})
    with pytest.raises(InvalidPresentation):
        validate_presentation({**vp, "holder": {"name": "x"}})
    with pytest.raises(InvalidPresentation) as exc:
        validate_presentation({**vp, "verifiableCredential": [_with(issuer=...)]})
    assert exc.value.params["field"] == "verifiableCredential[0]"
    with pytest.raises(InvalidPresentation):
        validate_presentation({**vp, "@context": ["https://www.w3.org/2018/credentials/v1"]})
