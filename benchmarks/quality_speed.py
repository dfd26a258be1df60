"""Quality and speed of the shipped model against alt-profanity-check (APC), side by side.

Both score the same comments: the rows of ../shared/datasets/abuse that the shipped model's
training split (seed from its manifest) kept out of training. Each model runs in a subprocess
of its own, the project's with this interpreter and APC's in benchmarks/.venv-apc (APC pins its
own scikit-learn), so that load time and memory belong to one model only. Comments go to the
workers in a temporary JSONL file, never into the repository.

    .venv/bin/python benchmarks/quality_speed.py
"""

import argparse
import importlib
import json
import os
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APC_VERSION = "1.9.1"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "datasets"
EXAMPLE = DATA.parent / "examples" / "seed-article-with-comments.txt"
APC_VENV = HERE / ".venv-apc"
RESULTS = HERE / "results" / "quality_speed.json"
FILES = ["c3", "fox-news", "olid-train", "hateval", "davidson"]
SETS = [  # news comments first: they are what the service scores
    ("news comments: C3 (Globe and Mail)", ["c3"]),
    ("news comments: Fox News", ["fox-news"]),
    ("news comments (all)", ["c3", "fox-news"]),
    ("tweets: OLID", ["olid-train"]),
    ("tweets: HatEval", ["hateval"]),
    ("tweets: Davidson *", ["davidson"]),
]
ABUSE_ONLY, KNOWN, EVERY = "abuse only", "both axes, article where known", "both axes, all"
CHUNK, RUNS, LATENCY_CALLS, WORKER_TIMEOUT = 5000, 3, 500, 240
PRELOAD = {"apc": ["joblib", "numpy", "sklearn"]}
PRELOAD["project"] = PRELOAD["apc"] + ["moderation.scoring"]


# --- worker side: runs in the model's own interpreter, so only the standard library here ---


def rss_mb() -> float:
    """Peak RSS of this process so far, in MB. Linux's ru_maxrss survives exec, so a worker
    would start at its parent's peak; VmHWM is this address space's own."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mb(paths) -> float:
    return round(sum(p.stat().st_size for p in paths) / 2**20, 2)


def load_project(model_dir: str):
    """The service's scorer; abuse-only is the same call with no articles. Returns
    (score, predict, info) like load_apc; the project's yes/no is its policy threshold."""
    from moderation.scoring import load_scorer

    scorer = load_scorer(model_dir)
    folder = Path(model_dir) / scorer.version
    info = {
        "version": scorer.version,
        "artifact_mb": mb(p for p in folder.rglob("*") if p.is_file()),
        "abuse_artifact_mb": mb([folder / "abuse.joblib"]),
    }
    return (lambda texts, articles: [s.abusive for s in scorer.score(texts, articles)]), None, info


def load_apc(model_dir: str):
    """APC loads its two joblib files on import; it scores one axis and ignores articles.
    Its predict() is its own yes/no, which the quality table uses for its F1."""
    from importlib.metadata import version

    import profanity_check

    files = list(Path(profanity_check.__file__).parent.rglob("*.joblib"))
    info = {"version": version("alt-profanity-check"), "artifact_mb": mb(files)}
    info["abuse_artifact_mb"] = info["artifact_mb"]
    score = lambda texts, articles: list(profanity_check.predict_prob(texts))  # noqa: E731
    return score, profanity_check.predict, info


def score_chunks(score, texts, articles) -> list[float]:
    """Chunks of CHUNK bound memory the same way for both models."""
    out = []
    for i in range(0, len(texts), CHUNK):
        out += score(texts[i : i + CHUNK], articles[i : i + CHUNK])
    return [float(x) for x in out]


def seconds(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def latency_ms(score, texts, articles) -> dict:
    """One comment per call, as the API scores a POST; a warm-up call first."""
    score(texts[:1], articles[:1])
    times = sorted(1000 * seconds(score, [t], [a]) for t, a in zip(texts, articles))
    return {"median": statistics.median(times), "p99": times[int(0.99 * (len(times) - 1))]}


def scenarios(kind: str, items: list[dict], example: str) -> dict:
    """Which article each comment is scored with: none (the abuse axis alone, APC's only
    axis), its own where known, or its own else the example, so both axes always run."""
    runs = {ABUSE_ONLY: [None] * len(items)}
    if kind == "project":
        runs[KNOWN] = [item["article"] for item in items]
        runs[EVERY] = [item["article"] or example for item in items]
    return runs


def worker(args) -> None:
    """Load one model, score every comment for quality, then time it on the first --limit."""
    sys.path.insert(0, str(ROOT))
    for module in PRELOAD[args.worker]:  # what each model needs, so the baseline holds it
        importlib.import_module(module)
    with open(args.items) as lines:  # line by line: a whole-file read would raise the baseline
        items = [json.loads(line) for line in lines]
    example = Path(args.items).with_name("example_article.txt").read_text()
    baseline, started = rss_mb(), time.perf_counter()
    score, predict, info = (load_project if args.worker == "project" else load_apc)(args.model_dir)
    result = {**info, "load_seconds": time.perf_counter() - started}
    result["memory_loaded_mb"] = rss_mb() - baseline
    texts = [item["text"] for item in items]
    result["scores"] = score_chunks(score, texts, [None] * len(texts))
    result["predicted"] = [int(x) for x in predict(texts)] if predict else None
    texts, runs = texts[: args.limit], scenarios(args.worker, items[: args.limit], example)
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(RUNS):  # interleaved, so a busy moment on the machine hits every scenario
        for name, articles in runs.items():
            best[name] = min(best[name], seconds(score_chunks, score, texts, articles))
    result["throughput"] = {name: len(texts) / best[name] for name in runs}
    step = max(1, len(texts) // LATENCY_CALLS)
    pick = lambda values: values[::step][:LATENCY_CALLS]  # noqa: E731
    one_each = {name: runs[name] for name in (ABUSE_ONLY, EVERY) if name in runs}
    result["latency_ms"] = {n: latency_ms(score, pick(texts), pick(a)) for n, a in one_each.items()}
    result["memory_peak_mb"] = rss_mb() - baseline
    Path(args.out).write_text(json.dumps(result))


# --- driver side: the project's interpreter ---


def held_out(manifest: dict) -> dict:
    """Each file's validation rows, split exactly as the shipped model's training split them."""
    from moderation.datasets import read_comments
    from moderation.training import group_of, in_validation

    seed, share = manifest["seed"], manifest.get("validation_share", 0.2)
    keep = lambda c: c.abusive is not None and in_validation(group_of(c), seed, share)  # noqa: E731
    return {n: list(filter(keep, read_comments(DATA / "abuse" / f"{n}.jsonl"))) for n in FILES}


def check_split(sets: dict, manifest: dict) -> None:
    """Warn when the rows differ from the manifest's: then they are not the model's held-out."""
    expected = manifest.get("metrics", {}).get("abuse", {}).get("validation", {})
    for name, rows in sets.items():
        want = expected.get(rows[0].source if rows else name, {}).get("rows")
        if want not in (None, len(rows)):
            print(f"WARNING: {name}: {len(rows)} held-out rows, manifest: {want}", file=sys.stderr)


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


def run_worker(python, kind: str, tmp: Path, model_dir: Path, limit: int) -> dict:
    """One model in a fresh process; its results come back as JSON."""
    out = tmp / f"{kind}.json"
    command = [python, Path(__file__).resolve(), "--worker", kind, "--items", tmp / "items.jsonl"]
    command += ["--out", out, "--model-dir", model_dir, "--limit", limit]
    if subprocess.run([str(part) for part in command], timeout=WORKER_TIMEOUT).returncode:
        sys.exit(f"The {kind} worker failed: its error is above.")
    return json.loads(out.read_text())


def quality(labels, scores, predicted) -> dict:
    """Ranking (AUC, AP) needs both classes; macro-F1 weighs the rare abusive class fully."""
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    both = len(set(labels)) == 2
    return {
        "roc_auc": roc_auc_score(labels, scores) if both else None,
        "average_precision": average_precision_score(labels, scores) if both else None,
        "macro_f1": f1_score(labels, predicted, average="macro", zero_division=0),
    }


def quality_rows(rows, project, apc, threshold) -> list[dict]:
    """Per set; the project at its policy hold threshold, APC at its own predict()."""
    table = []
    for label, files in SETS:
        idx = [i for i, (name, _) in enumerate(rows) if name in files]
        y = [rows[i][1].abusive for i in idx]
        ours, theirs = [project["scores"][i] for i in idx], [apc["scores"][i] for i in idx]
        ours = quality(y, ours, [int(s >= threshold) for s in ours])
        theirs = quality(y, theirs, [apc["predicted"][i] for i in idx])
        table.append({"set": label, "rows": len(y), "positives": sum(y)})
        table[-1].update(project=ours, apc=theirs)
    return table


def speed_rows(project: dict, apc: dict) -> list[tuple[str, object, object]]:
    """Metric, project, APC; APC scores one axis, so the both-axes rows are not its to fill."""

    def row(title, *keys):
        values = []
        for result in (project, apc):
            for key in keys:
                result = result.get(key, "n/a (1 axis)") if isinstance(result, dict) else result
            values.append(result)
        return (title, *values)

    rows = [row("model load (s)", "load_seconds")]
    rows += [
        row(f"throughput, {n} (comments/s)", "throughput", n) for n in (ABUSE_ONLY, KNOWN, EVERY)
    ]
    for name in (ABUSE_ONLY, EVERY):
        rows += [row(f"latency {s}, {name} (ms)", "latency_ms", name, s) for s in ("median", "p99")]
    return rows + [
        row("memory after load (MB)", "memory_loaded_mb"),
        row("peak memory while scoring (MB)", "memory_peak_mb"),
        row("artifact on disk (MB)", "artifact_mb"),
        row("artifact on disk, abuse model only (MB)", "abuse_artifact_mb"),
    ]


def fmt(value) -> str:
    """Three decimals for metrics, fewer as numbers grow, so columns stay narrow."""
    if value is None or isinstance(value, str):
        return value or "-"
    digits = 3 if abs(value) < 1 else 2 if abs(value) < 100 else 0
    return f"{value:,.{digits}f}"


def print_tables(quality_table, speed) -> None:
    keys = ("roc_auc", "average_precision", "macro_f1")
    head = " ".join(f"{h:>5}" for h in ("AUC", "AP", "F1"))
    print(f"\n{'set':36} {'rows':>6} {'pos':>6} | project {head} | APC {head}")
    for row in quality_table:
        ours, theirs = (" ".join(f"{fmt(row[m][k]):>5}" for k in keys) for m in ("project", "apc"))
        counts = f"{row['rows']:>6,} {row['positives']:>6,}"
        print(f"{row['set']:36} {counts} | {ours:>25} | {theirs:>21}")
    print(f"\n{'metric':52} {'project':>14} {'APC':>14}")
    for title, ours, theirs in speed:
        print(f"{title:52} {fmt(ours):>14} {fmt(theirs):>14}")


def write_items(tmp: Path, rows, articles) -> str:
    """The comments for the workers, each with its article's text when the article is known,
    and the example article that the 'all' speed runs give to every other comment: a real
    news article, body and all, as a site would send it."""
    with open(tmp / "items.jsonl", "w") as items:
        for _, c in rows:
            article = articles.get(c.article_id, {}).get("text")
            items.write(json.dumps({"text": c.text, "article": article}) + "\n")
    example = EXAMPLE.read_text().split("COMMENTS (")[0].strip() if EXAMPLE.is_file() else None
    example = example or next(iter(articles.values()))["text"]
    (tmp / "example_article.txt").write_text(example)
    return example


def current_model():
    """The model the service would load: its folder, version and manifest."""
    from moderation import artifacts

    model_dir = Path(os.environ.get("MODERATION_MODEL_DIR", ROOT / "models")).resolve()
    version = artifacts.current_version(model_dir)
    if version is None:
        sys.exit(f"No model in {model_dir} (no CURRENT file).")
    return model_dir, version, artifacts.read_manifest(model_dir, version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20000, help="comments timed (default 20000)")
    for name in ("--worker", "--items", "--out", "--model-dir"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if not DATA.is_dir():
        sys.exit(f"{DATA} is missing: this benchmark needs the shared labelled datasets.")
    sys.path.insert(0, str(ROOT))
    from moderation.datasets import read_articles

    model_dir, version, manifest = current_model()
    threshold = manifest.get("policy_thresholds", {}).get("hold_abusive", 0.5)
    command = shlex.join([sys.executable, *sys.argv])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())  # other work on the machine slows both
    print(f"command: {command}\nmodel: {model_dir / version} (seed {manifest['seed']})")
    print(f"load average at start: {load} on {os.cpu_count()} CPUs", flush=True)
    sets = held_out(manifest)
    check_split(sets, manifest)
    articles = read_articles(DATA / "ontopic" / "articles.jsonl")
    rows = [(name, c) for name in FILES for c in sets[name]]
    random.Random(0).shuffle(rows)  # so a --limit below the total still mixes every set
    with tempfile.TemporaryDirectory() as tmp:
        example = write_items(Path(tmp), rows, articles)
        apc = run_worker(apc_python(), "apc", Path(tmp), model_dir, args.limit)
        project = run_worker(sys.executable, "project", Path(tmp), model_dir, args.limit)
    timed = min(args.limit, len(rows))
    with_article = sum(c.article_id in articles for _, c in rows[:timed])
    print(f"APC: alt-profanity-check {apc['version']}")
    quality_table, speed = quality_rows(rows, project, apc, threshold), speed_rows(project, apc)
    print_tables(quality_table, speed)
    notes = [
        f"Project F1 at its policy hold threshold (abusive >= {threshold}); APC F1 from predict().",
        "* APC was trained on all of Davidson et al. (its README): not held out for APC.",
        f"Speed: {timed:,} held-out comments, {with_article:,} with a known article; 'all' gives"
        f" the rest the example article ({len(example):,} chars). Best of {RUNS} runs in chunks"
        f" of {CHUNK:,}; latency over {LATENCY_CALLS} single calls; memory is peak RSS above the"
        " post-import baseline.",
    ]
    print("\n" + "\n".join(notes))
    RESULTS.parent.mkdir(exist_ok=True)
    results = {"command": command, "model_version": version, "apc_version": apc["version"]}
    results.update(cpus=os.cpu_count(), load_average_at_start=load, hold_threshold=threshold)
    results.update(quality=quality_table, notes=notes)
    results["speed"] = [{"metric": t, "project": p, "apc": a} for t, p, a in speed]
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
