"""SD-JWT VC interop with npm @sd-jwt/sd-jwt-vc 0.17.1 (+ @sd-jwt/crypto-nodejs), both directions,
including Key Binding JWTs."""

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import ECKey

from sceau.core.errors import SceauError
from sceau.core.jose import SoftwareSigner, generate_private_key
from sceau.core.sdjwt import SD, create_presentation_sync, issue_sd_jwt_vc_sync, verify_sd_jwt_vc

pytestmark = pytest.mark.interop
JS = Path(__file__).resolve().parent / "js"
VCT = "https://credentials.example/identity"
ISS = "https://issuer.example"
AUD = "https://verifier.example"


def _node(payload: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        ["node", str(JS / "sdjwt_oracle.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_sd_jwt_vc_interoperates_with_npm_sd_jwt_vc_both_ways_with_key_binding() -> None:
    issuer, holder = SoftwareSigner(generate_private_key()), SoftwareSigner(generate_private_key())
    now = int(time.time())
    issued = issue_sd_jwt_vc_sync(
        VCT,
        {
            "given_name": "Élise",
            "family_name": "Tremblay",
            "address": {SD("locality"): "Gatineau", "country": "CA"},
            "nationalities": [SD("CA"), SD("FR")],
        },
        issuer,
        iss=ISS,
        iat=now,
        exp=now + 3600,
        holder_jwk=holder.public_jwk,
        disclosable=["given_name", "family_name", "address"],
    )
    frame = {"given_name": True, "address": {"locality": True}, "nationalities": [False, True]}
    with_kb = create_presentation_sync(
        issued.compact, frame, holder_signer=holder, audience=AUD, nonce="n-1", iat=now
    )
    tampered = with_kb.replace(
        "~", "~" + issued.disclosures[1].encoded + "~", 1
    )  # extra disclosure → sd_hash
    out = _node(
        {
            "issuerPublicJwk": issuer.public_jwk,
            "issuerPrivateJwk": ECKey.import_key(issuer.private_key).as_dict(private=True),
            "holderPrivateJwk": ECKey.import_key(holder.private_key).as_dict(private=True),
            "verify": [
                {"token": issued.compact},
                {"token": with_kb, "nonce": "n-1"},
                {"token": tampered, "nonce": "n-1"},
            ],
            "issue": {
                "claims": {
                    "iss": ISS,
                    "iat": now,
                    "exp": now + 3600,
                    "vct": VCT,
                    "cnf": {"jwk": holder.public_jwk},
                    "given_name": "Jean",
                    "family_name": "Côté",
                    "age_over_18": True,
                },
                "disclosureFrame": {"_sd": ["given_name", "family_name", "age_over_18"]},
                "presentationFrame": {"given_name": True, "age_over_18": True},
                "aud": AUD,
                "nonce": "n-2",
                "iat": now,
            },
        }
    )
    ok, kb, bad = out["verify"]
    assert (
        ok["ok"]
        and ok["claims"]["given_name"] == "Élise"
        and ok["claims"]["nationalities"] == ["CA", "FR"]
    )
    assert ok["typ"] == "dc+sd-jwt"
    assert (
        kb["ok"]
        and kb["kb"]["nonce"] == "n-1"
        and kb["claims"]["address"] == {"country": "CA", "locality": "Gatineau"}
    )
    assert kb["claims"]["nationalities"] == ["FR"] and "family_name" not in kb["claims"]
    assert not bad["ok"]

    issuer_pub = issuer.private_key.public_key()
    theirs = verify_sd_jwt_vc(
        out["issued"], issuer_pub, require_key_binding=False, allow_key_binding=False, now=now
    )
    assert theirs.claims["family_name"] == "Côté" and theirs.vct == VCT
    presented = verify_sd_jwt_vc(out["presented"], issuer_pub, audience=AUD, nonce="n-2", now=now)
    assert presented.claims["given_name"] == "Jean" and presented.claims["age_over_18"] is True
    assert "family_name" not in presented.claims
    with pytest.raises(SceauError) as exc:
        verify_sd_jwt_vc(out["presented"], issuer_pub, audience=AUD, nonce="other", now=now)
    assert exc.value.code == "kb_nonce_mismatch"
