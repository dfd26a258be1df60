"""Span F1 measures what a moderator is shown: the characters the queue marks
abusive on a held comment, against those most raters marked."""

from types import SimpleNamespace

import pytest

from moderation.learning.explain import MARKED_PUSH
from moderation.learning.robustness import span_f1

TEXT = "What an idiot you are."
IDIOT = (TEXT.index("idiot"), TEXT.index("idiot") + len("idiot"))


class FixedScorer:
    """Gives every comment the same abuse score and marks "idiot"."""

    def __init__(self, abusive):
        self.abusive = abusive

    def score(self, texts, articles, explain=False):
        span = {"text": "idiot", "start": IDIOT[0], "end": IDIOT[1], "weight": MARKED_PUSH}
        return [
            SimpleNamespace(abusive=self.abusive, explanations={"abusive": [span]}) for _ in texts
        ]


def rated(spans, raters=4):
    return SimpleNamespace(text=TEXT, meta={"spans": spans, "raters": raters})


@pytest.mark.parametrize(
    ("abusive", "spans", "f1"),
    [
        (0.9, [[*IDIOT, "idiot", 3]], 1.0),  # held, marked as most raters marked
        (0.9, [[*IDIOT, "idiot", 1]], 0.0),  # one rater of four: no gold span
        (0.05, [[*IDIOT, "idiot", 3]], 0.0),  # not held: nothing shown
        (0.05, [], 1.0),  # nothing shown, nothing rated
        (0.9, [[0, len(TEXT), "all", 4]], 2 * 5 / (len(TEXT) + 5)),  # the whole comment rated
    ],
)
def test_span_f1_scores_what_the_queue_would_mark_on_a_held_comment(abusive, spans, f1):
    report = span_f1(FixedScorer(abusive), [rated(spans)], hold_abusive=0.15)
    assert report["comments"] == 1
    assert report["char_f1"] == pytest.approx(round(f1, 4))


def test_comments_without_rater_spans_are_not_counted():
    assert span_f1(FixedScorer(0.9), [SimpleNamespace(text=TEXT, meta={})], 0.15) == {}
