"""Data Integrity benchmarks: ecdsa-rdfc-2019 sign/verify (P-256) and the other suites, plus
signing the same credential with pyld (URDNA2015) canonicalization in the same run.

Run through ``bench/formats.py`` (pins to one core) or alone: ``python bench/formats_di.py``.
Targets per core: ``di.ecdsa-rdfc-2019.sign`` ≥ 2,000/s, ``di.ecdsa-rdfc-2019.verify`` ≥ 1,500/s.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from pyld import jsonld as pyld

from sceau.core.jose import SoftwareSigner, generate_private_key
from sceau.core.multiformats import multibase_encode
from sceau.core.vc.dataintegrity import StaticResolver, add_proof_sync, verify_proofs_sync
from sceau.core.vc.jsonld import default_loader

try:
    from formats import measure
except ImportError:  # pragma: no cover - running from another directory
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from formats import measure

Emit = Callable[[dict[str, Any]], None]
VM = "https://issuer.example/keys#1"
NOW = 1_767_225_600
CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:0e4b1c2e-5a4f-4d8e-9f3b-7c1a2b3c4d5e",
    "type": ["VerifiableCredential", "ExampleDrivingLicenceCredential"],
    "issuer": {"id": "https://issuer.example", "name": "Ministère des Transports"},
    "validFrom": "2026-01-01T00:00:00Z",
    "validUntil": "2031-01-01T00:00:00Z",
    "credentialStatus": {
        "id": "https://status.example/credentials/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.example/credentials/3",
    },
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "givenName": "Jeanne",
        "familyName": "Tremblay",
        "birthDate": "1980-01-01",
        "licence": {"class": "G", "conditions": ["corrective lenses"], "number": "T1234-56789"},
    },
}


def _pyld_sign(signer: SoftwareSigner) -> Callable[[], dict[str, Any]]:
    loader = default_loader().as_pyld_loader()
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}

    def sign() -> dict[str, Any]:
        proof = {
            "type": "DataIntegrityProof",
            "cryptosuite": "ecdsa-rdfc-2019",
            "created": "2026-01-01T00:00:00Z",
            "verificationMethod": VM,
            "proofPurpose": "assertionMethod",
        }
        config = {**proof, "@context": CREDENTIAL["@context"]}
        c_doc = pyld.normalize(copy.deepcopy(CREDENTIAL), options).encode()
        c_cfg = pyld.normalize(config, options).encode()
        data = hashlib.sha256(c_cfg).digest() + hashlib.sha256(c_doc).digest()
        proof["proofValue"] = multibase_encode(signer.sign_sync(data))
        return {**CREDENTIAL, "proof": proof}

    return sign


def run(emit: Emit, *, seconds: float = 1.0) -> None:
    keys = {alg: generate_private_key(alg) for alg in ("ES256", "ES384", "EdDSA")}
    signers = {alg: SoftwareSigner(k, alg, key_id=VM) for alg, k in keys.items()}
    suites = [
        ("ecdsa-rdfc-2019", "ES256", ""),
        ("ecdsa-rdfc-2019", "ES384", ".p384"),
        ("eddsa-rdfc-2022", "EdDSA", ""),
        ("ecdsa-jcs-2019", "ES256", ""),
        ("eddsa-jcs-2022", "EdDSA", ""),
    ]
    for suite, alg, tag in suites:
        signer = signers[alg]
        resolver = StaticResolver({VM: keys[alg].public_key()})  # type: ignore[dict-item]

        def sign(signer: SoftwareSigner = signer, suite: str = suite) -> dict[str, Any]:
            return add_proof_sync(
                CREDENTIAL, signer, cryptosuite=suite, created="2026-01-01T00:00:00Z"
            )

        signed = sign()
        emit(measure(f"di.{suite}{tag}.sign", sign, seconds=seconds))

        def verify(signed: dict[str, Any] = signed, resolver: StaticResolver = resolver) -> Any:
            return verify_proofs_sync(signed, resolver, now=NOW)

        assert verify().verified
        emit(measure(f"di.{suite}{tag}.verify", verify, seconds=seconds))

    pyld_sign = _pyld_sign(signers["ES256"])
    theirs = pyld_sign()
    es256_resolver = StaticResolver({VM: keys["ES256"].public_key()})  # type: ignore[dict-item]
    assert verify_proofs_sync(theirs, es256_resolver, now=NOW).verified  # same bytes signed
    emit(measure("di.ecdsa-rdfc-2019.sign.pyld", pyld_sign, seconds=seconds, warmup=20))


if __name__ == "__main__":
    run(lambda record: print(json.dumps(record), flush=True))
