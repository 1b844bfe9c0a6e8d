import json

import pytest
from joserfc import jwe as jr_jwe
from joserfc.jwk import ECKey

from sceau.core.encoding import b64url_encode
from sceau.core.errors import InvalidInput, InvalidKey, UnsupportedAlgorithm
from sceau.core.jose import generate_private_key, jwe_decrypt, jwe_encrypt_ecdh_es, public_jwk

_KEY = generate_private_key("ES256")


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_jwe_round_trips_and_interoperates_with_joserfc(enc: str) -> None:
    token = jwe_encrypt_ecdh_es(
        b"vp_token", {**public_jwk(_KEY), "kid": "r1"}, enc=enc, extra_header={"apv": "bm9uY2U"}
    )
    header, plaintext = jwe_decrypt(token, _KEY)
    assert plaintext == b"vp_token" and header["enc"] == enc and header["kid"] == "r1"
    reg = jr_jwe.JWERegistry(algorithms=["ECDH-ES", enc])
    assert (
        jr_jwe.decrypt_compact(token, ECKey.import_key(_KEY), registry=reg).plaintext == b"vp_token"
    )
    theirs = jr_jwe.encrypt_compact(
        {"alg": "ECDH-ES", "enc": enc}, b"x", ECKey.import_key(public_jwk(_KEY)), registry=reg
    )
    assert jwe_decrypt(theirs, _KEY)[1] == b"x"


def _reheader(token: str, **changes: object) -> str:
    import base64

    parts = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=="))
    header.update(changes)
    return ".".join([b64url_encode(json.dumps(header).encode()), *parts[1:]])


@pytest.mark.parametrize(
    "changes,code",
    [
        ({"alg": "RSA1_5"}, "alg_not_allowed"),
        ({"alg": "A128KW"}, "alg_not_allowed"),
        ({"alg": "PBES2-HS256+A128KW", "p2c": 2_000_000_000}, "alg_not_allowed"),
        ({"enc": "A128CBC-HS256"}, "enc_not_allowed"),
        ({"zip": "DEF"}, "unsupported_zip"),
    ],
)
def test_jwe_outside_the_allow_list_is_rejected(changes: dict[str, object], code: str) -> None:
    token = jwe_encrypt_ecdh_es(b"x", public_jwk(_KEY))
    with pytest.raises((UnsupportedAlgorithm, InvalidInput)) as exc:
        jwe_decrypt(_reheader(token, **changes), _KEY)
    assert exc.value.code == code


def test_jwe_with_off_curve_epk_is_rejected() -> None:
    token = jwe_encrypt_ecdh_es(b"x", public_jwk(_KEY))
    other = public_jwk(generate_private_key())
    with pytest.raises(InvalidKey):
        jwe_decrypt(_reheader(token, epk={**other, "y": public_jwk(_KEY)["y"]}), _KEY)


def test_jwe_for_another_recipient_does_not_decrypt() -> None:
    token = jwe_encrypt_ecdh_es(b"x", public_jwk(generate_private_key()))
    with pytest.raises(InvalidInput) as exc:
        jwe_decrypt(token, _KEY)
    assert exc.value.code == "jwe_decrypt_failed"


def test_recipient_jwk_naming_ecdh_es_alg_is_accepted_for_encryption() -> None:
    # OpenID4VP §8.3: the verifier's encryption JWK carries "alg"; it must not be refused.
    key = generate_private_key("ES256")
    recipient = {**public_jwk(key), "alg": "ECDH-ES", "use": "enc"}
    token = jwe_encrypt_ecdh_es(b"secret", recipient)
    assert jwe_decrypt(token, key)[1] == b"secret"


def test_recipient_jwk_naming_a_symmetric_alg_is_refused() -> None:
    recipient = {**public_jwk(generate_private_key("ES256")), "alg": "HS256"}
    with pytest.raises(InvalidKey):
        jwe_encrypt_ecdh_es(b"secret", recipient)
