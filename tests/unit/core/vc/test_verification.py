"""End-to-end credential and presentation verification (W-01: the VP proof always counts)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sceau.core.errors import InvalidSignature, SceauError
from sceau.core.jose import SoftwareSigner
from sceau.core.vc.dataintegrity import StaticResolver, add_proof_sync
from sceau.core.vc.model import CredentialExpired
from sceau.core.vc.verification import verify_credential, verify_presentation

ISSUER = "did:example:issuer"
HOLDER = "did:example:holder"
ISSUER_KEY = ec.generate_private_key(ec.SECP256R1())
HOLDER_KEY = ec.generate_private_key(ec.SECP256R1())
ISSUER_VM = f"{ISSUER}#key-1"
HOLDER_VM = f"{HOLDER}#key-1"
RESOLVER = StaticResolver({ISSUER_VM: ISSUER_KEY.public_key(), HOLDER_VM: HOLDER_KEY.public_key()})
NOW = 1_767_225_600

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "type": ["VerifiableCredential", "ExampleMembershipCredential"],
    "issuer": ISSUER,
    "validFrom": "2025-01-01T00:00:00Z",
    "validUntil": "2027-01-01T00:00:00Z",
    "credentialSubject": {"id": HOLDER, "memberOf": "Club"},
}


def _issue(doc: dict[str, Any] = CREDENTIAL, vm: str = ISSUER_VM) -> dict[str, Any]:
    key = ISSUER_KEY if vm == ISSUER_VM else HOLDER_KEY
    return add_proof_sync(
        doc,
        SoftwareSigner(key, "ES256"),
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=vm,
        created="2025-06-01T00:00:00Z",
    )


def _present(credentials: list[dict[str, Any]], challenge: str = "c-123") -> dict[str, Any]:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER,
        "verifiableCredential": credentials,
    }
    return add_proof_sync(
        vp,
        SoftwareSigner(HOLDER_KEY, "ES256"),
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=HOLDER_VM,
        proof_purpose="authentication",
        challenge=challenge,
        domain="https://verifier.example",
        created="2025-12-31T23:59:00Z",
    )


def test_valid_credential_verifies() -> None:
    result = asyncio.run(verify_credential(_issue(), RESOLVER, now=NOW))
    assert result.verified


def test_credential_signed_by_a_key_not_of_the_issuer_is_rejected() -> None:
    signed = _issue(vm=HOLDER_VM)
    with pytest.raises(SceauError) as exc:
        asyncio.run(verify_credential(signed, RESOLVER, now=NOW))
    assert exc.value.code == "verification_method_not_controlled"


def test_expired_credential_with_valid_proof_is_rejected() -> None:
    with pytest.raises(CredentialExpired):
        asyncio.run(verify_credential(_issue(), RESOLVER, now=1_830_000_000))


def test_presentation_verifies_with_its_credentials() -> None:
    vp = _present([_issue()])
    result = asyncio.run(
        verify_presentation(
            vp, RESOLVER, challenge="c-123", domain="https://verifier.example", now=NOW
        )
    )
    assert result.presentation.verified and len(result.credentials) == 1


def test_presentation_with_corrupted_proof_but_valid_credential_is_rejected() -> None:
    vp = _present([_issue()])
    vp["proof"]["proofValue"] = "z" + "1" * 80
    with pytest.raises(SceauError):
        asyncio.run(verify_presentation(vp, RESOLVER, challenge="c-123", now=NOW))


def test_replayed_presentation_with_other_challenge_is_rejected() -> None:
    vp = _present([_issue()], challenge="old")
    with pytest.raises(SceauError) as exc:
        asyncio.run(verify_presentation(vp, RESOLVER, challenge="new", now=NOW))
    assert exc.value.code == "INVALID_CHALLENGE_ERROR"


def test_presentation_with_a_tampered_credential_is_rejected() -> None:
    cred = _issue()
    cred["credentialSubject"]["memberOf"] = "Other club"
    vp = _present([cred])  # the holder signs over the tampered credential
    with pytest.raises(InvalidSignature):
        asyncio.run(verify_presentation(vp, RESOLVER, challenge="c-123", now=NOW))


def test_presentation_signed_by_someone_else_than_the_holder_is_rejected() -> None:
    vp = _present([_issue()])
    other = copy.deepcopy(vp)
    other["holder"] = "did:example:mallory"
    del other["proof"]
    other = add_proof_sync(
        other,
        SoftwareSigner(HOLDER_KEY, "ES256"),
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=HOLDER_VM,
        proof_purpose="authentication",
        challenge="c-123",
    )
    with pytest.raises(SceauError) as exc:
        asyncio.run(verify_presentation(other, RESOLVER, challenge="c-123", now=NOW))
    assert exc.value.code == "verification_method_not_controlled"
