"""Serving with gunicorn: `gunicorn -c gunicorn.conf.py app:app`.

The app, its migrations and the current model are loaded once in the
master before it forks, so every worker starts with the model in memory
(shared copy-on-write) and the schema up to date. Settings come from the
environment, like the service's own.
"""

import gc
import os

# One BLAS thread per worker, set before numpy loads: the workers already
# use every core, and BLAS threads contending for them with another busy
# process made the sentence encoder 16x slower (a 35-token comment: 520 ms
# median with OpenBLAS's 2 threads, 32 ms with one, on this 2-core machine).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads (gthread workers) let one request wait for its commit to reach
# the disk while another is scored: commits are durable, so each waits an
# fsync; PostgreSQL then writes the waiting commits together. Scoring holds
# the GIL, so more threads than this buy nothing on 2 cores.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
preload_app = True
timeout = 30
graceful_timeout = 20
# A worker is replaced after this many requests, so a slow leak cannot grow.
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
# No query strings in the access log: Perspective clients put the API key there.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def when_ready(server):
    """In the master, after the app is loaded and before any worker starts."""
    from app import app
    from moderation.domain.live_model import live_scorer
    from moderation.infrastructure.db import db, ensure_schema
    from moderation.learning.loaded_models import ModelUnavailable

    ensure_schema(app)
    with app.app_context():
        try:
            # The live version as the database says (models/CURRENT before
            # the first promotion); workers re-check it as they serve.
            version = live_scorer().version
            server.log.info("model %s loaded before forking", version)
        except ModelUnavailable as exc:
            server.log.warning("starting degraded, comments will be held: %s", exc)
    from moderation.learning.languages import warm

    warm()  # Perspective's language detection, shared by the workers like the model
    with app.app_context():
        # Connections must not be shared across the fork: each worker opens its own
        # (the database's, and the job queue's when it is a SQLite file).
        db.engine.dispose()
        app.extensions["jobs"].queue.storage.close()
    # What the master loaded (the model above all) goes to the collector's
    # permanent generation: collections in the workers then leave those
    # objects' pages alone, and they stay shared instead of being copied.
    gc.freeze()
