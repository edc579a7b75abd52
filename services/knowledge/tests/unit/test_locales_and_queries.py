import pytest

from helpdesk_knowledge.domain.deflection import deflection_rate
from helpdesk_knowledge.domain.locales import language_of, normalize_locale, search_config
from helpdesk_knowledge.domain.suggest import any_of_words, typo_text


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


def test_a_ticket_text_becomes_any_of_its_words():
    assert any_of_words("My parcel, my PARCEL — is it lost? Order #1234 or refund") == (
        "my or parcel or is or it or lost or order or refund"
    )
    assert any_of_words("? 1 a") is None


def test_typo_tolerance_is_off_when_the_query_excludes_words():
    assert typo_text('"return label" or refund') == "return label refund"
    assert typo_text("refund -shipping") is None


def test_the_deflection_rate_counts_settled_opened_suggestions_only():
    assert deflection_rate(3, 1) == 0.75
    assert deflection_rate(0, 0) is None
