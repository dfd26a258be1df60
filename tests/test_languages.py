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


# Texts of every kind the detector meets: languages, scripts, shouting
# (py3langid lower-cases an all-capitals text), emoji, nothing to tell by,
# and openings that send it on to the whole text.
MIXED = [
    "You are a worthless idiot and should shut up",
    "Hola, ¿cómo estás? Me gusta mucho este artículo sobre la ciudad.",
    "C'est un très bon article, merci beaucoup pour ce travail",
    "Das ist ein wirklich guter Artikel über die Stadt",
    "Isso é um absurdo total, o governo não faz nada",
    "Это очень хорошая статья о городе и его жителях",
    "これは市についてのとても良い記事です",
    "THE COUNCIL SHOULD PUBLISH THE BUDGET NOW",
    "👍👍",
    "",
    "12345",
    "ok",
    "The council should publish the budget before the vote. " * 30,
    "👍 " * languages.DETECT_CHARS + "Das ist ein wirklich guter Artikel über die Stadt. " * 5,
    "Ceci est un commentaire" + " très" * 200,
]


@pytest.mark.parametrize("confidence", [languages.MIN_CONFIDENCE, 0.8])
def test_texts_detected_together_get_the_language_each_gets_alone(confidence):
    """A batch's comments are detected together, a single post's alone: the
    same comment must be read in the same language either way."""
    texts = MIXED * 20  # enough to be read together, in more than one chunk
    assert len(texts) > languages.CHUNK >= languages.TOGETHER
    alone = [languages.detect(text, confidence) for text in texts]
    assert languages.detect_all(texts, confidence) == alone
    assert {"en", "es", "fr", "de", "pt", "ru", "ja", None} <= set(alone)


def test_confidences_together_are_the_detectors_own():
    detector = languages._detector()
    texts = [text[: languages.DETECT_CHARS] for text in MIXED]
    together = languages._classify_together(detector, texts)
    for text, (language, confidence) in zip(texts, together):
        expected_language, expected_confidence = detector.classify(text)
        assert language == expected_language
        assert confidence == pytest.approx(expected_confidence, abs=1e-4)
