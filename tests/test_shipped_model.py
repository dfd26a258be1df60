"""The default model shipped in models/ decides the example as a site expects."""

import pytest

from moderation import create_app
from moderation.artifacts import current_version, library_versions, read_manifest
from moderation.config import PROJECT_ROOT
from tests import sample_data

SHIPPED = PROJECT_ROOT / "models"


@pytest.fixture
def shipped_client(app, client):
    app.config["MODERATION_MODEL_DIR"] = str(SHIPPED)
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


def test_spam_is_held_or_rejected_as_off_topic(shipped_client, auth, article):
    result = post(shipped_client, auth, "spam", sample_data.SPAM)
    assert result["status"] in {"rejected", "pending"}
    assert "off_topic" in result["reasons"]


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
