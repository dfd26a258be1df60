"""Authors per site: their record, and trust or ban by moderators, logged
and reversible, in the policy's reasons and the feed."""

import re

import pytest

from moderation.domain.sites import create_site
from moderation.infrastructure.db import db
from tests import sample_data
from tests.moderation_helpers import add_moderator, csrf_token, sign_in

ARTICLE = sample_data.EXAMPLE_ARTICLE


@pytest.fixture
def app_config():
    return {"MODERATION_PREMODERATION": True}


@pytest.fixture
def moderator(app):
    add_moderator(app)
    client = app.test_client()
    sign_in(client)
    return client


def post(client, auth, comment_id, text=None, author="u1"):
    client.post("/api/v1/articles", json=ARTICLE, headers=auth)
    body = {
        "id": comment_id,
        "article_id": ARTICLE["id"],
        "text": text or sample_data.EXAMPLE_COMMENTS[0],
        "author": {"id": author, "name": "Saamia"},
    }
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()


def set_standing(moderator, site_id, standing, note="", author="u1"):
    token = csrf_token(moderator, "/queue")
    return moderator.post(
        f"/authors/{site_id}/{author}/standing",
        data={"standing": standing, "note": note, "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)


def site_id_of(app, name="Example Tribune"):
    from sqlalchemy import select

    from moderation.domain.orm import Site

    with app.app_context():
        return db.session.scalar(select(Site.id).where(Site.name == name))


def test_an_authors_record_is_per_site(app, client, auth, moderator):
    with app.app_context():
        _, other_key = create_site("Other Gazette")
        db.session.commit()
    other = {"Authorization": f"Bearer {other_key}"}
    post(client, auth, "a1")
    for i in range(3):
        post(client, other, f"b{i}")
    page = moderator.get("/queue").get_data(as_text=True)
    items = [
        {"id": int(i), "version": int(v)}
        for i, v in re.findall(r'data-id="(\d+)" data-version="(\d+)"', page)
    ][1:]
    moderator.post(
        "/queue/decide",
        json={"items": items, "action": "approve"},
        headers={"X-CSRFToken": csrf_token(moderator, "/queue")},
    )
    page = moderator.get("/queue").get_data(as_text=True)
    # Site B's u1 has three comments approved; site A's u1 none.
    assert "(0 approved, 0 rejected)" in page and "(3 approved" not in page
    author_page = moderator.get(f"/authors/{site_id_of(app)}/u1").get_data(as_text=True)
    assert author_page.count("/queue/comment/") == 1
    other_page = moderator.get(f"/authors/{site_id_of(app, 'Other Gazette')}/u1")
    assert other_page.get_data(as_text=True).count("/queue/comment/") == 3


def test_a_trusted_author_skips_the_queue_unless_clearly_abusive(app, client, auth, moderator):
    assert post(client, auth, "before")["status"] == "pending"
    page = set_standing(moderator, site_id_of(app), "trusted", "long-time reader")
    assert "u1 is now trusted at Example Tribune." in page and "long-time reader" in page
    after = post(client, auth, "after")
    assert (after["status"], after["reasons"]) == ("approved", ["author_trusted"])
    feed = client.get("/api/v1/comments?status=approved", headers=auth).get_json()["items"]
    assert [i["decision"]["reasons"] for i in feed if i["id"] == "after"] == [["author_trusted"]]
    policy = client.get("/api/v1/policy", headers=auth).get_json()
    assert "author_trusted" in policy["reasons"] and "author_banned" in policy["reasons"]


def test_a_ban_rejects_held_and_new_comments_and_is_reversible(app, client, auth, moderator):
    post(client, auth, "held")
    page = set_standing(moderator, site_id_of(app), "banned", "spammer")
    assert "u1 is now banned" in page
    held = client.get("/api/v1/comments/held", headers=auth).get_json()
    assert (held["status"], held["reasons"]) == ("rejected", ["author_banned"])
    assert held["history"][-1]["actor"] == "maria"
    new = post(client, auth, "new")
    assert (new["status"], new["reasons"]) == ("rejected", ["author_banned"])
    # Another author is untouched; the same id at another site too.
    assert post(client, auth, "other", author="u2")["reasons"] == ["premoderation"]

    page = set_standing(moderator, site_id_of(app), "normal", "appealed")
    assert post(client, auth, "later")["reasons"] == ["premoderation"]
    assert page.index("banned → normal") < page.index("normal → banned")
    assert "Not changed: u1 is already normal" in set_standing(moderator, site_id_of(app), "normal")


def test_a_ban_can_hold_instead_of_reject(app, client, auth, moderator):
    app.config["MODERATION_BANNED_AUTHORS"] = "hold"
    set_standing(moderator, site_id_of(app), "banned")
    new = post(client, auth, "new")
    assert (new["status"], new["reasons"]) == ("pending", ["author_banned"])


def test_rescoring_held_comments_keeps_a_banned_authors_hold(app, client, auth, moderator, runner):
    app.config["MODERATION_BANNED_AUTHORS"] = "hold"
    set_standing(moderator, site_id_of(app), "banned")
    post(client, auth, "held")
    assert runner.invoke(args=["models", "rescore-pending"]).exit_code == 0
    held = client.get("/api/v1/comments/held", headers=auth).get_json()
    assert (held["status"], held["reasons"]) == ("pending", ["author_banned"])


def test_a_standing_changed_since_the_page_was_read_is_not_overwritten(app, auth, moderator):
    """The page shows u1 as normal; u1 is banned meanwhile (from another tab here,
    as another moderator would); the page's "Trust" is refused."""
    page = moderator.get(f"/authors/{site_id_of(app)}/u1").get_data(as_text=True)
    assert 'name="seen" value="normal"' in page
    set_standing(moderator, site_id_of(app), "banned")
    token = csrf_token(moderator, "/queue")
    answer = moderator.post(
        f"/authors/{site_id_of(app)}/u1/standing",
        data={"standing": "trusted", "seen": "normal", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Not changed: maria has just made u1 banned" in answer
    assert '<dd id="standing">banned</dd>' in answer


def test_a_ban_racing_a_decision_on_their_comment_changes_nothing(
    app, client, auth, moderator, monkeypatch
):
    from sqlalchemy.orm.exc import StaleDataError

    from moderation.domain import trust

    def decided_meanwhile(*_):
        raise StaleDataError("a held comment was decided as the ban ran")

    monkeypatch.setattr(trust, "_decide_held_comments", decided_meanwhile)
    post(client, auth, "held")
    page = set_standing(moderator, site_id_of(app), "banned")
    assert "Not changed: one of their comments was decided meanwhile" in page
    assert '<dd id="standing">normal</dd>' in page
