"""Which tuning of the abuse stage to train with, judged on calibration rows only.

`flask vectors tune-abuse` can be run with other settings (`--epochs`,
`--per-source`, `--as-written`); choosing between its files on held-out rows
would tune on what the model card reports. This script scores each given
stage file's tuned logit alone on the news files' calibration rows (training
side, kept out of the tuning by its seed; `flask train` fits the stack of the
two stages there, but nothing in the tuned logit was fitted on them), read as
the service reads them (the shipped model's normaliser), and prints ROC-AUC
and average precision per source and pooled.

    .venv/bin/flask --app app vectors encoder --out encoder.npz
    .venv/bin/flask --app app vectors export-abuse-stage --out shipped.npz
    .venv/bin/python benchmarks/abuse_tuning_choice.py --encoder encoder.npz shipped.npz other.npz
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning.abuse_stage import AbuseStage  # noqa: E402
from moderation.learning.datasets import read_comments  # noqa: E402
from moderation.learning.encoder import SentenceEncoder  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.splits import CALIBRATION_SHARE, group_of, held_out, in_validation  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse"
FILES = ("c3", "fox-news", "civil-spans", "impermium-insults", "unhealthy")


def calibration_rows(seed: int) -> dict[str, list]:
    rows = {}
    for name in FILES:
        side = [
            c
            for c in read_comments(DATA / f"{name}.jsonl")
            if c.abusive is not None
            and not held_out(c, seed)
            and in_validation(group_of(c), seed + 1, CALIBRATION_SHARE)
        ]
        if side:
            rows[name] = side
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoder", required=True, help="from `flask vectors encoder`")
    parser.add_argument("--seed", type=int, default=0, help="the seed the stages were tuned with")
    parser.add_argument("stages", nargs="+", help="files from `flask vectors tune-abuse`")
    args = parser.parse_args()

    encoder = SentenceEncoder.load(args.encoder)
    normaliser = load_scorer(ROOT / "models").abuse.named_steps["normalise"]
    rows = calibration_rows(args.seed)
    texts = {name: normaliser.transform([c.text for c in side]) for name, side in rows.items()}
    labels = {name: np.array([c.abusive for c in side]) for name, side in rows.items()}
    print(
        "calibration rows:",
        ", ".join(f"{n} {len(r)} ({labels[n].sum()} abusive)" for n, r in rows.items()),
    )
    print(f"{'stage':<32} {'source':<18} {'ROC-AUC':>8} {'AP':>7}")
    for path in args.stages:
        stage = AbuseStage.load(path)
        stage.check_tuned_for(args.seed, stage.tuned_with["encoder_sha256"])
        stage.attach(encoder)
        logits = {name: stage.tuned_logits(texts[name]) for name in rows}
        pooled_labels = np.concatenate([labels[n] for n in rows])
        pooled = np.concatenate([logits[n] for n in rows])
        for name, values in [*logits.items(), ("pooled", pooled)]:
            truth = pooled_labels if name == "pooled" else labels[name]
            auc, ap = roc_auc_score(truth, values), average_precision_score(truth, values)
            print(f"{Path(path).name:<32} {name:<18} {auc:>8.3f} {ap:>7.3f}")
        print(f"{'':<32} tuned with {stage.tuned_with}")


if __name__ == "__main__":
    main()
