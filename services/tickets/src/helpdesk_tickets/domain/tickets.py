"""Pure rules about a ticket's own fields: tags (normalized by the contracts' one rule)."""

from __future__ import annotations

from collections.abc import Iterable

from helpdesk_contracts import normalize_tags


def add_tags(current: list[str], added: Iterable[str]) -> list[str]:
    return normalize_tags([*current, *added])


def remove_tags(current: list[str], removed: Iterable[str]) -> list[str]:
    gone = set(normalize_tags(removed))
    return [t for t in current if t not in gone]
