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

import sklearn

from . import artifacts
from .explain import abuse_spans as explain_abuse
from .explain import on_topic_spans as explain_on_topic


class ModelUnavailable(RuntimeError):
    """No usable model in the model directory."""


@dataclass(frozen=True)
class Scores:
    abusive: float
    on_topic: float | None
    # {"abusive": [Span, ...], "on_topic": [Span, ...]} when asked for.
    explanations: dict | None = None


class Scorer:
    def __init__(self, version: str, abuse, on_topic):
        self.version = version
        self.abuse = abuse
        self.on_topic = on_topic

    def score(
        self,
        texts: Sequence[str],
        articles: Sequence[str | None],
        threads: Sequence[str | None] | None = None,
        explain: bool = False,
    ) -> list[Scores]:
        """Score many comments at once.

        ``articles[i]`` is the text of the article of ``texts[i]`` (None when
        unknown); ``threads[i]`` the text of its parent and earlier comments.
        """
        if not texts:
            return []
        # The pipelines' inputs come from their own fitted steps: skipping
        # scikit-learn's re-validation of each step cuts a third of the time
        # of scoring one comment.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self._score(list(texts), articles, threads, explain)

    def _score(self, texts, articles, threads, explain) -> list[Scores]:
        features = self.abuse[:-1].transform(texts)
        abusive = self.abuse[-1].predict_proba(features)[:, 1]
        abuse_why = explain_abuse(self.abuse, texts, features) if explain else None

        on_topic: list[float | None] = [None] * len(texts)
        on_topic_why: list[list] = [[] for _ in texts]
        known = [i for i, article in enumerate(articles) if article]
        if known:
            items = [(texts[i], articles[i], threads[i] if threads else None) for i in known]
            probabilities = self.on_topic.predict_proba(items)[:, 1]
            spans = explain_on_topic(self.on_topic, items) if explain else [[]] * len(items)
            for i, probability, why in zip(known, probabilities, spans):
                on_topic[i], on_topic_why[i] = round(float(probability), 4), why
        return [
            Scores(
                round(float(abusive[i]), 4),
                on_topic[i],
                _explanations(abuse_why[i], on_topic_why[i]) if explain else None,
            )
            for i in range(len(texts))
        ]


def _explanations(abuse_spans, on_topic_spans) -> dict:
    return {
        "abusive": [span.to_json() for span in abuse_spans],
        "on_topic": [span.to_json() for span in on_topic_spans],
    }


_scorers: dict[tuple[str, str], Scorer] = {}
_lock = threading.Lock()


def load_scorer(model_dir: str | Path, version: str | None = None) -> Scorer:
    """The scorer for ``version`` (default: the current one) in ``model_dir``,
    loaded once per process."""
    model_dir = Path(model_dir)
    version = version or artifacts.current_version(model_dir)
    if version is None:
        raise ModelUnavailable(
            f"no trained model in {model_dir} (no CURRENT file naming one of its versions)"
        )
    key = (str(model_dir.resolve()), version)
    scorer = _scorers.get(key)
    if scorer is not None:
        return scorer
    with _lock:
        if key not in _scorers:
            _scorers[key] = _load(model_dir, version)
        return _scorers[key]


def _load(model_dir: Path, version: str) -> Scorer:
    try:
        pipelines = artifacts.load_pipelines(model_dir, version)
    except Exception as exc:  # a corrupt or incompatible artifact, of any kind
        raise ModelUnavailable(f"model {version} in {model_dir} cannot be loaded: {exc}") from exc
    return Scorer(version, pipelines["abuse"], pipelines["on_topic"])


def forget_loaded_models() -> None:
    """Drop cached scorers, so the next call reads the model directory again."""
    with _lock:
        _scorers.clear()
