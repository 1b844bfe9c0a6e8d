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


def test_strict_json_refuses_bodies_nested_deeper_than_the_cap() -> None:
    from sceau.web.body import MAX_BODY_JSON_DEPTH

    ok = b"[" * MAX_BODY_JSON_DEPTH + b"]" * MAX_BODY_JSON_DEPTH
    check_strict_json(ok)
    deep = b'{"a":' * (MAX_BODY_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_BODY_JSON_DEPTH + 1)
    with pytest.raises(MalformedJson):
        check_strict_json(deep)


@pytest.mark.parametrize(
    "raw",
    [b'{"a":"\\ud800"}', b'\xef\xbb\xbf{"a":1}', b'{"a":1} x', b'{"a\\u0062":1,"ab":2}'],
)
def test_strict_json_refuses_lone_surrogates_bom_trailing_data_and_escaped_duplicates(
    raw: bytes,
) -> None:
    with pytest.raises(MalformedJson):
        check_strict_json(raw)
