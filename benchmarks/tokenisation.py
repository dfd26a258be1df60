"""What BERT's pre-tokenisation costs per comment, character by character
and with the ASCII fast path (``moderation/learning/wordpiece.py``).

Both sentence encoders split every comment they read into words first:
for a single post twice, for ``flask score`` on 100,000 comments up to
200,000 times. Reads the comments of the five English news files, times
each function over all of them (best of three passes), checks that they
split every ASCII comment alike, prints a table and writes it, with the
command, commit and machine load, to benchmarks/results/tokenisation.json.

    .venv/bin/python benchmarks/tokenisation.py
"""

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.learning.wordpiece import basic_words, unicode_basic_words  # noqa: E402

FILES = ("c3", "fox-news", "civil-spans", "impermium-insults", "unhealthy")
DATA = ROOT.parent / "shared" / "datasets" / "abuse"


def best_of_three(function, texts) -> float:
    """Microseconds per text, the fastest of three passes."""
    passes = []
    for _ in range(3):
        started = time.perf_counter()
        for text in texts:
            function(text)
        passes.append((time.perf_counter() - started) / len(texts) * 1e6)
    return min(passes)


def main() -> None:
    meta = provenance.machine()
    print(provenance.describe(meta))
    texts = []
    for name in FILES:
        with open(DATA / f"{name}.jsonl", encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in lines]
    ascii_texts = [t for t in texts if t.isascii()]
    assert all(basic_words(t) == unicode_basic_words(t) for t in ascii_texts)
    print(
        f"\n{len(texts):,} comments, {len(ascii_texts) / len(texts):.1%} ASCII; all split alike\n"
    )
    rows = {
        "character by character": best_of_three(unicode_basic_words, texts),
        "with the ASCII fast path": best_of_three(basic_words, texts),
    }
    meta = provenance.finished(meta)
    print("| function | µs per comment |")
    print("|---|---|")
    for name, micros in rows.items():
        print(f"| {name} | {micros:.0f} |")
    print(f"\nload average at the end: {meta['load_average_end']}")
    summary = {"comments": len(texts), "ascii_share": round(len(ascii_texts) / len(texts), 4)}
    out = ROOT / "benchmarks" / "results" / "tokenisation.json"
    out.write_text(json.dumps({"meta": meta, **summary, "microseconds": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
