"""How long retraining takes as the labelled data grows, and whether the
same data and seed give the same model.

Draws 10k, 50k and 100k labelled comments (with replacement) from
../shared/datasets/abuse, adds the on-topic comments and articles, and times
`train_models` (both models, as `flask train` runs them, without the word
vectors), once per size (n = 1), then the smallest again. Prints a table;
writes benchmarks/results/retraining.json with the command, commit and
machine load (``"reduced": true`` when --sizes is not the default).

    .venv/bin/python benchmarks/retraining.py [--sizes 10000,50000,100000]
"""

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import provenance  # noqa: E402

from moderation.learning.datasets import read_articles, read_comments  # noqa: E402
from moderation.learning.training import train_models  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets"
SIZES = (10_000, 50_000, 100_000)
THRESHOLDS = {"hold_abusive": 0.5, "hold_on_topic": 0.3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    sizes = tuple(sorted(int(s) for s in parser.parse_args().sizes.split(",")))
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: this benchmark needs the shared datasets")
    meta = provenance.machine()
    print(provenance.describe(meta), flush=True)
    print(f"{'run':<28} {'time':>9}   note")
    abuse = [c for path in sorted((SHARED / "abuse").glob("*.jsonl")) for c in read_comments(path)]
    on_topic = read_comments(SHARED / "ontopic" / "comments.jsonl")
    articles = read_articles(SHARED / "ontopic" / "articles.jsonl")
    rng = random.Random(0)
    rows, loads, metrics = [], [], {}
    for size in (*sizes, sizes[0]):
        sample = rng.choices(abuse, k=size) if size not in metrics else metrics[size]["sample"]
        started = time.perf_counter()
        _, manifest = train_models(sample + on_topic, articles, 0, THRESHOLDS, log=lambda _: None)
        seconds = time.perf_counter() - started
        if size in metrics:
            same = manifest["metrics"] == metrics[size]["metrics"]
            rows.append(
                (f"{size:,} again, same seed", seconds, "identical" if same else "DIFFERENT")
            )
        else:
            metrics[size] = {"sample": sample, "metrics": manifest["metrics"]}
            auc = manifest["metrics"]["abuse"]["validation"]["all"]["roc_auc"]
            rows.append((f"{size:,} labelled comments", seconds, f"held-out abuse AUC {auc}"))
        loads.append(provenance.load_average())
        print(f"{rows[-1][0]:<28} {rows[-1][1]:7.1f} s   {rows[-1][2]}", flush=True)
    meta["reduced"] = sizes != SIZES
    provenance.finished(meta)
    print(f"load average at end: {meta['load_average_end']}")
    runs = [
        {"run": r, "seconds": round(s, 1), "n": 1, "note": n, "load_average": load}
        for (r, s, n), load in zip(rows, loads)
    ]
    out = ROOT / "benchmarks" / "results" / "retraining.json"
    out.write_text(json.dumps({"meta": meta, "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
