"""The model directory: CURRENT can only name one of its own versions; a
version saved again in smaller forms scores alike."""

import shutil

import numpy as np
import pytest

from moderation.learning.artifacts import (
    current_version,
    file_sha256,
    load_pipelines,
    read_manifest,
    repack,
    save_version,
)
from moderation.learning.loaded_models import ModelUnavailable, forget_loaded_models, load_scorer
from moderation.learning.wordvectors import WordVectors
from tests.test_wordvectors import on_topic_model_with_vectors

ON_TOPIC_TEXTS = (
    "The council should vote against this budget.",
    "Kremlin talks in Moscow",
    "buy cheap watches now",
)


@pytest.mark.parametrize("pointer", ["../evil_model", "{outside}", "missing", "v1/..", "."])
def test_current_naming_anything_but_a_version_in_the_directory_loads_nothing(
    model_dir, tmp_path, pointer
):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(model_dir / "test-model", models / "v1")
    # A complete, loadable model, but outside the model directory.
    shutil.copytree(model_dir / "test-model", tmp_path / "evil_model")
    (models / "CURRENT").write_text(pointer.format(outside=tmp_path / "evil_model") + "\n")
    forget_loaded_models()
    assert current_version(models) is None
    with pytest.raises(ModelUnavailable, match="no CURRENT file naming one of its versions"):
        load_scorer(models)
    (models / "CURRENT").write_text("v1\n")
    assert load_scorer(models).version == "v1"


def test_repack_saves_a_copy_in_the_smaller_forms_that_scores_alike(
    model_dir, data_files, tmp_path
):
    # A version whose word vectors an earlier release stored as float16.
    pipelines = load_pipelines(model_dir, "test-model")
    on_topic = on_topic_model_with_vectors(tmp_path, data_files)
    features = on_topic.named_steps["features"]
    earlier = WordVectors.__new__(WordVectors)
    earlier.__setstate__(
        {
            "vocabulary": features.word_vectors_.vocabulary,
            "vectors": features.word_vectors_.matrix.astype(np.float16) * 0.99,
            "idf": features.word_vectors_.idf,
        }
    )
    features.word_vectors_ = earlier
    # And its topics at full float32 width.
    features.topics_ = features.topics_ * np.float32(1.0001)
    earlier.save(tmp_path / "trained-with.npz")
    trained_with = {"file": "vectors.npz", "sha256": file_sha256(tmp_path / "trained-with.npz")}
    models = tmp_path / "models"
    manifest = {"seed": 0, "held_out": {}, "word_vectors": trained_with}
    save_version(models, "old", {**pipelines, "on_topic": on_topic}, manifest)
    stored = load_pipelines(models, "old")["on_topic"].named_steps["features"]
    np.testing.assert_array_equal(stored.topics_, features.topics_)

    repack(models, "old", "new")

    assert current_version(models) == "old", "a repacked copy goes live only when promoted"
    manifest = read_manifest(models, "new")
    assert manifest["repacked_from"]["version"] == "old" and manifest["held_out"] == {}
    old, new = load_pipelines(models, "old"), load_pipelines(models, "new")
    compacted = new["on_topic"].named_steps["features"]
    assert compacted.word_vectors_.vectors.dtype == np.int8
    assert np.array_equal(
        compacted.topics_, compacted.topics_.astype(np.float16).astype(np.float32)
    )
    # The manifest names what `vectors export` now writes, and keeps the training file's hash.
    compacted.word_vectors_.save(tmp_path / "exported.npz")
    assert manifest["word_vectors"]["sha256"] == file_sha256(tmp_path / "exported.npz")
    assert manifest["word_vectors"]["trained_with_sha256"] == trained_with["sha256"]
    items = [(c, "The council will vote on the school budget", "") for c in ON_TOPIC_TEXTS]
    np.testing.assert_allclose(
        new["on_topic"].predict_proba(items), old["on_topic"].predict_proba(items), atol=2e-3
    )
