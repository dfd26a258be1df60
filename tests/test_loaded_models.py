"""Each model version is loaded once per process, and a missing or broken
one is ModelUnavailable (comments wait for moderators), never a crash."""

import shutil

import joblib
import pytest

from moderation.learning import loaded_models
from moderation.learning.artifacts import read_manifest, save_version


@pytest.fixture(autouse=True)
def fresh_cache():
    loaded_models.forget_loaded_models()
    yield
    loaded_models.forget_loaded_models()


def test_model_is_loaded_once_per_process(model_dir, monkeypatch):
    loads = []
    real_load = joblib.load
    monkeypatch.setattr(joblib, "load", lambda path: loads.append(path) or real_load(path))
    first = loaded_models.load_scorer(model_dir)
    second = loaded_models.load_scorer(model_dir)
    assert first is second
    assert len(loads) == 2, "one load per artifact, then none"


def test_missing_model_directory_is_unavailable(tmp_path):
    with pytest.raises(loaded_models.ModelUnavailable, match="no trained model"):
        loaded_models.load_scorer(tmp_path)


def test_corrupt_artifact_is_unavailable(model_dir, tmp_path):
    copy = tmp_path / "models"
    shutil.copytree(model_dir, copy)
    artifact = copy / "test-model" / read_manifest(copy, "test-model")["artifacts"]["abuse"]["file"]
    artifact.write_bytes(b"not a model")
    with pytest.raises(loaded_models.ModelUnavailable, match="checksum"):
        loaded_models.load_scorer(copy)


def test_artifact_of_another_shape_is_unavailable(model_dir, tmp_path):
    """An on-topic artifact scoring cannot read (here: the abuse pipeline in
    its place) holds comments for moderators instead of failing requests."""
    loaded = loaded_models.load_scorer(model_dir, "test-model", keep=False)
    pipelines = {"abuse": loaded.abuse, "on_topic": loaded.abuse}
    save_version(tmp_path, "odd", pipelines, read_manifest(model_dir, "test-model"))
    with pytest.raises(loaded_models.ModelUnavailable, match="cannot be loaded"):
        loaded_models.load_scorer(tmp_path, "odd", keep=False)
