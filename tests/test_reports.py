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
