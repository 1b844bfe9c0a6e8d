"""Regenerate expected outputs for the copied spec vectors with the PyPI `sd-jwt` reference
implementation (the tool that produced the examples printed in RFC 9901 and the SD-JWT VC draft).

Run: .venv/bin/python tests/data/sdjwt/make_expected.py   (writes expected/*.json)
Salts come from Python's `random` seeded with `random_seed` (the reference's "unsafe randomness"
mode), so Sceau reproduces disclosures and digests exactly with the same salt sequence.
"""

import json
import random
from pathlib import Path

import yaml
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.utils.yaml_specification import load_yaml_specification, remove_sdobj_wrappers
from sd_jwt.verifier import SDJWTVerifier

HERE = Path(__file__).resolve().parent


def merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def generate(group: str, case: Path) -> dict:
    settings = yaml.safe_load((HERE / group / "settings.yml").read_text())
    spec = load_yaml_specification(case / "specification.yml")
    settings = merge(settings, spec.get("settings_override", {}))
    ks = settings["key_settings"]
    issuer_jwk = ks["issuer_key"] if "issuer_key" in ks else ks["issuer_keys"][0]
    issuer_key = JWK.from_json(json.dumps(issuer_jwk))
    holder_key = JWK.from_json(json.dumps(ks["holder_key"]))
    kb = spec.get("key_binding", False)
    fmt = spec.get("serialization_format", "compact")
    claims = {}
    if spec.get("include_default_claims", True):
        claims = {
            "iss": settings["identifiers"]["issuer"],
            "iat": settings["iat"],
            "exp": settings["exp"],
        }
    claims.update(spec["user_claims"])
    random.seed(settings["random_seed"])
    SDJWTIssuer.unsafe_randomness = True
    issuer = SDJWTIssuer(
        claims,
        issuer_key,
        holder_key if kb else None,
        add_decoy_claims=spec.get("add_decoy_claims", False),
        serialization_format=fmt,
        extra_header_parameters=spec.get("extra_header_parameters", {}),
    )
    holder = SDJWTHolder(issuer.sd_jwt_issuance, serialization_format=fmt)
    aud = settings["identifiers"]["verifier"]
    nonce = settings["key_binding_nonce"]
    holder.create_presentation(
        spec["holder_disclosed_claims"],
        nonce if kb else None,
        aud if kb else None,
        holder_key if kb else None,
    )
    verifier = SDJWTVerifier(
        holder.sd_jwt_presentation,
        lambda iss, header: JWK.from_json(issuer_key.export_public()),
        aud if kb else None,
        nonce if kb else None,
        serialization_format=fmt,
    )
    return {
        "group": group,
        "case": case.name,
        "settings": settings,
        "user_claims": remove_sdobj_wrappers(spec["user_claims"]),
        "holder_disclosed_claims": spec["holder_disclosed_claims"],
        "key_binding": kb,
        "serialization_format": fmt,
        "add_decoy_claims": spec.get("add_decoy_claims", False),
        "extra_header_parameters": spec.get("extra_header_parameters", {}),
        "sd_jwt_payload": issuer.sd_jwt_payload,
        "disclosures": [d.b64 for d in issuer.ii_disclosures],
        "sd_jwt_issuance": issuer.sd_jwt_issuance if fmt == "compact" else issuer.serialized_sd_jwt,
        "presented_disclosures": holder.hs_disclosures,
        "sd_jwt_presentation": holder.sd_jwt_presentation,
        "kb_jwt_payload": holder.key_binding_jwt_payload if kb else None,
        "verified_contents": verifier.get_verified_payload(),
    }


def main() -> None:
    out_dir = HERE / "expected"
    out_dir.mkdir(exist_ok=True)
    for group in ("sd-jwt", "sd-jwt-vc"):
        for case in sorted(p for p in (HERE / group).iterdir() if p.is_dir()):
            data = generate(group, case)
            (out_dir / f"{group}__{case.name}.json").write_text(
                json.dumps(data, indent=1, ensure_ascii=False)
            )
            print("wrote", group, case.name)


if __name__ == "__main__":
    main()
