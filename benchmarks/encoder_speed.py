"""How fast the sentence encoder reads one comment, against what the core can do.

Times the shipped on-topic encoder (all-MiniLM-L6-v2 in numpy, six layers;
the abuse stage's tuned layers have the same shape) on one comment of 16 to
128 word pieces, one thread as under gunicorn, and prints the median
milliseconds and the arithmetic rate of the dense products (a layer is 1.77
million multiply-adds a word piece, attention aside). Where the rate is near
the core's peak, only reading fewer comments or fewer pieces makes posts
faster.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/encoder_speed.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.learning.loaded_models import load_scorer  # noqa: E402

# Per word piece and layer: the joined q/k/v product, the attention output,
# and the feed-forward's two products (384 -> 1,536 -> 384).
MULTIPLY_ADDS = 384 * 1152 + 384 * 384 + 2 * 384 * 1536
REPEATS = 200


def median_ms(function) -> float:
    function()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    scorer = load_scorer(ROOT / "models")
    encoder = scorer.second_stage.encoder
    word = encoder.vocabulary.index("word")
    print(f"{'pieces':>6} {'six layers ms':>14} {'GFLOP/s':>8} {'one layer ms':>13}")
    for pieces in (16, 32, 64, 128):
        ids = [[word] * pieces]
        whole = median_ms(lambda ids=ids: encoder.pooled_batch(ids))
        rate = 2 * MULTIPLY_ADDS * pieces * 6 / (whole / 1000) / 1e9
        print(f"{pieces:>6} {whole:>14.2f} {rate:>8.1f} {whole / 6:>13.2f}")


if __name__ == "__main__":
    main()
