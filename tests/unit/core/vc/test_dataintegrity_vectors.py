"""W3C vc-di-eddsa / vc-di-ecdsa test vectors: canonical forms, hashes, signatures, proof sets."""

from __future__ import annotations

import asyncio
import copy
import hashlib
from typing import Any

import pytest
from _vcdata import did_key_resolver, did_key_vm, load_json, load_text

from sceau.core.jose import SoftwareSigner
from sceau.core.multiformats import multibase_decode, multikey_decode, multikey_decode_private
from sceau.core.vc.cryptosuites import (
    KEY_PROFILES,
    canonical_proof_config,
    get_cryptosuite,
    hash_data,
    transform_document,
    verify_signature,
)
from sceau.core.vc.dataintegrity import add_proof, check_proofs, verify_proofs

NOW = 1_700_000_000  # 2023-11-14, after every vector's "created"

# (suite, folder, file suffix, key pair file, secret member, key profile, unsigned input)
VECTORS = [
    (
        "eddsa-rdfc-2022",
        "vc-di-eddsa/eddsa-rdfc-2022",
        "DataInt",
        "vc-di-eddsa/keyPair.json",
        "privateKeyMultibase",
        "Ed25519",
        "vc-di-eddsa/unsigned.json",
    ),
    (
        "eddsa-jcs-2022",
        "vc-di-eddsa/eddsa-jcs-2022",
        "JCS",
        "vc-di-eddsa/keyPair.json",
        "privateKeyMultibase",
        "Ed25519",
        "vc-di-eddsa/unsigned.json",
    ),
    (
        "ecdsa-rdfc-2019",
        "vc-di-ecdsa/ecdsa-rdfc-2019-p256",
        "ECDSAP256",
        "vc-di-ecdsa/p256KeyPair.json",
        "secretKeyMultibase",
        "P-256",
        "vc-di-ecdsa/unsigned.json",
    ),
    (
        "ecdsa-rdfc-2019",
        "vc-di-ecdsa/ecdsa-rdfc-2019-p384",
        "ECDSAP384",
        "vc-di-ecdsa/p384KeyPair.json",
        "secretKeyMultibase",
        "P-384",
        "vc-di-ecdsa/unsigned.json",
    ),
    (
        "ecdsa-jcs-2019",
        "vc-di-ecdsa/ecdsa-jcs-2019-p256",
        "JCSECDSAP256",
        "vc-di-ecdsa/p256KeyPair.json",
        "secretKeyMultibase",
        "P-256",
        "vc-di-ecdsa/unsigned.json",
    ),
    (
        "ecdsa-jcs-2019",
        "vc-di-ecdsa/ecdsa-jcs-2019-p384",
        "JCSECDSAP384",
        "vc-di-ecdsa/p384KeyPair.json",
        "secretKeyMultibase",
        "P-384",
        "vc-di-ecdsa/unsigned.json",
    ),
]
IDS = [v[1].split("/")[1] for v in VECTORS]


def _names(folder: str, suffix: str) -> dict[str, str]:
    base = {
        "canon_doc": f"canonDoc{suffix}.txt",
        "canon_proof": f"proofCanon{suffix}.txt",
        "doc_hash": f"docHash{suffix}.txt",
        "proof_hash": f"proofHash{suffix}.txt",
        "combined": f"combinedHash{suffix}.txt",
        "config": f"proofConfig{suffix}.json",
        "signed": f"signed{suffix}.json",
    }
    return {k: f"{folder}/{v}" for k, v in base.items()}


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_canonical_forms_and_hashes_match_the_vectors(vector: tuple[str, ...]) -> None:
    suite_name, folder, suffix, _keys, _secret, profile_name, unsigned_rel = vector
    names = _names(folder, suffix)
    suite = get_cryptosuite(suite_name)
    profile = KEY_PROFILES[profile_name]
    unsigned = load_json(unsigned_rel)
    config = load_json(names["config"])
    canon_doc = transform_document(suite, unsigned)
    canon_config = canonical_proof_config(suite, config)
    assert canon_doc.decode() == load_text(names["canon_doc"])
    assert canon_config.decode() == load_text(names["canon_proof"])
    h = hashlib.sha256 if profile.hash_name == "sha256" else hashlib.sha384
    assert h(canon_doc).hexdigest() == load_text(names["doc_hash"]).strip()
    assert h(canon_config).hexdigest() == load_text(names["proof_hash"]).strip()
    assert hash_data(profile, canon_config, canon_doc).hex() == load_text(names["combined"]).strip()


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_signed_vectors_verify(vector: tuple[str, ...]) -> None:
    suite_name, folder, suffix, keys_rel, _secret, _profile, _unsigned = vector
    signed = load_json(_names(folder, suffix)["signed"])
    keys = load_json(keys_rel)
    assert signed["proof"]["verificationMethod"] == did_key_vm(keys["publicKeyMultibase"])
    result = asyncio.run(
        verify_proofs(signed, did_key_resolver(keys["publicKeyMultibase"]), now=NOW)
    )
    assert result.verified
    assert [p.cryptosuite for p in result.verified_proofs] == [suite_name]
    assert "proof" not in result.document


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_signature_hex_in_vector_matches_proof_value(vector: tuple[str, ...]) -> None:
    _suite, folder, suffix, keys_rel, _secret, profile_name, _unsigned = vector
    signed = load_json(_names(folder, suffix)["signed"])
    sig_hex = load_text(f"{folder}/sigHex{suffix}.txt").strip()
    assert multibase_decode(signed["proof"]["proofValue"]).hex() == sig_hex
    keys = load_json(keys_rel)
    profile = KEY_PROFILES[profile_name]
    combined = bytes.fromhex(load_text(f"{folder}/combinedHash{suffix}.txt").strip())
    verify_signature(
        profile,
        multikey_decode(keys["publicKeyMultibase"]),
        combined,  # type: ignore[arg-type]
        bytes.fromhex(sig_hex),
    )


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_our_proof_over_the_vector_input_verifies_and_eddsa_is_bit_exact(
    vector: tuple[str, ...],
) -> None:
    suite_name, folder, suffix, keys_rel, secret, profile_name, unsigned_rel = vector
    keys = load_json(keys_rel)
    private = multikey_decode_private(keys[secret])
    algorithm = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384"}[profile_name]
    expected = load_json(_names(folder, suffix)["signed"])
    signed = asyncio.run(
        add_proof(
            load_json(unsigned_rel),
            SoftwareSigner(private, algorithm),
            cryptosuite=suite_name,
            verification_method=did_key_vm(keys["publicKeyMultibase"]),
            created=expected["proof"]["created"],
        )
    )
    if profile_name == "Ed25519":
        assert signed == expected  # EdDSA is deterministic: the very same proofValue
    else:
        mine = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
        theirs = {k: v for k, v in expected["proof"].items() if k != "proofValue"}
        assert mine == theirs
        assert signed["proof"]["proofValue"] != expected["proof"]["proofValue"]
    result = asyncio.run(
        verify_proofs(signed, did_key_resolver(keys["publicKeyMultibase"]), now=NOW)
    )
    assert result.verified


def _chain_keys() -> list[str]:
    pairs = load_json("vc-di-eddsa/proof-set-chain/multiKeyPairs.json")
    return [p["publicKeyMultibase"] for p in pairs.values()]


@pytest.mark.parametrize(
    "name", ["signedProofSet1", "signedProofSet2", "signedProofChain1", "signedProofChain2"]
)
def test_proof_set_and_chain_vectors_verify_every_proof(name: str) -> None:
    signed = load_json(f"vc-di-eddsa/proof-set-chain/{name}.json")
    result = asyncio.run(check_proofs(signed, did_key_resolver(*_chain_keys()), now=NOW))
    proofs = signed["proof"] if isinstance(signed["proof"], list) else [signed["proof"]]
    assert result.verified, [p.error for p in result.proofs]
    assert len(result.verified_proofs) == len(proofs)


def test_proof_chain_breaks_when_the_previous_proof_is_tampered() -> None:
    signed = load_json("vc-di-eddsa/proof-set-chain/signedProofChain2.json")
    tampered = copy.deepcopy(signed)
    first = tampered["proof"][0]
    first["created"] = "2023-02-26T22:16:39Z"
    result = asyncio.run(check_proofs(tampered, did_key_resolver(*_chain_keys()), now=NOW))
    assert not result.verified
    # proof 0 is broken; 1 is independent; 2 chains to 0 and 1; 3 chains to 2
    assert [p.verified for p in result.proofs] == [False, True, False, False]


def test_proof_chain_with_missing_previous_proof_is_rejected() -> None:
    signed = load_json("vc-di-eddsa/proof-set-chain/signedProofChain2.json")
    dangling: dict[str, Any] = copy.deepcopy(signed)
    dangling["proof"] = [dangling["proof"][3]]
    result = asyncio.run(check_proofs(dangling, did_key_resolver(*_chain_keys()), now=NOW))
    assert not result.verified
    assert result.proofs[0].error is not None
    assert result.proofs[0].error.code == "PROOF_VERIFICATION_ERROR"


def test_we_reproduce_the_proof_chain_vector_exactly() -> None:
    pairs = load_json("vc-di-eddsa/proof-set-chain/multiKeyPairs.json")
    expected = load_json("vc-di-eddsa/proof-set-chain/signedProofChain2.json")
    doc = load_json("vc-di-eddsa/proof-set-chain/unsigned.json")
    for proof, pair in zip(expected["proof"], pairs.values(), strict=True):
        signer = SoftwareSigner(multikey_decode_private(pair["privateKeyMultibase"]), "EdDSA")
        doc = asyncio.run(
            add_proof(
                doc,
                signer,
                cryptosuite="eddsa-rdfc-2022",
                verification_method=proof["verificationMethod"],
                created=proof["created"],
                proof_id=proof.get("id"),
                previous_proof=proof.get("previousProof"),
            )
        )
    assert doc["proof"] == expected["proof"]
