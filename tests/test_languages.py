"""Language detection for Perspective requests that leave ``languages`` out."""

import pytest

from moderation.learning import languages


@pytest.mark.parametrize(
    "text, expected",
    [
        ("You are a worthless idiot and should shut up", "en"),
        ("Hola, ¿cómo estás? Me gusta mucho este artículo sobre la ciudad.", "es"),
        ("C'est un très bon article, merci beaucoup pour ce travail", "fr"),
        ("Das ist ein wirklich guter Artikel über die Stadt", "de"),
        ("Isso é um absurdo total, o governo não faz nada", "pt"),
    ],
)
def test_detects_the_languages_talk_tenants_use(text, expected):
    assert languages.detect(text) == expected


@pytest.mark.parametrize("text", ["👍👍", "12345", "ok"])
def test_too_little_text_is_not_guessed(text):
    assert languages.detect(text) is None


@pytest.mark.parametrize("code, scored", [("en", True), ("EN-us", True), ("en_GB", True),
                                           ("es", False), ("pt-BR", False)])  # fmt: skip
def test_feedback_is_taken_in_english_only(code, scored):
    """Feedback trains the English model; other languages' models learn from
    public data alone."""
    assert languages.takes_feedback(code) is scored
