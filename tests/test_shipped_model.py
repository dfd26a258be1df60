"""The default model shipped in models/ decides the example as a site expects."""

import pytest

from moderation import create_app
from moderation.artifacts import current_version, library_versions, read_manifest
from moderation.config import PROJECT_ROOT
from tests import sample_data

SHIPPED = PROJECT_ROOT / "models"


@pytest.fixture
def shipped_client(app, client):
    """The shipped model at the thresholds it recommends (the defaults)."""
    app.config["MODERATION_MODEL_DIR"] = str(SHIPPED)
    manifest = read_manifest(SHIPPED, current_version(SHIPPED))
    recommended = manifest["metrics"]["abuse"]["recommended_thresholds"]
    app.config["MODERATION_HOLD_ABUSIVE"] = recommended["hold_abusive"]
    app.config["MODERATION_REJECT_ABUSIVE"] = recommended["reject_abusive"]
    return client


def post(client, auth, comment_id, text):
    body = {"id": comment_id, "article_id": sample_data.EXAMPLE_ARTICLE["id"], "text": text}
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()


def test_example_comments_are_approved(shipped_client, auth, article):
    for i, text in enumerate(sample_data.EXAMPLE_COMMENTS):
        result = post(shipped_client, auth, f"reader-{i}", text)
        assert result["status"] == "approved", result
        assert result["model_version"] == current_version(SHIPPED)


def test_insult_is_rejected_or_held_as_abusive(shipped_client, auth, article):
    result = post(shipped_client, auth, "insult", sample_data.INSULT)
    assert result["status"] in {"rejected", "pending"}
    assert "abusive" in result["reasons"]


def test_spam_is_held_or_rejected(shipped_client, auth, article):
    result = post(shipped_client, auth, "spam", sample_data.SPAM)
    assert result["status"] in {"rejected", "pending"}
    assert {"off_topic", "spam"} & set(result["reasons"])


def test_config_defaults_are_the_shipped_models_recommended_thresholds(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    manifest = read_manifest(SHIPPED, current_version(SHIPPED))
    recommended = manifest["metrics"]["abuse"]["recommended_thresholds"]
    assert app.config["MODERATION_HOLD_ABUSIVE"] == pytest.approx(
        recommended["hold_abusive"], abs=0.005
    )
    assert app.config["MODERATION_REJECT_ABUSIVE"] == pytest.approx(
        recommended["reject_abusive"], abs=0.005
    )


def test_manifest_names_its_data_licences_and_libraries():
    manifest = read_manifest(SHIPPED, current_version(SHIPPED))
    assert "CC-BY-NC-SA-4.0" in manifest["licenses"]
    assert any("non-commercial" in note for note in manifest["license_notes"]), "C3: say so"
    assert {d["file"] for d in manifest["datasets"]} >= {"c3.jsonl", "olid-train.jsonl"}
    # A joblib artifact only loads with the scikit-learn it was made with.
    assert manifest["libraries"]["scikit-learn"] == library_versions()["scikit-learn"]


def test_default_configuration_uses_the_shipped_model(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert app.config["MODERATION_MODEL_DIR"] == str(SHIPPED)
