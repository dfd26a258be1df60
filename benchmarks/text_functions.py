"""Every function that sees reader text, fed pathological inputs up to the
API's 20,000-character maximum: the time must grow linearly with length.

For each input shape and function it prints the time at 20,000 characters
and the ratio to 10,000 (about 2 for linear work, 4 for quadratic), and
fails (exit status 1) when a function takes over BUDGET_SECONDS at the
maximum or grows faster than linearly.

    .venv/bin/python benchmarks/text_functions.py [--model-dir models]
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning.explain import words  # noqa: E402
from moderation.learning.scoring import load_scorer  # noqa: E402
from moderation.learning.textnorm import normalise  # noqa: E402

MAXIMUM = 20_000
BUDGET_SECONDS = 1.0
# Ratio of the time at 20,000 characters to that at 10,000; quadratic is 4.
MAX_GROWTH = 3.0
SHAPES = {
    "hyphenated run + domain": lambda n: ("a-" * n)[: n - 6] + " x.com",
    "punctuation run": lambda n: ("!" * n)[: n - 3] + ")a)",
    "one-letter words": lambda n: ("a " * n)[: n - 2] + "ab",
    "dotted letters": lambda n: ("a." * n)[:n],
    "leet run": lambda n: ("1a" * n)[:n],
    "stars": lambda n: "*" * n,
    "zero-width": lambda n: "\u200b" * n,
    "mixed scripts": lambda n: ("st\u0443p\u0456d " * n)[:n],
    "long url": lambda n: "http://" + "a" * (n - 7),
    "ordinary prose": lambda n: ("you are an idiot and this is spam www.x.com " * n)[:n],
}


def timed(function, text) -> float:
    started = time.perf_counter()
    function(text)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(ROOT / "models"))
    args = parser.parse_args()
    scorer = load_scorer(args.model_dir)
    article = "An article about city budgets and property taxes. " * 20
    functions = {
        "normalise": normalise,
        "explain.words": words,
        "score, abuse": lambda t: scorer.score([t], [None]),
        "score, both axes + explanations": lambda t: scorer.score([t], [article], [t], True),
    }
    failures = 0
    print(f"| input | function | s at {MAXIMUM:,} chars | x vs half length | ok |")
    print("|---|---|---|---|---|")
    for shape, make in SHAPES.items():
        for name, function in functions.items():
            function(make(1000))  # warm caches: the first call builds tables
            half = min(timed(function, make(MAXIMUM // 2)) for _ in range(3))
            full = min(timed(function, make(MAXIMUM)) for _ in range(3))
            growth = full / max(half, 1e-6)
            ok = full <= BUDGET_SECONDS and (growth <= MAX_GROWTH or full < 0.01)
            failures += not ok
            print(f"| {shape} | {name} | {full:.4f} | {growth:.1f} | {'yes' if ok else 'NO'} |")
    print(f"\n{failures} over budget (budget {BUDGET_SECONDS} s, growth at most {MAX_GROWTH}x)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
