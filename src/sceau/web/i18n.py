"""English and French messages from the gettext catalogues, chosen by ``Accept-Language``.

The ``.po`` files under ``sceau/locale/{en,fr}/LC_MESSAGES/sceau.po`` are read once at start with
Babel's reader (no compile step, so a clean clone runs as is). Message ids are
``"<code>.title"`` and ``"<code>.detail"``; ``{name}`` placeholders are filled from the error's
params.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from babel.messages.pofile import read_po

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")
DEFAULT_LANGUAGE: Language = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "sceau"

# RFC 9110 §12.5.4: language-range [ weight ]; we read at most this many ranges.
_MAX_RANGES = 32
_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*$"
)


def load_catalogue(language: Language, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """Message id → translated text for one language."""
    path = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    messages: dict[str, str] = {}
    for message in catalog:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str):
            messages[message.id] = message.string
    return messages


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` placeholders a message uses."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def negotiate_language(accept_language: str | None) -> Language:
    """Pick ``en`` or ``fr`` from an ``Accept-Language`` header, honouring q-values.

    >>> negotiate_language("fr-CA,fr;q=0.9,en;q=0.8")
    'fr'
    >>> negotiate_language("en;q=0.5, fr;q=0.6")
    'fr'
    """
    if not accept_language or len(accept_language) > 1024:
        return DEFAULT_LANGUAGE
    best: Language = DEFAULT_LANGUAGE
    best_q = 0.0
    for item in accept_language.split(",")[:_MAX_RANGES]:
        match = _RANGE.match(item)
        if not match:
            continue
        tag, q_text = match.group(1).lower(), match.group(2)
        try:
            q = float(q_text) if q_text is not None else 1.0
        except ValueError:
            continue
        if not 0.0 < q <= 1.0:
            continue
        primary = tag.split("-", 1)[0]
        if primary == "*":
            candidate: Language = DEFAULT_LANGUAGE
        elif primary in LANGUAGES:
            candidate = "fr" if primary == "fr" else "en"
        else:
            continue
        # Earlier ranges win ties (header order expresses preference among equal weights).
        if q > best_q:
            best, best_q = candidate, q
    return best


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def to_oauth_ascii(text: str) -> str:
    """Reduce text to the RFC 6749 §5.2 ``error_description`` charset.

    Printable ASCII without ``"`` and ``\\`` (accents are dropped: "données" → "donnees").
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in ascii_text if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\')


@dataclass(frozen=True)
class Translator:
    """Looks messages up in the loaded catalogues."""

    catalogues: Mapping[Language, Mapping[str, str]]

    @classmethod
    def load(cls, locale_dir: Path = LOCALE_DIR) -> Translator:
        return cls({lang: load_catalogue(lang, locale_dir) for lang in LANGUAGES})

    def has(self, message_id: str) -> bool:
        return message_id in self.catalogues[DEFAULT_LANGUAGE]

    def gettext(
        self, message_id: str, language: Language, params: Mapping[str, Any] | None = None
    ) -> str:
        text = self.catalogues[language].get(message_id) or self.catalogues[DEFAULT_LANGUAGE].get(
            message_id, message_id
        )
        if params:
            safe = _KeepMissing({k: _param_text(v) for k, v in params.items()})
            return text.format_map(safe)
        return text


def _param_text(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    return str(value)
