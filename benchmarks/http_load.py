"""Starting a gunicorn app for a benchmark, and loading it from threads.

Used by ``service.py``. Each client thread keeps one connection open and
posts as fast as answers come back; latency is measured around each request.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Talk's client gives up after this long.
SLOW_MS = 800


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn process on a free port, stopped on exit."""

    def __init__(self, name: str, gunicorn_args: list[str], env: dict):
        self.name = name
        self.port = free_port()
        self.env = {**os.environ, **env, "PORT": str(self.port), "WEB_CONCURRENCY": "2"}
        self.args = [sys.executable, "-m", "gunicorn", *gunicorn_args]
        self.key = None
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [*self.args, "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                if self.request("GET", "/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer /health in 180 s")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)

    def create_site(self) -> str:
        created = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "app",
                "sites",
                "create",
                f"bench-{uuid.uuid4()}",
            ],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return created.stdout.strip().splitlines()[-1]

    def post(self, path: str, body) -> int:
        return self.request("POST", path, body)[0]

    def request(self, method, path, body=None, connection=None):
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        connection.request(method, path, data, headers)
        response = connection.getresponse()
        payload = response.read()
        if own:
            connection.close()
        return response.status, payload

    def worker_memory_mb(self, field: str = "Rss") -> list[float]:
        """Each worker's resident memory (``Rss``), or its proportional share
        (``Pss``: pages shared with the master and the other workers, such
        as the model loaded before forking, counted once across them)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes


def run_load(server: Server, clients: int, seconds: float, make_body, per_request: int) -> dict:
    """Post for ``seconds`` from ``clients`` threads; ``make_body()`` gives
    (path, body) for each request. Requests under way at the end finish
    and count."""
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    # Each answer other than 200/201 by status (0: no answer), with the
    # first body of each: an error row says what the errors were.
    statuses: dict[int, int] = {}
    examples: dict[int, str] = {}
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        mine, failed = [], []
        while time.monotonic() < stop:
            path, body = make_body()
            data = json.dumps(body).encode()
            started = time.perf_counter()
            try:
                status, payload = server.request("POST", path, data, connection)
            except OSError as exc:
                status, payload = 0, str(exc).encode()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            mine.append(time.perf_counter() - started)
            if status not in (200, 201):
                failed.append((status, payload))
        with lock:
            latencies.extend(mine)
            errors[0] += len(failed)
            for status, payload in failed:
                statuses[status] = statuses.get(status, 0) + 1
                examples.setdefault(status, payload[:300].decode("utf-8", "replace"))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    n = len(latencies)

    def ms(value):
        return round(value * 1000, 1)

    # A p99 of fewer than 100 samples is just one of the largest: say max.
    tail_name = "p99" if n >= 100 else "max"
    tail = latencies[min(n - 1, int(0.99 * n))] if n >= 100 else latencies[-1]
    return {
        "clients": clients,
        "n": n,
        "seconds": round(elapsed, 2),
        "comments_per_second": round(n * per_request / elapsed),
        "p50_ms": ms(latencies[n // 2]),
        "tail": tail_name,
        "tail_ms": ms(tail),
        "max_ms": ms(latencies[-1]),
        "over_ms": sum(latency * 1000 > SLOW_MS for latency in latencies),
        "errors": errors[0],
        "error_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "error_examples": {str(k): v for k, v in sorted(examples.items())},
    }
