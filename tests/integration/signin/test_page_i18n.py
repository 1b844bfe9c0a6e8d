"""The sign-in page's gettext domain (``signin.po``): English and French hold the same messages
with the same placeholders, nothing is empty, French is translated, and every message the
templates and the page module use exists."""

import re
import typing
from pathlib import Path

from sceau.signin import pages
from sceau.signin.view import SigninStatus

TEMPLATES = Path(pages.__file__).resolve().parent / "templates"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_USED = re.compile(r"""\b_\(\s*["']([\w.]+)["']""")


def test_catalogues_hold_the_same_message_ids() -> None:
    en, fr = pages.load_messages("en"), pages.load_messages("fr")
    assert set(en) == set(fr)
    assert len(en) > 30


def test_catalogues_use_the_same_placeholders() -> None:
    en, fr = pages.load_messages("en"), pages.load_messages("fr")
    mismatched = {
        k for k in en if set(_PLACEHOLDER.findall(en[k])) != set(_PLACEHOLDER.findall(fr[k]))
    }
    assert mismatched == set()


def test_no_message_is_empty_and_french_is_translated() -> None:
    for language in pages.LANGUAGES:
        catalogue = pages.load_messages(language)
        assert [k for k, v in catalogue.items() if not v.strip()] == []
    en, fr = pages.load_messages("en"), pages.load_messages("fr")
    assert [k for k in en if en[k] == fr[k]] == []


def test_every_message_used_exists() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(_USED.findall(template.read_text()))
    used |= {f"signin.status.{s}" for s in typing.get_args(SigninStatus)}
    used |= {"signin.status.error", "signin.qr_title"}
    used |= {f"notfound.{part}" for part in ("title", "detail", "retry")}
    assert len(used) > 30
    catalogue = pages.load_messages("en")
    assert sorted(used - set(catalogue)) == []
    # And nothing in the catalogue is dead.
    assert sorted(set(catalogue) - used) == []
