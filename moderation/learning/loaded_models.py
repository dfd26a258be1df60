"""The model versions this process has loaded, each loaded once.

Loading a version's pipelines takes far longer than scoring with them, so
each process keeps the scorers it has loaded; ``keep_only`` drops those of
versions no longer live (domain/live_model.py calls it when the live
version changes), so a worker does not hold every version it ever served.
A missing or broken model is not fatal: ``ModelUnavailable`` lets callers
store the comment as pending for a moderator instead of losing it.
"""

import threading
from collections.abc import Collection
from pathlib import Path

from moderation.learning import artifacts
from moderation.learning.scoring import Scorer


class ModelUnavailable(RuntimeError):
    """No usable model in the model directory."""


_scorers: dict[tuple[str, str], Scorer] = {}
_lock = threading.Lock()


def load_scorer(model_dir: str | Path, version: str | None = None, keep: bool = True) -> Scorer:
    """The scorer for ``version`` in ``model_dir``, loaded once per process.

    Without a version, the one ``CURRENT`` names: for offline tools; the
    service asks domain/live_model.py, which knows the live version.
    ``keep=False`` loads a version without caching it (a candidate the gate
    measures once), unless it is cached already."""
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
    if not keep:
        return _load(model_dir, version)
    with _lock:
        if key not in _scorers:
            _scorers[key] = _load(model_dir, version)
        return _scorers[key]


def _load(model_dir: Path, version: str) -> Scorer:
    # The version may come from the database, written on another machine:
    # only a version directory of this model directory is ever unpickled.
    if version not in artifacts.versions(model_dir):
        raise ModelUnavailable(
            f"model version {version!r} is not in {model_dir}: every machine's model "
            "directory must hold each version before it is promoted"
        )
    try:
        pipelines = artifacts.load_pipelines(model_dir, version)
        # Reading the fitted steps (relevance.py) fails too on an artifact
        # of another shape.
        return Scorer(
            version,
            pipelines["abuse"],
            pipelines["on_topic"],
            pipelines.get("second_stage"),
            pipelines.get("abuse_languages"),
            pipelines.get("abuse_stage"),
        )
    except Exception as exc:  # a corrupt or incompatible artifact, of any kind
        raise ModelUnavailable(f"model {version} in {model_dir} cannot be loaded: {exc}") from exc


def keep_only(model_dir: str | Path, versions: Collection[str]) -> None:
    """Drop every cached scorer but those of ``versions`` in ``model_dir``:
    a version no longer live is released (its memory too, once the requests
    still scoring with it finish)."""
    kept = {(str(Path(model_dir).resolve()), version) for version in versions}
    with _lock:
        for key in [key for key in _scorers if key not in kept]:
            del _scorers[key]


def loaded_versions(model_dir: str | Path) -> set[str]:
    """The versions of ``model_dir`` whose scorers this process holds."""
    root = str(Path(model_dir).resolve())
    return {version for directory, version in list(_scorers) if directory == root}


def forget_loaded_models() -> None:
    """Drop cached scorers, so the next call reads the model directory again."""
    with _lock:
        _scorers.clear()
