"""The search text a suggestion runs: any of the ticket's words (web-search `or`), not all of them."""

from __future__ import annotations

import re

MAX_TERMS = 24
_WORD = re.compile(r"\w+")


def any_of_words(text: str, max_terms: int = MAX_TERMS) -> str | None:
    """`"My parcel is late"` → `"my or parcel or is or late"`; None when no word is left."""
    words: dict[str, None] = {}
    for word in _WORD.findall(text.casefold()):
        word = word.strip("_")
        if len(word) < 2 or word == "or" or word.isdigit():
            continue
        words.setdefault(word, None)
        if len(words) >= max_terms:
            break
    return " or ".join(words) or None


def typo_text(query: str) -> str | None:
    """The words a title may resemble (pg_trgm), or None when the query excludes words: a fuzzy title hit could
    then bring back exactly what the user excluded."""
    words = query.replace('"', " ").split()
    if any(word.startswith("-") and len(word) > 1 for word in words):
        return None
    kept = [word for word in words if word.casefold() != "or"]
    return " ".join(kept) or None
