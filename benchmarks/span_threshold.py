"""How strongly a word must push towards abusive for the queue to mark it.

For the rows of `abuse/civil-spans.jsonl` on the training side of the
shipped model's split (never its held-out rows: those are what `flask
evaluate` reports), prints the character F1 of what the queue would mark
(`explain.marked_abusive`, on comments held at the default hold threshold)
against the characters most raters marked, for a range of minimum pushes.
`explain.MARKED_PUSH` was chosen from this table.

    .venv/bin/python benchmarks/span_threshold.py
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.config import from_environment  # noqa: E402
from moderation.learning.artifacts import current_version, read_manifest  # noqa: E402
from moderation.learning.datasets import read_comments  # noqa: E402
from moderation.learning.explain import MARKED_PUSH, marked_abusive  # noqa: E402
from moderation.learning.robustness import _f1  # noqa: E402
from moderation.learning.scoring import load_scorer  # noqa: E402
from moderation.learning.splits import held_out  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse" / "civil-spans.jsonl"
PUSHES = (0.0001, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
CHUNK = 500


def gold(comment) -> set[int]:
    characters = set()
    for start, end, _, raters in comment.meta["spans"]:
        if raters * 2 >= comment.meta["raters"]:
            characters.update(range(start, min(end, len(comment.text))))
    return characters


def main() -> None:
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: this benchmark needs the shared datasets.")
    models = ROOT / "models"
    seed = read_manifest(models, current_version(models)).get("seed", 0)
    hold = from_environment("instance")["MODERATION_HOLD_ABUSIVE"]
    rows = [
        c
        for c in read_comments(DATA)
        if c.meta and "spans" in c.meta and c.meta.get("raters") and not held_out(c, seed)
    ]
    scorer = load_scorer(models)
    scores = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        scores += scorer.score([c.text for c in chunk], [None] * len(chunk), explain=True)
    golds = [gold(c) for c in rows]
    print(f"commit {provenance.commit()}, model {scorer.version}")
    print(f"{len(rows)} training-side comments with rater spans, held at {hold}\n")
    print(f"{'min push':>9} {'char F1':>8}")
    for push in PUSHES:
        f1s = []
        for score, characters in zip(scores, golds):
            marked = set()
            if score.abusive >= hold:
                spans = score.explanations["abusive"]
                for start, end in marked_abusive(spans, push):
                    marked.update(range(start, end))
            f1s.append(_f1(characters, marked))
        chosen = "  <- explain.MARKED_PUSH" if push == MARKED_PUSH else ""
        print(f"{push:>9} {np.mean(f1s):>8.3f}{chosen}")


if __name__ == "__main__":
    main()
