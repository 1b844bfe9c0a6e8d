"""Attack table for SD-JWT / SD-JWT VC (SECURITY.md S-01..S-07, J-01, J-06, J-09): each hostile
input is rejected with its own stable error code."""

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.core.encoding import b64url_encode
from sceau.core.errors import (
    InputTooLarge,
    InvalidInput,
    SceauError,
    UnsupportedAlgorithm,
    VerificationFailed,
)
from sceau.core.jose import SoftwareSigner, generate_private_key, sign_compact_sync
from sceau.core.sdjwt import (
    SD,
    SdJwtLimits,
    create_presentation_sync,
    issue_sd_jwt_vc_sync,
    parse_compact,
    verify_sd_jwt,
    verify_sd_jwt_vc,
)
from sceau.core.sdjwt._model import hash_b64, hash_function

ISSUER = SoftwareSigner(generate_private_key("ES256"))
HOLDER = SoftwareSigner(generate_private_key("ES256"))
ISSUER_PUB = ISSUER.private_key.public_key()
NOW = 1_700_000_000
AUD, NONCE = "https://verifier.example", "n-0S6_WzA2Mj"
sha256 = hash_function("sha-256")


def _issue(**kw: Any) -> str:
    return issue_sd_jwt_vc_sync(
        "https://credentials.example/identity",
        {"given_name": "Alice", "family_name": "Tremblay", "nationalities": [SD("CA"), SD("FR")]},
        ISSUER,
        iss="https://issuer.example",
        iat=NOW - 100,
        exp=kw.pop("exp", NOW + 3600),
        holder_jwk=HOLDER.public_jwk,
        disclosable=["given_name", "family_name"],
        **kw,
    ).compact


ISSUED = _issue()


def _present(sd_jwt: str = ISSUED, *, aud: str = AUD, nonce: str = NONCE, iat: int = NOW) -> str:
    return create_presentation_sync(
        sd_jwt,
        {"given_name": True, "nationalities": [True, True]},
        holder_signer=HOLDER,
        audience=aud,
        nonce=nonce,
        iat=iat,
    )


def _verify(token: str, **kw: Any) -> Any:
    kw.setdefault("audience", AUD)
    kw.setdefault("nonce", NONCE)
    kw.setdefault("now", NOW)
    return verify_sd_jwt_vc(token, ISSUER_PUB, **kw)


def _expect(exc_type: type[SceauError], code: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc_type) as exc:
        fn()
    assert exc.value.code == code, exc.value


def _disclosure(*parts: Any) -> str:
    return b64url_encode(json.dumps(list(parts)).encode())


def _signed(payload: dict[str, Any], disclosures: list[str], typ: str = "dc+sd-jwt") -> str:
    jwt = sign_compact_sync({"typ": typ}, payload, ISSUER)
    return "~".join([jwt, *disclosures, ""])


def _base(**extra: Any) -> dict[str, Any]:
    return {
        "iss": "https://issuer.example",
        "vct": "https://credentials.example/identity",
        "_sd_alg": "sha-256",
        **extra,
    }


def test_honest_presentation_verifies() -> None:
    v = _verify(_present())
    assert v.claims["given_name"] == "Alice" and v.claims["nationalities"] == ["CA", "FR"]
    assert "family_name" not in v.claims
    assert v.sd_jwt.kb_claims is not None and v.sd_jwt.kb_claims["nonce"] == NONCE


# S-01 -----------------------------------------------------------------------------------------
def test_tampered_disclosure_is_rejected_as_unreferenced() -> None:
    jwt, d1, *rest = _present().split("~")
    salt, name, _ = json.loads(__import__("base64").urlsafe_b64decode(d1 + "=="))
    forged = _disclosure(salt, name, "Mallory")
    _expect(
        InvalidInput,
        "unreferenced_disclosure",
        lambda: _verify("~".join([jwt, forged, *rest]), require_key_binding=False),
    )


def test_unreferenced_disclosure_is_rejected() -> None:
    token = ISSUED + _disclosure("c2FsdHNhbHRzYWx0", "is_admin", True) + "~"
    _expect(
        InvalidInput, "unreferenced_disclosure", lambda: _verify(token, require_key_binding=False)
    )


# S-02 -----------------------------------------------------------------------------------------
def test_same_disclosure_sent_twice_is_rejected() -> None:
    jwt, d1, *_ = ISSUED.split("~")
    _expect(
        InvalidInput,
        "disclosure_repeated",
        lambda: _verify(f"{jwt}~{d1}~{d1}~", require_key_binding=False),
    )


@pytest.mark.parametrize("where", ["nested_sd", "array"])
def test_duplicate_digest_in_signed_payload_is_rejected(where: str) -> None:
    d = _disclosure("c2FsdA", "given_name", "Alice")
    digest = hash_b64(sha256, d)
    nested = {"address": {"_sd": [digest]}} if where == "nested_sd" else {"list": [{"...": digest}]}
    token = _signed(_base(_sd=[digest], **nested), [d] if where == "nested_sd" else [])
    _expect(
        InvalidInput,
        "duplicate_digest",
        lambda: verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW),
    )


# S-03 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "disclosure,code",
    [
        (_disclosure("s", "_sd", ["x"]), "reserved_claim_name"),
        (_disclosure("s", "...", "x"), "reserved_claim_name"),
        (_disclosure("s", "iss", "https://evil.example"), "claim_name_exists"),
        (_disclosure("s", "x"), "invalid_disclosure"),
        (_disclosure({"s": 1}, "x", 1), "invalid_disclosure"),
        (_disclosure("s", 5, 1), "invalid_disclosure"),
        (b64url_encode(b'["s", "x", 1] trailing'), "invalid_json"),
    ],
)
def test_malformed_or_reserved_object_disclosures_are_rejected(disclosure: str, code: str) -> None:
    token = _signed(_base(_sd=[hash_b64(sha256, disclosure)]), [disclosure])
    _expect(
        InvalidInput,
        code,
        lambda: verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW),
    )


def test_three_element_disclosure_referenced_from_array_is_rejected() -> None:
    d = _disclosure("s", "x", 1)
    token = _signed(_base(list=[{"...": hash_b64(sha256, d)}]), [d])
    _expect(
        InvalidInput,
        "invalid_disclosure",
        lambda: verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW),
    )


@pytest.mark.parametrize(
    "payload,code",
    [
        (_base(list=[{"...": "abc", "x": 1}]), "reserved_claim_name"),
        (_base(_sd="notalist"), "invalid_sd"),
        (_base(_sd=[5]), "invalid_sd"),
        (_base(nested={"_sd_alg": "sha-256"}), "misplaced_sd_alg"),
        (_base(**{"...": "x"}), "reserved_claim_name"),
    ],
)
def test_malformed_sd_structures_are_rejected(payload: dict[str, Any], code: str) -> None:
    _expect(
        InvalidInput,
        code,
        lambda: verify_sd_jwt_vc(
            _signed(payload, []), ISSUER_PUB, require_key_binding=False, now=NOW
        ),
    )


def test_issued_sd_jwt_with_kb_is_rejected_by_the_holder() -> None:
    _expect(
        InvalidInput,
        "unexpected_kb_jwt",
        lambda: _verify(_present(), require_key_binding=False, allow_key_binding=False),
    )


def test_bare_jwt_without_tilde_is_rejected() -> None:
    _expect(
        InvalidInput,
        "malformed_sd_jwt",
        lambda: _verify(ISSUED.split("~")[0], require_key_binding=False),
    )


def test_deep_recursive_disclosure_chain_is_rejected_without_recursion_error() -> None:
    disclosures = []
    inner: dict[str, Any] = {"leaf": 1}
    for i in range(60):
        d = _disclosure(f"s{i}", f"c{i}", inner)
        disclosures.append(d)
        inner = {"_sd": [hash_b64(sha256, d)]}
    token = _signed(_base(**inner), disclosures)
    _expect(
        InputTooLarge,
        "sd_jwt_too_deep",
        lambda: verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW),
    )


# S-04 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["sha-256-32", "md5", "sha-1", "SHA-256", "unknown"])
def test_weak_or_unknown_sd_alg_is_rejected(alg: str) -> None:
    token = _signed(_base(_sd_alg=alg), [])
    _expect(
        UnsupportedAlgorithm,
        "sd_alg_not_allowed",
        lambda: verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW),
    )


# S-05 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["exp", "cnf", "status", "iss", "vct"])
def test_registered_claim_hidden_in_a_disclosure_is_rejected(name: str) -> None:
    d = _disclosure("s", name, {"x": 1} if name in ("cnf", "status") else NOW + 10**8)
    payload = _base(_sd=[hash_b64(sha256, d)])
    payload.pop(name, None)
    if name == "vct":
        payload["vct#x"] = 1
    code = "sd_not_allowed"
    token = _signed(payload, [d])
    _expect(
        InvalidInput,
        code,
        lambda: verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW),
    )


def test_sub_claims_of_status_may_not_be_disclosable() -> None:
    token = _signed(_base(status={"_sd": ["abc"]}), [])
    _expect(
        InvalidInput,
        "sd_not_allowed",
        lambda: verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW),
    )


@pytest.mark.parametrize(
    "claims,disclosable", [({SD("exp"): 1}, ()), ({}, ("status",)), ({"cnf": {SD("jwk"): {}}}, ())]
)
def test_issuer_refuses_to_make_registered_claims_disclosable(
    claims: dict[Any, Any], disclosable: tuple[str, ...]
) -> None:
    _expect(
        InvalidInput,
        "sd_not_allowed",
        lambda: issue_sd_jwt_vc_sync(
            "urn:x",
            claims,
            ISSUER,
            disclosable=disclosable,
            status={"a": 1} if disclosable else None,
        ),
    )


# S-06 / S-07 ----------------------------------------------------------------------------------
def test_missing_kb_jwt_when_required_is_rejected() -> None:
    presented = _present()
    stripped = presented[: presented.rindex("~") + 1]
    _expect(VerificationFailed, "kb_required", lambda: _verify(stripped))


def test_invalid_kb_jwt_is_checked_even_when_not_required() -> None:
    _expect(
        VerificationFailed,
        "kb_nonce_mismatch",
        lambda: _verify(_present(nonce="other"), require_key_binding=False),
    )


def test_kb_jwt_replayed_with_another_nonce_is_rejected() -> None:
    _expect(VerificationFailed, "kb_nonce_mismatch", lambda: _verify(_present(nonce="old-nonce")))


def test_kb_jwt_for_another_audience_is_rejected() -> None:
    _expect(
        VerificationFailed,
        "kb_aud_mismatch",
        lambda: _verify(_present(aud="https://other.example")),
    )


def test_kb_jwt_sd_hash_mismatch_after_removing_a_disclosure_is_rejected() -> None:
    parts = _present().split("~")
    tampered = "~".join(parts[:1] + parts[2:])  # drop one disclosure after the holder signed
    _expect(VerificationFailed, "kb_sd_hash_mismatch", lambda: _verify(tampered))


@pytest.mark.parametrize("iat,code", [(NOW - 3600, "kb_stale"), (NOW + 600, "kb_iat_in_future")])
def test_kb_jwt_outside_the_freshness_window_is_rejected(iat: int, code: str) -> None:
    _expect(VerificationFailed, code, lambda: _verify(_present(iat=iat)))


def test_kb_jwt_signed_by_another_key_is_rejected() -> None:
    other = SoftwareSigner(generate_private_key("ES256"))
    token = create_presentation_sync(
        ISSUED, {}, holder_signer=other, audience=AUD, nonce=NONCE, iat=NOW
    )
    _expect(SceauError, "invalid_signature", lambda: _verify(token))


def test_kb_jwt_with_wrong_typ_is_rejected() -> None:
    presented = _present()
    sd_jwt = presented[: presented.rindex("~") + 1]
    kb = sign_compact_sync(
        {"typ": "JWT"},
        {"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": hash_b64(sha256, sd_jwt)},
        HOLDER,
    )
    _expect(InvalidInput, "invalid_typ", lambda: _verify(sd_jwt + kb))


# J-01, J-09, J-06, J-08 -----------------------------------------------------------------------
@pytest.mark.parametrize("none", ["none", "NONE"])
def test_issuer_jwt_with_alg_none_is_rejected(none: str) -> None:
    jwt, *rest = ISSUED.split("~")
    _, p, _ = jwt.split(".")
    h = b64url_encode(json.dumps({"alg": none, "typ": "dc+sd-jwt"}).encode())
    _expect(
        UnsupportedAlgorithm,
        "alg_none",
        lambda: _verify("~".join([f"{h}.{p}.", *rest]), require_key_binding=False),
    )


def test_expired_credential_is_rejected() -> None:
    _expect(VerificationFailed, "expired", lambda: _verify(_present(_issue(exp=NOW - 120))))


@pytest.mark.parametrize("exp", ["9999999999", 1e300, -1, True])
def test_non_numeric_or_out_of_range_exp_is_rejected(exp: Any) -> None:
    _expect(
        InvalidInput,
        "invalid_claims",
        lambda: verify_sd_jwt_vc(
            _signed(_base(exp=exp), []), ISSUER_PUB, require_key_binding=False, now=NOW
        ),
    )


def test_wrong_typ_is_rejected_and_legacy_typ_accepted() -> None:
    _expect(
        InvalidInput,
        "invalid_typ",
        lambda: verify_sd_jwt_vc(
            _signed(_base(), [], typ="JWT"), ISSUER_PUB, require_key_binding=False, now=NOW
        ),
    )
    legacy = verify_sd_jwt_vc(
        _signed(_base(), [], typ="vc+sd-jwt"), ISSUER_PUB, require_key_binding=False, now=NOW
    )
    assert legacy.vct == "https://credentials.example/identity"


def test_oversized_token_and_too_many_disclosures_are_rejected() -> None:
    _expect(InputTooLarge, "token_too_large", lambda: _verify(ISSUED + "A" * 300_000))
    limits = SdJwtLimits(max_disclosures=3)
    _expect(
        InputTooLarge,
        "too_many_disclosures",
        lambda: parse_compact(ISSUED + "~".join(["WyJ4Il0"] * 5) + "~", limits),
    )


def test_deeply_nested_payload_json_is_rejected() -> None:
    deep: Any = 1
    for _ in range(100):
        deep = [deep]
    _expect(
        InputTooLarge,
        "json_too_deep",
        lambda: verify_sd_jwt_vc(
            _signed(_base(deep=deep), []), ISSUER_PUB, require_key_binding=False, now=NOW
        ),
    )


# Hostile input never escapes as anything but SceauError ----------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('~.-_abcXYZ019=+/ {}[]é\n"')), max_size=200))
def test_parser_on_random_strings_raises_only_sceau_errors(text: str) -> None:
    with contextlib.suppress(SceauError):
        verify_sd_jwt(text, ISSUER_PUB, require_key_binding=False, now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=60), max_size=6))
def test_random_disclosures_on_a_valid_jwt_raise_only_sceau_errors(blobs: list[bytes]) -> None:
    token = "~".join([ISSUED.split("~")[0], *(b64url_encode(b) or "A" for b in blobs), ""])
    with contextlib.suppress(SceauError):
        verify_sd_jwt_vc(token, ISSUER_PUB, require_key_binding=False, now=NOW)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(st.sampled_from(["_sd", "...", "a", "_sd_alg", "exp"]), c, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_signed_random_payload_structures_raise_only_sceau_errors(value: Any) -> None:
    payload = _base(x=value) if not isinstance(value, dict) else {**_base(), **value}
    with contextlib.suppress(SceauError):
        verify_sd_jwt_vc(_signed(payload, []), ISSUER_PUB, require_key_binding=False, now=NOW)
