"""What reading a comment's opening instead of all of it changes in language detection.

`languages.detect` classifies a comment's first `DETECT_CHARS` characters and
the whole text only when they are not enough. For every row of the labelled
files in `../shared/datasets` (abuse, multilingual, ontopic comments), at both
confidences the service uses (0.5 for Perspective requests, 0.8 for reading a
comment's abuse in another language's model), prints how many rows get a
different answer than the whole text gives, with those rows; then times both
on 3,000 long news comments (`ontopic/comments.jsonl`), two passes.

    .venv/bin/python benchmarks/language_prefix.py
"""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning import languages  # noqa: E402
from moderation.learning.multilingual import OTHER_LANGUAGE_CONFIDENCE  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets"


def whole(text: str, min_confidence: float = languages.MIN_CONFIDENCE) -> str | None:
    language, confidence = languages._detector().classify(text)
    return language if confidence >= min_confidence else None


def texts(path: Path) -> list[str]:
    with open(path) as lines:
        return [json.loads(line)["text"] for line in lines]


def main() -> None:
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: this benchmark needs the shared datasets.")
    files = sorted([*DATA.glob("abuse/*.jsonl"), *DATA.glob("multilingual/*.jsonl")])
    rows = [text for path in [*files, DATA / "ontopic/comments.jsonl"] for text in texts(path)]
    longer = sum(len(text) > languages.DETECT_CHARS for text in rows)
    print(f"{len(rows):,} rows, {longer:,} longer than {languages.DETECT_CHARS} characters")
    for confidence in (languages.MIN_CONFIDENCE, OTHER_LANGUAGE_CONFIDENCE):
        differ = [
            (text, whole(text, confidence), languages.detect(text, confidence))
            for text in rows
            if whole(text, confidence) != languages.detect(text, confidence)
        ]
        print(f"\nconfidence {confidence}: {len(differ)} rows answered differently")
        for text, before, now in differ:
            print(f"  whole text {before}, opening {now}: {text[:70]!r}")
    news = texts(DATA / "ontopic/comments.jsonl")[:3000]
    print(f"\n{len(news):,} news comments, ms a comment (confidence {languages.MIN_CONFIDENCE})")
    for _ in range(2):
        for name, detect in (("whole text", whole), ("opening first", languages.detect)):
            times = []
            for text in news:
                started = time.perf_counter()
                detect(text)
                times.append(1000 * (time.perf_counter() - started))
            median, mean = statistics.median(times), statistics.mean(times)
            print(f"  {name:<14} median {median:.3f}  mean {mean:.3f}")


if __name__ == "__main__":
    main()
