"""One retraining run, from data files to a gated, maybe promoted, version.

Shared by ``flask train`` and the admin page (which runs it in a background
thread): read the data, add the site's own labels, fit both models, save
the candidate, put it through the gate against the live model, and promote
it when it passes (or is forced).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from moderation.domain import labels, live_model
from moderation.domain.policy import Thresholds
from moderation.learning import artifacts, gate
from moderation.learning.abuse_stage import AbuseStage
from moderation.learning.datasets import describe_file, license_notes, read_articles, read_comments
from moderation.learning.encoder import SentenceEncoder
from moderation.learning.encoder_build import UPSTREAM_SHA256
from moderation.learning.loaded_models import load_scorer
from moderation.learning.training import TrainingError, train_models

# Messages ``run`` logs on its way: abuse data, abuse fitted, on-topic fitted,
# saved, gate (the progress bar's length).
STEPS = 5
VECTORS_MODEL = "sentence-transformers all-MiniLM-L6-v2 (Apache-2.0), per word, PCA"
ENCODER_MODEL = (
    "sentence-transformers all-MiniLM-L6-v2 (Apache-2.0), revision 1110a243, "
    f"model.safetensors sha256 {UPSTREAM_SHA256}, layers float16, "
    "word-piece table int8 with a scale per row"
)


@dataclass
class Request:
    data: list[str]
    articles: str | None
    seed: int = 0
    version: str | None = None
    word_vectors: str | None = None
    from_decisions: bool = False
    tolerance: float = gate.DEFAULT_TOLERANCE
    force: bool = False
    by: str = "unknown"
    # Train on one site's labels only (None: every site's).
    site_id: int | None = None
    # The on-topic second stage's sentence encoder (`vectors encoder`).
    encoder: str | None = None
    # The encoder's layers tuned for abuse (`vectors tune-abuse`).
    abuse_stage: str | None = None


@dataclass
class Outcome:
    version: str
    live: str | None
    promoted: bool
    note: str
    manifest: dict
    gate: dict | None = None
    log: list[str] = field(default_factory=list)


def run(model_dir: Path, request: Request, thresholds: Thresholds, log=print) -> Outcome:
    """Needs an app context: the site's labels come from the database, and
    a promotion is recorded there (the caller commits).
    Raises DatasetError or TrainingError when the data cannot train."""
    per_file = [(Path(p), read_comments(p)) for p in request.data]
    article_map = read_articles(request.articles) if request.articles else {}
    base = [c for _, rows in per_file for c in rows]
    # The site's labels are always part of the gate's test rows; they are
    # trained on only when asked.
    site_rows, site_articles = labels.for_training(request.site_id)
    article_map = {**article_map, **site_articles}
    comments = base + site_rows if request.from_decisions else base
    abuse_stage = _abuse_stage(request)
    pipelines, manifest = train_models(
        comments,
        article_map,
        request.seed,
        {"hold_abusive": thresholds.hold_abusive, "hold_on_topic": thresholds.hold_on_topic},
        log=log,
        word_vectors=request.word_vectors,
        encoder=SentenceEncoder.load(request.encoder) if request.encoder else None,
        abuse_stage=abuse_stage,
    )
    manifest.update(_provenance(per_file, request, article_map, comments))
    if request.from_decisions:
        manifest["site_labels"] = len(site_rows)
    version = request.version or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    model_dir.mkdir(parents=True, exist_ok=True)
    live = live_model.live_version()
    artifacts.save_version(model_dir, version, pipelines, manifest, activate=False)
    log(f"saved {version}")
    if live is None:
        live_model.promote(version, request.by, note="first model")
        return Outcome(version, live, True, "first model", manifest)
    log(f"gate: comparing {version} with the live {live}")
    report = gate.compare(
        live_model.live_scorer(),
        # Measured once: kept loaded only if promoted (as the live one).
        live_model.as_served(load_scorer(model_dir, version, keep=False)),
        base + site_rows,
        article_map,
        thresholds,
        request.seed,
        request.tolerance,
        current_app.config.get(
            "MODERATION_GATE_IDENTITY_TOLERANCE", gate.DEFAULT_IDENTITY_TOLERANCE
        ),
    )
    artifacts.add_to_manifest(model_dir, version, {"gate": report})
    failed = "; ".join(report["failed"])
    if report["passed"] or request.force:
        note = "passed the gate" if report["passed"] else f"forced past the gate ({failed})"
        live_model.promote(version, request.by, note=note)
        return Outcome(version, live, True, note, manifest, report)
    note = f"refused by the gate against {live}: {failed}; kept, not promoted"
    return Outcome(version, live, False, note, manifest, report)


def _abuse_stage(request: Request) -> AbuseStage | None:
    """The tuned layers ``request`` names, checked against its seed and
    encoder (a TrainingError, before hours of training, when they differ)."""
    if not request.abuse_stage:
        return None
    if not request.encoder:
        raise TrainingError("the abuse stage runs on the sentence encoder: pass --encoder too")
    stage = AbuseStage.load(request.abuse_stage)
    try:
        stage.check_tuned_for(request.seed, artifacts.file_sha256(Path(request.encoder)))
    except ValueError as exc:
        raise TrainingError(str(exc)) from None
    return stage


def _provenance(per_file, request, article_map, comments) -> dict:
    datasets = [describe_file(path, rows) for path, rows in per_file]
    if request.articles:
        datasets.append({**describe_file(Path(request.articles)), "articles": len(article_map)})
    facts = {
        "datasets": datasets,
        "licenses": sorted({c.license for c in comments if c.license}),
        "license_notes": license_notes(comments),
        "data_sha256": hashlib.sha256("".join(d["sha256"] for d in datasets).encode()).hexdigest(),
    }
    if request.word_vectors:
        facts["word_vectors"] = {
            **describe_file(Path(request.word_vectors)),
            "model": VECTORS_MODEL,
        }
    if request.encoder:
        facts["encoder"] = {**describe_file(Path(request.encoder)), "model": ENCODER_MODEL}
    if request.abuse_stage:
        facts["abuse_stage_layers"] = {
            **describe_file(Path(request.abuse_stage)),
            "model": "top layers of the encoder above and a logistic head, tuned for abuse "
            "by `vectors tune-abuse`",
        }
    return facts
