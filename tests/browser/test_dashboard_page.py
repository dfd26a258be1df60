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
