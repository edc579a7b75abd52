"""Tag normalization: one rule for every service, so `Straße`, `STRASSE` and full-width `strasse` are one tag."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

MAX_TAG_LENGTH = 64


def normalize_tag(tag: str) -> str:
    """Case-insensitive and width-insensitive: NFKC, case-folded, inner whitespace as single dashes."""
    return "-".join(unicodedata.normalize("NFKC", tag).casefold().split())[:MAX_TAG_LENGTH]


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Normalized, unique, in first-seen order; empty tags dropped."""
    seen: dict[str, None] = {}
    for tag in tags:
        if normalized := normalize_tag(tag):
            seen.setdefault(normalized, None)
    return list(seen)
