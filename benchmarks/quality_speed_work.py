"""The inputs and the in-process workers of quality_speed.py.

The workers run in each model's own interpreter (the project's, or APC's in
benchmarks/.venv-apc, which pins its own scikit-learn), so this module imports only the
standard library at its top; the project's modules are imported inside the functions that
need them, which only the project's interpreter calls.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "datasets"
# Comments that have their real article in ontopic/articles.jsonl, in their files' order
# (so the threads `flask score` builds from earlier comments are the real ones).
WITH_ARTICLES = ["ontopic/comments.jsonl", "abuse/c3.jsonl", "abuse/fox-news.jsonl"]
# The rest of the 100,000, without articles: the abuse axis alone.
FILL = [
    "abuse/civil-spans.jsonl",
    "abuse/impermium-insults.jsonl",
    "abuse/unhealthy.jsonl",
    "abuse/ruddit.jsonl",
    "abuse/olid-train.jsonl",
    "abuse/hateval.jsonl",
    "abuse/davidson.jsonl",
]
QUALITY_FILES = [
    "c3",
    "fox-news",
    "civil-spans",
    "impermium-insults",
    "unhealthy",
    "ruddit",
    "olid-train",
    "hateval",
    "davidson",
]
CHUNK = 5000
ABUSE_ONLY, BOTH, BOTH_EXPLAINED = "abuse only", "both axes", "both axes, explain if held"
# MODERATION_ON_TOPIC_ENCODER=decisive: the encoder reads only where it could change the
# decision at the policy's on-topic threshold.
BOTH_DECISIVE = "both axes, encoder decisive"
# MODERATION_ABUSE_ENCODER=off: the abuse stage's encoder does not read (as in a batch).
ABUSE_FIRST_STAGE = "abuse only, abuse encoder off"
# The project's single-comment calls, taking turns in this order (APC's abuse-only calls
# read the same comments as the project's).
PROJECT_CALLS = (ABUSE_ONLY, BOTH, BOTH_EXPLAINED, BOTH_DECISIVE, ABUSE_FIRST_STAGE)
# APC's whole process, as a user of it would write it: read the comments, predict_prob, write.
APC_WHOLE_PROCESS = """
import json, sys
from profanity_check import predict_prob
with open(sys.argv[1]) as lines:
    texts = [json.loads(line)["text"] for line in lines]
with open(sys.argv[2], "w") as out:
    out.writelines(f"{p:.4f}\\n" for p in predict_prob(texts))
"""


# --- inputs (driver side, project interpreter) ---


def speed_comments(n: int) -> tuple[list[dict], dict]:
    """n comments for the whole-process runs: every comment with a real article first, then
    the other abuse files, repeated if needed, without articles. Returns (rows, articles)."""
    from moderation.learning.datasets import read_articles

    articles = read_articles(DATA / "ontopic" / "articles.jsonl")
    rows = []
    for name in WITH_ARTICLES:
        for record in records(DATA / name):
            known = record.get("article_id") in articles
            rows.append(_row(record, record["article_id"] if known else None))
    fill = [_row(record, None) for name in FILL for record in records(DATA / name)]
    for repeat in range(math.ceil(max(0, n - len(rows)) / len(fill))):
        rows += [{**row, "id": f"{row['id']}#{repeat + 1}"} if repeat else row for row in fill]
    used = {row["article_id"] for row in rows[:n] if row["article_id"]}
    return rows[:n], {key: value for key, value in articles.items() if key in used}


def records(path: Path):
    with open(path, encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines if line.strip())


def _row(record: dict, article_id: str | None) -> dict:
    return {"id": str(record["id"]), "text": record["text"], "article_id": article_id}


def held_out_rows(seed: int) -> list[tuple[str, object]]:
    """(file, comment) for each labelled held-out row of every abuse source: its official
    test split where it has one, else the model's seeded grouped split."""
    from moderation.learning.datasets import read_comments
    from moderation.learning.splits import held_out

    return [
        (name, c)
        for name in QUALITY_FILES
        for c in read_comments(DATA / "abuse" / f"{name}.jsonl")
        if c.abusive is not None and held_out(c, seed)
    ]


def write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)


# --- measurement ---


def measured(n: int, fn, *args):
    """fn's result with what it was measured under: n, load before and after, cores."""
    before = os.getloadavg()
    return {"value": fn(*args), **context(n, before, os.getloadavg())}


def context(n: int, before, after) -> dict:
    return {
        "n": n,
        "load_before": [round(x, 2) for x in before],
        "load_after": [round(x, 2) for x in after],
        "cpus": os.cpu_count(),
    }


def latencies_ms(calls: dict, inputs: list) -> dict:
    """Each named call on one comment at a time, the calls taking turns so that a busy moment
    on the machine hits them all alike; a warm-up round first. inputs: len(calls) per turn."""
    for call in calls.values():
        call(inputs[-1])
    times = {name: [] for name in calls}
    before = os.getloadavg()
    for k in range(0, len(inputs) - len(calls) + 1, len(calls)):
        # A comment of its own for each call: the featurisers remember recent texts.
        for one, (name, call) in zip(inputs[k:], calls.items()):
            started = time.perf_counter()
            call(one)
            times[name].append(1000 * (time.perf_counter() - started))
    after = os.getloadavg()
    return {name: {**summary(t), **context(len(t), before, after)} for name, t in times.items()}


def summary(times: list[float]) -> dict:
    """Median and p99; with fewer than 100 calls a p99 would be the maximum under another
    name, so it is reported as the maximum."""
    times = sorted(times)
    if len(times) >= 100:
        return {"median": statistics.median(times), "p99": times[math.ceil(0.99 * len(times)) - 1]}
    return {"median": statistics.median(times), "max": times[-1]}


def spread(items: list, count: int) -> list:
    step = max(1, len(items) // count)
    return items[::step][:count]


# --- workers (each model's own interpreter) ---


def project_worker(args) -> dict:
    """Quality scores of the held-out rows (abuse axis) and single-comment latency: abuse
    only; both axes with the comment's real article and thread; and both axes explaining
    the comments the policy would not publish, as the API calls it."""
    sys.path.insert(0, str(ROOT))
    from moderation.domain import policy
    from moderation.learning.datasets import earlier_threads, read_articles, read_comments
    from moderation.learning.loaded_models import load_scorer
    from moderation.learning.pairs import THREAD_SIZE

    started = time.perf_counter()
    scorer = load_scorer(args.model_dir)
    result = {"version": scorer.version, "load_seconds": time.perf_counter() - started}
    texts = [row["text"] for row in records(args.quality)]

    def score_all():
        chunks = (texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK))
        return [s.abusive for chunk in chunks for s in scorer.score(chunk, [None] * len(chunk))]

    result["quality_measured"] = measured(len(texts), score_all)
    result["scores"] = result["quality_measured"].pop("value")
    comments = read_comments(args.speed)
    articles = read_articles(args.articles)
    threads = earlier_threads(comments, THREAD_SIZE)
    known = [
        (c.text, articles[c.article_id]["text"], thread)
        for c, thread in zip(comments, threads)
        if c.article_id in articles
    ]
    thresholds = policy.Thresholds(**json.loads(args.thresholds))
    decisive = scorer.deciding_at(thresholds.hold_on_topic)
    # Since 20261201-130947, the first stage with the estimate of the stage's verdict.
    abuse_unread = scorer.served("all", "off")

    def held(scores) -> bool:
        decision = policy.decide(scores.abusive, scores.on_topic, thresholds)
        return decision.status != policy.Status.APPROVED

    calls = {
        ABUSE_ONLY: lambda t: scorer.score([t[0]], [None]),
        BOTH: lambda t: scorer.score([t[0]], [t[1]], [t[2]]),
        BOTH_EXPLAINED: lambda t: scorer.score([t[0]], [t[1]], [t[2]], explain=held),
        BOTH_DECISIVE: lambda t: decisive.score([t[0]], [t[1]], [t[2]]),
        ABUSE_FIRST_STAGE: lambda t: abuse_unread.score([t[0]], [None]),
    }
    assert tuple(calls) == PROJECT_CALLS
    known = spread(known, len(calls) * args.calls + 1)
    result["latency_ms"] = latencies_ms(calls, known)
    return result


def apc_worker(args) -> dict:
    """APC's scores and its own yes/no (predict) on the held-out rows, and its latency on
    the same single comments as the project's abuse-only calls."""
    from importlib.metadata import version

    started = time.perf_counter()
    import profanity_check

    result = {
        "version": version("alt-profanity-check"),
        "load_seconds": time.perf_counter() - started,
    }
    texts = [row["text"] for row in records(args.quality)]
    result["scores"] = [float(p) for p in profanity_check.predict_prob(texts)]
    result["predicted"] = [int(p) for p in profanity_check.predict(texts)]
    with open(args.articles) as lines:
        article_ids = {json.loads(line)["id"] for line in lines}
    with open(args.speed) as lines:
        rows = [json.loads(line) for line in lines]
    # The comments of the project's abuse-only calls (the first of each turn of its spread).
    turn = len(PROJECT_CALLS)
    known = spread(
        [r["text"] for r in rows if r["article_id"] in article_ids], turn * args.calls + 1
    )
    singles = known[: turn * args.calls : turn]
    call = lambda text: profanity_check.predict_prob([text])  # noqa: E731
    result["latency_ms"] = latencies_ms({ABUSE_ONLY: call}, singles)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="A worker of quality_speed.py.")
    parser.add_argument("kind", choices=["project", "apc"])
    for name in ("--quality", "--speed", "--articles", "--out", "--model-dir", "--thresholds"):
        parser.add_argument(name)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    result = (project_worker if args.kind == "project" else apc_worker)(args)
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
