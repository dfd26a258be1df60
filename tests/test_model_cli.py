"""Model versions: list, promote, roll back; the API follows at once."""

from moderation.learning.artifacts import current_version, promotions
from tests import sample_data


def model_version_of_a_new_comment(client, auth, comment_id):
    body = {"id": comment_id, "article_id": "a", "text": sample_data.EXAMPLE_COMMENTS[0]}
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()["model_version"]


def test_promote_and_rollback_change_what_scores_comments(runner, client, auth, two_versions):
    assert model_version_of_a_new_comment(client, auth, "c1") == "v1"
    result = runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    assert result.exit_code == 0, result.output
    assert model_version_of_a_new_comment(client, auth, "c2") == "v2"
    listing = runner.invoke(args=["models", "list"]).output
    assert "* v2" in listing and "promoted by li" in listing
    result = runner.invoke(args=["models", "rollback", "--by", "li"])
    assert result.exit_code == 0, result.output
    assert current_version(two_versions) == "v1"
    assert model_version_of_a_new_comment(client, auth, "c3") == "v1"
    assert [(p["version"], p["previous"], p["by"]) for p in promotions(two_versions)] == [
        ("v2", "v1", "li"),
        ("v1", "v2", "li"),
    ]


def test_promoting_an_unknown_version_or_rolling_back_too_far_fails(runner, two_versions):
    result = runner.invoke(args=["models", "promote", "v9"])
    assert result.exit_code != 0 and "no model version 'v9'" in result.output
    result = runner.invoke(args=["models", "rollback"])
    assert result.exit_code != 0 and "nothing to roll back to" in result.output
    assert current_version(two_versions) == "v1"


def test_rescore_pending_decides_held_comments_again(app, client, auth, runner, two_versions):
    app.config["MODERATION_PREMODERATION"] = True
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    for i, text in enumerate(sample_data.EXAMPLE_COMMENTS):
        body = {"id": f"h{i}", "article_id": sample_data.EXAMPLE_ARTICLE["id"], "text": text}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    app.config["MODERATION_PREMODERATION"] = False
    runner.invoke(args=["models", "promote", "v2"])
    result = runner.invoke(args=["models", "rescore-pending"])
    assert result.exit_code == 0, result.output
    assert "Re-scored 2 held comments; 2 changed" in result.output
    for i in range(2):
        comment = client.get(f"/api/v1/comments/h{i}", headers=auth).get_json()
        assert "premoderation" not in comment["reasons"]
        assert comment["model_version"] == "v2"
        assert comment["history"][-1]["note"] == "re-scored with a new model"
        assert comment["history"][-1]["actor"] == "policy/v2"


def test_rollback_skips_a_promotion_of_the_version_already_current(runner, two_versions):
    runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    result = runner.invoke(args=["models", "rollback", "--by", "li"])
    assert result.exit_code == 0, result.output
    assert current_version(two_versions) == "v1"


def test_rollback_with_no_different_previous_version_says_so(runner, two_versions):
    runner.invoke(args=["models", "promote", "v1", "--by", "li"])
    result = runner.invoke(args=["models", "rollback", "--by", "li"])
    assert result.exit_code != 0
    assert "nothing to roll back to: v1 was never promoted over a different version" in (
        result.output
    )
    assert [p["version"] for p in promotions(two_versions)] == ["v1"]
