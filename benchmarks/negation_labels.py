"""How the labelled data treats negated and reported insults.

The contrast sentences of `flask evaluate` ("You are not an idiot.", "He
called me an idiot, which is unacceptable.") are held like direct insults.
Whether a model could learn otherwise depends on the labels: this counts,
per file of `../shared/datasets/abuse`, the comments in which one of the
contrast insults is negated ("not an idiot", "isn't stupid", "no racist")
or reported ("called me an idiot"), and how many of them raters labelled
abusive; then prints the shipped model's mean score for each kind of
contrast sentence.

    .venv/bin/python benchmarks/negation_labels.py
"""

import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.robustness import CONTRAST, INSULTS  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "abuse"
# The insults of the contrast sentences, without their articles.
WORDS = "(" + "|".join(insult.split()[-1] for insult in INSULTS) + ")"
NEGATED = re.compile(rf"\b(not|never|no|\w+n't)\s+(an?\s+|so\s+|that\s+|very\s+)?{WORDS}\b", re.I)
REPORTED = re.compile(
    rf"\b(called|calling|call)\s+(me|him|her|them|us|you)\s+(an?\s+)?{WORDS}", re.I
)


def main() -> None:
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: this benchmark needs the shared datasets.")
    print(f"{'file':<26} {'negated':>8} {'abusive':>8} {'reported':>9} {'abusive':>8}")
    totals = np.zeros(4, int)
    for path in sorted(DATA.glob("*.jsonl")):
        counts = np.zeros(4, int)
        with open(path) as lines:
            for row in map(json.loads, lines):
                for k, pattern in enumerate((NEGATED, REPORTED)):
                    if pattern.search(row["text"]):
                        counts[2 * k] += 1
                        counts[2 * k + 1] += int(row["abusive"])
        totals += counts
        print(f"{path.name:<26} {counts[0]:>8} {counts[1]:>8} {counts[2]:>9} {counts[3]:>8}")
    print(f"{'all':<26} {totals[0]:>8} {totals[1]:>8} {totals[2]:>9} {totals[3]:>8}\n")
    scorer = load_scorer(ROOT / "models")
    print(f"model {scorer.version}: mean abusive score of the {len(INSULTS)} contrast sentences")
    for kind, (template, _) in CONTRAST.items():
        texts = [template.format(insult) for insult in INSULTS]
        scores = [s.abusive for s in scorer.score(texts, [None] * len(texts))]
        print(f"  {kind:<18} {np.mean(scores):.3f}  e.g. {texts[0]!r}")


if __name__ == "__main__":
    main()
