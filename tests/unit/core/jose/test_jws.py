import asyncio
import base64
import contextlib
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws as jr_jws
from joserfc.jwk import ECKey, OKPKey, RSAKey

from sceau.core.encoding import b64url_encode
from sceau.core.errors import (
    InputTooLarge,
    InvalidInput,
    InvalidKey,
    InvalidSignature,
    SceauError,
    UnsupportedAlgorithm,
)
from sceau.core.jose import (
    ALGORITHMS,
    SoftwareSigner,
    decode_compact_unverified,
    generate_private_key,
    public_jwk,
    sign_compact,
    sign_compact_sync,
    verify_compact,
)

ALGS = ["ES256", "ES384", "ES512", "EdDSA", "Ed25519", "PS256"]
_SIGNERS = {alg: SoftwareSigner(generate_private_key(alg), alg, key_id=f"k-{alg}") for alg in ALGS}


def _b64(d: object) -> str:
    return b64url_encode(json.dumps(d, separators=(",", ":")).encode())


def _jr_key(signer: SoftwareSigner):  # type: ignore[no-untyped-def]
    cls = {"EC": ECKey, "OKP": OKPKey, "RSA": RSAKey}[ALGORITHMS[signer.algorithm].kind]
    return cls.import_key(signer.private_key)


@pytest.mark.parametrize("alg", ALGS)
def test_sceau_signed_jws_verifies_in_sceau_and_joserfc(alg: str) -> None:
    signer = _SIGNERS[alg]
    token = sign_compact_sync({"typ": "JWT"}, {"sub": "é", "n": 1}, signer)
    verified = verify_compact(token, signer.private_key.public_key(), algorithms=[alg], typ="JWT")
    assert verified.claims == {"sub": "é", "n": 1}
    assert verified.header == {"alg": alg, "typ": "JWT", "kid": f"k-{alg}"}
    obj = jr_jws.deserialize_compact(token, _jr_key(signer), algorithms=[alg])
    assert json.loads(obj.payload) == {"sub": "é", "n": 1}


@pytest.mark.parametrize("alg", ALGS)
def test_joserfc_signed_jws_verifies_in_sceau(alg: str) -> None:
    signer = _SIGNERS[alg]
    token = jr_jws.serialize_compact({"alg": alg}, b"hello", _jr_key(signer), algorithms=[alg])
    assert (
        verify_compact(token, signer.private_key.public_key(), algorithms=[alg]).payload == b"hello"
    )


def test_async_sign_compact_matches_the_signer_port() -> None:
    signer = _SIGNERS["ES256"]
    token = asyncio.run(sign_compact({"kid": "override"}, b"raw", signer))
    header, payload = decode_compact_unverified(token)
    assert header == {"alg": "ES256", "kid": "override"} and payload == b"raw"
    verify_compact(token, signer.private_key.public_key())


def test_signer_rejects_algorithm_that_does_not_match_its_key() -> None:
    with pytest.raises(UnsupportedAlgorithm) as exc:
        SoftwareSigner(generate_private_key("ES256"), "ES384")
    assert exc.value.code == "alg_key_mismatch"
    with pytest.raises(UnsupportedAlgorithm):
        SoftwareSigner(generate_private_key("ES256"), "HS256")


# --- attack table (SECURITY.md J-01..J-08) ---------------------------------------------------

_ES = _SIGNERS["ES256"]
_ES_PUB = _ES.private_key.public_key()
_GOOD = sign_compact_sync({"typ": "JWT"}, {"iss": "https://issuer.example"}, _ES)


def _with_header(header: dict[str, object], sig: str | None = None) -> str:
    _, p, s = _GOOD.split(".")
    return f"{_b64(header)}.{p}.{s if sig is None else sig}"


@pytest.mark.parametrize("none", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_rejected_in_every_spelling(none: str) -> None:
    with pytest.raises(UnsupportedAlgorithm) as exc:
        verify_compact(_with_header({"alg": none}, sig=""), _ES_PUB, algorithms=["ES256", none])
    assert exc.value.code == "alg_none"


def _hs256(secret: bytes) -> str:
    si = f"{_b64({'alg': 'HS256'})}.{_b64({'iss': 'x'})}"
    return si + "." + b64url_encode(hmac.new(secret, si.encode(), hashlib.sha256).digest())


@pytest.mark.parametrize(
    "secret",
    [
        _ES_PUB.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        _ES_PUB.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        json.dumps(public_jwk(_ES_PUB)).encode(),
    ],
    ids=["pem", "der", "jwk"],
)
def test_hs256_with_the_public_key_as_secret_is_rejected(secret: bytes) -> None:
    with pytest.raises(UnsupportedAlgorithm) as exc:
        verify_compact(_hs256(secret), _ES_PUB, algorithms=["ES256", "HS256"])
    assert exc.value.code == "alg_not_allowed"
    with pytest.raises(InvalidKey):
        verify_compact(_GOOD, secret)  # type: ignore[arg-type]


@pytest.mark.parametrize("other", ["EdDSA", "PS256", "ES384"])
def test_es256_token_verified_with_another_key_type_is_rejected(other: str) -> None:
    with pytest.raises(UnsupportedAlgorithm) as exc:
        verify_compact(_GOOD, _SIGNERS[other].private_key.public_key(), algorithms=["ES256", other])
    assert exc.value.code == "alg_key_mismatch"


def test_header_alg_against_the_key_type_is_rejected() -> None:
    # An "ES384" header over a P-256 key: the key decides, not the token.
    with pytest.raises(UnsupportedAlgorithm) as exc:
        verify_compact(_with_header({"alg": "ES384"}), _ES_PUB, algorithms=["ES256", "ES384"])
    assert exc.value.code == "alg_key_mismatch"


def test_alg_outside_the_per_use_allow_list_is_rejected() -> None:
    with pytest.raises(UnsupportedAlgorithm) as exc:
        verify_compact(_GOOD, _ES_PUB, algorithms=["EdDSA"])
    assert exc.value.code == "alg_not_allowed"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ES256", "crit": ["x-policy"], "x-policy": 1},
        {"alg": "ES256", "crit": ["b64"], "b64": False},
        {"alg": "ES256", "crit": []},
        {"alg": "ES256", "crit": ["alg"]},
    ],
)
def test_any_crit_header_is_rejected(header: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as exc:
        verify_compact(_with_header(header), _ES_PUB)
    assert exc.value.code == "unsupported_crit"


def test_oversized_token_is_rejected_before_parsing() -> None:
    with pytest.raises(InputTooLarge) as exc:
        verify_compact(_GOOD + "A" * 300_000, _ES_PUB)
    assert exc.value.code == "token_too_large"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace(".", "=.", 1),
        lambda t: t[:-2] + "+/",
        lambda t: t[:10] + " " + t[10:],
    ],
)
def test_bad_base64_is_rejected(mutate) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as exc:
        verify_compact(mutate(_GOOD), _ES_PUB)
    assert exc.value.code == "bad_base64"


@pytest.mark.parametrize("token", [_GOOD + ".x", ".".join(_GOOD.split(".")[:2]), "abc"])
def test_wrong_segment_count_is_rejected(token: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        verify_compact(token, _ES_PUB)
    assert exc.value.code == "malformed_jws"


def test_duplicate_alg_in_header_is_rejected() -> None:
    raw = b'{"alg":"ES256","alg":"none"}'
    _, p, s = _GOOD.split(".")
    with pytest.raises(InvalidInput) as exc:
        verify_compact(f"{b64url_encode(raw)}.{p}.{s}", _ES_PUB)
    assert exc.value.code == "duplicate_json_member"


@pytest.mark.parametrize(
    "sig",
    [b"\0" * 64, b"\1" * 63],
)
def test_zero_or_short_signature_is_rejected(sig: bytes) -> None:
    with pytest.raises(InvalidSignature):
        verify_compact(
            _with_header({"alg": "ES256", "typ": "JWT", "kid": "k-ES256"}, b64url_encode(sig)),
            _ES_PUB,
        )


def test_der_encoded_es256_signature_is_rejected() -> None:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    raw = base64.urlsafe_b64decode(_GOOD.split(".")[2] + "==")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    with pytest.raises(InvalidSignature):
        verify_compact(_GOOD.rsplit(".", 1)[0] + "." + b64url_encode(der), _ES_PUB)


def test_tampered_payload_fails_signature() -> None:
    h, _, s = _GOOD.split(".")
    with pytest.raises(InvalidSignature) as exc:
        verify_compact(f"{h}.{_b64({'iss': 'https://evil.example'})}.{s}", _ES_PUB)
    assert exc.value.code == "invalid_signature"


def test_typ_must_match_exactly() -> None:
    with pytest.raises(InvalidInput) as exc:
        verify_compact(_GOOD, _ES_PUB, typ="kb+jwt")
    assert exc.value.code == "invalid_typ"
    assert verify_compact(_GOOD, _ES_PUB, typ=("kb+jwt", "JWT")).header["typ"] == "JWT"


def test_key_resolver_receives_the_header_and_private_keys_are_refused() -> None:
    seen = []

    def resolve(header):  # type: ignore[no-untyped-def]
        seen.append(header["kid"])
        return _ES_PUB

    verify_compact(_GOOD, resolve)
    assert seen == ["k-ES256"]
    with pytest.raises(InvalidKey):
        verify_compact(_GOOD, _ES.private_key)  # type: ignore[arg-type]


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_verify_compact_on_random_strings_raises_only_sceau_errors(text: str) -> None:
    with contextlib.suppress(SceauError):
        verify_compact(text, _ES_PUB)


@settings(max_examples=200)
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_verify_compact_on_random_segments_raises_only_sceau_errors(h: bytes, p: bytes) -> None:
    with contextlib.suppress(SceauError):
        verify_compact(f"{b64url_encode(h)}.{b64url_encode(p)}.{_GOOD.split('.')[2]}", _ES_PUB)


def test_high_s_twin_of_a_valid_signature_still_verifies() -> None:
    # SECURITY.md J-07: ECDSA is malleable, so replay defences must key on nonce/jti, never on
    # signature bytes. This pins the behaviour so nobody relies on signature uniqueness.
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256 group order
    head, sig = _GOOD.rsplit(".", 1)
    raw = base64.urlsafe_b64decode(sig + "==")
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    twin = f"{head}.{b64url_encode(r + (n - s).to_bytes(32, 'big'))}"
    assert twin != _GOOD
    assert verify_compact(twin, _ES_PUB).claims == {"iss": "https://issuer.example"}


def test_oversized_protected_header_is_rejected() -> None:
    big = {"alg": "ES256", "x": "a" * 20_000}
    with pytest.raises(InputTooLarge) as exc:
        verify_compact(_with_header(big), _ES_PUB)
    assert exc.value.code == "header_too_large"
