"""SECURITY rows not covered by test_attacks.py: J-02 (algorithms outside the per-use allow-list),
J-03 (attacker-supplied keys in the header), J-08 (token-type confusion), S-04 (``sd_hash`` with
another hash than ``_sd_alg``) and S-07 (KB-JWT with ``HS256`` or claims of the wrong JSON type,
``iat`` a year old), J-09 (time windows, out-of-range NumericDates, exact ``iss``) and J-04/J-05
on the SD-JWT decoding paths (``crit``, non-canonical base64url, duplicate header members)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from sceau.core.encoding import b64url_encode
from sceau.core.errors import SceauError, UnsupportedAlgorithm
from sceau.core.jose import SoftwareSigner, generate_private_key, public_jwk, sign_compact_sync
from sceau.core.sdjwt import (
    SD,
    StaticIssuerKeys,
    X5cIssuerResolver,
    create_presentation_sync,
    issue_sd_jwt_sync,
    issue_sd_jwt_vc_sync,
    kb_jwt_payload,
    verify_sd_jwt,
    verify_sd_jwt_vc,
)

ISS = "https://issuer.example"
VCT = "https://credentials.example/identity"
NOW = 1_700_000_000
AUD, NONCE = "https://verifier.example", "n-0S6_WzA2Mj"
ISSUER = SoftwareSigner(generate_private_key("ES256"), key_id="k1")
ATTACKER = SoftwareSigner(generate_private_key("ES256"), key_id="k1")
HOLDER = SoftwareSigner(generate_private_key("ES256"))
TRUST = StaticIssuerKeys({ISS: {"k1": ISSUER.private_key.public_key()}})


def _vc(signer: SoftwareSigner, header: dict[str, Any] | None = None) -> str:
    return issue_sd_jwt_vc_sync(
        VCT,
        {SD("given_name"): "Alice"},
        signer,
        iss=ISS,
        iat=NOW - 100,
        exp=NOW + 3600,
        holder_jwk=HOLDER.public_jwk,
        header=header,
    ).compact


def _present(sd_jwt: str) -> str:
    return create_presentation_sync(
        sd_jwt, {"given_name": True}, holder_signer=HOLDER, audience=AUD, nonce=NONCE, iat=NOW
    )


def _verify_vc(token: str, keys: Any = TRUST, **kw: Any) -> Any:
    return verify_sd_jwt_vc(token, keys, audience=AUD, nonce=NONCE, now=NOW, **kw)


def _self_signed_cert(signer: SoftwareSigner) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer.example")])
    start = datetime(2023, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(signer.private_key.public_key())  # type: ignore[arg-type]
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("issuer.example")]), critical=False
        )
        .sign(signer.private_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


# J-03 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        {"jwk": ATTACKER.public_jwk},
        {"jku": "https://attacker.example/jwks"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"x5c": [_self_signed_cert(ATTACKER)]},
        {"kid": "did:web:attacker.example#k"},
    ],
    ids=["jwk", "jku", "x5u", "x5c", "kid"],
)
def test_j03_attacker_key_in_the_header_is_never_the_issuer_key(header: dict[str, Any]) -> None:
    # Signed by the attacker, claiming the trusted iss; the header points at the attacker's key.
    token = _present(_vc(ATTACKER, header))
    with pytest.raises(SceauError) as err:
        _verify_vc(token)
    # The kid names no trusted key, or the trusted key (never the header's) fails the signature.
    assert err.value.code == ("unknown_kid" if "kid" in header else "invalid_signature")
    # The honest issuer's credential with the same header verifies: the header is just ignored.
    if "kid" not in header:
        assert _verify_vc(_present(_vc(ISSUER, header))).claims["given_name"] == "Alice"


def test_j03_x5c_to_an_untrusted_root_is_rejected_by_the_x5c_resolver() -> None:
    anchor = x509.load_der_x509_certificate(base64.b64decode(_self_signed_cert(ISSUER)))
    resolver = X5cIssuerResolver([anchor], now=datetime.fromtimestamp(NOW, UTC))
    token = _present(_vc(ATTACKER, {"x5c": [_self_signed_cert(ATTACKER)]}))
    with pytest.raises(SceauError) as err:
        _verify_vc(token, resolver)
    assert err.value.code in ("untrusted_x5c", "invalid_x5c")


# J-02 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["ES384", "ES512", "EdDSA", "PS256"])
def test_j02_issuer_alg_outside_the_allow_list_is_rejected(alg: str) -> None:
    signer = SoftwareSigner(generate_private_key(alg), algorithm=alg, key_id="k1")
    keys = StaticIssuerKeys({ISS: {"k1": signer.private_key.public_key()}})
    token = _present(_vc(signer, {"kid": "k1"}))
    assert _verify_vc(token, keys, algorithms=(alg,)).claims["given_name"] == "Alice"
    with pytest.raises(UnsupportedAlgorithm):
        _verify_vc(token, keys, algorithms=("ES256",))


def test_j02_es256k_and_hs256_issuer_jwts_are_rejected() -> None:
    sd_jwt = _vc(ISSUER)
    jwt, rest = sd_jwt.split("~", 1)
    _, payload, _ = jwt.split(".")
    for header in ({"alg": "ES256K", "typ": "dc+sd-jwt"}, {"alg": "HS256", "typ": "dc+sd-jwt"}):
        protected = b64url_encode(json.dumps(header).encode())
        # HS256 keyed with the issuer's public JWK text (the classic key-confusion attempt).
        secret = json.dumps(public_jwk(ISSUER.private_key.public_key())).encode()
        mac = hmac.new(secret, f"{protected}.{payload}".encode(), hashlib.sha256).digest()
        forged = f"{protected}.{payload}.{b64url_encode(mac)}~{rest}"
        with pytest.raises(UnsupportedAlgorithm):
            _verify_vc(forged, require_key_binding=False)


# J-08 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("typ", ["statuslist+jwt", "kb+jwt", "JWT", "openid4vci-proof+jwt"])
def test_j08_other_token_types_are_not_sd_jwt_vcs(typ: str) -> None:
    claims = {"iss": ISS, "vct": VCT, "iat": NOW, "_sd_alg": "sha-256"}
    jwt = sign_compact_sync({"typ": typ, "kid": "k1"}, claims, ISSUER)
    with pytest.raises(SceauError) as err:
        _verify_vc(jwt + "~", require_key_binding=False)
    assert err.value.code == "invalid_typ"


# S-04 -------------------------------------------------------------------------------------------
def test_s04_sd_hash_with_another_hash_than_sd_alg_is_rejected() -> None:
    issued = issue_sd_jwt_sync(
        {"iss": ISS, SD("given_name"): "Alice"},
        ISSUER,
        sd_alg="sha-384",
        holder_jwk=HOLDER.public_jwk,
    ).compact
    good = create_presentation_sync(
        issued, {"given_name": True}, holder_signer=HOLDER, audience=AUD, nonce=NONCE, iat=NOW
    )
    pub = ISSUER.private_key.public_key()
    assert verify_sd_jwt(good, pub, audience=AUD, nonce=NONCE, now=NOW).claims["given_name"]
    sd_jwt = good[: good.rindex("~") + 1]
    claims = kb_jwt_payload(sd_jwt, "sha-256", audience=AUD, nonce=NONCE, iat=NOW)
    token = sd_jwt + sign_compact_sync({"typ": "kb+jwt"}, claims, HOLDER)
    with pytest.raises(SceauError) as err:
        verify_sd_jwt(token, pub, audience=AUD, nonce=NONCE, now=NOW)
    assert err.value.code == "kb_sd_hash_mismatch"


# S-07 -------------------------------------------------------------------------------------------
SD_JWT = _vc(ISSUER)  # one credential: every KB-JWT below binds to it


def _with_kb(claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    sd_jwt = SD_JWT
    if header is None:
        return sd_jwt + sign_compact_sync({"typ": "kb+jwt"}, claims, HOLDER)
    protected = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(claims).encode())
    secret = json.dumps(HOLDER.public_jwk).encode()
    mac = hmac.new(secret, f"{protected}.{body}".encode(), hashlib.sha256).digest()
    return sd_jwt + f"{protected}.{body}.{b64url_encode(mac)}"


def _kb_claims(**changes: Any) -> dict[str, Any]:
    sd_jwt = SD_JWT
    claims = kb_jwt_payload(sd_jwt, "sha-256", audience=AUD, nonce=NONCE, iat=NOW)
    claims.update(changes)
    return claims


def test_s07_kb_jwt_with_hs256_keyed_by_the_cnf_key_is_rejected() -> None:
    token = _with_kb(_kb_claims(), {"alg": "HS256", "typ": "kb+jwt"})
    with pytest.raises(UnsupportedAlgorithm):
        _verify_vc(token)


@pytest.mark.parametrize(
    "changes,code",
    [
        ({"nonce": 12345}, "kb_nonce_mismatch"),
        ({"nonce": [NONCE]}, "kb_nonce_mismatch"),
        ({"aud": [AUD, "https://other.example"]}, "kb_aud_mismatch"),
        ({"aud": None}, "kb_aud_mismatch"),
        ({"iat": str(NOW)}, "invalid_claims"),
        ({"iat": "1e400"}, "invalid_json"),  # written as the JSON number 1e400
        ({"iat": 2**64}, "invalid_claims"),
        ({"iat": True}, "invalid_claims"),
        ({"sd_hash": 5}, "kb_sd_hash_mismatch"),
        ({"sd_hash": None}, "kb_sd_hash_mismatch"),
        ({"iat": NOW - 365 * 86400}, "kb_stale"),
    ],
    ids=lambda c: f"{next(iter(c))}={next(iter(c.values()))!r}"[:40] if isinstance(c, dict) else c,
)
def test_s07_kb_jwt_claims_of_the_wrong_type_or_age_are_rejected(
    changes: dict[str, Any], code: str
) -> None:
    claims = _kb_claims(**changes)
    if claims.get("iat") == "1e400":
        body = json.dumps(claims).replace('"iat": "1e400"', '"iat": 1e400')
        token = SD_JWT + sign_compact_sync({"typ": "kb+jwt"}, body.encode(), HOLDER)
    else:
        token = _with_kb(claims)
    with pytest.raises(SceauError) as err:
        _verify_vc(token)
    assert err.value.code == code


# J-09 -------------------------------------------------------------------------------------------
def _plain(**claims: Any) -> str:
    payload = {"iss": ISS, "vct": VCT, "_sd_alg": "sha-256", **claims}
    return sign_compact_sync({"typ": "dc+sd-jwt", "kid": "k1"}, payload, ISSUER) + "~"


@pytest.mark.parametrize(
    "claims,leeway,code",
    [
        ({"nbf": NOW + 600}, 60, "not_yet_valid"),
        ({"iat": NOW + 86400}, 60, "iat_in_future"),
        ({"exp": NOW - 61}, 60, "expired"),
        ({"exp": NOW}, 0, "expired"),  # RFC 7519 §4.1.4: on or after exp is expired
        ({"exp": 2**64}, 60, "invalid_claims"),
        ({"exp": 1.5e308}, 60, "invalid_claims"),
        ({"nbf": "0"}, 60, "invalid_claims"),
    ],
)
def test_j09_time_claims_out_of_window_or_range_are_rejected(
    claims: dict[str, Any], leeway: int, code: str
) -> None:
    with pytest.raises(SceauError) as err:
        _verify_vc(_plain(**claims), require_key_binding=False, leeway=leeway)
    assert err.value.code == code


def test_j09_exp_inside_the_leeway_is_accepted() -> None:
    verified = _verify_vc(_plain(exp=NOW - 30), require_key_binding=False, leeway=60)
    assert verified.vct == VCT


@pytest.mark.parametrize(
    "iss", ["https://issuer.example.evil", "https://issuer.example/", "HTTPS://ISSUER.EXAMPLE"]
)
def test_j09_iss_must_match_the_trust_configuration_exactly(iss: str) -> None:
    token = sign_compact_sync(
        {"typ": "dc+sd-jwt", "kid": "k1"}, {"iss": iss, "vct": VCT, "_sd_alg": "sha-256"}, ISSUER
    )
    with pytest.raises(SceauError) as err:
        _verify_vc(token + "~", require_key_binding=False)
    assert err.value.code == "untrusted_issuer"


# J-04 / J-05 on the SD-JWT paths (their own fast header, base64url and JSON decoding) ----------
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_DUPLICATE_ALG_HEADER = b64url_encode(b'{"alg":"ES256","alg":"none","typ":"dc+sd-jwt","kid":"k1"}')


def _trailing_bits(segment: str) -> str:
    """The same bytes with non-zero unused trailing bits (RFC 4648 §3.5: not canonical)."""
    assert len(segment) % 4 in (2, 3)
    last = _B64.index(segment[-1])
    return segment[:-1] + _B64[last | (0b1111 if len(segment) % 4 == 2 else 0b11)]


@pytest.mark.parametrize("where", ["issuer", "kb"])
@pytest.mark.parametrize(
    "extra", [{"crit": ["x-policy"], "x-policy": 1}, {"crit": []}, {"crit": ["b64"], "b64": False}]
)
def test_j04_crit_in_the_issuer_jwt_or_kb_jwt_is_rejected(
    where: str, extra: dict[str, Any]
) -> None:
    if where == "issuer":
        jwt = sign_compact_sync(
            {"typ": "dc+sd-jwt", "kid": "k1", **extra},
            {"iss": ISS, "vct": VCT, "_sd_alg": "sha-256"},
            ISSUER,
        )
        token, kw = jwt + "~", {"require_key_binding": False}
    else:
        token = SD_JWT + sign_compact_sync({"typ": "kb+jwt", **extra}, _kb_claims(), HOLDER)
        kw = {}
    with pytest.raises(SceauError) as err:
        _verify_vc(token, **kw)
    assert err.value.code == "unsupported_crit"


def _mutations() -> dict[str, Any]:
    def part(i: int, fn: Any) -> Any:
        def apply(token: str) -> str:
            parts = token.split("~")
            parts[i] = fn(parts[i])
            return "~".join(parts)

        return apply

    def seg(j: int, fn: Any) -> Any:
        return lambda jws: ".".join(fn(s) if k == j else s for k, s in enumerate(jws.split(".")))

    return {
        "disclosure-padding": part(1, lambda d: d + "=="),
        "disclosure-newline": part(1, lambda d: d[:5] + "\n" + d[5:]),
        "disclosure-std-alphabet": part(1, lambda d: d[:-1] + "+"),
        "issuer-signature-trailing-bits": part(0, seg(2, _trailing_bits)),
        "kb-signature-trailing-bits": part(2, seg(2, _trailing_bits)),
        "issuer-header-duplicate-alg": part(0, seg(0, lambda _: _DUPLICATE_ALG_HEADER)),
    }


@pytest.mark.parametrize("name", list(_mutations()))
def test_j05_non_canonical_encodings_on_sd_jwt_paths_are_rejected(name: str) -> None:
    token = _present(_vc(ISSUER))
    assert _verify_vc(token).claims["given_name"] == "Alice"
    with pytest.raises(SceauError) as err:
        _verify_vc(_mutations()[name](token))
    assert err.value.code == ("duplicate_json_member" if "duplicate" in name else "bad_base64")
