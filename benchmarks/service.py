"""The service over HTTP next to a minimal reference app, on SQLite and PostgreSQL.

For each database, starts the service (`gunicorn -c gunicorn.conf.py
app:app`: 2 workers, 4 threads) and the reference app
(`benchmarks/reference_app.py`: validates JSON, one TF-IDF + logistic
regression predict, one row inserted; same workers and threads) side by
side, then runs each scenario on one and then the other (alternating which
goes first), so both see the same machine load:

- single posts at 1, 8 and 32 concurrent clients,
- batches of 100 comments at 1, 8 and 32 clients, of 1,000 at 1 and 8,
- Perspective `comments:analyze` at 8 clients, with how many calls took
  longer than Talk's 800 ms timeout.

Comments are real reader comments posted under their real articles
(`../shared/datasets/ontopic`, shuffled; the test sample data without it),
each with a new id. Prints requests (n), comments/s, p50 and p99 latency
(the maximum when n < 100) and the ratio of the service's throughput to the
reference's; writes `benchmarks/results/service.json` (with the command,
commit, machine load and n of every row) and `benchmarks/results/service.png`.

    .venv/bin/python benchmarks/service.py                 # ~8 minutes
    .venv/bin/python benchmarks/service.py --quick         # ~3 minutes, fewer batch rows
    .venv/bin/python benchmarks/service.py --postgres-url postgresql+psycopg://...
    .venv/bin/python benchmarks/service.py --relaxed-durability   # -> results/service-relaxed.*
    .venv/bin/python benchmarks/service.py --encoder decisive   # -> service-encoder-decisive.*
    .venv/bin/python benchmarks/service.py --abuse-encoder decisive
        # -> service-abuse-encoder-decisive.*

Without --postgres-url a database is created on 127.0.0.1 (user postgres)
and dropped at the end; PostgreSQL is skipped if that fails. The load
generator runs in this process and shares the cores with both servers, so
the figures are a floor for a client on another machine.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import provenance  # noqa: E402
from http_load import Server, run_load  # noqa: E402

from moderation.config import ABUSE_ENCODER_SETTINGS, ENCODER_SETTINGS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ONTOPIC = ROOT.parent / "shared" / "datasets" / "ontopic"
TALK_TIMEOUT_MS = 800
# Long comments are cut so that a batch of 1,000 stays a realistic request.
MAX_CHARS = 1500
SERVICE_ENV = {
    "MODERATION_BATCH_LIMIT": "1000",
    "MODERATION_MAX_BODY_BYTES": str(8 * 1024 * 1024),
    "MODERATION_API_RATE_LIMIT": "100000000 per minute",
}


def corpus(limit_articles: int = 300) -> tuple[list[dict], list[dict]]:
    """(articles, comments): real comments with the articles they were posted under."""
    if (ONTOPIC / "comments.jsonl").exists():
        articles = {}
        for line in (ONTOPIC / "articles.jsonl").open(encoding="utf-8"):
            record = json.loads(line)
            articles[str(record["id"])] = record
        comments = []
        for line in (ONTOPIC / "comments.jsonl").open(encoding="utf-8"):
            record = json.loads(line)
            if str(record.get("article_id")) in articles and record.get("text", "").strip():
                comments.append({"article_id": str(record["article_id"]), "text": record["text"]})
    else:
        sys.path.insert(0, str(ROOT))
        from tests import sample_data

        articles = {a["id"]: a for a in sample_data.ARTICLES}
        comments = [
            {"article_id": r["article_id"], "text": r["text"]}
            for r in sample_data.labelled_comments()
            if r.get("article_id") in articles
        ]
    random.Random(7).shuffle(comments)
    used = sorted({c["article_id"] for c in comments})[:limit_articles]
    keep = set(used)
    comments = [{**c, "text": c["text"][:MAX_CHARS]} for c in comments if c["article_id"] in keep]
    chosen = [
        {
            "id": a,
            "title": articles[a].get("title") or a,
            "body": (articles[a].get("body") or "")[:5000],
        }
        for a in used
    ]
    return chosen, comments


class Comments:
    """An endless, thread-safe supply of distinct comments from the corpus."""

    def __init__(self, comments: list[dict], prefix: str):
        self.comments, self.prefix = comments, prefix
        self.next = 0
        self.lock = threading.Lock()

    def take(self, count: int) -> list[dict]:
        with self.lock:
            start, self.next = self.next, self.next + count
        return [
            {"id": f"{self.prefix}-{n}", **self.comments[n % len(self.comments)]}
            for n in range(start, start + count)
        ]


def scenario_body(kind: str, batch: int, comments: Comments, articles: dict):
    if kind == "analyze":
        (comment,) = comments.take(1)
        article = articles[comment["article_id"]]
        body = {
            "comment": {"text": comment["text"]},
            "context": {"entries": [{"text": f"{article['title']}\n\n{article['body']}"}]},
            "requestedAttributes": {"TOXICITY": {}, "OFF_TOPIC": {}},
        }
        return "/v1alpha1/comments:analyze", body
    if batch:
        return "/api/v1/comments/batch", {"comments": comments.take(batch)}
    return "/api/v1/comments", comments.take(1)[0]


def scenarios(quick: bool) -> list[tuple[str, int, int]]:
    """(kind, clients, batch) in the order they run. Batches of 1,000 stop at
    8 clients: 32 of them at once are 32,000 comments in flight, seconds
    per answer on 2 cores, which no site's client would wait for. --quick
    leaves out the batch rows whose requests in flight outlast the run."""
    rows = [("post", clients, 0) for clients in (1, 8, 32)]
    rows += [("batch", clients, 100) for clients in ((1, 8) if quick else (1, 8, 32))]
    rows += [("batch", clients, 1000) for clients in ((1,) if quick else (1, 8))]
    rows.append(("analyze", 8, 0))
    return rows


def measure_database(name, urls, args, articles, comments, results, prefix) -> None:
    service_env = {**SERVICE_ENV, "MODERATION_DATABASE_URL": urls["service"]}
    if args.ratelimit_storage:
        service_env["RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    if args.relaxed_durability:
        service_env["MODERATION_SQLITE_SYNCHRONOUS"] = "NORMAL"
        service_env["MODERATION_PG_SYNCHRONOUS_COMMIT"] = "off"
    service_env["MODERATION_ON_TOPIC_ENCODER"] = args.encoder
    service_env["MODERATION_ABUSE_ENCODER"] = args.abuse_encoder
    servers = {
        "service": Server("service", ["-c", "gunicorn.conf.py", "app:app"], service_env),
        "reference": Server(
            "reference",
            [
                "-w",
                "2",
                "--threads",
                "4",
                "--preload",
                "--chdir",
                "benchmarks",
                "reference_app:app",
            ],
            {"REFERENCE_DATABASE_URL": urls["reference"]},
        ),
    }
    with servers["service"] as service, servers["reference"] as reference:
        service.key = service.create_site()
        for article in articles:
            service.post("/api/v1/articles", article)
        by_id = {a["id"]: a for a in articles}
        supply = {app: Comments(comments, f"{prefix}-{name}-{app}") for app in servers}
        for app, server in (("service", service), ("reference", reference)):
            # Every worker thread answers a few first, unmeasured: first requests
            # open connections and fill caches.
            run_load(
                server,
                8,
                2.0,
                lambda app=app: scenario_body("post", 0, supply[app], by_id),
                per_request=1,
            )
        for number, (kind, clients, batch) in enumerate(scenarios(args.quick)):
            # Alternate which app goes first, so neither always runs on a warmer machine.
            order = ("service", "reference") if number % 2 == 0 else ("reference", "service")
            pair = {}
            for app in order:
                server = service if app == "service" else reference
                seconds = args.seconds * (2 if batch == 1000 else 1)
                row = run_load(
                    server,
                    clients,
                    seconds,
                    lambda app=app, kind=kind, batch=batch: scenario_body(
                        kind, batch, supply[app], by_id
                    ),
                    per_request=batch or 1,
                )
                pair[app] = {"app": app, "database": name, "kind": kind, "batch": batch, **row}
            ratio = pair["service"]["comments_per_second"] / max(
                pair["reference"]["comments_per_second"], 1e-9
            )
            pair["service"]["ratio_to_reference"] = round(ratio, 3)
            if kind == "analyze":
                pair["service"]["over_talk_timeout"] = pair["service"]["over_ms"]
            for app in ("service", "reference"):
                results.append(pair[app])
                print_row(pair[app])
        memory, share = service.worker_memory_mb(), service.worker_memory_mb("Pss")
        print(f"{name:<10} service memory per worker (MB): resident {memory}, proportional {share}")
        results.append(
            {"app": "service", "database": name, "worker_memory_mb": memory, "worker_pss_mb": share}
        )


HEADER = (
    f"{'database':<10} {'app':<9} {'scenario':<14} {'clients':>7} {'n':>6} {'comments/s':>11}"
    f" {'p50 ms':>8} {'p99 ms':>12} {'errors':>6} {'vs ref':>7}"
)


def print_row(row) -> None:
    scenario = row["kind"] if not row["batch"] else f"batch {row['batch']}"
    tail = row["tail_ms"]
    tail_text = f"{tail}" if row["tail"] == "p99" else f"max {tail}"
    ratio = row.get("ratio_to_reference")
    print(
        f"{row['database']:<10} {row['app']:<9} {scenario:<14} {row['clients']:>7} {row['n']:>6}"
        f" {row['comments_per_second']:>11,} {row['p50_ms']:>8} {tail_text:>12}"
        f" {row['errors']:>6} {'' if ratio is None else f'{ratio:.2f}x':>7}",
        flush=True,
    )
    if row["kind"] == "analyze":
        print(
            f"{'':<10} {row['app']:<9} analyze calls over Talk's {TALK_TIMEOUT_MS} ms timeout:"
            f" {row['over_ms']} of {row['n']}",
            flush=True,
        )
    for status, count in row.get("error_statuses", {}).items():
        example = " ".join(row["error_examples"][status].split())[:120]
        print(f"{'':<10} {row['app']:<9} errors: {count} x HTTP {status}, e.g. {example}")


def postgres_url(given: str | None) -> tuple[str | None, str | None]:
    """(url, database to drop at the end)."""
    if given:
        return given, None
    name = f"moderation_bench_{os.getpid()}"
    made = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {name}"],
        capture_output=True,
    )
    if made.returncode != 0:
        return None, None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, help="per scenario and app (default 5; 1.5 quick)")
    parser.add_argument("--quick", action="store_true", help="short runs, for a re-check")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--ratelimit-storage", help="e.g. redis://127.0.0.1:6379 (default memory)")
    parser.add_argument(
        "--relaxed-durability",
        action="store_true",
        help="the service with SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off",
    )
    parser.add_argument(
        "--encoder",
        choices=ENCODER_SETTINGS,
        default="all",
        help="the service's MODERATION_ON_TOPIC_ENCODER (default all, the service's default)",
    )
    parser.add_argument(
        "--abuse-encoder",
        choices=ABUSE_ENCODER_SETTINGS,
        default="all",
        help="the service's MODERATION_ABUSE_ENCODER (default all, the service's default)",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (1.5 if args.quick else 5.0)
    meta = provenance.machine()
    print(provenance.describe(meta), flush=True)
    articles, comments = corpus()
    print(f"{len(comments)} distinct comments under {len(articles)} articles", flush=True)
    folder = Path(tempfile.mkdtemp())
    databases = {
        "sqlite": {
            "service": f"sqlite:///{folder / 'service.sqlite'}",
            "reference": f"sqlite:///{folder / 'reference.sqlite'}",
        }
    }
    drop = None
    if not args.no_postgres:
        url, drop = postgres_url(args.postgres_url)
        if url:
            databases["postgresql"] = {"service": url, "reference": url}
        else:
            print("(PostgreSQL skipped: no server on 127.0.0.1 for user postgres)")
    results: list[dict] = []
    prefix = f"{os.getpid()}-{int(time.time())}"
    print(HEADER, flush=True)
    try:
        for name, urls in databases.items():
            measure_database(name, urls, args, articles, comments, results, prefix)
    finally:
        if drop:
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE {drop}"],
                capture_output=True,
            )
    provenance.finished(meta)
    print(f"load average at end: {meta['load_average_end']}")
    RESULTS.mkdir(exist_ok=True)
    output = {"meta": meta, "results": results}
    # A relaxed run, one with another encoder setting or a quick one is kept
    # beside the full default run, not in its place.
    name = "service-relaxed" if args.relaxed_durability else "service"
    if args.encoder != "all":
        name += f"-encoder-{args.encoder}"
    if args.abuse_encoder != "all":
        name += f"-abuse-encoder-{args.abuse_encoder}"
    if args.quick:
        name += "-quick"
    meta["relaxed_durability"] = args.relaxed_durability
    meta["on_topic_encoder"] = args.encoder
    meta["abuse_encoder"] = args.abuse_encoder
    (RESULTS / f"{name}.json").write_text(json.dumps(output, indent=2) + "\n")
    plot(results, meta, RESULTS / f"{name}.png")


def plot(results, meta, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no plot: matplotlib is not installed)")
        return
    databases = sorted({r["database"] for r in results if "kind" in r})
    figure, axes = plt.subplots(1, len(databases), figsize=(6 * len(databases), 4.5), squeeze=False)
    for axis, database in zip(axes[0], databases):
        rows = [r for r in results if r.get("database") == database and "kind" in r]
        labels = []
        for app, offset, colour in (("service", -0.2, "tab:blue"), ("reference", 0.2, "grey")):
            mine = [r for r in rows if r["app"] == app]
            labels = [
                f"{'post' if not r['batch'] and r['kind'] != 'analyze' else r['kind']}"
                f"{' ' + str(r['batch']) if r['batch'] else ''}\n{r['clients']} cl."
                for r in mine
            ]
            axis.bar(
                [i + offset for i in range(len(mine))],
                [r["comments_per_second"] for r in mine],
                width=0.4,
                label=app,
                color=colour,
            )
        axis.set_xticks(range(len(labels)), labels, fontsize=7)
        axis.set_yscale("log")
        axis.set_ylabel("comments per second")
        axis.set_title(f"{database}: service vs reference (gunicorn, 2 workers)")
        axis.legend()
    figure.suptitle(f"commit {meta['commit'][:12]}, load at start {meta['load_average_start']}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
