"""Spec vectors: the examples printed in RFC 9901 and the shared specification.yml cases, whose
expected outputs come from the reference implementation (tests/data/sdjwt/make_expected.py)."""

import json
import random
from pathlib import Path
from typing import Any

import pytest
from sd_jwt.common import SDObj
from sd_jwt.utils.yaml_specification import load_yaml_specification

from sceau.core.encoding import b64url_encode
from sceau.core.errors import VerificationFailed
from sceau.core.jose import SoftwareSigner, private_key_from_jwk, public_key_from_jwk
from sceau.core.sdjwt import (
    SD,
    build_sd_payload,
    create_presentation_sync,
    from_json_serialization,
    select_disclosures,
    to_json_serialization,
    verify_sd_jwt,
)
from sceau.core.sdjwt._model import hash_b64, hash_function

DATA = Path(__file__).resolve().parents[3] / "data" / "sdjwt"


def load_expected() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((DATA / "expected").glob("*.json"))]


CASES = load_expected()
IDS = [f"{c['group']}/{c['case']}" for c in CASES]


def test_rfc9901_printed_disclosure_and_digest_examples_reproduce() -> None:
    ex = json.loads((DATA / "rfc9901-text-examples.json").read_text())
    obj = ex["object_property"]
    salts = iter([obj["salt"], ex["array_element"]["salt"]])
    payload, ds = build_sd_payload(
        {SD(obj["name"]): obj["value"], "nationalities": [SD(ex["array_element"]["value"])]},
        salt=lambda: next(salts),
    )
    assert ds[0].encoded == obj["disclosure"]
    assert ds[0].digest == obj["digest"] == payload["_sd"][0]
    assert ds[1].encoded == ex["array_element"]["disclosure"]
    assert payload["nationalities"] == [{"...": ds[1].digest}]
    # The digest is over the encoded string, so each equivalent encoding has its own digest.
    digests = {hash_b64(hash_function("sha-256"), e) for e in obj["equivalent_encodings"]}
    assert len(digests) == 3 and obj["digest"] not in digests


def _to_markers(value: Any) -> Any:
    if isinstance(value, SDObj):
        return SD(_to_markers(value.value))
    if isinstance(value, dict):
        return {
            (SD(k.value) if isinstance(k, SDObj) else k): _to_markers(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_to_markers(v) for v in value]
    return value


def _rfc9901_json(legacy: str) -> dict[str, Any]:
    # PyPI sd-jwt 0.10.4 predates RFC 9901 §8.1 and puts "disclosures"/"kb_jwt" at the top level;
    # the RFC puts them in the unprotected header, which is the only form Sceau accepts.
    obj = json.loads(legacy)
    header = {k: obj.pop(k) for k in ("disclosures", "kb_jwt") if k in obj}
    return {**obj, "header": header}


def _issuer_jwk(case: dict[str, Any]) -> dict[str, Any]:
    ks = case["settings"]["key_settings"]
    return ks["issuer_key"] if "issuer_key" in ks else ks["issuer_keys"][0]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_salts_reproduce_the_reference_disclosures_and_payload(case: dict[str, Any]) -> None:
    spec = load_yaml_specification(DATA / case["group"] / case["case"] / "specification.yml")
    settings = case["settings"]
    claims: dict[Any, Any] = {}
    if spec.get("include_default_claims", True):
        claims = {
            "iss": settings["identifiers"]["issuer"],
            "iat": settings["iat"],
            "exp": settings["exp"],
        }
    claims.update(_to_markers(spec["user_claims"]))
    rng = random.Random(settings["random_seed"])
    payload, disclosures = build_sd_payload(
        claims,
        salt=lambda: b64url_encode(bytes(rng.getrandbits(8) for _ in range(16))),
        decoy_count=(lambda: rng.randint(2, 5)) if case["add_decoy_claims"] else None,
        disclosure_json=json.dumps,  # the reference escapes non-ASCII; RFC text examples do not
    )
    if case["key_binding"]:
        holder = dict(settings["key_settings"]["holder_key"])
        holder.pop("d")
        payload["cnf"] = {"jwk": holder}
    assert [d.encoded for d in disclosures] == case["disclosures"]
    assert payload == case["sd_jwt_payload"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reference_presentation_verifies_with_same_processed_claims(case: dict[str, Any]) -> None:
    issuer_key = public_key_from_jwk({k: v for k, v in _issuer_jwk(case).items() if k != "d"})
    token = case["sd_jwt_presentation"]
    if case["serialization_format"] == "json":
        token = from_json_serialization(_rfc9901_json(token))
        # The reference hashes its JSON text for sd_hash; RFC 9901 §8.1 hashes the compact form.
        with pytest.raises(VerificationFailed) as exc:
            verify_sd_jwt(
                token,
                public_key_from_jwk({k: v for k, v in _issuer_jwk(case).items() if k != "d"}),
                audience=case["settings"]["identifiers"]["verifier"],
                nonce=case["settings"]["key_binding_nonce"],
                now=case["kb_jwt_payload"]["iat"],
            )
        assert exc.value.code == "kb_sd_hash_mismatch"
        token = token[: token.rindex("~") + 1]
        case = {**case, "key_binding": False}
    now = case["kb_jwt_payload"]["iat"] if case["key_binding"] else case["settings"]["iat"]
    verified = verify_sd_jwt(
        token,
        issuer_key,
        require_key_binding=case["key_binding"],
        audience=case["settings"]["identifiers"]["verifier"],
        nonce=case["settings"]["key_binding_nonce"],
        now=now,
    )
    assert verified.claims == case["verified_contents"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_holder_frame_selects_the_reference_disclosures(case: dict[str, Any]) -> None:
    issuance = case["sd_jwt_issuance"]
    if case["serialization_format"] == "json":
        issuance = from_json_serialization(_rfc9901_json(issuance))
    _, chosen = select_disclosures(issuance, case["holder_disclosed_claims"])
    assert sorted(chosen) == sorted(case["presented_disclosures"])


@pytest.mark.parametrize("general", [False, True])
def test_json_serialization_with_kb_round_trips_and_verifies(general: bool) -> None:
    case = next(c for c in CASES if c["case"] == "json_serialization_flattened")
    settings = case["settings"]
    issuance = from_json_serialization(_rfc9901_json(case["sd_jwt_issuance"]))
    holder = SoftwareSigner(private_key_from_jwk(settings["key_settings"]["holder_key"]))
    aud, nonce = settings["identifiers"]["verifier"], settings["key_binding_nonce"]
    compact = create_presentation_sync(
        issuance,
        case["holder_disclosed_claims"],
        holder_signer=holder,
        audience=aud,
        nonce=nonce,
        iat=1_700_000_000,
    )
    as_json = to_json_serialization(compact, general=general)
    assert ("signatures" in as_json) is general
    assert from_json_serialization(json.dumps(as_json)) == compact
    issuer_key = public_key_from_jwk({k: v for k, v in _issuer_jwk(case).items() if k != "d"})
    verified = verify_sd_jwt(
        from_json_serialization(as_json), issuer_key, audience=aud, nonce=nonce, now=1_700_000_001
    )
    assert verified.claims == case["verified_contents"]


def test_vector_keys_sign_with_sceau() -> None:
    # The fixed issuer key of settings.yml is importable and usable by the Signer port.
    case = CASES[0]
    signer = SoftwareSigner(private_key_from_jwk(_issuer_jwk(case)))
    assert signer.public_jwk["x"] == _issuer_jwk(case)["x"]


def test_data_files_are_present() -> None:
    assert len(CASES) == 18
    assert Path(DATA / "sd-jwt" / "settings.yml").exists()
