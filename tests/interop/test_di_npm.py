"""Sceau Data Integrity against Digital Bazaar's jsonld-signatures + cryptosuites, both ways.

The npm side uses a documentLoader that serves only Sceau's shipped context files (and the test
keys), so both implementations see exactly the same contexts.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sceau.core.errors import SceauError
from sceau.core.jose import SoftwareSigner
from sceau.core.multiformats import multikey_encode, multikey_encode_private
from sceau.core.vc.contexts import SHIPPED_CONTEXTS
from sceau.core.vc.dataintegrity import StaticResolver, add_proof, verify_proofs

pytestmark = pytest.mark.interop
JS = Path(__file__).resolve().parent / "js"
CONTEXT_DIR = Path(__file__).resolve().parents[2] / "src" / "sceau" / "core" / "vc" / "contexts"
CONTROLLER = "https://issuer.example/issuer"

KEYS = {
    "P-256": ec.generate_private_key(ec.SECP256R1()),
    "P-384": ec.generate_private_key(ec.SECP384R1()),
    "Ed25519": ed25519.Ed25519PrivateKey.generate(),
}
ALG = {"P-256": "ES256", "P-384": "ES384", "Ed25519": "EdDSA"}
CASES = [
    ("ecdsa-rdfc-2019", "P-256"),
    ("ecdsa-rdfc-2019", "P-384"),
    ("ecdsa-jcs-2019", "P-256"),
    ("ecdsa-jcs-2019", "P-384"),
    ("eddsa-rdfc-2022", "Ed25519"),
    ("eddsa-jcs-2022", "Ed25519"),
]

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:0e4b1c2e-5a4f-4d8e-9f3b-7c1a2b3c4d5e",
    "type": ["VerifiableCredential", "ExampleDrivingLicenceCredential"],
    "issuer": {"id": CONTROLLER, "name": "Ministère des Transports"},
    "validFrom": "2026-01-01T00:00:00Z",
    "validUntil": "2031-01-01T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:holder",
        "licence": {"class": "G", "conditions": ["corrective lenses"], "points": 12},
        "name": {"@value": "Jeanne Tremblay", "@language": "fr-CA"},
    },
}


def _vm(curve: str) -> str:
    return f"https://issuer.example/keys#{curve.lower()}"


def _keys_payload() -> list[dict[str, str]]:
    return [
        {
            "id": _vm(curve),
            "controller": CONTROLLER,
            "publicKeyMultibase": multikey_encode(key.public_key()),
            "secretKeyMultibase": multikey_encode_private(key),
        }
        for curve, key in KEYS.items()
    ]


def _node(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    request = {
        "contexts": {url: str(CONTEXT_DIR / name) for url, (name, _) in SHIPPED_CONTEXTS.items()},
        "keys": _keys_payload(),
        "items": items,
    }
    proc = subprocess.run(
        ["node", str(JS / "di_oracle.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=60,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(proc.stdout)["results"]
    return results


RESOLVER = StaticResolver({_vm(c): k.public_key() for c, k in KEYS.items()})


def _sceau_sign(doc: dict[str, Any], suite: str, curve: str, **kw: Any) -> dict[str, Any]:
    signer = SoftwareSigner(KEYS[curve], ALG[curve], key_id=_vm(curve))  # type: ignore[arg-type]
    return asyncio.run(
        add_proof(doc, signer, cryptosuite=suite, created="2026-01-01T00:00:00Z", **kw)
    )


def test_sceau_proofs_verify_in_jsonld_signatures_and_tampering_is_caught() -> None:
    items = []
    for suite, curve in CASES:
        signed = _sceau_sign(CREDENTIAL, suite, curve)
        tampered = json.loads(json.dumps(signed))
        tampered["credentialSubject"]["licence"]["points"] = 0
        items.append({"op": "verify", "suite": suite, "doc": signed})
        items.append({"op": "verify", "suite": suite, "doc": tampered})
    results = _node(items)
    for (suite, curve), good, bad in zip(CASES, results[0::2], results[1::2], strict=True):
        assert good["ok"] and good["verified"], (suite, curve, good)
        assert bad["ok"] and not bad["verified"], (suite, curve, bad)


def test_jsonld_signatures_proofs_verify_in_sceau() -> None:
    items = [
        {
            "op": "sign",
            "suite": suite,
            "doc": CREDENTIAL,
            "keyId": _vm(curve),
            "created": "2026-01-01T00:00:00Z",
        }
        for suite, curve in CASES
    ]
    results = _node(items)
    for (suite, curve), r in zip(CASES, results, strict=True):
        assert r["ok"], (suite, curve, r.get("error"))
        signed = r["doc"]
        assert signed["proof"]["cryptosuite"] == suite
        result = asyncio.run(verify_proofs(signed, RESOLVER, now=1_767_225_600))
        assert result.verified and result.proofs[0].verification_method == _vm(curve)
        signed["credentialSubject"]["licence"]["class"] = "A"
        with pytest.raises(Exception):  # noqa: B017 - any precise SceauError
            asyncio.run(verify_proofs(signed, RESOLVER, now=1_767_225_600))


def test_presentation_challenge_and_domain_interoperate() -> None:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": CONTROLLER,
    }
    ours = _sceau_sign(
        vp,
        "ecdsa-rdfc-2019",
        "P-256",
        proof_purpose="authentication",
        challenge="abc123",
        domain="https://verifier.example",
    )
    results = _node(
        [
            {
                "op": "verify",
                "suite": "ecdsa-rdfc-2019",
                "doc": ours,
                "purpose": "authentication",
                "challenge": "abc123",
                "domain": "https://verifier.example",
            },
            {
                "op": "verify",
                "suite": "ecdsa-rdfc-2019",
                "doc": ours,
                "purpose": "authentication",
                "challenge": "other",
                "domain": "https://verifier.example",
            },
            {
                "op": "sign",
                "suite": "ecdsa-rdfc-2019",
                "doc": vp,
                "keyId": _vm("P-256"),
                "purpose": "authentication",
                "challenge": "xyz",
                "domain": "https://verifier.example",
                "created": "2026-01-01T00:00:00Z",
            },
        ]
    )
    assert results[0]["verified"], results[0]
    assert not results[1]["verified"]
    theirs = results[2]["doc"]
    ok = asyncio.run(
        verify_proofs(
            theirs,
            RESOLVER,
            expected_purpose="authentication",
            challenge="xyz",
            domain="https://verifier.example",
            now=1_767_225_600,
        )
    )
    assert ok.verified


def test_eddsa_jcs_2022_presentation_and_relabelled_suite_agree_both_ways() -> None:
    """vc-di-eddsa §3.3 (eddsa-jcs-2022) for presentations, and a proof made with eddsa-rdfc-2022
    relabelled as eddsa-jcs-2022 (SECURITY W-06) refused by both implementations."""
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": CONTROLLER,
    }
    ours = _sceau_sign(
        vp,
        "eddsa-jcs-2022",
        "Ed25519",
        proof_purpose="authentication",
        challenge="n-0S6_WzA2Mj",
        domain="https://verifier.example",
    )
    relabelled = _sceau_sign(CREDENTIAL, "eddsa-rdfc-2022", "Ed25519")
    relabelled["proof"]["cryptosuite"] = "eddsa-jcs-2022"
    auth = {"purpose": "authentication", "domain": "https://verifier.example"}
    results = _node(
        [
            {"op": "verify", "suite": "eddsa-jcs-2022", "doc": ours, "challenge": "n-0S6_WzA2Mj"}
            | auth,
            {"op": "verify", "suite": "eddsa-jcs-2022", "doc": ours, "challenge": "other"} | auth,
            {"op": "verify", "suite": "eddsa-jcs-2022", "doc": relabelled},
            {
                "op": "sign",
                "suite": "eddsa-jcs-2022",
                "doc": vp,
                "keyId": _vm("Ed25519"),
                "challenge": "xyz",
                "created": "2026-01-01T00:00:00Z",
            }
            | auth,
        ]
    )
    assert results[0]["ok"] and results[0]["verified"], results[0]
    assert results[1]["ok"] and not results[1]["verified"], results[1]
    assert results[2]["ok"] and not results[2]["verified"], results[2]
    theirs = results[3]["doc"]
    assert theirs["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    ok = asyncio.run(
        verify_proofs(
            theirs,
            RESOLVER,
            expected_purpose="authentication",
            challenge="xyz",
            domain="https://verifier.example",
            now=1_767_225_600,
        )
    )
    assert ok.verified
    with pytest.raises(SceauError):
        asyncio.run(verify_proofs(relabelled, RESOLVER, now=1_767_225_600))
