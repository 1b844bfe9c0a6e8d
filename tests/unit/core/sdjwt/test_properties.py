"""Property tests: round trips hold for arbitrary claims, and every parser facing the outside
world raises nothing but SceauError subclasses on arbitrary input."""

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sceau.core.errors import SceauError
from sceau.core.jose import (
    SoftwareSigner,
    generate_private_key,
    jwe_decrypt,
    public_key_from_jwk,
)
from sceau.core.sdjwt import (
    SD,
    create_presentation_sync,
    from_json_serialization,
    issue_sd_jwt_sync,
    verify_sd_jwt,
)
from sceau.core.sdjwt.type_metadata import parse_type_metadata

ISSUER = SoftwareSigner(generate_private_key())
HOLDER = SoftwareSigner(generate_private_key())
PUB = ISSUER.private_key.public_key()
NOW = 1_700_000_000

names = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=8
).filter(lambda n: n not in {"_sd", "...", "_sd_alg", "cnf", "iat", "exp", "nbf"})
scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


def _mark(value: Any, choose: st.DataObject, depth: int = 0) -> Any:
    if isinstance(value, dict):
        return {
            (SD(k) if choose.draw(st.booleans()) else k): _mark(v, choose, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            SD(_mark(v, choose, depth + 1))
            if choose.draw(st.booleans())
            else _mark(v, choose, depth + 1)
            for v in value
        ]
    return value


def _all_true(value: Any) -> Any:
    if isinstance(value, dict) and value:
        return {k: _all_true(v) for k, v in value.items()}
    if isinstance(value, list) and value:
        return [_all_true(v) for v in value]
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, values, max_size=6), st.data())
def test_issue_present_all_verify_returns_the_original_claims(
    claims: dict[str, Any], data: st.DataObject
) -> None:
    marked = _mark(claims, data)
    issued = issue_sd_jwt_sync(marked, ISSUER, typ="example+sd-jwt", holder_jwk=HOLDER.public_jwk)
    frame = _all_true(claims)
    token = create_presentation_sync(
        issued.compact, frame, holder_signer=HOLDER, audience="a", nonce="n", iat=NOW
    )
    verified = verify_sd_jwt(token, PUB, audience="a", nonce="n", now=NOW, typ="example+sd-jwt")
    out = dict(verified.claims)
    out.pop("cnf")
    assert out == claims


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(names, values, max_size=6), st.data())
def test_presenting_nothing_reveals_no_disclosable_value(
    claims: dict[str, Any], data: st.DataObject
) -> None:
    marked = _mark(claims, data)
    issued = issue_sd_jwt_sync(marked, ISSUER)
    token = create_presentation_sync(issued.compact, {})
    assert token == issued.jwt + "~"
    verified = verify_sd_jwt(token, PUB, require_key_binding=False, now=NOW)
    assert set(verified.claims) == {k for k in marked if not isinstance(k, SD)}


json_values = st.recursive(
    scalars | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_serialization_parser_raises_only_sceau_errors(value: Any) -> None:
    with contextlib.suppress(SceauError):
        from_json_serialization(json.dumps(value))
    with contextlib.suppress(SceauError):
        if isinstance(value, dict):
            from_json_serialization(
                {"payload": "e30", "protected": "e30", "signature": "", "header": value}
            )


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_type_metadata_parser_raises_only_sceau_errors(value: Any) -> None:
    with contextlib.suppress(SceauError):
        parse_type_metadata(json.dumps(value))
    with contextlib.suppress(SceauError):
        if isinstance(value, dict):
            parse_type_metadata({"vct": "urn:x", **value})


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["kty", "crv", "x", "y", "n", "e", "d", "alg"]), json_values, max_size=6
    )
)
def test_jwk_import_raises_only_sceau_errors(jwk: dict[str, Any]) -> None:
    with contextlib.suppress(SceauError):
        public_key_from_jwk(jwk)
    with contextlib.suppress(SceauError):
        public_key_from_jwk({"kty": "EC", "crv": "P-256", **jwk})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcXYZ019-_.=+/ ", max_size=300))
def test_jwe_parser_raises_only_sceau_errors(text: str) -> None:
    with contextlib.suppress(SceauError):
        jwe_decrypt(text, ISSUER.private_key)  # type: ignore[arg-type]
