"""Where a posted comment's time goes, in process: read, score, write.

Posts real comments (`ontopic/comments.jsonl`, each under its real article)
through Flask's test client to a service on a fresh SQLite file in a
temporary folder, with the shipped model, and times the three steps of
`moderation/domain/submission.py` for each post; then posts the same kind
of comments in batches of 100. Prints medians over the posts after the
first 300 (caches warm), and the share of comments the policy held (those
are explained in the scoring step).

    .venv/bin/python benchmarks/request_phases.py [--posts 1500] [--batches 10]
        [--encoder MODE] [--abuse-encoder MODE] [--profile FILE]

`--profile` writes a cProfile of the single posts after the warm-up (read
it with `python -m pstats FILE`).
"""

import argparse
import cProfile
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import create_app  # noqa: E402
from moderation.config import ABUSE_ENCODER_SETTINGS, ENCODER_SETTINGS  # noqa: E402
from moderation.domain import submission  # noqa: E402
from moderation.domain.sites import create_site  # noqa: E402
from moderation.infrastructure.db import db, ensure_schema  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "ontopic"
WARM_UP = 300
BATCH = 100


def timed(store: dict, name: str, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        store.setdefault(name, []).append(time.perf_counter() - started)
        return result

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1500)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument(
        "--encoder",
        choices=ENCODER_SETTINGS,
        default="all",
        help="MODERATION_ON_TOPIC_ENCODER",
    )
    parser.add_argument(
        "--abuse-encoder",
        choices=ABUSE_ENCODER_SETTINGS,
        default="all",
        help="MODERATION_ABUSE_ENCODER",
    )
    parser.add_argument("--profile", help="write a cProfile of the posts after the warm-up")
    args = parser.parse_args()

    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "SECRET_KEY": "benchmark",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/phases.sqlite",
            "MODERATION_MODEL_DIR": str(ROOT / "models"),
            "MODERATION_JOBS_URL": "memory://",
            "MODERATION_ON_TOPIC_ENCODER": args.encoder,
            "MODERATION_ABUSE_ENCODER": args.abuse_encoder,
        }
    )
    ensure_schema(app)
    with app.app_context():
        _, key = create_site("Benchmark")
        db.session.commit()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}

    with open(DATA / "articles.jsonl") as lines:
        articles = {article["id"]: article for article in map(json.loads, lines)}
    wanted = args.posts + args.batches * BATCH
    with open(DATA / "comments.jsonl") as lines:
        comments = [c for c in map(json.loads, lines) if c.get("article_id") in articles]
    comments = comments[:wanted]
    for article_id in {c["article_id"] for c in comments}:
        article = articles[article_id]
        body = {"id": article_id, "title": article["title"], "body": article["body"][:20000]}
        client.post("/api/v1/articles", json=body, headers=auth)

    def body(number: int, comment: dict) -> dict:
        return {"id": f"c{number}", "article_id": comment["article_id"], "text": comment["text"]}

    phases: dict[str, list[float]] = {}
    for name in ("prepare", "score", "store"):
        setattr(submission, name, timed(phases, name, getattr(submission, name)))
    totals, held = [], 0
    profiler = cProfile.Profile() if args.profile else None
    for number, comment in enumerate(comments[: args.posts]):
        if profiler and number == WARM_UP:
            profiler.enable()
        started = time.perf_counter()
        answer = client.post("/api/v1/comments", json=body(number, comment), headers=auth)
        totals.append(time.perf_counter() - started)
        held += answer.get_json()["status"] != "approved"
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)

    batch_times = []
    if profiler:
        profiler = cProfile.Profile()
        profiler.enable()
    rest = comments[args.posts :]
    for start in range(0, len(rest), BATCH):
        items = [body(args.posts + start + i, c) for i, c in enumerate(rest[start : start + BATCH])]
        started = time.perf_counter()
        client.post("/api/v1/comments/batch", json={"comments": items}, headers=auth)
        batch_times.append(time.perf_counter() - started)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile + ".batches")

    def median_ms(values) -> float:
        return statistics.median(values[WARM_UP:] if len(values) > WARM_UP else values) * 1000

    posted = {c["article_id"] for c in comments[: args.posts]}
    print(f"{args.posts} posts under {len(posted)} articles;")
    print(f"{held / args.posts:.1%} held (explained); medians after the first {WARM_UP} posts\n")
    print(f"{'step':<28} {'median ms':>9}")
    for name in ("prepare", "score", "store"):
        print(f"{name:<28} {median_ms(phases[name][: args.posts]):>9.2f}")
    print(f"{'whole post (test client)':<28} {median_ms(totals):>9.2f}")
    if batch_times:
        batch_ms = statistics.median(batch_times) * 1000
        print(f"{'batch of 100 (median of ' + str(len(batch_times)) + ')':<28} {batch_ms:>9.1f}")


if __name__ == "__main__":
    main()
