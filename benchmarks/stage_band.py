"""How much of the abuse stage's gain survives if its encoder reads only the
comments the first stage already finds doubtful?

The shipped stage reads every English comment posted alone (about 8 ms
each); the models issue allows a slow second stage on "a small, stated
share of comments only". This probe scores the news files' held-out rows
with the shipped model as it would be served if the encoder read only the
comments whose first-stage score is in the top ``share`` of the news
calibration rows (the rows the stack was fitted on; the cut is chosen there,
never on held-out rows). Comments below the cut get the stage's
first-stage-alone score, as batches do today.

    .venv/bin/python benchmarks/stage_band.py
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning.datasets import read_comments  # noqa: E402
from moderation.learning.heads import NATURAL_RATE_SOURCES  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.second_stage import logits  # noqa: E402
from moderation.learning.splits import group_of, held_out, in_validation  # noqa: E402
from moderation.learning.training import CALIBRATION_SHARE  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse"
FILES = ("c3", "fox-news", "civil-spans", "impermium-insults", "unhealthy")
SHARES = (1.0, 0.75, 0.5, 0.35, 0.25, 0.15, 0.10, 0.0)


def both_logits(scorer, rows) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first-stage logit and the tuned encoder's, as served."""
    texts = [c.text for c in rows]
    first = logits(scorer.abuse.predict_proba(texts)[:, 1])
    normalised = scorer.abuse.named_steps["normalise"].transform(texts)
    return first, scorer.abuse_stage.tuned_logits(normalised)


def served(stage, first, tuned, cut) -> np.ndarray:
    """The final logit with the encoder reading only first logits >= cut."""
    alone = stage.alone_coef_ * first + stage.alone_intercept_
    return np.where(first >= cut, stage.final_logits(first, tuned), alone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="the shipped model's seed")
    parser.add_argument("--hold", type=float, default=0.164, help="the hold threshold")
    args = parser.parse_args()
    scorer = load_scorer(ROOT / "models")
    stage = scorer.abuse_stage
    calibration, held = [], {}
    for name in FILES:
        rows = [c for c in read_comments(DATA / f"{name}.jsonl") if c.abusive is not None]
        held[name] = [c for c in rows if held_out(c, args.seed)]
        calibration += [
            c
            for c in rows
            if not held_out(c, args.seed)
            and c.source in NATURAL_RATE_SOURCES
            and in_validation(group_of(c), args.seed + 1, CALIBRATION_SHARE)
        ]
    cal_first, _ = both_logits(scorer, calibration)
    cuts = {
        share: (np.quantile(cal_first, 1 - share) if share > 0 else np.inf)
        if share < 1
        else -np.inf
        for share in SHARES
    }
    scored = {name: (both_logits(scorer, rows), rows) for name, rows in held.items()}
    hold = float(logits([args.hold])[0])
    print(f"model {scorer.version}; cut chosen on {len(calibration)} news calibration rows")
    print(
        "\n| encoder reads (calibration share) | held-out share read | "
        + " | ".join(f"{n} AUC" for n in FILES)
        + f" | news pooled recall / precision at {args.hold} |"
    )
    print("|---" * (len(FILES) + 3) + "|")
    for share, cut in cuts.items():
        aucs, read, total, flagged_true, flagged, positives = [], 0, 0, 0, 0, 0
        for name in FILES:
            (first, tuned), rows = scored[name]
            labels = np.array([c.abusive for c in rows], dtype=bool)
            final = served(stage, first, tuned, cut)
            aucs.append(f"{roc_auc_score(labels, final):.3f}")
            read += int((first >= cut).sum())
            total += len(rows)
            flagged_true += int((final >= hold)[labels].sum())
            flagged += int((final >= hold).sum())
            positives += int(labels.sum())
        recall = flagged_true / positives
        precision = flagged_true / max(flagged, 1)
        print(
            f"| {share:.0%} | {read / total:.1%} | "
            + " | ".join(aucs)
            + f" | {recall:.1%} / {precision:.1%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
