"""Why a comment got its scores: the words that pushed each score most.

Both models are linear in their features, so a word's push is the part of
the log-odds that its features contribute: for the abuse model, the word's
n-grams weighted as they are in the comment; for the on-topic model, the
word's share of the similarity to the article plus its own spam-or-not
weight. Spans point into the text exactly as the site sent it, so the queue
page can highlight them; a positive weight pushes towards abusive
(respectively on-topic), a negative one away from it.
"""

import re
from dataclasses import dataclass, replace

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from moderation.learning.multilingual import STOP_WORDS, folded, hashed
from moderation.learning.textnorm import normalise_word

# Words as a reader sees them, obfuscations included: "f*ck", "sh!t", "@user".
WORD_RE = re.compile(r"[@$]?\w+(?:[*@$!']+\w+)*")
SPANS_PER_AXIS = 6
MIN_WEIGHT = 0.01
TOPIC_WORDS = 5
# The push (calibrated log-odds) from which the queue marks a word abusive:
# a word that on its own multiplies the odds by e. Chosen on the calibration
# rows of Civil Comments' rater spans (benchmarks/span_threshold.py: character
# F1 0.551 at 0.5, 0.590 at 1.0, 0.583 at 1.25), never on its held-out rows;
# below it a word leans towards abuse without being what raters mark.
MARKED_PUSH = 1.0


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int
    weight: float

    def to_json(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "weight": self.weight}


def words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


def marked_abusive(
    abusive: float | None, spans, hold_abusive: float, min_push: float = MARKED_PUSH
) -> list[tuple[int, int]]:
    """Where the queue marks a comment abusive, given its score and its abuse
    explanation (``{start, end, weight, ...}`` dicts, one per distinct
    word): nothing unless it is held for abuse (a red word on a clean
    comment would say "abusive" where the model did not), else each word
    whose push is at least ``min_push``, once. What span F1 measures."""
    if abusive is None or abusive < hold_abusive:
        return []
    return [(span["start"], span["end"]) for span in spans if span["weight"] >= min_push]


def strongest(tokens, weights, keys=None, stop_words=ENGLISH_STOP_WORDS) -> list[Span]:
    """The spans with the largest pushes, in reading order: one per distinct
    word (its first occurrence), never a stop-word on its own."""
    keys = keys or [normalise_word(text) for text, _, _ in tokens]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in stop_words:
            first.setdefault(key, i)
    ranked = sorted(first.values(), key=lambda i: -abs(weights[i]))
    chosen = [
        Span(tokens[i][0], tokens[i][1], tokens[i][2], round(float(weights[i]), 3))
        for i in ranked[:SPANS_PER_AXIS]
        if abs(weights[i]) >= MIN_WEIGHT
    ]
    return sorted(chosen, key=lambda span: span.start)


def explained(scorer, scores, chosen, texts, features, known, items, spoken) -> list:
    """``scores`` (scoring.Scores) with the explanations of those at
    ``chosen`` filled in, from the feature vectors they were scored with:
    ``features`` the abuse pipeline's rows of ``texts``, ``items`` the
    (comment, article, thread) triples of the comments at ``known`` (those
    with an article), ``spoken`` the language each was read in."""
    if not chosen:
        return scores
    english = [i for i in chosen if spoken[i] == "en"]
    elsewhere = [i for i in chosen if spoken[i] != "en"]
    abuse = {}
    if english:
        found = abuse_spans(
            scorer.abuse, [texts[i] for i in english], features[english], scorer.normalise_word
        )
        abuse.update(zip(english, found))
    if elsewhere:
        found = language_spans(
            scorer.languages, [texts[i] for i in elsewhere], [spoken[i] for i in elsewhere]
        )
        abuse.update(zip(elsewhere, found))
    position = {i: k for k, i in enumerate(known)}
    with_article = [i for i in chosen if i in position]
    on_topic = {}
    if with_article:
        found = on_topic_spans(scorer.relevance, [items[position[i]] for i in with_article])
        on_topic.update(zip(with_article, found))
    for i in chosen:
        why = {
            "abusive": [span.to_json() for span in abuse[i]],
            "on_topic": [span.to_json() for span in on_topic.get(i, [])],
        }
        scores[i] = replace(scores[i], explanations=why)
    return scores


def abuse_spans(pipeline, texts, features, normaliser=None) -> list[list[Span]]:
    """``features`` is the pipeline's feature matrix for ``texts``; the
    spans explain its first head (abuse). ``normaliser`` is the pipeline's
    own, or a cached form of it."""
    normaliser = normaliser or pipeline.named_steps["normalise"].normaliser_
    ngrams = pipeline.named_steps["features"]
    heads = pipeline[-1]
    # In calibrated log-odds: the push a word gives the score that is shown.
    # Only the comment's own features' weights are read.
    weighted = features.tocsr(copy=True)
    weighted.data = weighted.data * heads.coef_[weighted.indices, 0] * heads.scale_[0]
    return _spans_by_word(texts, ngrams.transform, weighted, normaliser)


def language_spans(pipeline, texts, spoken) -> list[list[Span]]:
    """Spans of comments in other languages, from their language's model
    (multilingual.py): each word's hashed n-grams weighted as in its comment."""
    model = pipeline[-1]
    spans: list[list[Span]] = [[] for _ in texts]
    for language in set(spoken):
        mine = [i for i, s in enumerate(spoken) if s == language]
        features = model.features([folded(texts[i]) for i in mine], language)
        weighted = model.pushes(features, language)
        found = _spans_by_word(
            [texts[i] for i in mine],
            hashed,
            weighted,
            folded,
            STOP_WORDS.get(language, frozenset()),
        )
        for i, why in zip(mine, found):
            spans[i] = why
    return spans


def topic_words(relevance, comment: str, article: str, n: int = TOPIC_WORDS) -> dict:
    """What matched and what is missing, for a moderator judging relevance:
    the words the comment shares with its article (most telling first: their
    part of the TF-IDF cosine the first stage weighs) and the article's own
    most telling words that the comment never uses."""
    mine, own = relevance.read(comment).terms, relevance.context(article).terms
    names = relevance.term_names
    shared = sorted((t for t in mine if t in own), key=lambda t: (-mine[t] * own[t], t))
    missing = sorted((t for t in own if t not in mine), key=lambda t: (-own[t], t))
    return {
        "matched": [names[t] for t in shared[:n]],
        "missing": [names[t] for t in missing[:n]],
    }


def on_topic_spans(relevance, items) -> list[list[Span]]:
    """``relevance`` is the on-topic model's ``RelevanceWeights``;
    ``items`` the (comment, article, thread) triples that were scored."""
    weighted = relevance.pushes(items)
    return _spans_by_word([item[0] for item in items], relevance.word_features, weighted)


def _spans_by_word(
    texts, word_features, weighted, normalise=normalise_word, stop_words=ENGLISH_STOP_WORDS
) -> list[list[Span]]:
    """Sum, for every word of every text, the weighted features it has.

    All words of all texts are vectorised in one call, and each word's
    features are looked up in its own comment's row with one sorted search:
    explanation is on the scoring path, where a sparse product per comment
    would cost more than scoring.
    """
    tokens = [words(text) for text in texts]
    # Words repeat endlessly ("the", "you"): vectorise each distinct one once.
    distinct: dict[str, int] = {}
    # ...and normalise each distinct token once.
    distinct_tokens = {token for per_text in tokens for token, _, _ in per_text}
    normalised = {token: normalise(token) for token in distinct_tokens}
    keys = [[normalised[token] for token, _, _ in per_text] for per_text in tokens]
    rows = [[distinct.setdefault(key, len(distinct)) for key in per_text] for per_text in keys]
    if not distinct:
        return [[] for _ in texts]
    present = word_features(list(distinct)).tocsr()
    flat = np.array([index for per_text in rows for index in per_text], dtype=np.int64)
    owners = np.repeat(np.arange(len(texts)), [len(per_text) for per_text in rows])
    # Every (word occurrence, feature of that word) pair, keyed by its
    # comment's row and the feature's column.
    lengths = np.diff(present.indptr)[flat]
    occurrence = np.repeat(np.arange(len(flat)), lengths)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    columns = present.indices[np.repeat(present.indptr[flat], lengths) + within]
    width = np.int64(weighted.shape[1])
    wanted = owners[occurrence] * width + columns
    weighted = weighted.tocsr()
    weighted.sum_duplicates()  # sorted, unique columns per row
    have = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr)) * width
    have = have + weighted.indices
    found = np.minimum(np.searchsorted(have, wanted), max(len(have) - 1, 0))
    hit = have[found] == wanted if len(have) else np.zeros(len(wanted), bool)
    values = np.where(hit, weighted.data[found] if len(have) else 0.0, 0.0)
    mine = np.bincount(occurrence, weights=values, minlength=len(flat))
    pushes = np.split(mine, np.cumsum([len(per_text) for per_text in rows])[:-1])
    return [strongest(*args, stop_words) for args in zip(tokens, pushes, keys)]
