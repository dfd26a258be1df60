"""Quality and speed of the shipped model against alt-profanity-check (APC), side by side.

1. Whole process on 100,000 comments: `flask --app app score` (both axes, each comment with
   its real article and thread where it has one, explaining those the policy holds or
   rejects) against APC's process reading the same file and calling predict_prob: wall time
   from start to exit, start-up included.
2. One comment in process: median and p99 over >= 1,000 calls (the maximum below 100).
3. Quality on the held-out rows of every abuse source (official test splits where a source
   has one, else the shipped model's seeded split): ROC-AUC, AP, and precision/recall at the
   policy's hold threshold (ours) or at APC's own predict().

Each model runs in processes of its own: ours with this interpreter, APC's in
benchmarks/.venv-apc (created on first run; APC pins its own scikit-learn). Every result
is stored with n, the command, the commit, the load average before and after, and the core
count in benchmarks/results/quality_speed.json. Comments go to a temporary folder only.

    nice -n 10 .venv/bin/python benchmarks/quality_speed.py [--comments 100000] [--calls 1000]
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import provenance
import quality_speed_work as work

APC_VERSION = "1.9.1"
APC_VENV = work.HERE / ".venv-apc"
RESULTS = work.HERE / "results" / "quality_speed.json"
NEWS = ["c3", "fox-news", "civil-spans", "impermium-insults", "unhealthy", "ruddit"]
SETS = [(name, [name]) for name in NEWS] + [("news comments (all)", NEWS)]
SETS += [("tweets: OLID", ["olid-train"]), ("tweets: HatEval", ["hateval"])]
SETS += [("tweets: Davidson *", ["davidson"])]
WORKER_TIMEOUT = 3600


def apc_python() -> Path:
    """APC's interpreter, created with the pinned APC on first run (or when the pin moves)."""
    python = APC_VENV / "bin" / "python"
    ask = "import importlib.metadata as m; print(m.version('alt-profanity-check'))"
    if python.exists():
        found = subprocess.run([str(python), "-c", ask], capture_output=True, text=True)
        if found.stdout.strip() == APC_VERSION:
            return python
    print(f"Creating {APC_VENV} with alt-profanity-check=={APC_VERSION} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(APC_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", f"alt-profanity-check=={APC_VERSION}"]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=900)
    if done.returncode:
        sys.exit(f"Installing alt-profanity-check failed:\n{done.stdout}{done.stderr}")
    return python


def whole_process(command: list, n: int, **kwargs) -> dict:
    """Wall time of a whole process, start-up to exit, and comments per second."""

    def run():
        started = time.perf_counter()
        done = subprocess.run([str(p) for p in command], timeout=WORKER_TIMEOUT, **kwargs)
        if done.returncode:
            sys.exit(f"{shlex.join(map(str, command))} failed (its error is above).")
        return time.perf_counter() - started

    result = work.measured(n, run)
    result["comments_per_s"] = n / result["value"]
    result["process"] = shlex.join(map(str, command))
    return result


def whole_processes(tmp: Path, rows: list, model_dir: Path, thresholds: dict, apc) -> tuple:
    """`flask score` (with the benchmark's thresholds, and a database of its own that it never
    writes to) and APC's process, each on the comments of tmp/comments.jsonl."""
    n, with_article = len(rows), sum(bool(row["article_id"]) for row in rows)
    print(f"{n:,} comments, {with_article:,} with their article", flush=True)
    env = {**os.environ, "MODERATION_MODEL_DIR": str(model_dir)}
    env["MODERATION_DATABASE_URL"] = f"sqlite:///{tmp / 'unused.sqlite'}"
    env["MODERATION_HOLD_ABUSIVE"] = str(thresholds["hold_abusive"])
    env["MODERATION_REJECT_ABUSIVE"] = str(thresholds["reject_abusive"])
    env["MODERATION_HOLD_ON_TOPIC"] = str(thresholds["hold_on_topic"])
    flask = [sys.executable, "-m", "flask", "--app", "app", "score"]
    flask += ["--input", tmp / "comments.jsonl", "--articles", tmp / "articles.jsonl"]
    ours = whole_process(flask + ["--output", tmp / "ours.jsonl"], n, cwd=work.ROOT, env=env)
    explained = sum("explanations" in row for row in work.records(tmp / "ours.jsonl"))
    ours.update(explained=explained, with_article=with_article)
    apc_command = [apc, "-c", work.APC_WHOLE_PROCESS, tmp / "comments.jsonl", tmp / "apc.txt"]
    return ours, whole_process(apc_command, n)


def run_worker(python, kind: str, tmp: Path, model_dir: Path, thresholds: dict, calls: int):
    out = tmp / f"{kind}.json"
    command = [
        python,
        work.HERE / "quality_speed_work.py",
        kind,
        "--quality",
        tmp / "quality.jsonl",
    ]
    command += ["--speed", tmp / "comments.jsonl", "--articles", tmp / "articles.jsonl"]
    command += ["--out", out, "--model-dir", model_dir, "--calls", calls]
    command += ["--thresholds", json.dumps(thresholds)]
    done = subprocess.run([str(part) for part in command], timeout=WORKER_TIMEOUT)
    if done.returncode:
        sys.exit(f"The {kind} worker failed: its error is above.")
    return json.loads(out.read_text())


def quality(labels, scores, predicted) -> dict:
    from sklearn.metrics import (
        average_precision_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    both = len(set(labels)) == 2
    return {
        "roc_auc": roc_auc_score(labels, scores) if both else None,
        "average_precision": average_precision_score(labels, scores) if both else None,
        "precision": precision_score(labels, predicted, zero_division=0),
        "recall": recall_score(labels, predicted, zero_division=0),
    }


def quality_rows(rows, project, apc, threshold) -> list[dict]:
    """Per set; ours at the policy's hold threshold, APC at its own predict()."""
    table = []
    for label, files in SETS:
        idx = [i for i, (name, _) in enumerate(rows) if name in files]
        y = [rows[i][1].abusive for i in idx]
        ours, theirs = [project["scores"][i] for i in idx], [apc["scores"][i] for i in idx]
        ours = quality(y, ours, [int(s >= threshold) for s in ours])
        theirs = quality(y, theirs, [apc["predicted"][i] for i in idx])
        table.append(
            {"set": label, "n": len(y), "positives": sum(y), "project": ours, "apc": theirs}
        )
    return table


def fmt(value) -> str:
    if value is None or isinstance(value, str):
        return value or "-"
    digits = 3 if abs(value) < 1 else 2 if abs(value) < 100 else 0
    return f"{value:,.{digits}f}"


def print_quality(table, threshold) -> None:
    keys = ("roc_auc", "average_precision", "precision", "recall")
    head = " ".join(f"{h:>5}" for h in ("AUC", "AP", "P", "R"))
    print(f"\n{'held-out set':24} {'n':>6} {'pos':>6} | ours {head} | APC {head}")
    for row in table:
        ours, theirs = (" ".join(f"{fmt(row[m][k]):>5}" for k in keys) for m in ("project", "apc"))
        print(f"{row['set']:24} {row['n']:>6,} {row['positives']:>6,} | {ours:>28} | {theirs:>27}")
    print(f"P/R: ours at the policy's hold threshold (abusive >= {threshold}), APC at predict().")
    print("* APC was trained on all of Davidson et al. (its README): not held out for APC.")


def print_speed(speed: dict) -> None:
    ours, apc = speed["whole_process"]["project"], speed["whole_process"]["apc"]
    print(f"\nWhole process, {ours['n']:,} comments (wall time, start-up included)")
    print(f"{'':44} {'seconds':>9} {'comments/s':>11}   load before -> after")
    for name, r in (
        ("ours: flask score, both axes + explanations", ours),
        ("APC: predict_prob", apc),
    ):
        load = f"{r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}"
        print(f"{name:44} {r['value']:>9.1f} {r['comments_per_s']:>11,.0f}   {load}")
    ratio = ours["comments_per_s"] / apc["comments_per_s"]
    print(f"ours / APC: {ratio:.2f}x (target >= 1)")
    print(f"\nOne comment in process, ms (target: median <= 1 ms){'':8}load before -> after")
    for who in ("project", "apc"):
        for name, r in speed["latency_ms"][who].items():
            tail = "p99" if "p99" in r else "max"
            load = f"{r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}"
            label = f"{'ours' if who == 'project' else 'APC'}, {name}"
            times = f"median {r['median']:7.3f}  {tail} {r[tail]:7.3f}"
            print(f"{label:32} {times}  n={r['n']:<5} {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000, help="whole-process comments")
    parser.add_argument("--calls", type=int, default=1000, help="single-comment calls timed")
    args = parser.parse_args()
    if not work.DATA.is_dir():
        sys.exit(f"{work.DATA} is missing: this benchmark needs the shared datasets.")
    sys.path.insert(0, str(work.ROOT))
    from moderation.config import from_environment
    from moderation.learning import artifacts

    model_dir = Path(os.environ.get("MODERATION_MODEL_DIR", work.ROOT / "models")).resolve()
    version = artifacts.current_version(model_dir)
    if version is None:
        sys.exit(f"No model in {model_dir} (no CURRENT file).")
    manifest = artifacts.read_manifest(model_dir, version)
    # The thresholds the service's default config uses (config.py: the shipped model's
    # recommendations, and the previous reject threshold where it recommends none).
    defaults = from_environment("instance")
    thresholds = {
        name: defaults[f"MODERATION_{name.upper()}"]
        for name in ("hold_abusive", "reject_abusive", "hold_on_topic")
    }
    context = {"command": provenance.command(), "commit": provenance.commit()}
    context.update(model=str(model_dir / version), cpus=os.cpu_count(), thresholds=thresholds)
    print("\n".join(f"{k}: {v}" for k, v in context.items()), flush=True)
    rows = work.held_out_rows(manifest["seed"])
    speed_rows, articles = work.speed_comments(args.comments)
    apc = apc_python()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        work.write_jsonl(tmp / "quality.jsonl", ({"text": c.text} for _, c in rows))
        work.write_jsonl(tmp / "comments.jsonl", speed_rows)
        work.write_jsonl(tmp / "articles.jsonl", ({"id": k, **v} for k, v in articles.items()))
        ours, theirs = whole_processes(tmp, speed_rows, model_dir, thresholds, apc)
        project_in = run_worker(sys.executable, "project", tmp, model_dir, thresholds, args.calls)
        apc_in = run_worker(apc, "apc", tmp, model_dir, thresholds, args.calls)
    speed = {
        "whole_process": {"project": ours, "apc": theirs},
        "latency_ms": {"project": project_in["latency_ms"], "apc": apc_in["latency_ms"]},
    }
    print(f"APC: alt-profanity-check {apc_in['version']}; ours: {project_in['version']}")
    print_speed(speed)
    explained, n = ours["explained"], ours["n"]
    print(f"(ours explained {explained:,} of {n:,} comments: those the policy holds or rejects)")
    table = quality_rows(rows, project_in, apc_in, thresholds["hold_abusive"])
    print_quality(table, thresholds["hold_abusive"])
    quality_context = project_in["quality_measured"]  # load while ours scored the rows
    RESULTS.parent.mkdir(exist_ok=True)
    results = {**context, "apc_version": apc_in["version"], "speed": speed}
    results["quality"] = [{**row, **context, **quality_context, "n": row["n"]} for row in table]
    for result in [
        ours,
        theirs,
        *speed["latency_ms"]["project"].values(),
        *speed["latency_ms"]["apc"].values(),
    ]:
        result.update({k: v for k, v in context.items() if k not in result})
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nload average now: {os.getloadavg()} on {os.cpu_count()} cores; results: {RESULTS}")


if __name__ == "__main__":
    main()
