"""Every function that sees reader text, fed pathological inputs at a quarter
of the API's 20,000-character maximum and at the maximum: the time must
grow linearly with length.

The shapes are the tests' (tests/pathological.py). For each shape and
function it prints the CPU time at 5,000 and 20,000 characters and their
ratio (4 for linear work, 16 for quadratic), and fails (exit status 1)
when a function takes over BUDGET_SECONDS at the maximum or grows by more
than MAX_GROWTH. CPU time (this process's, all threads) is the work: other
jobs on a shared machine inflate it far less than wall time, and a
worker's latency is at least this. The tests hold the same shapes to
correct results and count the lines of Python the service runs for n and
4n characters (tests/test_pathological_text.py); only a clock sees the
work inside a regular expression, so the time is checked here, not in a
test.

The sentence encoder (single posts with an article) reads at most 128
word pieces of a comment, and only when the first stage's score lies in its band: its
time steps rather than grows, so its row is held to the budget alone, and
growth is judged on both axes without it (as batches are scored).

Every row, with the command, commit and machine load, goes to
benchmarks/results/text_functions.json.

    .venv/bin/python benchmarks/text_functions.py [--model-dir models]
"""

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import provenance  # noqa: E402
from flask import Flask  # noqa: E402

from moderation.learning.explain import topic_words, words  # noqa: E402
from moderation.learning.loaded_models import load_scorer  # noqa: E402
from moderation.learning.textnorm import normalise  # noqa: E402
from moderation.web.queue_pages import highlight  # noqa: E402
from tests.pathological import MAXIMUM, SHAPES  # noqa: E402

BUDGET_SECONDS = 1.0
# Time at the maximum over time at a quarter of it: 4 is linear, 16
# quadratic; 8 leaves room for a busy machine.
MAX_GROWTH = 8.0
# Below this at the maximum, no growth matters: a worker is not at risk.
NEGLIGIBLE_SECONDS = 0.01
TIMINGS = 3
RESULTS = ROOT / "benchmarks" / "results" / "text_functions.json"
ARTICLE = "An article about city budgets and property taxes. " * 20
# The queue page's highlighting reads only these settings; at these values
# every word explained away from on-topic is marked, and each word pushing
# at least explain.MARKED_PUSH towards abusive.
PAGE_SETTINGS = {
    "MODERATION_HOLD_ABUSIVE": 0.0001,
    "MODERATION_REJECT_ABUSIVE": 1.0,
    "MODERATION_HOLD_ON_TOPIC": 1.0,
    "MODERATION_PREMODERATION": False,
}


def best_cpu_time(prepare, run, make, length: int) -> float:
    """Best of TIMINGS, each on a text a character shorter than the last:
    the normaliser and the featurisers remember words, and a long word
    remembered from the previous timing would hide the work on it."""
    best = float("inf")
    for shorter in range(TIMINGS):
        argument = prepare(make(length - shorter))
        started = time.process_time()
        run(argument)
        best = min(best, time.process_time() - started)
    return best


def functions(scorer) -> dict:
    """name -> (prepare, run, growth judged): only ``run`` is timed."""

    def held_comment(text):
        (scores,) = scorer.score([text], [ARTICLE], [text], explain=True)
        return SimpleNamespace(
            text=text, abusive=0.9999, on_topic=0.0001, explanations=scores.explanations
        )

    def same(text):
        return text

    alone = scorer.without_encoder
    # In this order, each text is new to the rows judged for growth; the
    # encoder's row then adds the encoder to first-stage work it remembers.
    return {
        "normalise": (same, normalise, True),
        "explain.words": (same, words, True),
        "score, abuse": (same, lambda t: scorer.score([t], [None]), True),
        "both axes + explanations": (
            same,
            lambda t: alone.score([t], [ARTICLE], [t], True),
            True,
        ),
        "the same, with the encoder": (
            same,
            lambda t: scorer.score([t], [ARTICLE], [t], True),
            False,
        ),
        "queue page highlight": (held_comment, highlight, True),
        "queue page topic hint": (same, lambda t: topic_words(scorer.relevance, t, ARTICLE), True),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(ROOT / "models"))
    args = parser.parse_args()
    meta = provenance.machine()
    print(provenance.describe(meta), flush=True)
    scorer = load_scorer(args.model_dir)
    page = Flask(__name__)
    page.config.update(PAGE_SETTINGS)
    quarter = MAXIMUM // 4
    failures, rows = 0, []
    print(f"model: {scorer.version}; best of {TIMINGS} per cell\n")
    print(f"| input | function | CPU s at {quarter:,} | at {MAXIMUM:,} chars | growth | ok |")
    print("|---|---|---|---|---|---|")
    with page.app_context():
        for shape, make in SHAPES.items():
            for name, (prepare, run, judged) in functions(scorer).items():
                run(prepare(make(1000)))  # warm up: the first call builds tables
                short = best_cpu_time(prepare, run, make, quarter)
                full = best_cpu_time(prepare, run, make, MAXIMUM)
                growth = full / max(short, 1e-6)
                linear = growth <= MAX_GROWTH or full < NEGLIGIBLE_SECONDS or not judged
                ok = full <= BUDGET_SECONDS and linear
                failures += not ok
                rows.append(
                    {
                        "input": shape,
                        "function": name,
                        f"cpu_s_at_{quarter}": round(short, 5),
                        f"cpu_s_at_{MAXIMUM}": round(full, 5),
                        "growth": round(growth, 2),
                        "growth_judged": judged,
                        "ok": ok,
                        "n": TIMINGS,
                        "statistic": f"best of {TIMINGS}, CPU seconds",
                    }
                )
                print(
                    f"| {shape} | {name} | {short:.4f} | {full:.4f} "
                    f"| {growth:.1f}{'' if judged else ' (not judged)'} "
                    f"| {'yes' if ok else 'NO'} |",
                    flush=True,
                )
    provenance.finished(meta)
    meta.update(model=scorer.version, budget_seconds=BUDGET_SECONDS, max_growth=MAX_GROWTH)
    RESULTS.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(
        f"\n{failures} over budget (budget {BUDGET_SECONDS} s at {MAXIMUM:,} characters; "
        f"growth at most {MAX_GROWTH}x for 4x the text, unless under {NEGLIGIBLE_SECONDS} s)"
        f"\nload average at end: {meta['load_average_end']}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
