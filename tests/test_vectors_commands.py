"""``flask vectors``: the on-topic model's word vectors, and tuning the
encoder for abuse."""

import hashlib

import numpy as np
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


@pytest.mark.parametrize(
    "command, message",
    [("export", "trained without word vectors"), ("export-abuse-stage", "without an abuse stage")],
)
def test_a_model_without_what_is_asked_for_says_so(runner, tmp_path, command, message):
    # The tests' own model (conftest) has neither.
    out = tmp_path / "out.npz"
    result = runner.invoke(args=["vectors", command, "--out", str(out)])
    assert result.exit_code != 0
    assert message in result.output
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


def test_the_shipped_abuse_stage_exports_as_train_takes_it(app, runner, tmp_path):
    """Retraining with the shipped stage's layers needs no PyTorch and no new
    tuning (which would differ a little): the file says the seed and the
    encoder it was tuned for, and gives back the same layers and head."""
    from moderation.learning.abuse_stage import AbuseStage
    from moderation.learning.artifacts import load_pipelines

    app.config["MODERATION_MODEL_DIR"] = str(SHIPPED)
    out = tmp_path / "stage.npz"
    result = runner.invoke(args=["vectors", "export-abuse-stage", "--out", str(out)])
    assert result.exit_code == 0, result.output
    version = current_version(SHIPPED)
    manifest = read_manifest(SHIPPED, version)
    exported = AbuseStage.load(out)
    exported.check_tuned_for(manifest["seed"], manifest["encoder"]["sha256"])
    shipped = load_pipelines(SHIPPED, version)["abuse_stage"]
    assert exported.layers.keys() == shipped.layers.keys()
    for name, weights in shipped.layers.items():
        np.testing.assert_array_equal(exported.layers[name], weights)
    np.testing.assert_array_equal(exported.head, shipped.head)
    assert exported.head_bias == shipped.head_bias


def test_a_stage_that_does_not_say_how_it_was_tuned_exports_its_versions_seed_and_encoder(
    app, runner, tmp_path, monkeypatch
):
    """Stages trained before they recorded it (20261201-040356's): the
    version was trained on its manifest's seed and encoder."""
    from moderation.commands import vectors_commands
    from moderation.learning.abuse_stage import AbuseStage

    untold = AbuseStage({"5.q": np.ones((2, 2))}, np.ones(2), 0.5)
    monkeypatch.setattr(
        vectors_commands.artifacts, "load_pipelines", lambda *_: {"abuse_stage": untold}
    )
    app.config["MODERATION_MODEL_DIR"] = str(SHIPPED)
    out = tmp_path / "stage.npz"
    result = runner.invoke(args=["vectors", "export-abuse-stage", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(SHIPPED, current_version(SHIPPED))
    assert AbuseStage.load(out).tuned_with == {
        "seed": manifest["seed"],
        "encoder_sha256": manifest["encoder"]["sha256"],
        "per_source": 4000,
    }
