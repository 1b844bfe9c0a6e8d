from __future__ import annotations

import pytest

from sceau.errors import Unauthorized
from sceau.tenants.tokens import hash_secret, new_token, parse_token, secret_matches


def test_new_token_embeds_key_id_and_stores_only_a_hash() -> None:
    token = new_token()
    key_id, secret = parse_token(token.token)
    assert key_id == token.key_id
    assert token.secret_sha256 == hash_secret(secret)
    assert secret not in token.secret_sha256


def test_tokens_use_injected_randomness() -> None:
    fixed = new_token(lambda n: b"\x01" * n)
    assert fixed.token == new_token(lambda n: b"\x01" * n).token
    assert fixed.key_id == "01" * 8


@pytest.mark.parametrize(
    "token",
    [
        "",
        "sceau_",
        "Bearer sceau_0123456789abcdef_" + "A" * 43,
        "sceau_0123456789ABCDEF_" + "A" * 43,  # key id is lowercase hex
        "sceau_0123456789abcdef_" + "A" * 42,
        "sceau_0123456789abcdef_" + "A" * 44,
        "sceau_0123456789abcdef_" + "A" * 42 + "=",
        "sceau_0123456789abcdef_" + "A" * 42 + "\n",
        "other_0123456789abcdef_" + "A" * 43,
        "sceau_0123456789abcdef_" + "é" * 43,
    ],
)
def test_malformed_tokens_are_unauthorized(token: str) -> None:
    with pytest.raises(Unauthorized):
        parse_token(token)


def test_secret_comparison_rejects_any_other_secret() -> None:
    token = new_token()
    _, secret = parse_token(token.token)
    assert secret_matches(secret, token.secret_sha256)
    assert not secret_matches(
        secret[:-1] + ("A" if secret[-1] != "A" else "B"), token.secret_sha256
    )
