import pytest

from helpdesk_knowledge.domain.deflection import deflection_rate
from helpdesk_knowledge.domain.locales import language_of, normalize_locale, search_config
from helpdesk_knowledge.domain.suggest import any_of, rarest_terms, typo_text


@pytest.mark.parametrize(
    ("tag", "normalized"),
    [("en", "en"), ("EN_us", "en-US"), ("de-at", "de-AT"), ("zh-hant-tw", "zh-Hant-TW"), ("e", None),
     ("en--US", None), ("1234", None), ("en US", None)],
)  # fmt: skip
def test_locales_are_normalized_language_tags(tag, normalized):
    assert normalize_locale(tag) == normalized


def test_the_language_picks_the_text_search_configuration():
    assert [search_config(language_of(loc)) for loc in ("en-GB", "de", "fr-CA", "es", "ja")] == [
        "english", "german", "french", "spanish", "simple",
    ]  # fmt: skip


def test_typo_tolerance_is_off_when_the_query_excludes_words():
    assert typo_text('"return label" or refund') == "return label refund"
    assert typo_text("refund -shipping") is None


def test_the_deflection_rate_counts_settled_opened_suggestions_only():
    assert deflection_rate(3, 1) == 0.75
    assert deflection_rate(0, 0) is None


def test_a_suggestion_searches_the_rarest_terms_and_drops_common_ones():
    shares = {"order": 0.6, "parcel": 0.2, "late": 0.04, "help": 0.5}
    assert rarest_terms(["order", "parcel", "late", "zipper", "help", "order"], shares) == ["zipper", "late"]
    assert rarest_terms(["order", "help", "parcel"], shares) == ["parcel", "help"]  # the two rarest always stay
    assert rarest_terms([f"w{n:02}" for n in range(30)], {}) == [f"w{n:02}" for n in range(10)]


def test_terms_are_quoted_literally_in_the_query():
    assert any_of(["it's", "back\\slash", "a:b"]) == "'it''s' | 'back\\\\slash' | 'a:b'"
    assert any_of([]) is None
