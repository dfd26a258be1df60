"""The service over HTTP: gunicorn with 2 workers, on SQLite and PostgreSQL.

For each database, starts `gunicorn -c gunicorn.conf.py app:app` on
127.0.0.1, creates a site and the example article, then posts unique
comments for a few seconds at 1, 8 and 32 concurrent clients (keep-alive
connections from a thread pool in this process), then batches of 500 from
one client. Prints throughput, latency percentiles and each worker's memory,
writes benchmarks/results/service.json and, when matplotlib is installed,
benchmarks/results/service.png.

    .venv/bin/python benchmarks/service.py [--seconds 5]

The load generator shares the 2 cores with the server, so the figures are
a floor for what the service does with a client on another machine.
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ARTICLE = {
    "id": "moscow-accord",
    "title": "Counter-terrorism: Moscow eyes accord on intelligence-sharing",
    "body": "Pakistan and Russia are close to signing an accord of mutual cooperation to counter "
    "terrorism. Moscow fears that with the US and Nato pullout from Afghanistan, militants may "
    "destabilise Central Asian States.",
}
TEXT = "We are not going to make deals with any more countries now. Drone attacks, CIA agents!"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    def __init__(self, database_url: str):
        self.port = free_port()
        self.env = {
            **os.environ,
            "MODERATION_DATABASE_URL": database_url,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "MODERATION_API_RATE_LIMIT": "100000000 per minute",
        }
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            cwd=ROOT,
            env={**self.env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(120):
            try:
                if self.request("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
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
        self.key = created.stdout.strip().splitlines()[-1]
        self.request("POST", "/api/v1/articles", ARTICLE)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)

    def request(self, method, path, body=None, connection=None):
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if getattr(self, "key", None):
            headers["Authorization"] = f"Bearer {self.key}"
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        response.read()
        if own:
            connection.close()
        return response.status, response

    def worker_memory_mb(self) -> list[float]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes


def load(service: Service, clients: int, seconds: float, batch: int = 0) -> dict:
    """Post for ``seconds`` from ``clients`` threads; comments or batches."""
    latencies, errors, stop = [], [], time.monotonic() + seconds
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < stop:
            if batch:
                comments = [
                    {"id": str(uuid.uuid4()), "article_id": ARTICLE["id"], "text": TEXT}
                    for _ in range(batch)
                ]
                path, body = "/api/v1/comments/batch", {"comments": comments}
            else:
                path = "/api/v1/comments"
                body = {"id": str(uuid.uuid4()), "article_id": ARTICLE["id"], "text": TEXT}
            started = time.perf_counter()
            status, _ = service.request("POST", path, body, connection)
            mine.append(time.perf_counter() - started)
            failed += status not in (200, 201)
        with lock:
            latencies.extend(mine)
            errors.append(failed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    per_request = batch or 1
    return {
        "clients": clients,
        "batch": batch,
        "comments_per_second": round(len(latencies) * per_request / elapsed),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": sum(errors),
    }


def postgres_url() -> str | None:
    name = f"moderation_bench_{os.getpid()}"
    made = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {name}"],
        capture_output=True,
    )
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}" if made.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    seconds = parser.parse_args().seconds
    print(f"command: {sys.executable} benchmarks/service.py --seconds {seconds}")
    databases = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"}
    if url := postgres_url():
        databases["postgresql"] = url
    results = []
    print(
        f"{'database':<11} {'clients':>7} {'batch':>5} {'comments/s':>11}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    for name, url in databases.items():
        with Service(url) as service:
            for clients, batch in ((1, 0), (8, 0), (32, 0), (1, 500)):
                row = {"database": name, **load(service, clients, seconds, batch)}
                results.append(row)
                print(
                    f"{name:<11} {clients:>7} {batch or '-':>5} {row['comments_per_second']:>11,} "
                    f"{row['p50_ms']:>7} {row['p99_ms']:>7} {row['errors']:>6}",
                    flush=True,
                )
            memory = service.worker_memory_mb()
            print(f"{name:<11} memory per worker (MB): {memory}")
            results.append({"database": name, "worker_memory_mb": memory})
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "service.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results)


def plot(results) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no plot: matplotlib is not installed; pip install matplotlib for one)")
        return
    figure, axis = plt.subplots(figsize=(6, 4))
    for database in sorted({r["database"] for r in results}):
        rows = [r for r in results if r.get("database") == database and r.get("batch") == 0]
        axis.plot(
            [r["clients"] for r in rows],
            [r["comments_per_second"] for r in rows],
            "o-",
            label=database,
        )
    axis.set_xscale("log", base=2)
    axis.set_xlabel("concurrent clients")
    axis.set_ylabel("comments stored per second")
    axis.set_title("POST /api/v1/comments, gunicorn, 2 workers")
    axis.legend()
    figure.tight_layout()
    figure.savefig(RESULTS / "service.png", dpi=120)
    print(f"plot: {RESULTS / 'service.png'}")


if __name__ == "__main__":
    main()
