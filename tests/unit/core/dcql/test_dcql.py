"""DCQL: parsing (OpenID4VP §6), claims path pointers (§7), matching and Verifier checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sceau.core.dcql import (
    ClaimsPathError,
    DcqlNotSatisfied,
    DuplicateDcqlId,
    HolderCredential,
    InvalidClaimsPath,
    InvalidDcqlQuery,
    UnsupportedCredentialFormat,
    evaluate_dcql_query,
    match_credential,
    parse_dcql_query,
    select_claims,
    verify_presented_credentials,
)

EX: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[3] / "data" / "dcql" / "openid4vp_examples.json").read_text()
)
PID = "https://credentials.example.com/identity_credential"


def _pid(cred_id: str = "c1", vct: str = PID, **claims: Any) -> HolderCredential:
    base: dict[str, Any] = {
        "vct": vct,
        "given_name": "Arthur",
        "family_name": "Dent",
        "last_name": "Dent",
        "first_name": "Arthur",
        "date_of_birth": "1970-01-01",
        "address": {"street_address": "42 Market Street", "locality": "Milliways"},
    }
    base.update(claims)
    disclosures = {
        ("given_name",): "D-given",
        ("family_name",): "D-family",
        ("last_name",): "D-last",
        ("first_name",): "D-first",
        ("date_of_birth",): "D-dob",
        ("address",): "D-address",
        ("address", "street_address"): "D-street",
        ("address", "locality"): "D-locality",
        ("postal_code",): "D-postal",
        ("locality",): "D-loc",
        ("region",): "D-region",
    }
    return HolderCredential(cred_id, "dc+sd-jwt", base, disclosures=disclosures)


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EX["appendix_d"]))
def test_spec_example_queries_parse(name: str) -> None:
    raw = EX["appendix_d"][name]
    query = parse_dcql_query(raw)
    assert [cq.id for cq in query.credentials] == [c["id"] for c in raw["credentials"]]


def test_request_object_query_parses_with_defaults() -> None:
    query = parse_dcql_query(EX["request_object_query"])
    cq = query.credentials[0]
    assert cq.multiple is False and cq.require_cryptographic_holder_binding is True
    assert cq.vct_values == (PID,)
    assert [c.path for c in cq.claims or ()] == [("family_name",), ("given_name",)]


def test_unknown_members_are_ignored_as_the_spec_requires() -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    raw["future_extension"] = {"x": 1}
    raw["credentials"][0]["future_member"] = True
    raw["credentials"][0]["claims"][0]["purpose"] = "because"
    assert parse_dcql_query(raw).credentials[0].id == "my_credential"


def test_duplicate_credential_query_ids_are_rejected() -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    raw["credentials"].append(copy.deepcopy(raw["credentials"][0]))
    with pytest.raises(DuplicateDcqlId) as exc:
        parse_dcql_query(raw)
    assert exc.value.code == "dcql_duplicate_id"


def test_duplicate_claim_ids_and_duplicate_paths_are_rejected() -> None:
    raw = copy.deepcopy(EX["appendix_d"]["claims_alternatives"])
    raw["credentials"][0]["claims"][1]["id"] = "a"
    with pytest.raises(DuplicateDcqlId):
        parse_dcql_query(raw)
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    raw["credentials"][0]["claims"].append({"path": ["last_name"]})
    with pytest.raises(DuplicateDcqlId):
        parse_dcql_query(raw)


@pytest.mark.parametrize(
    "path",
    [[], "name", ["a", -1], ["a", 1.5], ["a", True], ["a", {"x": 1}], [["a"]], ["x"] * 17],
)
def test_bad_claims_paths_are_rejected(path: Any) -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    raw["credentials"][0]["claims"][0]["path"] = path
    with pytest.raises(InvalidClaimsPath) as exc:
        parse_dcql_query(raw)
    assert exc.value.code == "dcql_invalid_claims_path"


def test_mdoc_claims_path_must_be_namespace_and_element() -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple_mdoc"])
    raw["credentials"][0]["claims"][0]["path"] = ["org.iso.7367.1", "a", "b"]
    with pytest.raises(InvalidClaimsPath):
        parse_dcql_query(raw)


@pytest.mark.parametrize("fmt", ["vc+sd-jwt", "jwt_vp", "", "DC+SD-JWT"])
def test_unknown_format_is_rejected(fmt: str) -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    raw["credentials"][0]["format"] = fmt
    with pytest.raises(UnsupportedCredentialFormat) as exc:
        parse_dcql_query(raw)
    assert exc.value.code == "dcql_unsupported_format"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda q: q.pop("credentials"),
        lambda q: q.update(credentials=[]),
        lambda q: q["credentials"][0].update(id="has space"),
        lambda q: q["credentials"][0].update(id=""),
        lambda q: q["credentials"][0].pop("meta"),
        lambda q: q["credentials"][0].update(meta={}),
        lambda q: q["credentials"][0].update(meta={"vct_values": []}),
        lambda q: q["credentials"][0].update(meta={"vct_values": [1]}),
        lambda q: q["credentials"][0].update(multiple="true"),
        lambda q: q["credentials"][0].update(require_cryptographic_holder_binding=0),
        lambda q: q["credentials"][0].update(claims=[]),
        lambda q: q["credentials"][0]["claims"][0].update(values=[]),
        lambda q: q["credentials"][0]["claims"][0].update(values=[1.5]),
        lambda q: q["credentials"][0]["claims"][0].update(values=[None]),
        lambda q: q["credentials"][0].update(claim_sets=[["x"]]),  # claims lack ids
        lambda q: q["credentials"][0].update(trusted_authorities=[]),
        lambda q: q["credentials"][0].update(trusted_authorities=[{"type": "aki", "values": []}]),
        lambda q: q.update(credential_sets=[]),
        lambda q: q.update(credential_sets=[{"options": [["nope"]]}]),
        lambda q: q.update(credential_sets=[{"options": [["my_credential"]], "required": "no"}]),
        lambda q: q.update(credential_sets=[{"options": []}]),
    ],
)
def test_invalid_query_members_are_rejected(mutate: Any) -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    mutate(raw)
    with pytest.raises(InvalidDcqlQuery):
        parse_dcql_query(raw)


def test_claim_sets_without_claims_or_with_unknown_ids_are_rejected() -> None:
    raw = copy.deepcopy(EX["appendix_d"]["claims_alternatives"])
    raw["credentials"][0]["claim_sets"].append(["a", "zzz"])
    with pytest.raises(InvalidDcqlQuery):
        parse_dcql_query(raw)
    raw = copy.deepcopy(EX["appendix_d"]["claims_alternatives"])
    del raw["credentials"][0]["claims"]
    with pytest.raises(InvalidDcqlQuery):
        parse_dcql_query(raw)


def test_w3c_query_requires_type_values() -> None:
    raw = {"credentials": [{"id": "d", "format": "ldp_vc", "meta": {"vct_values": ["x"]}}]}
    with pytest.raises(InvalidDcqlQuery):
        parse_dcql_query(raw)


# --- claims path pointers -------------------------------------------------------------------


@pytest.mark.parametrize("case", EX["claims_path_example"]["cases"], ids=lambda c: str(c["path"]))
def test_spec_claims_path_examples_select_the_listed_claims(case: dict[str, Any]) -> None:
    selected = select_claims(EX["claims_path_example"]["credential"], case["path"])
    assert [[list(p), v] for p, v in selected] == case["selected"]


@pytest.mark.parametrize(
    "path",
    [["name", "first"], ["address", None], ["nationalities", "x"], ["missing"], ["degrees", 5]],
)
def test_claims_path_errors_follow_the_processing_rules(path: list[Any]) -> None:
    with pytest.raises(ClaimsPathError):
        select_claims(EX["claims_path_example"]["credential"], path)


# --- matching -------------------------------------------------------------------------------


def test_simple_query_matches_and_lists_the_disclosures_needed() -> None:
    query = parse_dcql_query(EX["appendix_d"]["simple"])
    result = evaluate_dcql_query(query, [_pid()])
    assert result.satisfiable
    (m,) = result.selection["my_credential"]
    assert m.claim_paths == (("last_name",), ("first_name",), ("address", "street_address"))
    # the street address is nested: its parent's disclosure is needed too, no other sibling
    assert m.disclosures == ("D-last", "D-first", "D-address", "D-street")


def test_selecting_an_object_releases_its_nested_disclosures() -> None:
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "q",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [PID]},
                    "claims": [{"path": ["address"]}],
                }
            ]
        }
    )
    (m,) = evaluate_dcql_query(query, [_pid()]).selection["q"]
    assert set(m.disclosures) == {"D-address", "D-street", "D-locality"}


def test_credential_of_other_vct_does_not_match() -> None:
    query = parse_dcql_query(EX["appendix_d"]["simple"])
    result = evaluate_dcql_query(query, [_pid(vct="https://other.example/pid")])
    assert not result.satisfiable and result.matches["my_credential"] == ()
    assert result.selection == {}


def test_missing_claim_makes_the_credential_not_match() -> None:
    cred = _pid()
    claims = dict(cred.claims)
    del claims["first_name"]
    result = evaluate_dcql_query(
        parse_dcql_query(EX["appendix_d"]["simple"]),
        [HolderCredential("c1", "dc+sd-jwt", claims)],
    )
    assert not result.satisfiable


def test_value_matching_requires_type_and_value_to_match() -> None:
    query = parse_dcql_query(EX["appendix_d"]["value_matching_simple"])
    assert evaluate_dcql_query(query, [_pid(last_name="Doe", postal_code="90210")]).satisfiable
    assert not evaluate_dcql_query(query, [_pid(last_name="Doe", postal_code="90212")]).satisfiable
    assert not evaluate_dcql_query(query, [_pid(last_name="Doe", postal_code=90210)]).satisfiable


def test_boolean_value_does_not_match_integer() -> None:
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "q",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [PID]},
                    "claims": [{"path": ["over_18"], "values": [True]}],
                }
            ]
        }
    )
    assert evaluate_dcql_query(query, [_pid(over_18=True)]).satisfiable
    assert not evaluate_dcql_query(query, [_pid(over_18=1)]).satisfiable


def test_claim_sets_pick_the_first_satisfiable_option() -> None:
    query = parse_dcql_query(EX["appendix_d"]["claims_alternatives"])
    with_postal = evaluate_dcql_query(query, [_pid(postal_code="12345")])
    (m,) = with_postal.selection["pid"]
    assert m.claim_set == ("a", "b", "e")
    assert m.claim_paths == (("family_name",), ("postal_code",), ("date_of_birth",))
    fallback = evaluate_dcql_query(query, [_pid(locality="Milliways", region="Betelgeuse")])
    (m2,) = fallback.selection["pid"]
    assert m2.claim_set == ("a", "c", "d", "e")
    assert not evaluate_dcql_query(query, [_pid()]).satisfiable


def test_credential_sets_use_options_and_optional_sets() -> None:
    query = parse_dcql_query(EX["appendix_d"]["credentials_alternatives"])
    reduced_1 = _pid("r1", vct="https://credentials.example.com/reduced_identity_credential")
    reduced_2 = HolderCredential(
        "r2",
        "dc+sd-jwt",
        {
            "vct": "https://cred.example/residence_credential",
            "postal_code": "1",
            "locality": "x",
            "region": "y",
        },
    )
    result = evaluate_dcql_query(query, [reduced_1, reduced_2])
    assert result.satisfiable
    assert set(result.selection) == {"pid_reduced_cred_1", "pid_reduced_cred_2"}
    # with a full PID the first option wins; nice_to_have is optional and absent
    result = evaluate_dcql_query(query, [reduced_1, reduced_2, _pid("full")])
    assert set(result.selection) == {"pid"}
    only_one_reduced = evaluate_dcql_query(query, [reduced_1])
    assert not only_one_reduced.satisfiable


def test_multiple_false_returns_one_credential_multiple_true_returns_all() -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    creds = [_pid("a"), _pid("b")]
    assert len(evaluate_dcql_query(parse_dcql_query(raw), creds).selection["my_credential"]) == 1
    raw["credentials"][0]["multiple"] = True
    assert len(evaluate_dcql_query(parse_dcql_query(raw), creds).selection["my_credential"]) == 2


def test_holder_binding_and_trusted_authorities_filter_credentials() -> None:
    raw = copy.deepcopy(EX["appendix_d"]["simple"])
    unbound = HolderCredential("u", "dc+sd-jwt", _pid().claims, holder_binding=False)
    assert not evaluate_dcql_query(parse_dcql_query(raw), [unbound]).satisfiable
    raw["credentials"][0]["require_cryptographic_holder_binding"] = False
    assert evaluate_dcql_query(parse_dcql_query(raw), [unbound]).satisfiable
    raw["credentials"][0]["trusted_authorities"] = [
        {"type": "openid_federation", "values": ["https://ta.gc.ca"]}
    ]
    assert not evaluate_dcql_query(parse_dcql_query(raw), [unbound]).satisfiable
    trusted = HolderCredential(
        "t",
        "dc+sd-jwt",
        _pid().claims,
        holder_binding=False,
        authorities=frozenset({("openid_federation", "https://ta.gc.ca")}),
    )
    assert evaluate_dcql_query(parse_dcql_query(raw), [trusted]).satisfiable


@pytest.mark.parametrize("index", range(3))
def test_spec_type_values_examples_match_w3c_credentials(index: int) -> None:
    ex = EX["type_values_example"]
    query = parse_dcql_query(
        {
            "credentials": [
                {"id": "d", "format": "ldp_vc", "meta": {"type_values": ex["type_values"]}}
            ]
        }
    )
    cred = HolderCredential(
        "vc", "ldp_vc", {"type": []}, types=tuple(ex["matching_expanded_types"][index])
    )
    assert match_credential(query.credentials[0], cred) is not None


def test_w3c_vc_types_are_expanded_from_the_v2_context_when_not_given() -> None:
    vc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "IdentityCredential"],
        "credentialSubject": {"given_name": "Jean", "address": {"locality": "Gatineau"}},
    }
    ex = EX["type_values_example"]
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "d",
                    "format": "jwt_vc_json",
                    "meta": {"type_values": ex["type_values"]},
                    "claims": [{"path": ["credentialSubject", "address", "locality"]}],
                }
            ]
        }
    )
    m = match_credential(query.credentials[0], HolderCredential("vc", "jwt_vc_json", vc))
    assert m is not None
    assert m.claim_paths == (("credentialSubject", "address", "locality"),)
    assert m.disclosures == ()


def test_mdoc_credentials_match_by_doctype_and_namespace() -> None:
    query = parse_dcql_query(EX["appendix_d"]["complex_mdoc"])
    mdl = HolderCredential(
        "mdl",
        "mso_mdoc",
        {"org.iso.18013.5.1": {"given_name": "A", "family_name": "D", "portrait": "..."}},
        types=("org.iso.18013.5.1.mDL",),
    )
    result = evaluate_dcql_query(query, [mdl])
    assert result.satisfiable
    assert set(result.selection) == {"mdl-id"}  # the optional address set has no match


# --- Verifier side --------------------------------------------------------------------------


def test_verifier_accepts_presentations_that_satisfy_the_query() -> None:
    query = parse_dcql_query(EX["appendix_d"]["simple"])
    out = verify_presented_credentials(query, {"my_credential": [_pid()]})
    assert out["my_credential"][0].credential_id == "c1"


@pytest.mark.parametrize(
    "presented",
    [
        {},
        {"my_credential": []},
        {"my_credential": [_pid("a"), _pid("b"), _pid("c")]},  # multiple not allowed
        {"my_credential": [_pid(vct="https://other.example/pid")]},
        {"my_credential": [_pid()], "extra": [_pid()]},
    ],
)
def test_verifier_rejects_presentations_that_do_not_satisfy_the_query(presented: Any) -> None:
    query = parse_dcql_query(EX["appendix_d"]["simple"])
    with pytest.raises(DcqlNotSatisfied):
        verify_presented_credentials(query, presented)


def test_verifier_rejects_unsatisfied_required_credential_set() -> None:
    query = parse_dcql_query(EX["appendix_d"]["credentials_alternatives"])
    reduced_1 = _pid("r1", vct="https://credentials.example.com/reduced_identity_credential")
    with pytest.raises(DcqlNotSatisfied):
        verify_presented_credentials(query, {"pid_reduced_cred_1": [reduced_1]})
    assert verify_presented_credentials(query, {"pid": [_pid()]})
