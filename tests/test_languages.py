"""Language detection for Perspective requests that leave ``languages`` out,
and for the comments whose abuse is read in another language's model."""

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


class RecordingDetector:
    """py3langid's answer for the text it is given, recording its length."""

    def __init__(self, detector):
        self.detector, self.lengths = detector, []

    def classify(self, text):
        self.lengths.append(len(text))
        return self.detector.classify(text)


@pytest.fixture
def recording(monkeypatch):
    recorder = RecordingDetector(languages._detector())
    monkeypatch.setattr(languages, "_detector", lambda: recorder)
    return recorder


def test_a_long_comment_is_told_by_its_opening(recording):
    text = "The council should publish the budget before the vote, not after it. " * 60
    assert languages.detect(text) == "en"
    assert recording.lengths == [languages.DETECT_CHARS]


def test_an_opening_with_nothing_to_tell_by_sends_the_detector_to_the_whole_text(recording):
    text = (
        "👍 " * languages.DETECT_CHARS + "Das ist ein wirklich guter Artikel über die Stadt. " * 5
    )
    assert languages.detect(text) == "de"
    assert recording.lengths == [languages.DETECT_CHARS, len(text)]
