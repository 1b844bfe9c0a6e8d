"""Data Integrity add/verify: purposes, challenge/domain, time, tampering, suite and key checks."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sceau.core.errors import (
    InvalidKey,
    InvalidSignature,
    SceauError,
    UnsupportedAlgorithm,
)
from sceau.core.jose import SoftwareSigner
from sceau.core.vc.dataintegrity import (
    StaticResolver,
    add_proof,
    check_proofs,
    verify_proofs,
)

VM_P256 = "https://issuer.example/keys#p256"
VM_P384 = "https://issuer.example/keys#p384"
VM_ED = "https://issuer.example/keys#ed"
P256 = ec.generate_private_key(ec.SECP256R1())
P384 = ec.generate_private_key(ec.SECP384R1())
ED = ed25519.Ed25519PrivateKey.generate()
RESOLVER = StaticResolver(
    {VM_P256: P256.public_key(), VM_P384: P384.public_key(), VM_ED: ED.public_key()}
)
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z

CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:7f0e7a8c-0b4b-4bd2-9d57-1f1d3c1c2a10",
    "type": ["VerifiableCredential", "ExampleDegreeCredential"],
    "issuer": {"id": "https://issuer.example", "name": "Université d'exemple"},
    "validFrom": "2025-06-01T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "degree": {"type": "ExampleBachelorDegree", "name": "Baccalauréat en sciences"},
    },
}
PRESENTATION: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiablePresentation"],
    "holder": "did:example:holder",
}
SIGNERS = {
    "ecdsa-rdfc-2019": [
        (SoftwareSigner(P256, "ES256"), VM_P256),
        (SoftwareSigner(P384, "ES384"), VM_P384),
    ],
    "ecdsa-jcs-2019": [
        (SoftwareSigner(P256, "ES256"), VM_P256),
        (SoftwareSigner(P384, "ES384"), VM_P384),
    ],
    "eddsa-rdfc-2022": [(SoftwareSigner(ED, "EdDSA"), VM_ED)],
    "eddsa-jcs-2022": [(SoftwareSigner(ED, "Ed25519"), VM_ED)],
}
CASES = [(suite, s, vm) for suite, pairs in SIGNERS.items() for s, vm in pairs]


def _sign(doc: dict[str, Any], suite: str = "ecdsa-rdfc-2019", **kw: Any) -> dict[str, Any]:
    signer, vm = SIGNERS[suite][0]
    kw.setdefault("created", "2026-01-01T00:00:00Z")
    return asyncio.run(add_proof(doc, signer, cryptosuite=suite, verification_method=vm, **kw))


def _verify(doc: dict[str, Any], **kw: Any) -> Any:
    kw.setdefault("now", NOW)
    return asyncio.run(verify_proofs(doc, RESOLVER, **kw))


def _error(doc: dict[str, Any], **kw: Any) -> SceauError:
    with pytest.raises(SceauError) as exc:
        _verify(doc, **kw)
    return exc.value


@pytest.mark.parametrize(("suite", "signer", "vm"), CASES)
def test_each_suite_and_curve_round_trips(suite: str, signer: SoftwareSigner, vm: str) -> None:
    signed = asyncio.run(
        add_proof(
            CREDENTIAL,
            signer,
            cryptosuite=suite,
            verification_method=vm,
            created="2026-01-01T00:00:00Z",
        )
    )
    assert signed["proof"]["cryptosuite"] == suite
    result = _verify(signed)
    assert result.verified and result.proofs[0].verification_method == vm
    assert result.document == CREDENTIAL


@pytest.mark.parametrize(("suite", "signer", "vm"), CASES)
def test_tampered_credential_is_rejected(suite: str, signer: SoftwareSigner, vm: str) -> None:
    signed = asyncio.run(add_proof(CREDENTIAL, signer, cryptosuite=suite, verification_method=vm))
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["degree"]["name"] = "Doctorat"
    assert isinstance(_error(tampered), InvalidSignature)


def test_signature_length_matches_curve_and_p384_uses_sha384() -> None:
    from sceau.core.multiformats import multibase_decode

    p256 = asyncio.run(
        add_proof(
            CREDENTIAL,
            SoftwareSigner(P256, "ES256"),
            cryptosuite="ecdsa-rdfc-2019",
            verification_method=VM_P256,
        )
    )
    p384 = asyncio.run(
        add_proof(
            CREDENTIAL,
            SoftwareSigner(P384, "ES384"),
            cryptosuite="ecdsa-rdfc-2019",
            verification_method=VM_P384,
        )
    )
    assert len(multibase_decode(p256["proof"]["proofValue"])) == 64
    assert len(multibase_decode(p384["proof"]["proofValue"])) == 96
    # A P-384 signature over SHA-256 hash data (96 bytes) must not verify.
    from sceau.core.vc.cryptosuites import (
        KEY_PROFILES,
        canonical_proof_config,
        get_cryptosuite,
        hash_data,
        transform_document,
    )

    suite = get_cryptosuite("ecdsa-rdfc-2019")
    config = {k: v for k, v in p384["proof"].items() if k != "proofValue"}
    config["@context"] = CREDENTIAL["@context"]
    wrong = hash_data(
        KEY_PROFILES["P-256"],
        canonical_proof_config(suite, config),
        transform_document(suite, CREDENTIAL),
    )
    forged = copy.deepcopy(p384)
    from sceau.core.jose import ALGORITHMS
    from sceau.core.multiformats import multibase_encode

    forged["proof"]["proofValue"] = multibase_encode(ALGORITHMS["ES384"].sign(P384, wrong))
    assert isinstance(_error(forged), InvalidSignature)


def test_wrong_proof_purpose_is_rejected() -> None:
    signed = _sign(CREDENTIAL, proof_purpose="authentication")
    assert _error(signed).code == "MISMATCHED_PROOF_PURPOSE_ERROR"
    assert _verify(signed, expected_purpose="authentication").verified


def test_presentation_with_wrong_challenge_is_rejected() -> None:
    vp = _sign(
        PRESENTATION,
        proof_purpose="authentication",
        challenge="n-0S6_WzA2Mj",
        domain="https://verifier.example",
    )
    ok = _verify(
        vp,
        expected_purpose="authentication",
        challenge="n-0S6_WzA2Mj",
        domain="https://verifier.example",
    )
    assert ok.verified
    err = _error(
        vp, expected_purpose="authentication", challenge="other", domain="https://verifier.example"
    )
    assert err.code == "INVALID_CHALLENGE_ERROR"


def test_presentation_with_wrong_domain_is_rejected() -> None:
    vp = _sign(
        PRESENTATION,
        proof_purpose="authentication",
        challenge="c1",
        domain=["https://a.example", "https://b.example"],
    )
    assert _verify(
        vp,
        expected_purpose="authentication",
        challenge="c1",
        domain={"https://b.example", "https://a.example"},
    ).verified
    err = _error(vp, expected_purpose="authentication", challenge="c1", domain="https://a.example")
    assert err.code == "INVALID_DOMAIN_ERROR"


def test_missing_challenge_when_one_is_expected_is_rejected() -> None:
    vp = _sign(PRESENTATION, proof_purpose="authentication")
    assert _error(vp, expected_purpose="authentication", challenge="c1").code == (
        "INVALID_CHALLENGE_ERROR"
    )


def test_changed_challenge_in_the_proof_breaks_the_signature() -> None:
    vp = _sign(PRESENTATION, proof_purpose="authentication", challenge="c1")
    vp["proof"]["challenge"] = "c2"
    assert isinstance(
        _error(vp, expected_purpose="authentication", challenge="c2"), InvalidSignature
    )


def test_expired_proof_is_rejected() -> None:
    signed = _sign(CREDENTIAL, created="2025-12-01T00:00:00Z", expires="2025-12-31T00:00:00Z")
    assert _error(signed).code == "proof_expired"
    assert _verify(signed, now=NOW - 10 * 86400).verified


def test_proof_created_in_the_future_is_rejected() -> None:
    signed = _sign(CREDENTIAL, created="2026-01-02T00:00:00Z")
    assert _error(signed).code == "proof_not_yet_valid"


def test_unknown_cryptosuite_is_rejected() -> None:
    signed = _sign(CREDENTIAL)
    signed["proof"]["cryptosuite"] = "bbs-2023"
    err = _error(signed)
    assert isinstance(err, UnsupportedAlgorithm) and err.code == "unknown_cryptosuite"


def test_cryptosuite_outside_the_callers_allow_list_is_rejected() -> None:
    signed = _sign(CREDENTIAL, suite="eddsa-jcs-2022")
    assert _error(signed, cryptosuites={"ecdsa-rdfc-2019"}).code == "unknown_cryptosuite"


def test_relabelled_cryptosuite_is_rejected() -> None:
    signed = _sign(CREDENTIAL, suite="eddsa-rdfc-2022")
    signed["proof"]["cryptosuite"] = "eddsa-jcs-2022"
    assert isinstance(_error(signed), InvalidSignature)


def test_ecdsa_suite_with_an_ed25519_key_is_rejected() -> None:
    signed = _sign(CREDENTIAL)
    signed["proof"]["verificationMethod"] = VM_ED
    assert _error(signed).code == "key_cryptosuite_mismatch"


def test_signer_algorithm_not_fitting_the_suite_is_rejected() -> None:
    with pytest.raises(UnsupportedAlgorithm) as exc:
        asyncio.run(
            add_proof(
                CREDENTIAL,
                SoftwareSigner(ED, "EdDSA"),
                cryptosuite="ecdsa-rdfc-2019",
                verification_method=VM_ED,
            )
        )
    assert exc.value.code == "alg_cryptosuite_mismatch"


def test_other_proof_type_is_rejected() -> None:
    signed = _sign(CREDENTIAL)
    signed["proof"]["type"] = "Ed25519Signature2020"
    assert _error(signed).code == "unknown_proof_type"


@pytest.mark.parametrize("member", ["type", "verificationMethod", "proofPurpose", "proofValue"])
def test_proof_missing_a_required_member_is_rejected(member: str) -> None:
    signed = _sign(CREDENTIAL)
    del signed["proof"][member]
    assert _error(signed).code == "PROOF_VERIFICATION_ERROR"


def test_proof_value_not_base58btc_is_rejected() -> None:
    signed = _sign(CREDENTIAL)
    signed["proof"]["proofValue"] = "u" + "A" * 86
    assert _error(signed).code == "PROOF_VERIFICATION_ERROR"


def test_document_without_proof_is_rejected() -> None:
    assert _error(dict(CREDENTIAL)).code == "PARSING_ERROR"


def test_unknown_verification_method_is_rejected() -> None:
    signed = _sign(CREDENTIAL)
    signed["proof"]["verificationMethod"] = "https://issuer.example/keys#other"
    assert isinstance(_error(signed), InvalidKey)


def test_resolver_refuses_a_method_not_authorised_for_the_purpose() -> None:
    resolver = StaticResolver({VM_P256: P256.public_key()}, {VM_P256: {"authentication"}})
    signed = _sign(CREDENTIAL)
    with pytest.raises(InvalidKey) as exc:
        asyncio.run(verify_proofs(signed, resolver, now=NOW))
    assert exc.value.code == "verification_method_not_authorized"


def test_proof_set_lists_each_proof_and_fails_if_one_fails() -> None:
    first = _sign(CREDENTIAL, suite="ecdsa-rdfc-2019")
    both = _sign(first, suite="eddsa-jcs-2022")
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    result = _verify(both)
    assert [p.cryptosuite for p in result.verified_proofs] == ["ecdsa-rdfc-2019", "eddsa-jcs-2022"]
    both["proof"][1]["proofValue"] = first["proof"]["proofValue"]
    checked = asyncio.run(check_proofs(both, RESOLVER, now=NOW))
    assert not checked.verified
    assert [p.verified for p in checked.proofs] == [True, False]
    with pytest.raises(InvalidSignature):
        _verify(both)  # the precise error of the failing proof is raised


def test_unsigned_extra_proof_in_a_set_fails_the_set() -> None:
    signed = _sign(CREDENTIAL)
    extra = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    signed["proof"] = [signed["proof"], extra]
    checked = asyncio.run(check_proofs(signed, RESOLVER, now=NOW))
    assert [p.verified for p in checked.proofs] == [True, False]


def test_rdfc_proof_ignores_document_context_swap_only_if_rdf_is_equal() -> None:
    signed = _sign(CREDENTIAL)
    swapped = copy.deepcopy(signed)
    swapped["@context"] = ["https://www.w3.org/ns/credentials/v2"]  # examples terms now undefined
    err = _error(swapped)
    assert err.code in ("undefined_term", "invalid_signature")


def test_jcs_proof_with_mismatched_context_prefix_is_rejected() -> None:
    signed = _sign(CREDENTIAL, suite="ecdsa-jcs-2019")
    assert signed["proof"]["@context"] == CREDENTIAL["@context"]
    signed["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://x.example"]
    assert isinstance(_error(signed), InvalidSignature)


def test_signing_with_a_remote_context_is_refused() -> None:
    doc = copy.deepcopy(CREDENTIAL)
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://attacker.example/ctx"]
    with pytest.raises(SceauError) as exc:
        _sign(doc)
    assert exc.value.code == "unsupported_context"


@pytest.mark.parametrize("suite", ["ecdsa-jcs-2019", "eddsa-jcs-2022", "ecdsa-rdfc-2019"])
def test_deep_or_huge_documents_are_refused_for_every_suite(suite: str) -> None:
    deep: Any = "x"
    for _ in range(100):
        deep = {"ex:nest": deep}
    with pytest.raises(SceauError) as exc:
        _sign({**CREDENTIAL, "credentialSubject": deep}, suite=suite)
    assert exc.value.code == "input_too_large"
    huge = {**CREDENTIAL, "credentialSubject": {"id": "did:example:a", "alumniOf": "x" * 400_000}}
    with pytest.raises(SceauError) as exc:
        _sign(huge, suite=suite)
    assert exc.value.code == "input_too_large"


def test_jcs_suite_refuses_numbers_outside_the_ijson_range() -> None:
    doc = {**CREDENTIAL, "credentialSubject": {"id": "did:example:a", "n": 2**53 + 1}}
    with pytest.raises(SceauError) as exc:
        _sign(doc, suite="ecdsa-jcs-2019")
    assert exc.value.code == "PROOF_TRANSFORMATION_ERROR"
