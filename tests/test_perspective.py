"""Coral Talk's feedback through suggestscore: the site's labels, one per comment.

The bodies are those of Talk's client (coral-server's
``notifyPerspectiveModerationDecision``): the comment's text, a context
entry holding its URL and id as JSON, the moderator's decision as the
attribute (``APPROVED`` or ``DELETED``, value 1), ``languages: ["EN"]``,
``communityId: "Coral:<tenant URL>"`` and ``clientToken: "comment:<id>"``.
Other clients name an attribute (``TOXICITY``, ``SPAM``) with a value.
"""

import json

import pytest
from sqlalchemy import select

from moderation.domain import labels
from moderation.domain.orm import Site
from moderation.domain.orm_learning import LabelledExample
from moderation.domain.sites import create_site
from moderation.infrastructure.db import db

SUGGEST = "/v1alpha1/comments:suggestscore"


def talk_suggest(text, value, comment_id="c-1", model="TOXICITY", community="https://news.example"):
    context = json.dumps({"url": "https://news.example/a", "Coral_comment_id": comment_id})
    return {
        "comment": {"text": text},
        "context": {"entries": [{"text": context}]},
        "attributeScores": {model: {"summaryScore": {"value": value}}},
        "languages": ["en"],
        "communityId": f"Coral:{community}",
        "clientToken": f"comment:{comment_id}",
    }


def talk_decision(text, deleted, comment_id="c-1"):
    body = talk_suggest(text, 1, comment_id, model="DELETED" if deleted else "APPROVED")
    return {**body, "languages": ["EN"]}


def exported(runner, tmp_path):
    out = tmp_path / "labels.jsonl"
    assert runner.invoke(args=["labels", "export", str(out)]).exit_code == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_talk_feedback_becomes_the_sites_labels(client, site_key, runner, tmp_path):
    ok = client.post(f"{SUGGEST}?key={site_key}", json=talk_suggest("You absolute flumph", 1))
    assert ok.status_code == 200 and ok.get_json() == {"clientToken": "comment:c-1"}
    client.post(f"{SUGGEST}?key={site_key}", json=talk_suggest("Thanks for the report", 0, "c-2"))
    rows = {row["id"]: row for row in exported(runner, tmp_path)}
    assert rows["comment:c-1"]["abusive"] == 1 and rows["comment:c-2"]["abusive"] == 0
    assert rows["comment:c-1"]["on_topic"] is None


def test_talks_moderation_decisions_become_the_sites_abuse_labels(
    client, site_key, runner, tmp_path
):
    deleted = client.post(f"{SUGGEST}?key={site_key}", json=talk_decision("You flumph", True))
    assert deleted.status_code == 200 and deleted.get_json() == {"clientToken": "comment:c-1"}
    approved = talk_decision("Thanks for the report", False, "c-2")
    assert client.post(f"{SUGGEST}?key={site_key}", json=approved).status_code == 200
    rows = {row["id"]: row for row in exported(runner, tmp_path)}
    assert rows["comment:c-1"]["abusive"] == 1 and rows["comment:c-2"]["abusive"] == 0


def test_latest_feedback_on_a_comment_wins(client, site_key, runner, tmp_path):
    # A moderator approves, then rejects the same comment: Talk sends both.
    client.post(f"{SUGGEST}?key={site_key}", json=talk_decision("You absolute flumph", False))
    client.post(f"{SUGGEST}?key={site_key}", json=talk_decision("You absolute flumph", True))
    rows = exported(runner, tmp_path)
    assert [(row["id"], row["abusive"]) for row in rows] == [("comment:c-1", 1)]


def test_feedback_on_another_attribute_is_not_an_abuse_label(
    app, client, site_key, runner, tmp_path
):
    body = talk_suggest("Buy cheap watches at example dot com", 1, model="SPAM")
    assert client.post(f"{SUGGEST}?key={site_key}", json=body).status_code == 200
    assert exported(runner, tmp_path) == []  # neither abusive nor off-topic
    body = talk_suggest("Buy cheap watches at example dot com", 0)
    client.post(f"{SUGGEST}?key={site_key}", json=body)
    with app.app_context():
        row = db.session.scalars(select(LabelledExample)).one()
        assert row.attributes == {"SPAM": 1.0, "TOXICITY": 0.0} and row.abusive == 0


def test_feedback_with_do_not_store_keeps_nothing(client, site_key, runner, tmp_path):
    body = {**talk_suggest("You absolute flumph", 1), "doNotStore": True}
    assert client.post(f"{SUGGEST}?key={site_key}", json=body).status_code == 200
    assert exported(runner, tmp_path) == []


def test_another_sites_community_id_cannot_poison_a_sites_labels(app, client, site_key):
    """Issue 12, item 6: site B claims to be site A's moderators."""
    with app.app_context():
        _, key_b = create_site("Site B")
        db.session.commit()
    client.post(f"{SUGGEST}?key={site_key}", json=talk_suggest("Welcome to the debate", 0, "a-1"))
    for n in range(20):
        body = talk_suggest(f"Welcome to the debate, friend {n}", 1, f"b-{n}")
        body["communityId"] = "moderators:Example Tribune"
        assert client.post(f"{SUGGEST}?key={key_b}", json=body).status_code == 200
    with app.app_context():
        site_a = db.session.scalar(select(Site).where(Site.name == "Example Tribune"))
        site_b = db.session.scalar(select(Site).where(Site.name == "Site B"))
        rows_a, _ = labels.for_training(site_a.id)
        rows_b, _ = labels.for_training(site_b.id)
        assert [(row.id, row.abusive) for row in rows_a] == [("site-comment:a-1", 0)]
        assert len(rows_b) == 20 and all(row.abusive == 1 for row in rows_b)
        stored = db.session.scalars(
            select(LabelledExample).where(LabelledExample.site_id == site_b.id)
        ).all()
        assert {row.community_id for row in stored} == {"moderators:Example Tribune"}
        assert {row.source for row in stored} == {labels.FEEDBACK_SOURCE}


def test_the_same_comment_id_at_two_sites_is_two_labels(app, client, site_key):
    with app.app_context():
        _, key_b = create_site("Site B")
        db.session.commit()
    client.post(f"{SUGGEST}?key={site_key}", json=talk_suggest("You absolute flumph", 1))
    client.post(f"{SUGGEST}?key={key_b}", json=talk_suggest("You absolute flumph", 0))
    with app.app_context():
        values = db.session.execute(select(LabelledExample.site_id, LabelledExample.abusive))
        assert sorted(abusive for _, abusive in values) == [0, 1]


@pytest.mark.parametrize(
    "change",
    [
        # Perspective's "Methods" page: attributeScores holds "the attribute scores that the
        # client believes the comment should have", as PROBABILITY scores "in the range [0,1]".
        # Refusing one without a summary value is our rule (issue 13, item 6): it is the label.
        {"attributeScores": {}},
        {"attributeScores": {"TOXICITY": {"summaryScore": {"value": 2}}}},
        {"attributeScores": {"TOXICITY": {"summaryScore": {}}}},
        # Its "Limits and errors" page: "Unknown requested attribute: <attr_name>".
        {"attributeScores": {"NOPE": {"summaryScore": {"value": 1}}}},
        # Our rule (issue 12, item 2), not Perspective's: what cannot be stored is refused.
        {"comment": {"text": "nul \x00 inside"}},
        {"clientToken": "x" * 256},
        # "Attribute <attr_name> does not support request languages: <lang1, lang2>".
        {"languages": ["de"]},
    ],
)
def test_malformed_feedback_is_refused_and_not_stored(client, site_key, change, runner, tmp_path):
    body = {**talk_suggest("text that is fine", 1), **change}
    response = client.post(f"{SUGGEST}?key={site_key}", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == "INVALID_ARGUMENT"
    assert exported(runner, tmp_path) == []


def test_a_suggestion_of_spans_only_is_accepted_and_stores_nothing(
    client, site_key, runner, tmp_path
):
    body = talk_suggest("You absolute flumph", 1)
    body["attributeScores"] = {
        "TOXICITY": {"spanScores": [{"begin": 4, "end": 12, "score": {"value": 1}}]}
    }
    answer = client.post(f"{SUGGEST}?key={site_key}", json=body)
    assert answer.status_code == 200 and answer.get_json() == {"clientToken": "comment:c-1"}
    assert exported(runner, tmp_path) == []
