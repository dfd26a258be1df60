"""A site's model life, played through: moderators label what the base model
misjudges, retraining learns it and the gate promotes it, a worse candidate
is refused, and rollback restores the previous version."""

import json
import random
import shutil
from pathlib import Path

import pytest

from moderation.infrastructure.db import db
from moderation.learning.artifacts import current_version, read_manifest
from tests import sample_data
from tests.moderation_helpers import (
    LEARNED_INSULT,
    add_moderator,
    moderate,
    site_comments,
)


@pytest.fixture
def app_config():
    # Moderators decide every comment: pre-moderation, and no automatic reject.
    # The tiny test models' identity-template AUCs are noise (tests/test_gate.py
    # checks that part of the gate): these tests are about the site's labels.
    return {
        "MODERATION_PREMODERATION": True,
        "MODERATION_REJECT_ABUSIVE": 1.0,
        "MODERATION_GATE_IDENTITY_TOLERANCE": 1.0,
    }


@pytest.fixture
def site_models(app, model_dir, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copytree(model_dir / "test-model", folder / "test-model")
    (folder / "CURRENT").write_text("test-model\n")
    app.config["MODERATION_MODEL_DIR"] = str(folder)
    return folder


def train(runner, data_files, version, *extra):
    comments, articles = data_files
    args = ["train", "--data", str(comments), "--articles", str(articles), "--version", version]
    return runner.invoke(args=[*args, "--by", "maria", *extra])


def api_version(client, auth, cid, text):
    body = {"id": cid, "article_id": sample_data.EXAMPLE_ARTICLE["id"], "text": text}
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()


def test_retrain_gate_promote_refuse_and_roll_back(
    app, client, auth, runner, data_files, site_models
):
    add_moderator(app)
    assert moderate(app, client, auth, site_comments(random.Random(0), 300)) == 300
    app.config["MODERATION_PREMODERATION"] = False
    before = api_version(client, auth, "new-0", LEARNED_INSULT)
    assert before["model_version"] == "test-model"
    assert "abusive" not in before["reasons"], "the base model does not know the insult"

    better = train(runner, data_files, "v-site", "--from-decisions")
    assert better.exit_code == 0, better.output
    assert "v-site: passed the gate; it is now current (was test-model)." in better.output
    assert current_version(site_models) == "v-site"
    manifest = read_manifest(site_models, "v-site")
    assert manifest["site_labels"] == 300
    assert manifest["version"] == "v-site"
    assert {d["file"] for d in manifest["datasets"]} == {"comments.jsonl", "articles.jsonl"}
    report = manifest["gate"]
    assert report["passed"] is True and report["failed"] == []
    assert (report["live_version"], report["candidate_version"]) == ("test-model", "v-site")
    assert all(c["passed"] for c in report["checks"]) and len(report["checks"]) == 6
    (site_check,) = [c for c in report["checks"] if "site" in c["check"]]
    assert site_check["candidate"] > site_check["live"] + 0.1, "measurably better on the site"
    learned = api_version(client, auth, "new-1", LEARNED_INSULT)
    assert learned["model_version"] == "v-site"
    assert learned["status"] in {"pending", "rejected"} and "abusive" in learned["reasons"]

    # A retrain that forgets the site's labels is worse on them: refused.
    worse = train(runner, data_files, "v-forgetful")
    assert worse.exit_code == 3, worse.output
    assert "kept, not promoted" in worse.output
    assert current_version(site_models) == "v-site"
    assert read_manifest(site_models, "v-forgetful")["gate"]["passed"] is False

    rolled = runner.invoke(args=["models", "rollback", "--by", "maria"])
    assert rolled.exit_code == 0, rolled.output
    assert api_version(client, auth, "new-2", LEARNED_INSULT)["model_version"] == "test-model"

    # An admin can still force a refused candidate live.
    assert runner.invoke(args=["models", "promote", "v-site"]).exit_code == 0
    forced = train(runner, data_files, "v-forced", "--force")
    assert forced.exit_code == 0 and "forced past the gate" in forced.output
    assert read_manifest(site_models, "v-forced")["gate"]["passed"] is False
    assert current_version(site_models) == "v-forced"


def test_without_site_labels_the_gate_refuses_and_names_the_missing_check(
    runner, data_files, site_models
):
    refused = train(runner, data_files, "v-unchecked")
    assert refused.exit_code == 3, refused.output
    missing = (
        "abuse ROC-AUC, site's labels: live None, candidate None (missing for live and candidate)"
    )
    assert f"NO  {missing}" in refused.output
    assert "refused by the gate against test-model: abuse ROC-AUC, site's labels (missing" in (
        refused.output
    )
    assert current_version(site_models) == "test-model"
    report = read_manifest(site_models, "v-unchecked")["gate"]
    assert report["passed"] is False
    assert report["failed"][0] == "abuse ROC-AUC, site's labels (missing for live and candidate)"

    forced = train(runner, data_files, "v-unchecked-forced", "--force")
    assert forced.exit_code == 0, forced.output
    assert "forced past the gate (abuse ROC-AUC, site's labels (missing" in forced.output
    assert current_version(site_models) == "v-unchecked-forced"


SHARED_C3 = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "abuse" / "c3.jsonl"


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED_C3.is_file(), reason="../shared/datasets is not present")
def test_moderators_labelling_real_news_comments_teach_the_model(
    app, client, auth, runner, data_files, site_models
):
    """The same play-through on a slice of C3 (Globe and Mail comments), which
    the tiny base model has never seen: moderators decide 400 of them as C3's
    annotators did, and retraining on those decisions is measurably better."""
    rows = [json.loads(line) for line in SHARED_C3.read_text().splitlines()]
    abusive = [r for r in rows if r["abusive"] == 1][:200]
    other = [r for r in rows if r["abusive"] == 0][:200]
    add_moderator(app)
    comments = [
        (f"c3-{r['id']}", r["text"], r["abusive"], r["article_id"]) for r in abusive + other
    ]
    assert moderate(app, client, auth, comments, articles=sorted({c[3] for c in comments})) == 400
    result = train(runner, data_files, "v-c3", "--from-decisions")
    assert result.exit_code == 0, result.output
    assert "v-c3: passed the gate" in result.output
    manifest = read_manifest(site_models, "v-c3")
    assert manifest["site_labels"] == 400
    report = manifest["gate"]
    assert report["passed"] is True
    (site_check,) = [c for c in report["checks"] if "site" in c["check"]]
    assert site_check["candidate"] > site_check["live"] + 0.05, site_check
    assert current_version(site_models) == "v-c3"


def test_retraining_for_a_site_uses_only_its_labels(
    app, client, site_key, runner, data_files, site_models
):
    """Issue 12, item 6: another site's feedback never trains this site's model."""
    from moderation.domain.sites import create_site

    with app.app_context():
        _, other_key = create_site("Site B")
        db.session.commit()
    for key, prefix, count in ((site_key, "a", 3), (other_key, "b", 7)):
        for n in range(count):
            body = {
                "comment": {"text": f"About the accord: what a flumph, number {n}"},
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
                "languages": ["en"],
                "communityId": "moderators:Example Tribune",
                "clientToken": f"comment:{prefix}-{n}",
            }
            assert (
                client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=body).status_code
                == 200
            )
    result = train(
        runner, data_files, "v-a", "--from-decisions", "--site", "Example Tribune", "--force"
    )
    assert result.exit_code == 0, result.output
    assert read_manifest(site_models, "v-a")["site_labels"] == 3
    unknown = train(runner, data_files, "v-x", "--from-decisions", "--site", "Nobody")
    assert unknown.exit_code != 0 and "no site named 'Nobody'" in unknown.output
