"""Would the abuse stage's own reading of each word mark what raters mark
better than the first stage's word weights?

The stage's tuned logit is a linear head on the mean of the encoder's last
layer over a comment's word pieces, so the head applied to one piece's
vector is that piece's share of the logit, read in context ("idiot" in "you
are not an idiot" reads differently from "you idiot"). This probe marks, in
comments held for abuse, each word whose strongest piece reaches a logit
``tau`` and prints the character F1 against Civil Comments' rater spans
(SemEval-2021 Task 5's measure, as ``flask evaluate`` computes it) beside
the first stage's marks and their union.

Rows: the calibration rows of ``abuse/civil-spans.jsonl`` (neither the
first stage's weights nor the tuning read them; never the held-out rows
``flask evaluate`` reports), so a ``tau`` may be chosen here.

    .venv/bin/python benchmarks/span_stage.py
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning.datasets import read_comments  # noqa: E402
from moderation.learning.explain import marked_abusive, words  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.robustness import _f1, gold_characters, rated_comments  # noqa: E402
from moderation.learning.splits import group_of, held_out, in_validation  # noqa: E402
from moderation.learning.training import CALIBRATION_SHARE  # noqa: E402
from moderation.learning.wordpiece import basic_words  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse" / "civil-spans.jsonl"
TAUS = (0.0, 2.0, 4.0, 6.0, 8.0)
DELTAS = (1.0, 2.0, 3.0, 4.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="the shipped model's seed")
    parser.add_argument("--hold", type=float, default=0.164, help="the hold threshold")
    parser.add_argument("--held-out", action="store_true", help="the held-out rows instead")
    args = parser.parse_args()
    rows = rated_comments(read_comments(DATA))
    if args.held_out:
        rows = [c for c in rows if held_out(c, args.seed)]
    else:
        rows = [
            c
            for c in rows
            if not held_out(c, args.seed)
            and in_validation(group_of(c), args.seed + 1, CALIBRATION_SHARE)
        ]
    scorer = load_scorer(ROOT / "models")
    scores = scorer.score([c.text for c in rows], [None] * len(rows), explain=True)
    stage = scorer.abuse_stage
    normaliser = scorer.abuse.named_steps["normalise"].normaliser_
    first_marks, stage_logits, means = [], [], []
    for comment, score in zip(rows, scores):
        first_marks.append(marked_abusive(score.abusive, score.explanations["abusive"], args.hold))
        stage_logits.append(word_logits(stage, comment.text, normaliser))
        means.append(np.mean([v for _, _, v in stage_logits[-1]]) if stage_logits[-1] else 0.0)
    gold = [gold_characters(c) for c in rows]
    held = [s.abusive >= args.hold for s in scores]
    print(f"model {scorer.version}; {len(rows)} rated comments, {sum(held)} held for abuse")
    print("\n| marks | char F1 |\n|---|---|")
    print(f"| first stage (shipped) | {mean_f1(gold, first_marks, held):.3f} |")
    # The floor: a comment no rater marked scores 1 when nothing is marked.
    print(f"| nothing marked | {mean_f1(gold, [[] for _ in rows], held):.3f} |")
    for tau in TAUS:
        mine = [[(s, e) for s, e, v in found if v >= tau] for found in stage_logits]
        both = [a + b for a, b in zip(first_marks, mine)]
        print(
            f"| stage, tau {tau:+.1f} | {mean_f1(gold, mine, held):.3f} |\n"
            f"| union, tau {tau:+.1f} | {mean_f1(gold, both, held):.3f} |",
            flush=True,
        )
    for delta in DELTAS:
        mine = [
            [(s, e) for s, e, v in found if v >= m + delta] for found, m in zip(stage_logits, means)
        ]
        both = [a + b for a, b in zip(first_marks, mine)]
        print(
            f"| stage, mean + {delta:.1f} | {mean_f1(gold, mine, held):.3f} |\n"
            f"| union, mean + {delta:.1f} | {mean_f1(gold, both, held):.3f} |",
            flush=True,
        )


def word_logits(stage, text, normaliser) -> list[tuple[int, int, float]]:
    """Each word of ``text`` (as explain.py splits it) with the stage head's
    logit of its strongest word piece, read in the normalised comment."""
    encoder = stage.encoder
    ids = encoder.token_ids(normaliser(text), stage.comment_tokens)
    states, _ = encoder.token_states([ids])
    pieces = states[0] @ stage.head + stage.head_bias
    best: dict[str, float] = {}
    at = 1  # after [CLS]
    for word in basic_words(normaliser(text)):
        n = len(encoder.pieces(word))
        if at + n > len(ids) - 1:
            break
        best[word] = max(best.get(word, -np.inf), float(pieces[at : at + n].max()))
        at += n
    found = []
    for token, start, end in words(text):
        keys = [best[w] for w in basic_words(normaliser(token)) if w in best]
        if keys:
            found.append((start, end, max(keys)))
    return found


def mean_f1(gold, marks, held) -> float:
    f1s = []
    for chars, marked, is_held in zip(gold, marks, held):
        predicted = {i for s, e in marked for i in range(s, e)} if is_held else set()
        f1s.append(_f1(chars, predicted))
    return float(np.mean(f1s))


if __name__ == "__main__":
    main()
