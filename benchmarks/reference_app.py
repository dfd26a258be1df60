"""The floor the service is measured against: the least a moderation
endpoint can do. It validates the JSON, runs one TF-IDF + logistic
regression predict, and inserts one row per comment, committed durably
(same SQLite settings as the service, PostgreSQL's defaults).

    REFERENCE_DATABASE_URL=sqlite:///ref.sqlite gunicorn -w 2 --threads 4 \
        --preload --chdir benchmarks reference_app:app

``benchmarks/service.py`` starts it next to the service. The model is
trained at start on labelled comments (``../shared`` when present, else
the test suite's sample data).
"""

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, jsonify, request
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED_ABUSE = ROOT.parent / "shared" / "datasets" / "abuse" / "fox-news.jsonl"

metadata = MetaData()
comments = Table(
    "reference_comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(255), unique=True),
    Column("article_id", String(255)),
    Column("text", Text),
    Column("abusive", Float),
    Column("received_at", DateTime(timezone=True)),
)


def training_rows() -> tuple[list[str], list[int]]:
    if SHARED_ABUSE.exists():
        rows = [json.loads(line) for line in SHARED_ABUSE.open(encoding="utf-8")]
        rows = [r for r in rows if r.get("abusive") is not None]
        return [r["text"] for r in rows], [int(r["abusive"]) for r in rows]
    sys.path.insert(0, str(ROOT))
    from tests import sample_data

    rows = [r for r in sample_data.labelled_comments() if r.get("abusive") is not None]
    return [r["text"] for r in rows], [int(r["abusive"]) for r in rows]


def make_engine(url: str):
    engine = create_engine(url, pool_size=10, max_overflow=10) if "postgres" in url else None
    if engine is not None:
        return engine
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def pragmas(connection, _):
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA busy_timeout=5000")

    return engine


model = make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(max_iter=1000))
model.fit(*training_rows())
engine = make_engine(os.environ["REFERENCE_DATABASE_URL"])
metadata.create_all(engine)
engine.dispose()  # each worker opens its own connections after the fork
app = Flask(__name__)


def _valid(item) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str)
        and isinstance(item.get("article_id"), str)
        and isinstance(item.get("text"), str)
        and 0 < len(item["text"]) <= 20000
    )


def _store(items: list[dict]) -> list[dict]:
    scores = model.predict_proba([i["text"] for i in items])[:, 1]
    now = datetime.now(UTC)
    rows = [
        {
            "external_id": i["id"],
            "article_id": i["article_id"],
            "text": i["text"],
            "abusive": round(float(s), 4),
            "received_at": now,
        }
        for i, s in zip(items, scores)
    ]
    with engine.begin() as connection:
        connection.execute(insert(comments), rows)
    return [{"id": r["external_id"], "abusive": r["abusive"]} for r in rows]


@app.post("/api/v1/comments")
def post_comment():
    item = request.get_json(silent=True)
    if not _valid(item):
        return jsonify(error="bad_request"), 400
    return jsonify(_store([item])[0]), 201


@app.post("/api/v1/comments/batch")
def post_batch():
    items = (request.get_json(silent=True) or {}).get("comments")
    if not isinstance(items, list) or not items or not all(_valid(i) for i in items):
        return jsonify(error="bad_request"), 400
    return jsonify(results=_store(items))


@app.post("/v1alpha1/comments:analyze")
def analyze():
    text = ((request.get_json(silent=True) or {}).get("comment") or {}).get("text")
    if not isinstance(text, str) or not text:
        return jsonify(error="bad_request"), 400
    score = float(model.predict_proba([text])[0, 1])
    return jsonify(attributeScores={"TOXICITY": {"summaryScore": {"value": score}}})


@app.get("/health")
def health():
    return jsonify(status="ok")
