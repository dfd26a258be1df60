"""``flask vectors``: the on-topic model's word vectors, and tuning the
encoder for abuse."""

import hashlib

import pytest

from moderation.config import PROJECT_ROOT
from moderation.learning.artifacts import current_version, read_manifest
from tests.encoders import tiny_encoder

SHIPPED = PROJECT_ROOT / "models"


def test_the_shipped_word_vectors_export_to_the_file_it_was_trained_with(app, runner, tmp_path):
    """Retraining needs the word vectors, which need PyTorch to build; the
    ones inside the shipped model are the training file, byte for byte."""
    app.config["MODERATION_MODEL_DIR"] = str(SHIPPED)
    out = tmp_path / "vectors.npz"
    result = runner.invoke(args=["vectors", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(SHIPPED, current_version(SHIPPED))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == manifest["word_vectors"]["sha256"]


def test_a_model_without_word_vectors_says_so(runner, tmp_path):
    out = tmp_path / "vectors.npz"
    result = runner.invoke(args=["vectors", "export", "--out", str(out)])
    assert result.exit_code != 0
    assert "trained without word vectors" in result.output
    assert not out.exists()


def test_an_unknown_version_is_named(runner, tmp_path):
    result = runner.invoke(args=["vectors", "export", "--version", "nope", "--out", "x.npz"])
    assert result.exit_code != 0 and "no model version 'nope'" in result.output


def test_tune_abuse_without_news_comments_says_so_and_writes_nothing(runner, data_files, tmp_path):
    pytest.importorskip("torch")
    encoder = tmp_path / "encoder.npz"
    tiny_encoder().save(encoder)
    out = tmp_path / "stage.npz"
    comments, articles = data_files  # the tests' own rows: no news source
    result = runner.invoke(
        args=["vectors", "tune-abuse", "--data", str(comments), "--articles", str(articles),
              "--encoder", str(encoder), "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "tuning needs news comments labelled both abusive and not" in result.output
    assert not out.exists()
