"""Typo tolerance: which words of a query a title may resemble."""

from __future__ import annotations


def typo_text(query: str) -> str | None:
    """The words a title may resemble (pg_trgm), or None when the query excludes words: a fuzzy title hit could
    then bring back exactly what the user excluded."""
    words = query.replace('"', " ").split()
    if any(word.startswith("-") and len(word) > 1 for word in words):
        return None
    kept = [word for word in words if word.casefold() != "or"]
    return " ".join(kept) or None


SUGGESTION_TERMS = 10  # the rarest terms of a ticket that a suggestion searches for
ALWAYS_KEPT_TERMS = 2  # however common, the two rarest terms stay
COMMON_TERM_SHARE = 0.05  # a term in at least this share of all articles is too common to suggest by


def rarest_terms(
    lexemes: list[str],
    shares: dict[str, float],
    *,
    most: int = SUGGESTION_TERMS,
    common_share: float = COMMON_TERM_SHARE,
    always_kept: int = ALWAYS_KEPT_TERMS,
) -> list[str]:
    """The ticket's telling terms: rarest first (a term missing from `shares` is rare), common ones dropped."""
    ranked = sorted(dict.fromkeys(lexemes), key=lambda lexeme: (shares.get(lexeme, 0.0), lexeme))[:most]
    return [lex for n, lex in enumerate(ranked) if n < always_kept or shares.get(lex, 0.0) < common_share]


def any_of(lexemes: list[str]) -> str | None:
    """A tsquery (text form) matching any of the already normalized `lexemes`, each quoted literally."""
    quoted = ["'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes]
    return " | ".join(quoted) or None
