"""Scoring comments with the current model, loaded once per process.

Loading a pipeline takes far longer than scoring with it, so each process
keeps the scorer of each model directory it has used. A missing or broken
model is not fatal: ``ModelUnavailable`` lets callers store the comment as
pending for a moderator instead of losing it.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import artifacts


class ModelUnavailable(RuntimeError):
    """No usable model in the model directory."""


@dataclass(frozen=True)
class Scores:
    abusive: float
    on_topic: float | None


class Scorer:
    def __init__(self, version: str, abuse, on_topic):
        self.version = version
        self.abuse = abuse
        self.on_topic = on_topic

    def score(self, texts: Sequence[str], articles: Sequence[str | None]) -> list[Scores]:
        """Score many comments at once; ``articles[i]`` is the text of the
        article of ``texts[i]``, or None when it is unknown."""
        if not texts:
            return []
        abusive = self.abuse.predict_proba(list(texts))[:, 1]
        on_topic: list[float | None] = [None] * len(texts)
        known = [i for i, article in enumerate(articles) if article]
        if known:
            pairs = [(texts[i], articles[i]) for i in known]
            for i, probability in zip(known, self.on_topic.predict_proba(pairs)[:, 1]):
                on_topic[i] = round(float(probability), 4)
        return [Scores(round(float(a), 4), t) for a, t in zip(abusive, on_topic)]


_scorers: dict[str, Scorer] = {}
_lock = threading.Lock()


def load_scorer(model_dir: str | Path) -> Scorer:
    """The scorer for the current version in ``model_dir``, loaded once."""
    key = str(Path(model_dir).resolve())
    scorer = _scorers.get(key)
    if scorer is not None:
        return scorer
    with _lock:
        if key not in _scorers:
            _scorers[key] = _load(Path(model_dir))
        return _scorers[key]


def _load(model_dir: Path) -> Scorer:
    version = artifacts.current_version(model_dir)
    if version is None:
        raise ModelUnavailable(f"no trained model in {model_dir} (no CURRENT file)")
    try:
        pipelines = artifacts.load_pipelines(model_dir, version)
    except Exception as exc:  # a corrupt or incompatible artifact, of any kind
        raise ModelUnavailable(f"model {version} in {model_dir} cannot be loaded: {exc}") from exc
    return Scorer(version, pipelines["abuse"], pipelines["on_topic"])


def forget_loaded_models() -> None:
    """Drop cached scorers, so the next call reads the model directory again."""
    with _lock:
        _scorers.clear()
