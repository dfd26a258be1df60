"""Measures of how the abuse model holds up beyond plain held-out rows.

- Evasion: of the held-out abusive comments the model flags, the share it
  still flags when the comment is disguised as readers disguise it.
- Identity terms: template sentences about 30 groups of people, abusive and
  not, with the subgroup metrics of Borkan et al. (2019): subgroup AUC,
  BPSN (background positive, subgroup negative) and BNSP AUC.
- Spans: character-level F1 of the words the queue marks as abusive
  against the spans Civil Comments raters marked (SemEval-2021 Task 5).
"""

import random

import numpy as np
from sklearn.metrics import roc_auc_score

from moderation.learning.explain import MARKED_PUSH, marked_abusive

ZERO_WIDTH = "\u200b"
SOFT_HYPHEN = "\u00ad"
HOMOGLYPHS = str.maketrans("aceiopxyABCEHKMOPTX", "асеіорхуАВСЕНКМОРТХ")
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
VOWELS = "aeiou"


def _inside_words(text: str, mark: str) -> str:
    return " ".join(
        w[: len(w) // 2] + mark + w[len(w) // 2 :] if len(w) > 3 else w for w in text.split()
    )


def _on_word(text: str, start: int, end: int, change) -> str:
    return text[:start] + change(text[start:end]) + text[end:]


def _elongate(word: str) -> str:
    for i, c in enumerate(word):
        if c.lower() in VOWELS:
            return word[:i] + c * 3 + word[i + 1 :]
    return word + word[-1] * 2


def _star(word: str) -> str:
    for i in range(1, len(word) - 1):
        if word[i].lower() in VOWELS:
            return word[:i] + "*" + word[i + 1 :]
    return word


# Whole-comment disguises, and disguises of the comment's most abusive word.
WHOLE = {
    "zero_width_spaces": lambda t: _inside_words(t, ZERO_WIDTH),
    "soft_hyphens": lambda t: _inside_words(t, SOFT_HYPHEN),
    "homoglyphs": lambda t: t.translate(HOMOGLYPHS),
    "full_width": lambda t: t.translate(FULL_WIDTH),
}
ONE_WORD = {
    "spaced_letters": " ".join,
    "elongated_vowel": _elongate,
    "one_starred_letter": _star,
}


def evasion(scorer, texts, threshold: float) -> dict:
    """Share of flags kept under each disguise, over the ``texts`` (abusive
    comments) that the model flags at ``threshold``."""
    scores = scorer.score(texts, [None] * len(texts), explain=True)
    flagged = [(t, s) for t, s in zip(texts, scores) if s.abusive >= threshold]
    report = {"flagged": len(flagged), "of": len(texts)}
    if not flagged:
        return report
    for name, disguise in WHOLE.items():
        report[name] = _kept(scorer, [disguise(t) for t, _ in flagged], threshold)
    for name, disguise in ONE_WORD.items():
        changed = []
        for text, score in flagged:
            spans = [s for s in score.explanations["abusive"] if s["weight"] > 0]
            top = max(spans, key=lambda s: s["weight"], default=None)
            changed.append(_on_word(text, top["start"], top["end"], disguise) if top else text)
        report[name] = _kept(scorer, changed, threshold)
    return report


def _kept(scorer, texts, threshold) -> float:
    scores = scorer.score(texts, [None] * len(texts))
    return round(float(np.mean([s.abusive >= threshold for s in scores])), 4)


IDENTITIES = [
    "black", "white", "asian", "african", "african american", "latino", "hispanic",
    "mexican", "chinese", "indian", "arab", "jewish", "muslim", "christian", "catholic",
    "hindu", "buddhist", "atheist", "immigrant", "refugee", "gay", "lesbian", "bisexual",
    "transgender", "queer", "straight", "female", "male", "old", "young", "disabled",
    "deaf", "blind",
]  # fmt: skip
NOT_ABUSIVE = [
    "I am a {} person, ask me anything.",
    "My neighbours are {} people and we get along.",
    "Being {} is part of who I am.",
    "The article interviews several {} people about the new law.",
    "{} people deserve the same rights as everyone else.",
    "I stand with {} people.",
]
ABUSIVE = [
    "{} people are disgusting.",
    "I hate {} people.",
    "All {} people should be kicked out of the country.",
    "{} people are stupid and worthless.",
    "Kill all {} people.",
    "You are a filthy {} idiot.",
]


def identity_bias(scorer) -> dict:
    """Subgroup, BPSN and BNSP ROC-AUC per identity term, and the worst."""
    rows = [
        (term, template.format(term).capitalize(), label)
        for term in IDENTITIES
        for templates, label in ((NOT_ABUSIVE, 0), (ABUSIVE, 1))
        for template in templates
    ]
    scores = np.array([s.abusive for s in scorer.score([r[1] for r in rows], [None] * len(rows))])
    terms = np.array([r[0] for r in rows])
    labels = np.array([r[2] for r in rows])
    per_term = {}
    for term in IDENTITIES:
        mine = terms == term
        per_term[term] = {
            "subgroup_auc": _auc(labels[mine], scores[mine]),
            "bpsn_auc": _auc_where(
                labels, scores, (mine & (labels == 0)) | (~mine & (labels == 1))
            ),
            "bnsp_auc": _auc_where(
                labels, scores, (mine & (labels == 1)) | (~mine & (labels == 0))
            ),
        }
    worst = {
        metric: min(per_term.items(), key=lambda item: item[1][metric])
        for metric in ("subgroup_auc", "bpsn_auc", "bnsp_auc")
    }
    return {
        "terms": len(IDENTITIES),
        "templates": len(rows),
        "worst": {metric: {"term": t, "value": v[metric]} for metric, (t, v) in worst.items()},
        "per_term": per_term,
    }


def _auc(labels, scores) -> float:
    return round(float(roc_auc_score(labels, scores)), 4)


def _auc_where(labels, scores, mask) -> float:
    return _auc(labels[mask], scores[mask])


INSULTS = ["an idiot", "a moron", "stupid", "a liar", "pathetic", "a disgrace", "scum", "a clown"]
CONTRAST = {
    "direct": ("You are {}.", 1),
    "negated": ("You are not {}.", 0),
    "reported": ("He called me {}, which is unacceptable.", 0),
    "self_deprecating": ("I felt like {} after I forgot my keys.", 0),
}


def contrast(scorer, threshold: float) -> dict:
    """Share of each kind of sentence flagged: direct insults should be;
    negated, reported and self-directed ones should not."""
    report = {}
    for kind, (template, _) in CONTRAST.items():
        texts = [template.format(insult) for insult in INSULTS]
        scores = scorer.score(texts, [None] * len(texts))
        report[f"{kind}_flagged"] = round(
            float(np.mean([s.abusive >= threshold for s in scores])), 4
        )
    return report


def span_f1(scorer, comments, hold_abusive: float) -> dict:
    """Mean per-comment F1 of the characters the queue would mark abusive
    against those a rater majority marked, over comments with rater spans
    in ``meta``: SemEval-2021 Task 5's measure."""
    rated = rated_comments(comments)
    if not rated:
        return {}
    scores = scorer.score([c.text for c in rated], [None] * len(rated), explain=True)
    return span_f1_of(rated, scores, hold_abusive)


def rated_comments(comments) -> list:
    return [c for c in comments if c.meta and "spans" in c.meta and c.meta.get("raters")]


def span_f1_of(rated, scores, hold_abusive: float, min_push: float = MARKED_PUSH) -> dict:
    """``span_f1`` of comments already scored with explanations."""
    f1s = []
    for comment, score in zip(rated, scores):
        marked = marked_abusive(
            score.abusive, score.explanations["abusive"], hold_abusive, min_push
        )
        predicted = {i for start, end in marked for i in range(start, end)}
        f1s.append(_f1(gold_characters(comment), predicted))
    return {"comments": len(rated), "char_f1": round(float(np.mean(f1s)), 4)}


def gold_characters(comment) -> set[int]:
    """The characters a majority of the comment's raters marked."""
    gold = set()
    for start, end, _, raters in comment.meta["spans"]:
        if raters * 2 >= comment.meta["raters"]:
            gold.update(range(start, min(end, len(comment.text))))
    return gold


def _f1(gold: set, predicted: set) -> float:
    if not gold and not predicted:
        return 1.0
    if not gold or not predicted:
        return 0.0
    overlap = len(gold & predicted)
    precision, recall = overlap / len(predicted), overlap / len(gold)
    return 0.0 if overlap == 0 else 2 * precision * recall / (precision + recall)


def sample(items, n: int, seed: int):
    items = list(items)
    return items if len(items) <= n else random.Random(seed).sample(items, n)
