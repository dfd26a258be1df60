"""The model directory: CURRENT can only name one of its own versions."""

import shutil

import pytest

from moderation.learning.artifacts import current_version
from moderation.learning.scoring import ModelUnavailable, forget_loaded_models, load_scorer


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
