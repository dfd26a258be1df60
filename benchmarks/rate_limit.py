"""What the API's rate limit costs per request, by where its counts live.

Times 3,000 authenticated `GET /api/v1/policy` through the app in this
process (no HTTP), with the limit off, with counts in the process's memory
(the default: each worker counts alone) and in Redis (all workers share
the counts, `RATELIMIT_STORAGE_URI=redis://...`; skipped when none answers
on 127.0.0.1:6379). The difference from "off" is the limit's cost.

    .venv/bin/python benchmarks/rate_limit.py
"""

import os
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation import create_app  # noqa: E402
from moderation.domain.sites import create_site  # noqa: E402
from moderation.infrastructure.db import db, ensure_schema  # noqa: E402

REQUESTS = 3000


def per_request_ms(settings: dict, database: str) -> float:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "MODERATION_API_RATE_LIMIT": "100000000 per minute",
            "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4()}",
            **settings,
        }
    )
    with app.app_context():
        _, key = create_site(f"limit-{uuid.uuid4()}")
        db.session.commit()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    for _ in range(200):
        client.get("/api/v1/policy", headers=auth)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get("/api/v1/policy", headers=auth)
        best = min(best, (time.perf_counter() - started) / REQUESTS * 1000)
    return best


def main() -> None:
    database = f"sqlite:///{tempfile.mkdtemp()}/limits.sqlite"
    ensure_schema(create_app({"SQLALCHEMY_DATABASE_URI": database}))
    print(f"load average at start: {[round(x, 2) for x in os.getloadavg()]}")
    off = per_request_ms({"RATELIMIT_ENABLED": False}, database)
    print(f"{'limit':<24} {'ms per request':>15} {'cost of the limit':>18}")
    print(f"{'off':<24} {off:>15.3f} {'-':>18}")
    stores = {"memory:// (per worker)": "memory://"}
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        stores["redis:// (shared)"] = "redis://127.0.0.1:6379"
    except OSError:
        print("(no Redis on 127.0.0.1:6379: redis row skipped)")
    for name, uri in stores.items():
        ms = per_request_ms({"RATELIMIT_STORAGE_URI": uri}, database)
        print(f"{name:<24} {ms:>15.3f} {ms - off:>18.3f}")


if __name__ == "__main__":
    main()
