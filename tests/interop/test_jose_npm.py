"""Sceau JOSE against npm `jose` (independent implementation), both directions."""

import json
import subprocess
from pathlib import Path

import pytest
from joserfc.jwk import ECKey, OKPKey, RSAKey

from sceau.core.jose import (
    SoftwareSigner,
    generate_private_key,
    jwe_decrypt,
    jwe_encrypt_ecdh_es,
    public_jwk,
    sign_compact_sync,
    verify_compact,
)

pytestmark = pytest.mark.interop
JS = Path(__file__).resolve().parent / "js"
ALGS = ["ES256", "ES384", "ES512", "EdDSA", "PS256"]


def _node(payload: dict) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        ["node", str(JS / "jose_oracle.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _private_jwk(key) -> dict:  # type: ignore[no-untyped-def,type-arg]
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if isinstance(key, ec.EllipticCurvePrivateKey):
        return ECKey.import_key(key).as_dict(private=True)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return OKPKey.import_key(key).as_dict(private=True)
    return RSAKey.import_key(key).as_dict(private=True)


def test_jws_both_directions_and_jwe_both_directions_with_npm_jose() -> None:
    signers = {alg: SoftwareSigner(generate_private_key(alg), alg) for alg in ALGS}
    enc_key = generate_private_key("ES256")
    ours = {
        alg: sign_compact_sync({"typ": "JWT"}, {"alg_was": alg, "é": 1}, s)
        for alg, s in signers.items()
    }
    our_jwe = jwe_encrypt_ecdh_es(b"secret vp", public_jwk(enc_key), enc="A256GCM")
    tampered = ours["ES256"][:-4] + ("AAAA" if not ours["ES256"].endswith("AAAA") else "BBBB")
    out = _node(
        {
            "verify": [
                {"token": t, "jwk": public_jwk(signers[a].private_key), "alg": a}
                for a, t in ours.items()
            ]
            + [
                {"token": tampered, "jwk": public_jwk(signers["ES256"].private_key), "alg": "ES256"}
            ],
            "sign": [
                {"jwk": _private_jwk(s.private_key), "alg": a, "payload": '{"from":"npm"}'}
                for a, s in signers.items()
            ],
            "decrypt": [{"token": our_jwe, "jwk": _private_jwk(enc_key)}],
            "encrypt": [
                {"jwk": public_jwk(enc_key), "enc": e, "plaintext": "from npm"}
                for e in ("A128GCM", "A256GCM")
            ],
        }
    )
    assert [v["ok"] for v in out["verify"]] == [True] * len(ALGS) + [False]
    assert json.loads(out["verify"][0]["payload"]) == {"alg_was": "ES256", "é": 1}
    for alg, token in zip(ALGS, out["sign"], strict=True):
        assert verify_compact(
            token, signers[alg].private_key.public_key(), algorithms=[alg]
        ).claims == {"from": "npm"}
    assert out["decrypt"] == ["secret vp"]
    assert [jwe_decrypt(t, enc_key)[1] for t in out["encrypt"]] == [b"from npm", b"from npm"]
