"""Rate limits hold across workers when their counts live in Redis."""

import json
import os
import socket
import subprocess
import sys
import uuid

import pytest

from moderation.config import PROJECT_ROOT
from tests.conftest import _make_app

REDIS = ("127.0.0.1", 6379)
# Another process (as another gunicorn worker is) spends part of the limit.
OTHER_WORKER = """
import json, sys
from tests.conftest import _make_app
settings = json.loads(sys.argv[1])
app = _make_app(settings.pop("database_url"), settings.pop("model_dir"), **settings)
auth = {"Authorization": "Bearer " + sys.argv[2]}
print([app.test_client().get("/api/v1/policy", headers=auth).status_code for _ in range(3)])
"""


def redis_is_running() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_two_workers_share_one_limit_through_redis(database_url, model_dir, _migrated, site_key):
    """A site allowed 4 requests a minute gets 4 in all, not 4 from each worker."""
    settings = {
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}",
        # A fresh namespace, so no earlier run's counts apply.
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4()}",
        "MODERATION_API_RATE_LIMIT": "4 per minute",
    }
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            OTHER_WORKER,
            json.dumps({**settings, "database_url": database_url, "model_dir": str(model_dir)}),
            site_key,
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip().splitlines()[-1] == "[200, 200, 200]"
    client = _make_app(database_url, model_dir, **settings).test_client()
    auth = {"Authorization": f"Bearer {site_key}"}
    codes = [client.get("/api/v1/policy", headers=auth).status_code for _ in range(3)]
    assert codes == [200, 429, 429]
    assert int(client.get("/api/v1/policy", headers=auth).headers["Retry-After"]) > 0
