"""The dashboard in a real browser: charts drawn by the server, nothing
fetched from anywhere else."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests import sample_data
from tests.moderation_helpers import PASSWORD, add_moderator, post_comments


@pytest.fixture
def app_config():
    return {"MODERATION_PREMODERATION": True}


def test_dashboard_draws_its_charts_from_this_service_only(app, client, auth, page, live_server):
    add_moderator(app)
    post_comments(client, auth, [*sample_data.EXAMPLE_COMMENTS, sample_data.SPAM])
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto("/login")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#cards > .card").first.get_by_role("button", name="Approve").click()
    expect(page.locator('[data-count="approved"]')).to_have_text("1")
    page.get_by_role("link", name="Dashboard").click()
    charts = page.get_by_role("region", name="Charts").get_by_role("img")
    expect(charts).to_have_count(4)
    for name in (
        "Comments per day by outcome",
        "Queue size over time",
        "Oldest wait over time",
        "Override rate per week",
    ):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    # Today's bar holds the three comments: one approved, two pending.
    today_bars = page.get_by_role("img", name="Comments per day by outcome").locator("rect")
    expect(today_bars).to_have_count(2)
    expect(page.get_by_role("img", name="Queue size over time")).to_contain_text("2")
    expect(page.locator("dl.stats")).to_contain_text(re.compile(r"Pending\s*2"))
    assert hosts == {urlsplit(live_server).netloc}


def test_dashboard_counts_a_moderator_overturning_the_model(app, client, auth, page):
    add_moderator(app)
    # Rejected by the model as abusive: a verdict a moderator can overturn.
    (insult,) = post_comments(client, auth, [sample_data.INSULT])
    assert insult["status"] == "rejected"
    # Held only because its article is unknown: approving it overturns nothing.
    waiting = {"id": "late", "article_id": "not-posted-yet", "text": "Drone attacks go on."}
    assert client.post("/api/v1/comments", json=waiting, headers=auth).status_code == 201
    page.goto("/login")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    card = page.locator('.card[aria-label^="Comment late,"]')
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".badge")).to_have_text("approved")
    page.goto("/queue?tab=rejected")
    card = page.locator('.card[aria-label^="Comment c0,"]')
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".badge")).to_have_text("approved")
    page.get_by_role("link", name="Dashboard").click()
    overturned = page.locator("dl.stats > div", has_text="Moderators overturned the model")
    expect(overturned.locator("dd")).to_have_text("100.0% of 1 reviewed")
    expect(page.get_by_role("row", name=re.compile("^abusive"))).to_have_text(
        re.compile(r"abusive\s*1\s*1\s*100\.0%")
    )
