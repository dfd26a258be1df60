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

import functools
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
# From this many texts on, ``detect_all`` reads them together, this many
# at a time.
TOGETHER = 16
CHUNK = 256

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


def detect_all(texts, min_confidence: float = MIN_CONFIDENCE) -> list[str | None]:
    """``detect`` of each text. From ``TOGETHER`` texts on, they walk the
    detector's byte automaton in step, a numpy operation per byte for all
    of them instead of a Python step per byte of each (about a quarter of
    the time: benchmarks/batch_scoring.py); fewer are detected one by one."""
    if len(texts) < TOGETHER:
        return [detect(text, min_confidence) for text in texts]
    identifier = _detector()
    openings = [text[:DETECT_CHARS] for text in texts]
    # In chunks of texts of about the same length: each chunk's arrays are
    # as long as its longest text, and a few megabytes at most.
    by_length = sorted(range(len(texts)), key=lambda i: len(openings[i]))
    found: list = [None] * len(texts)
    for start in range(0, len(texts), CHUNK):
        chunk = by_length[start : start + CHUNK]
        for i, result in zip(chunk, _classify_together(identifier, [openings[i] for i in chunk])):
            found[i] = result
    detected = []
    for text, (language, confidence) in zip(texts, found):
        if confidence < min_confidence and len(text) > DETECT_CHARS:
            language, confidence = identifier.classify(text)
        detected.append(language if confidence >= min_confidence else None)
    return detected


def _classify_together(identifier, texts) -> list[tuple[str, float]]:
    """``identifier.classify`` of each text (py3langid 0.4's naive Bayes
    with normalised probabilities: tests/test_languages.py holds the two
    equal, to float32 summation order), computed for all texts at once."""
    import numpy as np

    from moderation.learning.sparse_rows import SparseRows

    nextmove, rowbase, output = _automaton(identifier)
    encoded = [identifier._encode(text) for text in texts]
    lengths = np.array([len(data) for data in encoded])
    # Longest first: the texts still being read are always the first ones.
    order = np.argsort(-lengths, kind="stable")
    # A column per text, a row per byte: each step reads contiguous memory.
    data = np.zeros((max(lengths.max(), 1), len(texts)), np.uint8)
    for column, i in enumerate(order):
        data[: lengths[i], column] = np.frombuffer(encoded[i], np.uint8)
    # The automaton's output at each step of each text (-1: none, or done).
    features = np.full(data.shape, -1, np.int32)
    state = np.zeros(len(texts), np.int64)
    reading = len(texts)
    for step, row in enumerate(data):
        while reading and lengths[order[reading - 1]] <= step:
            reading -= 1
        state = nextmove[rowbase[state[:reading]] + row[:reading]]
        features[step, :reading] = output[state]
    columns, steps = np.nonzero(features.T >= 0)
    width = identifier.nb_ptc.shape[0]
    keys, counts = np.unique(
        columns * width + features[steps, columns].astype(np.int64), return_counts=True
    )
    counts = SparseRows(keys, np.log1p(counts.astype(np.float32)), len(texts), width)
    scores = counts.times(identifier.nb_ptc).astype(np.float32)
    # A text without a feature scores 0 for every language, not the priors.
    scores[counts.sizes() > 0] += identifier.nb_pc
    scores *= (1.0 / np.sqrt(np.maximum(lengths[order], 1)))[:, None].astype(np.float32)
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    scores /= scores.sum(axis=1, keepdims=True)
    for first, alias in identifier._alias_pairs:
        scores[:, first] += scores[:, alias]
        scores[:, alias] = 0.0
    best = scores.argmax(axis=1)
    found = [None] * len(texts)
    for row, i in enumerate(order):
        found[i] = (identifier.nb_classes[best[row]], float(scores[row, best[row]]))
    return found


@functools.cache
def _automaton(identifier) -> tuple:
    """The detector's byte automaton as numpy arrays: next states (a view
    of py3langid's own table, 39 MB, not a copy), row offsets, outputs."""
    import numpy as np

    table = identifier.tk_nextmove  # an array.array: 'H' or 'I', as the model needs
    nextmove = np.frombuffer(table, np.dtype(table.typecode))
    return nextmove, np.array(identifier._rowbase, np.int64), np.array(identifier.tk_output)


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
