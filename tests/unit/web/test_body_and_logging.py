from __future__ import annotations

import pytest

from sceau.errors import MalformedJson
from sceau.web.body import check_strict_json, is_json_media_type
from sceau.web.logging import redact_secrets


@pytest.mark.parametrize(
    "raw", [b'{"a":1}', b"[]", b'{"a":{"b":[1,2,{"c":null}]}}', '{"é":"ü"}'.encode()]
)
def test_strict_json_accepts_ordinary_documents(raw: bytes) -> None:
    check_strict_json(raw)


@pytest.mark.parametrize(
    "raw",
    [b'{"a":1,"a":2}', b'{"x":{"a":1,"a":1}}', b"NaN", b'{"a":-Infinity}', b"\xff", b"{", b""],
)
def test_strict_json_rejects_duplicates_constants_and_bad_bytes(raw: bytes) -> None:
    with pytest.raises(MalformedJson):
        check_strict_json(raw)


@pytest.mark.parametrize(
    ("content_type", "ok"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("APPLICATION/JSON", True),
        ("application/merge-patch+json", True),
        ("text/json", False),
        ("application/jsonx", False),
        ("", False),
    ],
)
def test_json_media_types(content_type: str, ok: bool) -> None:
    assert is_json_media_type(content_type) is ok


def test_log_processor_redacts_anything_shaped_like_an_api_key() -> None:
    token = "sceau_0123456789abcdef_" + "Ab-_" * 10 + "xyz"
    event = redact_secrets(None, "info", {"event": f"got {token}", "nested": {"k": [token]}})
    assert token not in repr(event)
    assert "sceau_[REDACTED]" in event["event"]
