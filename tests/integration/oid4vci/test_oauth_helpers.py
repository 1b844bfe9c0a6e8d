"""The shared OAuth helpers (sceau.oauth) and the stateless c_nonce, via their public functions."""

import json
import time
from pathlib import Path

import pytest

from sceau.errors import OAuthError
from sceau.oauth.dpop import verify_dpop_proof
from sceau.oauth.errors import OAuthProtocolError
from sceau.oauth.pkce import s256_challenge, verify_s256
from sceau.oauth.tokens import new_token, token_hash
from sceau.oid4vci.nonces import check_c_nonce, mint_c_nonce

from .wallet import dpop_proof, new_signer

DATA = Path(__file__).resolve().parent / "data"


def test_pkce_s256_matches_rfc7636_appendix_b() -> None:
    vector = json.loads((DATA / "rfc7636_appendix_b.json").read_text())
    assert s256_challenge(vector["code_verifier"]) == vector["code_challenge"]
    verify_s256(vector["code_verifier"], vector["code_challenge"])


@pytest.mark.parametrize(
    ("verifier", "method", "code"),
    [
        ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "plain", "invalid_request"),
        ("short", "S256", "invalid_grant"),
        ("x" * 43, "S256", "invalid_grant"),
    ],
)
def test_pkce_refuses_plain_bad_verifiers_and_mismatches(
    verifier: str, method: str, code: str
) -> None:
    vector = json.loads((DATA / "rfc7636_appendix_b.json").read_text())
    with pytest.raises(OAuthError) as caught:
        verify_s256(verifier, vector["code_challenge"], method)
    assert caught.value.code == code


def test_tokens_are_random_and_only_their_hash_is_kept() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 43
    assert token_hash(a) != a and len(token_hash(a)) == 64


def test_dpop_proof_with_another_server_nonce_asks_for_the_right_one() -> None:
    key = new_signer()
    htu = "https://issuer.example/t/a/token"
    proof = dpop_proof(key, "POST", htu, extra={"nonce": "old"})
    with pytest.raises(OAuthProtocolError) as caught:
        verify_dpop_proof(proof, htm="POST", htu=htu, now=int(time.time()), nonce="fresh")
    assert caught.value.code == "use_dpop_nonce"
    assert caught.value.headers["DPoP-Nonce"] == "fresh"
    ok = verify_dpop_proof(
        dpop_proof(key, "POST", htu + "?q=1", extra={"nonce": "fresh"}),
        htm="POST",
        htu=htu,
        now=int(time.time()),
        nonce="fresh",
    )
    assert ok.jkt and ok.jwk == key.public_jwk


def test_c_nonce_is_bound_to_key_tenant_and_expiry() -> None:
    key, other = b"k" * 32, b"o" * 32
    nonce = mint_c_nonce(key, "tenant-a", expires_at_ms=2_000)
    assert check_c_nonce(key, "tenant-a", nonce, now_ms=1_000) == 2_000
    assert check_c_nonce(key, "tenant-a", nonce, now_ms=2_000) is None  # expired
    assert check_c_nonce(other, "tenant-a", nonce, now_ms=1_000) is None
    assert check_c_nonce(key, "tenant-b", nonce, now_ms=1_000) is None
    tampered = ("A" if nonce[0] != "A" else "B") + nonce[1:]
    assert check_c_nonce(key, "tenant-a", tampered, now_ms=1_000) is None
    assert check_c_nonce(key, "tenant-a", "x" * 100, now_ms=1_000) is None
