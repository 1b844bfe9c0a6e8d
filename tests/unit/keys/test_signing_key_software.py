"""The software backend: generated keys sign, unseal only under their own identity."""

from __future__ import annotations

import pytest

from sceau.core.jose import (
    ALGORITHMS,
    jwk_thumbprint,
    public_key_from_jwk,
    sign_compact_sync,
    verify_compact,
)
from sceau.keys.errors import SealedKeyInvalid
from sceau.keys.kek import new_kek_text, parse_kek
from sceau.keys.software import SoftwareKeyBackend


@pytest.mark.parametrize("algorithm", ["ES256", "ES384", "EdDSA", "Ed25519"])
def test_generated_key_signs_and_verifies_with_its_public_jwk(algorithm: str) -> None:
    backend = SoftwareKeyBackend(parse_kek(new_kek_text()))
    key = backend.generate(algorithm, tenant_slug="acme")
    assert "d" not in key.public_jwk
    assert key.kid == jwk_thumbprint(key.public_jwk)
    signer = backend.signer(
        tenant_slug="acme",
        kid=key.kid,
        algorithm=algorithm,
        key_ref=key.key_ref,
        custodian_id=key.custodian_id,
    )
    assert signer.key_id == key.kid and signer.algorithm == algorithm
    token = sign_compact_sync({"typ": "JWT"}, {"n": 1}, signer)  # type: ignore[arg-type]
    verified = verify_compact(token, public_key_from_jwk(key.public_jwk), algorithms=[algorithm])
    assert verified.claims == {"n": 1} and verified.header["kid"] == key.kid
    assert ALGORITHMS[algorithm].name == algorithm


def test_sealed_key_of_one_kid_cannot_be_used_under_another_kid() -> None:
    backend = SoftwareKeyBackend(parse_kek(new_kek_text()))
    one = backend.generate("ES256", tenant_slug="acme")
    two = backend.generate("ES256", tenant_slug="acme")
    with pytest.raises(SealedKeyInvalid):
        backend.signer(
            tenant_slug="acme",
            kid=two.kid,
            algorithm="ES256",
            key_ref=one.key_ref,
            custodian_id=one.custodian_id,
        )
