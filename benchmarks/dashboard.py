"""How long the moderators' dashboard takes to compute as comments grow.

Fills a PostgreSQL database with a year of comments (uniform arrival; 70%
published and 10% rejected by the model on arrival, 20% held, of which most
are decided by a moderator within two days and the last days' stay
pending), then times ``dashboard.figures()`` (every number and chart series
on the page) and a full ``GET /dashboard``. Best of 3 per size. Target:
under 1 s at 1,000,000 comments. Prints a table; writes
benchmarks/results/dashboard.json with the command, commit, machine load
and n of every row (``"reduced": true`` when --sizes is not the default).

    createdb -h 127.0.0.1 -U postgres mod_dashboard_bench
    .venv/bin/python benchmarks/dashboard.py [--url URL] [--sizes 10000,100000,1000000]
    .venv/bin/python benchmarks/dashboard.py --sizes 1000000 --reuse

The database's tables are dropped and rebuilt from the migrations first.
With ``--reuse``, a database an earlier run filled to the largest size is
kept (only brought up to the latest migration, then vacuumed) and timed at
that size alone: for trying changes to the queries or indexes without
filling it again. "now" is then the time of that fill, so the same rows
fall in the windows; the table is printed, the results file left as it is.
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import provenance  # noqa: E402
from sqlalchemy import text  # noqa: E402

from moderation import create_app  # noqa: E402
from moderation.domain import dashboard  # noqa: E402
from moderation.domain.accounts import create_moderator  # noqa: E402
from moderation.infrastructure.db import db, ensure_schema  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mod_dashboard_bench"
DEFAULT_SIZES = "10000,100000,1000000"
# Each figure is the best of this many timings.
TIMINGS = 3
DAYS = 365
COMMENT_COLUMNS = (
    "id, site_id, external_id, article_external_id, text, created_at, received_at, status, "
    "abusive, on_topic, model_version, reasons, version"
)
DECISION_COLUMNS = "id, comment_id, decided_at, actor_type, actor, from_status, to_status, reasons"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the database an earlier run filled to the largest size, without refilling",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    meta = provenance.machine()
    print(provenance.describe(meta), flush=True)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )
    now = datetime.now(UTC)
    rows = []
    with app.app_context():
        if args.reuse and _filled(app, sizes[-1]):
            rows.append(_time(app, _reused_state(), None))
            _print_table(rows)
            return
        _reset(app)
        site_id = db.session.execute(
            text(
                "INSERT INTO sites (name, key_hash, key_prefix, created_at) "
                "VALUES ('Bench', :h, 'b', now()) RETURNING id"
            ),
            {"h": "0" * 64},
        ).scalar_one()
        create_moderator("bench", "bench-password-1", "admin")
        db.session.commit()
        state = {"comments": 0, "decisions": 0}
        rng = random.Random(0)
        for size in sizes:
            started = time.perf_counter()
            _fill(site_id, size, state, rng, now)
            filled = time.perf_counter() - started
            _record_fill(now)
            rows.append(_time(app, state, filled))
            print(_row(rows[-1]), flush=True)
    meta["reduced"] = sizes != sorted(int(s) for s in DEFAULT_SIZES.split(","))
    _print_and_save(rows, provenance.finished(meta))


def _time(app, state: dict, filled: float | None) -> dict:
    _vacuum()
    filled_at = _fill_time()
    figures = _best_of(TIMINGS, lambda: dashboard.figures(filled_at))
    page = _best_of(TIMINGS, partial(_get_page, _signed_in(app)))
    return {
        "comments": state["comments"],
        "decisions": state["decisions"],
        "figures_s": round(figures, 3),
        "page_s": round(page, 3),
        "n": TIMINGS,
        "statistic": f"best of {TIMINGS}",
        "fill_s": round(filled, 1) if filled is not None else None,
        "load_average": provenance.load_average(),
    }


def _print_and_save(rows: list[dict], meta: dict) -> None:
    _print_table(rows)
    print(f"load average at end: {meta['load_average_end']}")
    out = ROOT / "benchmarks" / "results" / "dashboard.json"
    saved = {"meta": meta, "database": "postgresql", "days": DAYS, "rows": rows}
    out.write_text(json.dumps(saved, indent=2) + "\n")


def _print_table(rows: list[dict]) -> None:
    print()
    print("| comments | decisions | dashboard.figures() s | GET /dashboard s |")
    print("|---|---|---|---|")
    for row in rows:
        print(_row(row))


def _row(row) -> str:
    return f"| {row['comments']:,} | {row['decisions']:,} | {row['figures_s']} | {row['page_s']} |"


def _filled(app, size: int) -> bool:
    """Whether an earlier run filled this database to ``size`` comments."""
    ensure_schema(app)
    count = db.session.scalar(text("SELECT count(*) FROM comments"))
    return count == size and _fill_time() is not None


def _reused_state() -> dict:
    return {
        "comments": db.session.scalar(text("SELECT count(*) FROM comments")),
        "decisions": db.session.scalar(text("SELECT count(*) FROM decisions")),
    }


def _record_fill(now: datetime) -> None:
    """When the data was made, for ``--reuse`` (kept outside the app's tables)."""
    db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_filled (at timestamptz)"))
    db.session.execute(text("DELETE FROM bench_filled"))
    db.session.execute(text("INSERT INTO bench_filled VALUES (:at)"), {"at": now})
    db.session.commit()


def _fill_time() -> datetime | None:
    exists = db.session.scalar(text("SELECT to_regclass('bench_filled') IS NOT NULL"))
    return db.session.scalar(text("SELECT at FROM bench_filled")) if exists else None


def _reset(app) -> None:
    db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.session.commit()
    ensure_schema(app)


def _vacuum() -> None:
    """What autovacuum would have done by now: statistics and the
    visibility map (index-only scans)."""
    raw = db.session.connection().connection.driver_connection
    db.session.commit()
    raw.autocommit = True
    try:
        raw.execute("VACUUM ANALYZE")
    finally:
        raw.autocommit = False


def _best_of(times: int, work) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
        db.session.rollback()
    return best


def _signed_in(app):
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench-password-1"})
    return client


def _get_page(client) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 200, response.status_code


def _fill(site_id: int, size: int, state: dict, rng: random.Random, now: datetime) -> None:
    """Add comments until there are ``size``, with their decisions, by COPY."""
    raw = db.session.connection().connection.driver_connection
    start = now - timedelta(days=DAYS)
    comments, decisions = [], []
    # Ids grow with time, as they do in service.
    arrivals = sorted(rng.uniform(0, DAYS * 86400) for _ in range(size - state["comments"]))
    for number, offset in zip(range(state["comments"] + 1, size + 1), arrivals):
        received = start + timedelta(seconds=offset)
        roll = rng.random()
        history = []
        if roll < 0.7:
            history.append((received, "model", None, "approved", "[]"))
        elif roll < 0.8:
            history.append((received, "model", None, "rejected", '["abusive"]'))
        else:
            reason = rng.choice(['["abusive"]', '["off_topic"]', '["unknown_article"]'])
            history.append((received, "model", None, "pending", reason))
            decided = received + timedelta(hours=rng.uniform(0.1, 48))
            if decided < now:
                final = "approved" if rng.random() < 0.6 else "rejected"
                history.append((decided, "moderator", "pending", final, "[]"))
        status = history[-1][3]
        comments.append(
            (
                number,
                site_id,
                f"c{number}",
                f"a{number % 5000}",
                f"comment {number}",
                received,
                received,
                status,
                rng.random(),
                rng.random(),
                "bench",
                history[-1][4],
                1,
            )
        )
        for decided_at, actor_type, before, after, reasons in history:
            state["decisions"] += 1
            decisions.append(
                (
                    state["decisions"],
                    number,
                    decided_at,
                    actor_type,
                    actor_type,
                    before,
                    after,
                    reasons,
                )
            )
    # Decision ids follow time, as they do in service.
    decisions.sort(key=lambda row: row[2])
    first_id = decisions[0][0] if decisions else 0
    decisions = [(first_id + i, *row[1:]) for i, row in enumerate(decisions)]
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY comments ({COMMENT_COLUMNS}) FROM STDIN") as copy:
            for row in comments:
                copy.write_row(row)
        with cursor.copy(f"COPY decisions ({DECISION_COLUMNS}) FROM STDIN") as copy:
            for row in decisions:
                copy.write_row(row)
        cursor.execute("SELECT setval('comments_id_seq', %s)", (size,))
        cursor.execute("SELECT setval('decisions_id_seq', %s)", (max(state["decisions"], 1),))
    db.session.commit()
    state["comments"] = size


if __name__ == "__main__":
    main()
