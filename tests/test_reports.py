"""Readers' reports: idempotent per reader; at the policy's threshold a
published comment goes back to the queue, in the feed and the Reported tab."""

import json

import pytest

from tests import sample_data
from tests.moderation_helpers import add_moderator, csrf_token, sign_in


@pytest.fixture
def app_config():
    return {"MODERATION_REPORT_THRESHOLD": 2}


@pytest.fixture
def published(client, auth, article):
    body = {"id": "c1", "article_id": article["id"], "text": sample_data.EXAMPLE_COMMENTS[0]}
    comment = client.post("/api/v1/comments", json=body, headers=auth).get_json()
    assert comment["status"] == "approved"
    return comment


def report(client, auth, reader, reason="abusive", text=None, comment_id="c1"):
    body = {"reader_id": reader, "reason": reason}
    if text is not None:
        body["text"] = text
    return client.post(f"/api/v1/comments/{comment_id}/reports", json=body, headers=auth)


def approve_the_first_card(app, page_path):
    """A moderator approves the first comment the queue page shows."""
    add_moderator(app)
    moderator = app.test_client()
    sign_in(moderator)
    page = moderator.get(page_path).get_data(as_text=True)
    item = {"id": int(page.split('data-id="')[1].split('"')[0])}
    item["version"] = int(page.split('data-version="')[1].split('"')[0])
    moderator.post(
        "/queue/decide",
        json={"items": [item], "action": "approve"},
        headers={"X-CSRFToken": csrf_token(moderator, "/queue")},
    )


def test_reports_are_idempotent_per_reader_and_the_threshold_sends_it_back(client, auth, published):
    first = report(client, auth, "r1", "abusive", "nasty")
    assert first.status_code == 201 and first.get_json()["reports"] == 1
    again = report(client, auth, "r1", "spam")
    assert again.status_code == 200
    assert again.get_json()["reports"] == 1 and again.get_json()["report"]["reason"] == "abusive"
    assert again.get_json()["comment"]["status"] == "approved"

    second = report(client, auth, "r2", "spam")
    assert second.status_code == 201
    assert second.get_json()["comment"]["status"] == "pending"
    assert second.get_json()["comment"]["reasons"] == ["reported"]

    feed = client.get("/api/v1/comments?status=pending", headers=auth).get_json()["items"]
    (change,) = [item for item in feed if item["id"] == "c1"]
    decision = change["decision"]
    assert (decision["from_status"], decision["to_status"]) == ("approved", "pending")
    assert decision["actor_type"] == "readers" and decision["reasons"] == ["reported"]
    assert decision["note"] == "reported by 2 readers"
    # A third report adds to the count, not another change.
    report(client, auth, "r3", "abusive")
    history = client.get("/api/v1/comments/c1", headers=auth).get_json()["history"]
    assert len(history) == 2


def test_bad_reports_are_refused_clearly(client, auth, published):
    refused = report(client, auth, "r1", "boring")
    assert refused.status_code == 400
    assert "reason" in refused.get_json()["fields"]
    assert report(client, auth, "", "spam").get_json()["fields"]["reader_id"]
    assert report(client, auth, "r1", "other", "x" * 2001).status_code == 400
    assert report(client, auth, "r1", "spam", comment_id="nope").status_code == 404


def test_another_sites_comment_cannot_be_reported(app, client, published):
    from moderation.domain.sites import create_site
    from moderation.infrastructure.db import db

    with app.app_context():
        _, key = create_site("Other Gazette")
        db.session.commit()
    other = {"Authorization": f"Bearer {key}"}
    assert report(client, other, "r1").status_code == 404


def test_reported_tab_shows_the_reports_and_a_decision_clears_it(app, client, auth, published):
    report(client, auth, "r1", "abusive", "calls people names")
    report(client, auth, "r2", "abusive")
    add_moderator(app)
    moderator = app.test_client()
    sign_in(moderator)
    page = moderator.get("/queue?tab=reported").get_data(as_text=True)
    assert 'data-count="reported">1<' in page
    assert "Reported by 2 readers" in page and "calls people names" in page
    comment_id = int(page.split('data-id="')[1].split('"')[0])
    version = int(page.split('data-version="')[1].split('"')[0])
    token = csrf_token(moderator, "/queue")
    moderator.post(
        "/queue/decide",
        json={
            "items": [{"id": comment_id, "version": version}],
            "action": "reject",
            "reason": "abusive",
        },
        headers={"X-CSRFToken": token},
    )
    assert 'data-count="reported">0<' in moderator.get("/queue?tab=reported").get_data(as_text=True)


def test_enough_reports_are_a_weak_label_until_a_moderator_decides(
    app, client, auth, published, runner, tmp_path
):
    report(client, auth, "r1", "spam")
    report(client, auth, "r2", "spam")
    out = tmp_path / "labels.jsonl"
    runner.invoke(args=["labels", "export", str(out)])
    (label,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert (label["id"], label["on_topic"], label["abusive"]) == ("c1", 0, None)
    assert label["source"] == "reports:Example Tribune"


def test_a_comment_reported_while_held_goes_to_a_moderator_not_out(app, client, auth):
    """Posted before its article, held; readers report it; the article comes
    and the model would approve it: a moderator decides it instead."""
    body = {"id": "early", "article_id": sample_data.EXAMPLE_ARTICLE["id"]}
    body["text"] = sample_data.EXAMPLE_COMMENTS[0]
    assert client.post("/api/v1/comments", json=body, headers=auth).get_json()["status"] == (
        "pending"
    )
    report(client, auth, "r1", comment_id="early")
    report(client, auth, "r2", comment_id="early")
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    now = client.get("/api/v1/comments/early", headers=auth).get_json()
    assert (now["status"], now["reasons"]) == ("pending", ["reported"])
    assert now["history"][-1]["actor_type"] == "model"


def test_reports_past_the_threshold_still_send_a_comment_back(app, client, auth, published):
    """Two reports counted at once (or a threshold lowered) leave a comment
    past the threshold without reaching it exactly: the next report sends
    it back; once a moderator kept it, none does."""
    app.config["MODERATION_REPORT_THRESHOLD"] = 5
    for reader in ("r1", "r2", "r3"):
        report(client, auth, reader)
    app.config["MODERATION_REPORT_THRESHOLD"] = 2
    sent = report(client, auth, "r4").get_json()["comment"]
    assert (sent["status"], sent["reasons"]) == ("pending", ["reported"])

    approve_the_first_card(app, "/queue?tab=reported")
    assert report(client, auth, "r5").get_json()["comment"]["status"] == "approved"


def test_a_report_racing_a_moderators_decision_is_kept(app, client, auth, published, monkeypatch):
    """The moderator's commit lands first: the report's transaction finds
    the row changed (StaleDataError) and is counted again, not lost."""
    from sqlalchemy.orm.exc import StaleDataError

    from moderation.infrastructure.db import db

    commit, calls = db.session.commit, []

    def first_commit_loses_the_race():
        calls.append(1)
        if len(calls) == 1:
            raise StaleDataError("the comment changed since it was read")
        commit()

    monkeypatch.setattr(db.session, "commit", first_commit_loses_the_race)
    answer = report(client, auth, "r1")
    assert answer.status_code == 201 and answer.get_json()["reports"] == 1
    assert len(calls) == 2


def test_a_comment_a_moderator_kept_after_its_reports_stays_up(app, client, auth):
    """Held, reported, then approved by a moderator who saw the reports:
    the next report does not send it back."""
    body = {"id": "early", "article_id": "not-yet", "text": sample_data.EXAMPLE_COMMENTS[0]}
    client.post("/api/v1/comments", json=body, headers=auth)
    report(client, auth, "r1", comment_id="early")
    report(client, auth, "r2", comment_id="early")
    approve_the_first_card(app, "/queue")
    assert report(client, auth, "r3", comment_id="early").get_json()["comment"]["status"] == (
        "approved"
    )
