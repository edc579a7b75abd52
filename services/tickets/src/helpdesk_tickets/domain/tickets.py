"""Pure rules about a ticket's own fields: tags and priorities."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from helpdesk_contracts import Priority

PRIORITY_RANK: dict[Priority, int] = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}
MAX_TAG_LENGTH = 64


def normalize_tag(tag: str) -> str:
    """Tags are case-insensitive: NFKC, lower-cased, inner whitespace as single dashes."""
    return "-".join(unicodedata.normalize("NFKC", tag).casefold().split())[:MAX_TAG_LENGTH]


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Normalized, unique, in first-seen order; empty tags dropped."""
    seen: dict[str, None] = {}
    for tag in tags:
        if normalized := normalize_tag(tag):
            seen.setdefault(normalized, None)
    return list(seen)


def add_tags(current: list[str], added: Iterable[str]) -> list[str]:
    return normalize_tags([*current, *added])


def remove_tags(current: list[str], removed: Iterable[str]) -> list[str]:
    gone = set(normalize_tags(removed))
    return [t for t in current if t not in gone]
