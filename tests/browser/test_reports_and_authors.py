"""Readers' reports and author trust in a real browser: from the site's
API call to the moderator's page and back to the site's feed."""

import re

import pytest
from playwright.sync_api import expect

from tests import sample_data
from tests.moderation_helpers import PASSWORD, add_moderator

ARTICLE = sample_data.EXAMPLE_ARTICLE


@pytest.fixture
def app_config():
    return {"MODERATION_REPORT_THRESHOLD": 2}


def post(client, auth, comment_id, text, author="u1"):
    body = {
        "id": comment_id,
        "article_id": ARTICLE["id"],
        "text": text,
        "author": {"id": author, "name": "Saamia"},
    }
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()


@pytest.fixture
def signed_in(app, page):
    add_moderator(app)
    page.goto("/login")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/queue$"))
    # The shortcuts are bound by the page's script: a key pressed before it
    # has run (a loaded machine) would be lost.
    page.wait_for_load_state()
    return page


def test_reports_send_a_comment_to_the_reported_tab_and_the_decision_reaches_the_feed(
    app, client, auth, signed_in
):
    page = signed_in
    client.post("/api/v1/articles", json=ARTICLE, headers=auth)
    assert post(client, auth, "c1", sample_data.EXAMPLE_COMMENTS[0])["status"] == "approved"
    for reader, reason, text in (("r1", "abusive", "insults the refugees"), ("r2", "spam", None)):
        body = {"reader_id": reader, "reason": reason, "text": text}
        client.post("/api/v1/comments/c1/reports", json=body, headers=auth)
    page.reload()
    expect(page.locator('[data-count="reported"]')).to_have_text("1")
    page.get_by_role("link", name=re.compile("^Reported")).click()
    card = page.locator("#cards > .card").first
    expect(card.get_by_label("Readers' reports")).to_contain_text("Reported by 2 readers")
    expect(card.get_by_label("Readers' reports")).to_contain_text("insults the refugees")
    expect(card.locator(".reason")).to_have_text(["reported"])
    card.get_by_role("button", name="Approve").click()
    expect(page.locator('[data-count="reported"]')).to_have_text("0")
    expect(page.locator("#cards > .card")).to_have_count(0)
    feed = client.get("/api/v1/comments", headers=auth).get_json()["items"]
    changes = [(i["decision"]["from_status"], i["decision"]["to_status"]) for i in feed]
    assert changes == [(None, "approved"), ("approved", "pending"), ("pending", "approved")]


def test_trust_and_ban_from_the_authors_page(app, client, auth, signed_in):
    page = signed_in
    app.config["MODERATION_PREMODERATION"] = True
    client.post("/api/v1/articles", json=ARTICLE, headers=auth)
    post(client, auth, "c1", sample_data.EXAMPLE_COMMENTS[0])
    page.reload()
    page.locator("#cards > .card").first.get_by_role("link", name="Saamia").click()
    expect(page.get_by_role("heading", name=re.compile("Author u1"))).to_be_visible()
    page.get_by_label("Why").fill("regular, never a problem")
    page.get_by_role("button", name=re.compile("^Trust")).click()
    expect(page.locator("#standing")).to_have_text("trusted")
    expect(page.locator("#standing-log")).to_contain_text("normal → trusted")
    assert post(client, auth, "c2", sample_data.EXAMPLE_COMMENTS[1])["status"] == "approved"

    page.get_by_label("Why").fill("changed their mind")
    page.get_by_role("button", name=re.compile("^Ban")).click()
    expect(page.locator("#standing")).to_have_text("banned")
    # The held c1 is rejected now; the author's page lists it so.
    expect(page.locator("table")).to_contain_text("rejected (author_banned)")
    assert post(client, auth, "c3", "One more thought on the accord.")["reasons"] == [
        "author_banned"
    ]
    page.get_by_role("button", name="Back to normal").click()
    expect(page.locator("#standing")).to_have_text("normal")
    expect(page.locator("#standing-log li")).to_have_count(3)
    page.get_by_role("link", name="Queue").click()
    page.get_by_role("link", name=re.compile("^Rejected")).click()
    expect(page.locator("#cards > .card").first).to_contain_text("author banned")
