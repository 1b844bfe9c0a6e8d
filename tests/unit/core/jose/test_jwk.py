import json
from pathlib import Path

import pytest
from joserfc.jwk import ECKey, OKPKey, RSAKey

from sceau.core.errors import InvalidKey
from sceau.core.jose import (
    generate_private_key,
    jwk_thumbprint,
    private_key_from_jwk,
    public_jwk,
    public_key_from_jwk,
)

ALGS = ["ES256", "ES384", "ES512", "EdDSA", "PS256"]


@pytest.mark.parametrize("alg", ALGS)
def test_public_jwk_round_trips_and_never_holds_d(alg: str) -> None:
    key = generate_private_key(alg)
    jwk = public_jwk(key)
    assert "d" not in jwk
    assert public_jwk(public_key_from_jwk(jwk)) == jwk


@pytest.mark.parametrize(
    "cls,alg", [(ECKey, "ES256"), (ECKey, "ES512"), (OKPKey, "EdDSA"), (RSAKey, "PS256")]
)
def test_private_jwk_from_joserfc_imports_and_thumbprint_matches_joserfc(cls, alg) -> None:  # type: ignore[no-untyped-def]
    key = generate_private_key(alg)
    jr = cls.import_key(key)
    private = jr.as_dict(private=True)
    imported = private_key_from_jwk(private)
    assert public_jwk(imported) == public_jwk(key)
    assert jwk_thumbprint(public_jwk(key)) == jr.thumbprint()


def test_rfc7638_example_thumbprint() -> None:
    example = json.loads((Path(__file__).parent / "data" / "rfc7638-example.json").read_text())
    assert jwk_thumbprint(example["jwk"]) == example["thumbprint"]


def test_public_key_from_jwk_rejects_private_members() -> None:
    with pytest.raises(InvalidKey) as exc:
        public_key_from_jwk(ECKey.import_key(generate_private_key()).as_dict(private=True))
    assert exc.value.code == "private_key_in_jwk"


@pytest.mark.parametrize(
    "jwk,code",
    [
        ({"kty": "oct", "k": "AAAA"}, "unsupported_kty"),
        ({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}, "unsupported_curve"),
        ({"kty": "OKP", "crv": "X448", "x": "AA"}, "unsupported_curve"),
        ({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}, "invalid_jwk"),
    ],
)
def test_public_key_from_jwk_rejects_unknown_types_and_short_coordinates(jwk, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidKey) as exc:
        public_key_from_jwk(jwk)
    assert exc.value.code == code


def test_public_key_from_jwk_rejects_point_off_the_curve() -> None:
    jwk = public_jwk(generate_private_key())
    y = bytearray(jwk["y"].encode())
    y[5] = ord("A") if y[5] != ord("A") else ord("B")
    with pytest.raises(InvalidKey) as exc:
        public_key_from_jwk({**jwk, "y": y.decode()})
    assert exc.value.code == "invalid_jwk"
