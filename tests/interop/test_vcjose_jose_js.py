"""VC-JOSE against npm ``jose`` (tests/interop/js/vcjose_oracle.mjs): both directions."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sceau.core.jose import (
    SoftwareSigner,
    generate_private_key,
    public_jwk,
    public_key_from_jwk,
)
from sceau.core.vc.jose import (
    VcJoseError,
    enveloped_credential,
    sign_vc_jwt,
    sign_vp_jwt,
    verify_vc_jwt,
)

pytestmark = pytest.mark.interop
JS = Path(__file__).resolve().parent / "js"
NOW = 1_767_225_600
VC = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:3f0c1b9e-6a55-4d0e-8f43-5d8a0b1c2d3e",
    "type": ["VerifiableCredential"],
    "issuer": "https://issuer.example.gc.ca",
    "validFrom": "2025-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:alice", "nom": "Tremblay"},
}


def _oracle(payload: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "jose").is_dir():
        pytest.fail("node and tests/interop/js/node_modules/jose are required for interop tests")
    out = subprocess.run(
        [node, str(JS / "vcjose_oracle.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=30,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize("alg", ["ES256", "ES384", "EdDSA"])
def test_vc_jwt_from_sceau_verifies_in_npm_jose(alg: str) -> None:
    signer = SoftwareSigner(generate_private_key(alg), algorithm=alg, key_id="k1")
    token = asyncio.run(sign_vc_jwt(VC, signer, now=NOW, exp=NOW + 600))
    result = _oracle(
        {
            "op": "verify",
            "token": token,
            "jwk": public_jwk(signer.private_key),
            "alg": alg,
            "typ": "vc+jwt",
            "now": NOW,
        }
    )
    assert result["ok"], result
    assert result["header"] == {"alg": alg, "kid": "k1", "typ": "vc+jwt"}
    assert result["payload"] == {**VC, "iss": VC["issuer"], "iat": NOW, "exp": NOW + 600}


def test_npm_jose_rejects_a_tampered_vc_jwt() -> None:
    signer = SoftwareSigner(generate_private_key("ES256"))
    head, payload, sig = asyncio.run(sign_vc_jwt(VC, signer)).split(".")
    tampered = f"{head}.{payload[:-4]}AAAA.{sig}"
    result = _oracle(
        {
            "op": "verify",
            "token": tampered,
            "jwk": public_jwk(signer.private_key),
            "alg": "ES256",
            "typ": "vc+jwt",
            "now": NOW,
        }
    )
    assert result == {"ok": False, "code": result["code"]} and result["code"].startswith("ERR_")


def test_vp_jwt_from_sceau_verifies_in_npm_jose() -> None:
    issuer = SoftwareSigner(generate_private_key("ES256"))
    holder = SoftwareSigner(generate_private_key("ES256"))
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [enveloped_credential(asyncio.run(sign_vc_jwt(VC, issuer)))],
    }
    token = asyncio.run(sign_vp_jwt(vp, holder, nonce="abc", audience="https://rp.example"))
    result = _oracle(
        {
            "op": "verify",
            "token": token,
            "jwk": public_jwk(holder.private_key),
            "alg": "ES256",
            "typ": "vp+jwt",
            "now": NOW,
        }
    )
    assert result["ok"], result
    assert result["payload"]["nonce"] == "abc"
    assert result["payload"]["verifiableCredential"] == vp["verifiableCredential"]


@pytest.mark.parametrize("alg,crv", [("ES256", None), ("EdDSA", "Ed25519")])
def test_vc_jwt_signed_by_npm_jose_verifies_here(alg: str, crv: str | None) -> None:
    signed = _oracle(
        {
            "op": "sign",
            "alg": alg,
            "crv": crv,
            "header": {"alg": alg, "typ": "vc+jwt", "cty": "vc"},
            "payload": {**VC, "iss": VC["issuer"]},
        }
    )
    assert signed["ok"], signed
    key = public_key_from_jwk(signed["jwk"])
    out = verify_vc_jwt(signed["token"], key, now=NOW, algorithms=[alg])
    assert out.document["credentialSubject"] == VC["credentialSubject"]


def test_npm_jose_token_with_wrong_typ_is_rejected_here() -> None:
    signed = _oracle(
        {
            "op": "sign",
            "alg": "ES256",
            "header": {"alg": "ES256", "typ": "JWT"},
            "payload": VC,
        }
    )
    with pytest.raises(VcJoseError):
        verify_vc_jwt(signed["token"], public_key_from_jwk(signed["jwk"]), now=NOW)
