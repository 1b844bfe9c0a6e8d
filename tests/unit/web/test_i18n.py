from __future__ import annotations

import pytest

import sceau.errors as service_errors
from sceau.core import errors as core_errors
from sceau.core.errors import SceauError
from sceau.web import problems
from sceau.web.i18n import (
    LANGUAGES,
    Translator,
    load_catalogue,
    negotiate_language,
    placeholders,
    to_oauth_ascii,
)


def _codes_of(module: object) -> set[str]:
    return {
        cls.code
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, SceauError) and cls.code
    }


def test_catalogues_hold_the_same_message_ids() -> None:
    en, fr = load_catalogue("en"), load_catalogue("fr")
    assert set(en) == set(fr)
    assert len(en) > 20


def test_catalogues_use_the_same_placeholders() -> None:
    en, fr = load_catalogue("en"), load_catalogue("fr")
    mismatched = {k for k in en if placeholders(en[k]) != placeholders(fr[k])}
    assert mismatched == set()


def test_no_message_is_empty_in_either_language() -> None:
    for language in LANGUAGES:
        catalogue = load_catalogue(language)
        assert [k for k, v in catalogue.items() if not v.strip()] == []


def test_french_messages_are_translated_not_copied() -> None:
    en, fr = load_catalogue("en"), load_catalogue("fr")
    same = [k for k in en if k.endswith(".detail") and en[k] == fr[k]]
    assert same == []


@pytest.mark.parametrize("suffix", ["title", "detail"])
def test_every_error_code_has_a_message(suffix: str) -> None:
    translator = Translator.load()
    codes = _codes_of(core_errors) | _codes_of(service_errors)
    codes |= set(problems._CODE_BY_STATUS.values()) | {"malformed_json", "validation_failed"}
    codes |= {"internal_error", "service_unavailable", "invalid_request", "server_error"}
    missing = sorted(c for c in codes if not translator.has(f"{c}.{suffix}"))
    assert missing == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("FR-ca", "fr"),
        ("en-CA,fr;q=0.9", "en"),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en;q=0.5, fr;q=0.6", "fr"),
        ("de, fr;q=0.3", "fr"),
        ("de", "en"),
        ("fr;q=0", "en"),
        ("*", "en"),
        ("fr;q=abc", "en"),
        ("x" * 5000, "en"),
    ],
)
def test_accept_language_picks_language_by_q_value(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected


def test_translator_fills_placeholders_from_params() -> None:
    translator = Translator.load()
    assert "1024" in translator.gettext("body_too_large.detail", "fr", {"limit": 1024})


def test_oauth_descriptions_are_reduced_to_rfc6749_charset() -> None:
    text = to_oauth_ascii('L\'autorisation est « expirée » "x" \\ y')
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in text)
    assert "expiree" in text
