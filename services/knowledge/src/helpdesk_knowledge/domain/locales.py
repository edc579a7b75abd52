"""Locales: BCP 47 tags normalized, and the PostgreSQL text-search configuration of each language.

The map is mirrored by the SQL function `kb_search_config` of the first migration (a test checks they agree).
"""

from __future__ import annotations

import re

SEARCH_CONFIGS: dict[str, str] = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
FALLBACK_CONFIG = "simple"
LOCALE_PATTERN = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def normalize_locale(tag: str) -> str | None:
    """`en_us` → `en-US`, `zh-hant-tw` → `zh-Hant-TW`; None when `tag` is not a language tag."""
    tag = tag.strip().replace("_", "-")
    if not LOCALE_PATTERN.match(tag) or len(tag) > 35:
        return None
    language, *rest = tag.split("-")
    parts = [language.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())
        else:
            parts.append(part.lower())
    return "-".join(parts)


def language_of(locale: str) -> str:
    """The primary language subtag of a normalized locale: search and suggestions match on it."""
    return locale.split("-", 1)[0]


def search_config(language: str) -> str:
    return SEARCH_CONFIGS.get(language, FALLBACK_CONFIG)
