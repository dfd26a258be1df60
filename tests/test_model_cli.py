"""Model versions: list, promote, roll back; the API follows at once."""

from moderation.domain import live_model
from tests import sample_data


def live(app) -> str | None:
    with app.app_context():
        return live_model.live_version()


def changes(app) -> list[tuple[str, str | None, str]]:
    """(version, previous, by) of each promotion and rollback, oldest first."""
    with app.app_context():
        return [(r.version, r.previous, r.promoted_by) for r in reversed(live_model.history())]


def model_version_of_a_new_comment(client, auth, comment_id):
    body = {"id": comment_id, "article_id": "a", "text": sample_data.EXAMPLE_COMMENTS[0]}
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()["model_version"]


def test_promote_and_rollback_change_what_scores_comments(app, runner, client, auth, two_versions):
    assert model_version_of_a_new_comment(client, auth, "c1") == "v1"
    result = runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    assert result.exit_code == 0, result.output
    assert model_version_of_a_new_comment(client, auth, "c2") == "v2"
    listing = runner.invoke(args=["models", "list"]).output
    assert "* v2" in listing and "promoted by li" in listing
    assert "v2 (was v1) by li" in listing
    result = runner.invoke(args=["models", "rollback", "--by", "li"])
    assert result.exit_code == 0, result.output
    assert live(app) == "v1"
    assert model_version_of_a_new_comment(client, auth, "c3") == "v1"
    assert changes(app) == [("v2", "v1", "li"), ("v1", "v2", "li")]
    assert "v1 (was v2) by li: rollback from v2" in runner.invoke(args=["models", "list"]).output


def test_promoting_an_unknown_version_or_rolling_back_too_far_fails(app, runner, two_versions):
    result = runner.invoke(args=["models", "promote", "v9"])
    assert result.exit_code != 0 and "no model version 'v9'" in result.output
    result = runner.invoke(args=["models", "rollback"])
    assert result.exit_code != 0 and "nothing to roll back to" in result.output
    assert live(app) == "v1" and changes(app) == []


def hold_the_example_comments(app, client, auth):
    """Both example comments, held by premoderation, which is then switched off."""
    app.config["MODERATION_PREMODERATION"] = True
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    for i, text in enumerate(sample_data.EXAMPLE_COMMENTS):
        body = {"id": f"h{i}", "article_id": sample_data.EXAMPLE_ARTICLE["id"], "text": text}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    app.config["MODERATION_PREMODERATION"] = False


def assert_decided_again_by(client, auth, version):
    for i in range(2):
        comment = client.get(f"/api/v1/comments/h{i}", headers=auth).get_json()
        assert "premoderation" not in comment["reasons"]
        assert comment["model_version"] == version
        assert comment["history"][-1]["note"] == "re-scored with a new model"
        assert comment["history"][-1]["actor"] == f"policy/{version}"


def test_a_promotion_decides_held_comments_again_with_the_new_model(
    app, client, auth, runner, two_versions
):
    hold_the_example_comments(app, client, auth)
    result = runner.invoke(args=["models", "promote", "v2"])
    assert result.exit_code == 0 and "held comments will be re-scored" in result.output
    # The job the promotion queued has run (tests run jobs at once).
    assert_decided_again_by(client, auth, "v2")


def test_rescore_pending_decides_held_comments_again(app, client, auth, runner, two_versions):
    hold_the_example_comments(app, client, auth)
    result = runner.invoke(args=["models", "rescore-pending"])
    assert result.exit_code == 0, result.output
    assert "Re-scored 2 held comments; 2 changed" in result.output
    assert_decided_again_by(client, auth, "v1")


def test_rollback_skips_a_promotion_of_the_version_already_current(app, runner, two_versions):
    runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    runner.invoke(args=["models", "promote", "v2", "--by", "li"])
    result = runner.invoke(args=["models", "rollback", "--by", "li"])
    assert result.exit_code == 0, result.output
    assert live(app) == "v1"


def test_rollback_with_no_different_previous_version_says_so(app, runner, two_versions):
    runner.invoke(args=["models", "promote", "v1", "--by", "li"])
    result = runner.invoke(args=["models", "rollback", "--by", "li"])
    assert result.exit_code != 0
    assert "nothing to roll back to: v1 was never promoted over a different version" in (
        result.output
    )
    assert changes(app) == [("v1", "v1", "li")]


def test_repack_writes_a_new_version_that_waits_for_promotion(app, runner, two_versions):
    result = runner.invoke(args=["models", "repack", "v2"])
    assert result.exit_code == 0, result.output
    assert "measure them with `flask evaluate --held-out" in result.output
    (new,) = set(p.name for p in two_versions.iterdir() if p.is_dir()) - {"v1", "v2"}
    assert live(app) == "v1"
    assert f"  {new}  " in runner.invoke(args=["models", "list"]).output
    missing = runner.invoke(args=["models", "repack", "v9"])
    assert missing.exit_code != 0 and "no model version 'v9'" in missing.output
