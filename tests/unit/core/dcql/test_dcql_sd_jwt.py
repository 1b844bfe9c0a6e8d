"""DCQL over real SD-JWT VCs: the match names exactly the Disclosures to present, and the
presentation built from them verifies and reveals only the requested claims."""

from __future__ import annotations

from typing import Any

import pytest

from sceau.core.dcql import (
    evaluate_dcql_query,
    holder_credential_from_sd_jwt,
    parse_dcql_query,
    presentation_for_match,
)
from sceau.core.jose import SoftwareSigner, generate_private_key, public_jwk
from sceau.core.sdjwt import SD, issue_sd_jwt_sync, verify_sd_jwt

VCT = "https://credentials.example.gc.ca/pid"


@pytest.fixture(scope="module")
def issued() -> tuple[SoftwareSigner, str]:
    signer = SoftwareSigner(generate_private_key("ES256"))
    holder = generate_private_key("ES256")
    claims: dict[Any, Any] = {
        "iss": "https://issuer.example.gc.ca",
        "vct": VCT,
        SD("given_name"): "Jean",
        SD("family_name"): "Tremblay",
        SD("address"): {SD("locality"): "Ottawa", SD("postal_code"): "K1A 0A9", "country": "CA"},
        "nationalities": [SD("CA"), SD("FR"), "BE"],
        SD("age_over_18"): True,
    }
    sd = issue_sd_jwt_sync(claims, signer, holder_jwk=public_jwk(holder), decoy_count=lambda: 2)
    return signer, sd.compact


def _query(claims: list[dict[str, Any]], **extra: Any) -> Any:
    return parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "pid",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [VCT]},
                    "claims": claims,
                }
                | extra
            ]
        }
    )


def _present(issued: tuple[SoftwareSigner, str], claims: list[dict[str, Any]]) -> dict[str, Any]:
    signer, compact = issued
    cred = holder_credential_from_sd_jwt(compact, credential_id="c1")
    result = evaluate_dcql_query(_query(claims), [cred])
    assert result.satisfiable
    (match,) = result.selection["pid"]
    presentation = presentation_for_match(compact, match)
    verified = verify_sd_jwt(
        presentation, signer.private_key.public_key(), require_key_binding=False
    )
    return verified.claims


def test_processed_claims_and_paths_come_from_the_disclosures(
    issued: tuple[SoftwareSigner, str],
) -> None:
    cred = holder_credential_from_sd_jwt(issued[1], credential_id="c1")
    assert cred.claims["address"] == {
        "locality": "Ottawa",
        "postal_code": "K1A 0A9",
        "country": "CA",
    }
    assert cred.claims["nationalities"] == ["CA", "FR", "BE"]
    assert set(cred.disclosures) == {
        ("given_name",),
        ("family_name",),
        ("address",),
        ("address", "locality"),
        ("address", "postal_code"),
        ("nationalities", 0),
        ("nationalities", 1),
        ("age_over_18",),
    }
    assert cred.holder_binding and cred.types == (VCT,)


def test_nested_claim_reveals_only_itself_and_its_parent(
    issued: tuple[SoftwareSigner, str],
) -> None:
    claims = _present(issued, [{"path": ["address", "locality"]}])
    assert claims["address"] == {"locality": "Ottawa", "country": "CA"}
    assert "given_name" not in claims and "family_name" not in claims
    assert claims["nationalities"] == ["BE"]  # undisclosed array elements vanish


def test_array_wildcard_reveals_every_element(issued: tuple[SoftwareSigner, str]) -> None:
    claims = _present(issued, [{"path": ["nationalities", None]}, {"path": ["given_name"]}])
    assert claims["nationalities"] == ["CA", "FR", "BE"]
    assert claims["given_name"] == "Jean" and "address" not in claims


def test_value_match_on_a_disclosed_boolean(issued: tuple[SoftwareSigner, str]) -> None:
    claims = _present(issued, [{"path": ["age_over_18"], "values": [True]}])
    assert claims["age_over_18"] is True and "given_name" not in claims


def test_whole_object_reveals_its_nested_disclosures(issued: tuple[SoftwareSigner, str]) -> None:
    claims = _present(issued, [{"path": ["address"]}])
    assert claims["address"] == {"locality": "Ottawa", "postal_code": "K1A 0A9", "country": "CA"}


def test_unsatisfiable_value_yields_no_match(issued: tuple[SoftwareSigner, str]) -> None:
    cred = holder_credential_from_sd_jwt(issued[1], credential_id="c1")
    result = evaluate_dcql_query(_query([{"path": ["family_name"], "values": ["Roy"]}]), [cred])
    assert not result.satisfiable and result.selection == {}


def test_issued_sd_jwt_with_kb_jwt_is_refused(issued: tuple[SoftwareSigner, str]) -> None:
    with pytest.raises(Exception) as exc:
        holder_credential_from_sd_jwt(issued[1] + "eyJhbGciOiJFUzI1NiJ9.e30.sig", credential_id="x")
    assert exc.value.code == "unexpected_kb_jwt"
