"""How strongly a word must push towards abusive for the queue to mark it.

For the calibration rows of `abuse/civil-spans.jsonl` (the shipped model's
split: rows its weights were not fitted on, and never its held-out rows,
which are what `flask evaluate` reports), prints the character F1 of what
the queue would mark (`explain.marked_abusive`, on comments held at the
default hold threshold) against the characters most raters marked, for a
range of minimum pushes. `explain.MARKED_PUSH` was chosen from this table.

    .venv/bin/python benchmarks/span_threshold.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.config import from_environment  # noqa: E402
from moderation.learning.artifacts import current_version, read_manifest  # noqa: E402
from moderation.learning.datasets import read_comments  # noqa: E402
from moderation.learning.explain import MARKED_PUSH  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.robustness import rated_comments, span_f1_of  # noqa: E402
from moderation.learning.splits import group_of, held_out, in_validation  # noqa: E402
from moderation.learning.training import CALIBRATION_SHARE  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse" / "civil-spans.jsonl"
PUSHES = (0.0001, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
CHUNK = 500


def main() -> None:
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: this benchmark needs the shared datasets.")
    models = ROOT / "models"
    seed = read_manifest(models, current_version(models)).get("seed", 0)
    hold = from_environment("instance")["MODERATION_HOLD_ABUSIVE"]
    rows = [
        c
        for c in rated_comments(read_comments(DATA))
        if not held_out(c, seed) and in_validation(group_of(c), seed + 1, CALIBRATION_SHARE)
    ]
    scorer = load_scorer(models)
    scores = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        scores += scorer.score([c.text for c in chunk], [None] * len(chunk), explain=True)
    print(f"commit {provenance.commit()}, model {scorer.version}")
    print(f"{len(rows)} calibration comments with rater spans, held at {hold}\n")
    print(f"{'min push':>9} {'char F1':>8}")
    for push in PUSHES:
        f1 = span_f1_of(rows, scores, hold, push)["char_f1"]
        chosen = "  <- explain.MARKED_PUSH" if push == MARKED_PUSH else ""
        print(f"{push:>9} {f1:>8.3f}{chosen}")


if __name__ == "__main__":
    main()
