"""Which language a comment is in, and which languages the models score.

Detection uses py3langid (langid.py's maintained fork: a naive Bayes model
of byte n-grams shipped inside the package, numpy only, no download, about
a second to load once per process). Candidates are limited to the
languages Perspective API lists, so that a short English comment is not
taken for Sesotho or Breton; below ``MIN_CONFIDENCE`` the text is too short
or too mixed to tell, and the caller must name its language. Which
languages are scored, and for which attributes, is the model's to say
(``Scorer.reads``).
"""

import threading

# Feedback (Perspective's suggestscore) becomes labels for the English
# model: feedback in another language is refused rather than taught to the
# English model (a moderator's decision on a comment sent with its language
# is a label in that language instead).
FEEDBACK_LANGUAGES = ("en",)
# Perspective's production and experimental languages (its "Attributes &
# languages" page): the candidates the detector chooses among.
CANDIDATES = (
    "ar", "cs", "de", "en", "es", "fr", "hi", "id", "it", "ja",
    "ko", "nl", "pl", "pt", "ru", "sv", "zh",
)  # fmt: skip
MIN_CONFIDENCE = 0.5
# Characters read to tell a comment's language: py3langid walks its byte
# automaton in Python, so a long comment cost ~0.2 ms, 12% of scoring a
# batch. Its opening says the language: on the 134,924 rows of every
# labelled file, reading 400 characters, and the whole text only when they
# are not enough, gives the whole text's answer for all but 2 at confidence
# 0.5 and 1 at 0.8, English openings before hundreds of HTML entities or
# links that the whole text left undecided (benchmarks/language_prefix.py).
DETECT_CHARS = 400

_identifier = None
_lock = threading.Lock()


def primary_subtag(code: str) -> str:
    """'pt-BR' -> 'pt', 'EN' -> 'en': what the models are keyed by (BCP-47's
    language subtag; Perspective accepts ISO 639-1 and BCP-47 codes)."""
    return code.strip().replace("_", "-").split("-")[0].lower()


def takes_feedback(code: str) -> bool:
    return primary_subtag(code) in FEEDBACK_LANGUAGES


def detect(text: str, min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """The language of ``text`` as an ISO 639-1 code, or None when unsure."""
    language, confidence = _detector().classify(text[:DETECT_CHARS])
    if confidence < min_confidence and len(text) > DETECT_CHARS:
        language, confidence = _detector().classify(text)
    return language if confidence >= min_confidence else None


def _detector():
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(CANDIDATES))
                _identifier = identifier
    return _identifier


def warm() -> None:
    """Load the detector now (gunicorn's master does, before forking)."""
    _detector()
