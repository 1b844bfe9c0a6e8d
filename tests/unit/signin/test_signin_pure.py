"""Pure parts of the provider: redirect URI rules, client keys, scope → DCQL, locales, at_hash."""

import msgspec
import pytest

from sceau.core.dcql import parse_dcql_query
from sceau.signin.clients import (
    InvalidRelyingParty,
    check_jwks,
    check_redirect_uri,
    dcql_for_scopes,
)
from sceau.signin.models import ScopeConfig
from sceau.signin.service import _left_hash, _locale, _value_at


@pytest.mark.parametrize(
    "uri",
    [
        "https://rp.example.gc.ca/cb",
        "https://rp.example.gc.ca/cb?x=1",
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "http://localhost:3000/cb",
    ],
)
def test_acceptable_redirect_uris(uri: str) -> None:
    check_redirect_uri(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "http://rp.example.gc.ca/cb",  # http off loopback
        "https://rp.example.gc.ca/cb#f",
        "https://user:pw@rp.example.gc.ca/cb",
        "javascript:alert(1)",
        "custom:/cb",
        "https:///cb",
    ],
)
def test_refused_redirect_uris(uri: str) -> None:
    with pytest.raises(InvalidRelyingParty):
        check_redirect_uri(uri)


def test_jwks_public_keys_only() -> None:
    public = {
        "kty": "EC",
        "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    }
    assert check_jwks({"keys": [public]}) == {"keys": [public]}
    for bad in (
        {"keys": [{**public, "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]},
        {"keys": [{**public, "alg": "HS256"}]},
        {"keys": [{"kty": "oct", "k": "AAAA"}]},
        {"keys": []},
        {"nokeys": True},
    ):
        with pytest.raises(InvalidRelyingParty):
            check_jwks(bad)


def test_scopes_become_one_dcql_query_with_a_credential_set_per_scope() -> None:
    one = msgspec.convert(
        {
            "purpose": "p",
            "credential_types": [
                {"format": "dc+sd-jwt", "vct": "https://a/vct"},
                {"format": "ldp_vc", "type": "PermitCredential"},
            ],
            "claims": {"given_name": ["given_name"], "n": ["number"]},
            "subject_claims": [["number"]],
        },
        ScopeConfig,
    )
    query = dcql_for_scopes([one])
    assert query["credential_sets"] == [{"options": [["s0c0"], ["s0c1"]]}]
    first, second = query["credentials"]
    assert first["meta"] == {"vct_values": ["https://a/vct"]}
    assert first["claims"] == [{"path": ["given_name"]}, {"path": ["number"]}]  # no duplicate
    assert second["meta"] == {"type_values": [["PermitCredential"]]}
    parse_dcql_query(query)  # valid DCQL
    single = dcql_for_scopes(
        [msgspec.structs.replace(one, credential_types=[one.credential_types[0]])]
    )
    assert "credential_sets" not in single and len(single["credentials"]) == 1


@pytest.mark.parametrize(
    ("ui_locales", "locale"),
    [
        (None, "en-CA"),
        ("fr", "fr-CA"),
        ("de fr-CA en", "fr-CA"),
        ("en-GB fr", "en-CA"),
        ("x", "en-CA"),
    ],
)
def test_locale_from_ui_locales(ui_locales: str | None, locale: str) -> None:
    assert _locale(ui_locales) == locale


def test_at_hash_matches_the_oidc_core_example() -> None:
    # OIDC Core 1.0 Appendix A.3/A.4 (SHA-256 based, as for ES256).
    assert _left_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y") == "77QmUPtjPfzWtF2AnpK9RQ"


def test_claim_paths() -> None:
    claims = {"a": {"b": [10, {"c": "x"}]}}
    assert _value_at(claims, ["a", "b", 1, "c"]) == "x"
    assert _value_at(claims, ["a", "missing"]) is None
    assert _value_at(claims, ["a", "b", 5]) is None
    assert _value_at(claims, ["a", "b", "0"]) is None
