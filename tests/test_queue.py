"""The queue's pages and actions, through the test client."""

import re

import pytest

from tests import sample_data
from tests.moderation_helpers import add_moderator, csrf_token, post_comments, sign_in


@pytest.fixture
def app_config():
    # Hold every comment, whatever the tiny test model says.
    return {"MODERATION_PREMODERATION": True}


def card_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-id="(\d+)"', page)]


def versions(page: str) -> dict[int, int]:
    pairs = re.findall(r'data-id="(\d+)" data-version="(\d+)"', page)
    return {int(i): int(v) for i, v in pairs}


def act(client, path, body):
    token = csrf_token(client, "/queue")
    return client.post(path, json=body, headers={"X-CSRFToken": token})


def test_pending_tab_lists_held_comments_with_counts(moderator, auth):
    post_comments(moderator, auth, sample_data.EXAMPLE_COMMENTS)
    page = moderator.get("/queue").get_data(as_text=True)
    assert len(card_ids(page)) == 2
    assert 'data-count="pending">2<' in page
    assert "premoderation" in page
    assert sample_data.EXAMPLE_ARTICLE["title"] in page
    assert "(0 approved, 0 rejected)" in page


def test_approve_changes_status_log_and_site_feed(moderator, auth):
    post_comments(moderator, auth, [sample_data.EXAMPLE_COMMENTS[0]])
    page = moderator.get("/queue").get_data(as_text=True)
    ((comment_id, version),) = versions(page).items()
    response = act(
        moderator,
        "/queue/decide",
        {"items": [{"id": comment_id, "version": version}], "action": "approve"},
    )
    (result,) = response.get_json()["results"]
    assert result["status"] == "approved"
    assert "badge approved" in result["card"]
    api = moderator.get("/api/v1/comments/c0", headers=auth).get_json()
    assert api["status"] == "approved"
    assert api["history"][-1]["actor"] == "maria"
    assert api["history"][-1]["actor_type"] == "moderator"
    feed = moderator.get("/api/v1/comments?status=approved", headers=auth).get_json()
    assert [item["id"] for item in feed["items"]] == ["c0"]


def test_reject_needs_a_reason_and_other_needs_a_note(moderator, auth):
    post_comments(moderator, auth, [sample_data.INSULT])
    # The insult may have been rejected by the model already: look in All.
    ((comment_id, version),) = versions(
        moderator.get("/queue?tab=all").get_data(as_text=True)
    ).items()
    item = {"id": comment_id, "version": version}
    no_reason = act(moderator, "/queue/decide", {"items": [item], "action": "reject"}).get_json()
    assert "choose a reason" in no_reason["results"][0]["message"]
    no_note = act(
        moderator, "/queue/decide", {"items": [item], "action": "reject", "reason": "other"}
    )
    assert "note" in no_note.get_json()["results"][0]["message"]
    done = act(
        moderator, "/queue/decide", {"items": [item], "action": "reject", "reason": "abusive"}
    )
    assert done.get_json()["results"][0]["status"] == "rejected"
    api = moderator.get("/api/v1/comments/c0", headers=auth).get_json()
    assert api["status"] == "rejected" and api["reasons"] == ["abusive"]


def test_second_decision_on_a_stale_card_is_a_conflict(app, moderator, auth):
    post_comments(moderator, auth, [sample_data.EXAMPLE_COMMENTS[0]])
    ((comment_id, version),) = versions(moderator.get("/queue").get_data(as_text=True)).items()
    add_moderator(app, "li")
    other = app.test_client()
    sign_in(other, "li")
    first = act(
        other,
        "/queue/decide",
        {"items": [{"id": comment_id, "version": version}], "action": "approve"},
    )
    assert first.get_json()["results"][0]["status"] == "approved"
    late = act(
        moderator,
        "/queue/decide",
        {"items": [{"id": comment_id, "version": version}], "action": "reject", "reason": "spam"},
    )
    (result,) = late.get_json()["results"]
    assert result["error"] == "conflict"
    assert "li has just set this comment to approved" in result["message"]
    assert "badge approved" in result["card"], "the card is refreshed to the truth"
    assert moderator.get("/api/v1/comments/c0", headers=auth).get_json()["status"] == "approved"


def test_batch_reject_and_undo(moderator, auth):
    post_comments(moderator, auth, ["first comment", "second comment", "third comment"])
    seen = versions(moderator.get("/queue").get_data(as_text=True))
    items = [{"id": i, "version": v} for i, v in list(seen.items())[:2]]
    results = act(
        moderator, "/queue/decide", {"items": items, "action": "reject", "reason": "spam"}
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    page = moderator.get("/queue").get_data(as_text=True)
    assert len(card_ids(page)) == 1
    undone_id = items[0]["id"]
    version = versions(moderator.get("/queue?tab=rejected").get_data(as_text=True))[undone_id]
    undone = act(moderator, "/queue/undo", {"id": undone_id, "version": version}).get_json()
    assert undone["results"][0]["status"] == "pending"
    api = moderator.get("/api/v1/comments/c0", headers=auth).get_json()
    assert api["status"] == "pending"
    assert api["reasons"] == api["history"][0]["reasons"], "undo restores the reasons it had"
    assert api["history"][-1]["note"].startswith("undo of decision")


def test_undo_of_a_model_decision_is_refused(moderator, auth):
    post_comments(moderator, auth, ["only the model decided this"])
    ((comment_id, version),) = versions(moderator.get("/queue").get_data(as_text=True)).items()
    result = act(moderator, "/queue/undo", {"id": comment_id, "version": version}).get_json()
    assert "was not a moderator's" in result["results"][0]["message"]


def test_forged_action_without_csrf_token_is_refused(moderator, auth):
    post_comments(moderator, auth, ["a comment"])
    ((comment_id, version),) = versions(moderator.get("/queue").get_data(as_text=True)).items()
    response = moderator.post(
        "/queue/decide",
        json={"items": [{"id": comment_id, "version": version}], "action": "approve"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"
    assert moderator.get("/api/v1/comments/c0", headers=auth).get_json()["status"] == "pending"


def test_filters_and_sorting(moderator, auth):
    post_comments(
        moderator, auth, ["Russia and Pakistan", "Subscribe to my channel", "Drone attacks again"]
    )
    assert len(card_ids(moderator.get("/queue?q=drone").get_data(as_text=True))) == 1
    assert len(card_ids(moderator.get("/queue?article=nope").get_data(as_text=True))) == 0
    assert len(card_ids(moderator.get("/queue?reason=premoderation").get_data(as_text=True))) == 3
    assert len(card_ids(moderator.get("/queue?reason=scoring_error").get_data(as_text=True))) == 0
    oldest = card_ids(moderator.get("/queue?sort=oldest").get_data(as_text=True))
    newest = card_ids(moderator.get("/queue?sort=newest").get_data(as_text=True))
    assert newest == list(reversed(oldest))
    by_abuse = moderator.get("/queue?sort=abuse").get_data(as_text=True)
    scores = [float(s) for s in re.findall(r"Abuse (\d\.\d\d)", by_abuse)]
    assert scores == sorted(scores, reverse=True)
    bad = moderator.get("/queue?abusive_min=lots").get_data(as_text=True)
    assert "is not a score from 0 to 1" in bad


def test_audit_log_and_dashboard(moderator, auth):
    post_comments(moderator, auth, ["one", "two"])
    seen = versions(moderator.get("/queue").get_data(as_text=True))
    first, second = seen.items()
    act(
        moderator,
        "/queue/decide",
        {"items": [{"id": first[0], "version": first[1]}], "action": "approve"},
    )
    act(
        moderator,
        "/queue/decide",
        {"items": [{"id": second[0], "version": second[1]}], "action": "reject", "reason": "spam"},
    )
    audit = moderator.get("/audit?moderator=maria").get_data(as_text=True)
    assert "pending → approved" in audit and "pending → rejected" in audit
    assert "2 decisions" in audit
    assert "0 decisions" in moderator.get("/audit?moderator=nobody").get_data(as_text=True)
    assert "0 decisions" in moderator.get("/audit?from=2999-01-01").get_data(as_text=True)
    dashboard = moderator.get("/dashboard").get_data(as_text=True)
    # Both were held (premoderation); approving one overturns the hold.
    assert "50.0% of 2 reviewed" in dashboard


@pytest.mark.parametrize("query", ["page=²", "page=-3", "page=" + "9" * 30])
def test_odd_page_numbers_show_the_first_page(moderator, auth, query):
    post_comments(moderator, auth, ["a comment"])
    response = moderator.get(f"/queue?{query}")
    assert response.status_code == 200
    assert len(card_ids(response.get_data(as_text=True))) == 1


def test_reason_and_note_must_be_text(moderator, auth):
    post_comments(moderator, auth, ["a comment"])
    ((comment_id, version),) = versions(moderator.get("/queue").get_data(as_text=True)).items()
    item = {"id": comment_id, "version": version}
    body = {"items": [item], "action": "reject", "reason": ["spam"], "note": 5}
    (result,) = act(moderator, "/queue/decide", body).get_json()["results"]
    assert "must be text" in result["message"]


def test_batch_rejection_offers_no_reason_that_needs_a_note(moderator, auth):
    post_comments(moderator, auth, ["a comment"])
    page = moderator.get("/queue").get_data(as_text=True)
    batch_select = page[
        page.index('id="batch-reason"') : page.index("</select>", page.index('id="batch-reason"'))
    ]
    assert 'value="spam"' in batch_select and 'value="other"' not in batch_select


def test_taking_the_next_comments_gives_moderators_disjoint_sets(app, moderator, auth):
    post_comments(moderator, auth, [f"comment number {i}" for i in range(30)])
    response = moderator.post(
        "/queue/claim", data={"csrf_token": csrf_token(moderator, "/queue")}, follow_redirects=True
    )
    mine = set(card_ids(response.get_data(as_text=True)))
    assert len(mine) == 25 and "yours for 15 minutes" in response.get_data(as_text=True)
    add_moderator(app, "li")
    other = app.test_client()
    sign_in(other, "li")
    assert set(card_ids(other.get("/queue").get_data(as_text=True))).isdisjoint(mine)
    response = other.post(
        "/queue/claim", data={"csrf_token": csrf_token(other, "/queue")}, follow_redirects=True
    )
    theirs = set(card_ids(response.get_data(as_text=True)))
    assert len(theirs) == 5 and theirs.isdisjoint(mine)


def test_concurrent_claims_never_overlap(app, client, auth):
    import threading

    from sqlalchemy import select

    from moderation.domain import review
    from moderation.domain.orm import Moderator
    from moderation.infrastructure.db import db

    post_comments(client, auth, [f"comment {i}" for i in range(40)])
    names = ["m1", "m2", "m3", "m4"]
    for name in names:
        add_moderator(app, name)
    results, errors = {}, []

    def take(name):
        try:
            with app.app_context():
                me = db.session.scalar(select(Moderator).where(Moderator.username == name))
                results[name] = review.claim_next(me, 12)
                db.session.commit()
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(repr(exc))

    threads = [threading.Thread(target=take, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    claimed = [i for ids in results.values() for i in ids]
    assert len(claimed) == len(set(claimed)) == 40


def test_deciding_too_many_at_once_is_refused_and_says_the_limit(moderator, auth):
    from moderation.web.queue_pages import DECIDE_LIMIT

    post_comments(moderator, auth, ["first comment"])
    ((comment_id, version),) = versions(moderator.get("/queue").get_data(as_text=True)).items()
    items = [{"id": comment_id, "version": version}] * (DECIDE_LIMIT + 1)
    response = act(moderator, "/queue/decide", {"items": items, "action": "approve"})
    assert response.status_code == 413
    assert f"at most {DECIDE_LIMIT}" in response.get_json()["error"]
    assert moderator.get("/api/v1/comments/c0", headers=auth).get_json()["status"] == "pending"


def test_a_failure_after_the_commit_still_reports_the_decision(moderator, auth, monkeypatch):
    """Refreshing the cards comes after the commit: if it fails, the moderator
    is told the decision was taken rather than shown a server error."""
    post_comments(moderator, auth, ["first comment"])
    ((comment_id, version),) = versions(moderator.get("/queue").get_data(as_text=True)).items()

    def broken_card(comment):
        raise RuntimeError("template failed")

    monkeypatch.setattr("moderation.web.queue_pages._card", broken_card)
    response = act(
        moderator,
        "/queue/decide",
        {"items": [{"id": comment_id, "version": version}], "action": "approve"},
    )
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert result["status"] == "approved" and "reload" in result["message"]
    assert moderator.get("/api/v1/comments/c0", headers=auth).get_json()["status"] == "approved"


def test_decisions_answer_with_the_counts_and_only_admins_release_claims(app, moderator, auth):
    post_comments(moderator, auth, sample_data.EXAMPLE_COMMENTS)
    ((comment_id, version), _) = versions(moderator.get("/queue").get_data(as_text=True)).items()
    response = act(
        moderator,
        "/queue/decide",
        {"items": [{"id": comment_id, "version": version}], "action": "approve"},
    )
    counts = response.get_json()["counts"]
    assert counts == {"pending": 1, "reported": 0, "approved": 1, "rejected": 0, "all": 2}
    moderator.post("/queue/claim", data={"csrf_token": csrf_token(moderator, "/queue")})
    refused = moderator.post(
        "/queue/release", data={"moderator": "maria", "csrf_token": csrf_token(moderator, "/queue")}
    )
    assert refused.status_code == 403
    add_moderator(app, "boss", role="admin")
    boss = app.test_client()
    sign_in(boss, "boss")
    page = boss.get("/queue").get_data(as_text=True)
    assert 'data-count="pending">0<' in page and "maria</span>:" in page
    released = boss.post(
        "/queue/release",
        data={"moderator": "maria", "csrf_token": csrf_token(boss, "/queue")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Released 1 comment claimed by maria." in released
    assert 'data-count="pending">1<' in released


def test_a_body_that_is_not_an_object_chooses_nothing(moderator):
    assert act(moderator, "/queue/decide", [1]).status_code == 400
    undone = act(moderator, "/queue/undo", [1])
    assert undone.status_code == 200
    assert undone.get_json()["results"][0]["error"] == "not_found"


def test_the_audit_log_up_to_the_last_day_of_the_calendar(moderator):
    page = moderator.get("/audit?to=9999-12-31&from=0001-01-01")
    assert page.status_code == 200 and "filter was ignored" not in page.get_data(as_text=True)
