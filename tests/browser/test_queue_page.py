"""The queue page in a real browser: what a moderator sees and does, and
what the site's API returns afterwards."""

import re

import pytest
from playwright.sync_api import expect

from tests import sample_data
from tests.moderation_helpers import PASSWORD, add_moderator, csrf_token, post_comments, sign_in

TEXTS = [
    *sample_data.EXAMPLE_COMMENTS,
    "Drone attacks will not stop because of an accord.",
]


@pytest.fixture
def app_config():
    # Hold every comment for review, whatever the tiny test model says.
    return {"MODERATION_PREMODERATION": True}


@pytest.fixture
def queue_page(app, client, auth, page):
    add_moderator(app)
    post_comments(client, auth, TEXTS)
    page.goto("/login")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/queue$"))
    # The shortcuts are bound by the page's script: a key pressed before it
    # has run (a loaded machine) would be lost.
    page.wait_for_load_state()
    return page


def card(page, index):
    return page.locator("#cards > .card").nth(index)


def card_of(page, comment_id):
    """A comment's card wherever it is (the list or "Decided just now")."""
    return page.locator(f'.card[aria-label^="Comment {comment_id},"]')


def status_of(client, auth, comment_id):
    return client.get(f"/api/v1/comments/{comment_id}", headers=auth).get_json()


def test_approve_by_click(queue_page, client, auth):
    first = card(queue_page, 0)
    expect(first).to_contain_text("There is more to come")
    first.get_by_role("button", name="Approve").click()
    expect(card_of(queue_page, "c0").locator(".badge")).to_have_text("approved")
    expect(queue_page.locator("#notice")).to_have_text("1 comment updated.")
    assert status_of(client, auth, "c0")["status"] == "approved"


def test_keyboard_moves_approves_and_shows_help(queue_page, client, auth):
    queue_page.keyboard.press("j")
    expect(card(queue_page, 0)).to_be_focused()
    queue_page.keyboard.press("j")
    expect(card(queue_page, 1)).to_be_focused()
    queue_page.keyboard.press("a")
    expect(card_of(queue_page, "c1").locator(".badge")).to_have_text("approved")
    # c1 left the pending list: focus is on the card after it, c2.
    expect(card_of(queue_page, "c2")).to_be_focused()
    assert status_of(client, auth, "c1")["status"] == "approved"
    queue_page.keyboard.press("?")
    expect(queue_page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()


def test_reject_with_a_reason(queue_page, client, auth):
    card(queue_page, 2).get_by_role("button", name="Reject…").click()
    dialog = queue_page.get_by_role("dialog", name="Reject comment")
    dialog.get_by_label("Off-topic").check()
    dialog.get_by_role("button", name="Reject").click()
    expect(card_of(queue_page, "c2").locator(".badge")).to_have_text("rejected")
    api = status_of(client, auth, "c2")
    assert api["status"] == "rejected" and api["reasons"] == ["off_topic"]


def test_batch_reject_then_undo(queue_page, client, auth):
    # One by its checkbox; then, from there, two cards down with the keyboard.
    card(queue_page, 0).get_by_label(re.compile("Select comment")).check()
    queue_page.keyboard.press("j")
    queue_page.keyboard.press("j")
    expect(card(queue_page, 2)).to_be_focused()
    queue_page.keyboard.press("x")
    expect(queue_page.locator("#selected-count")).to_have_text("2 selected")
    queue_page.get_by_label("Reject reason").select_option("spam")
    queue_page.get_by_role("button", name="Reject selected").click()
    expect(queue_page.locator("#notice")).to_have_text("2 comments updated.")
    assert [status_of(client, auth, c)["status"] for c in ("c0", "c1", "c2")] == [
        "rejected",
        "pending",
        "rejected",
    ]
    card_of(queue_page, "c0").get_by_role("button", name="Undo").click()
    expect(card_of(queue_page, "c0").locator(".badge")).to_have_text("pending")
    assert status_of(client, auth, "c0")["status"] == "pending"


def test_filter_and_sort(queue_page):
    queue_page.get_by_label("Search").fill("accord")
    queue_page.get_by_role("button", name="Apply").click()
    expect(queue_page.locator("#cards > .card")).to_have_count(1)
    expect(card(queue_page, 0)).to_contain_text("Drone attacks will not stop")
    queue_page.get_by_label("Search").fill("")
    queue_page.get_by_label("Sort", exact=True).select_option("newest")
    queue_page.get_by_role("button", name="Apply").click()
    expect(queue_page.locator("#cards > .card")).to_have_count(3)
    expect(card(queue_page, 0)).to_contain_text("Drone attacks will not stop")


def test_conflict_shows_who_decided_first(app, queue_page, client, auth):
    add_moderator(app, "li")
    other = app.test_client()
    sign_in(other, "li")
    comment_id = int(card(queue_page, 0).get_attribute("data-id"))
    version = int(card(queue_page, 0).get_attribute("data-version"))
    token = csrf_token(other, "/queue")
    other.post(
        "/queue/decide",
        json={"items": [{"id": comment_id, "version": version}], "action": "approve"},
        headers={"X-CSRFToken": token},
    )
    card(queue_page, 0).get_by_role("button", name="Reject…").click()
    queue_page.get_by_role("dialog", name="Reject comment").get_by_role(
        "button", name="Reject"
    ).click()
    expect(card(queue_page, 0).locator(".card-message")).to_contain_text(
        "li has just set this comment to approved"
    )
    expect(card(queue_page, 0).locator(".badge")).to_have_text("approved")
    assert status_of(client, auth, "c0")["status"] == "approved"


def test_forged_post_without_csrf_token_is_refused(queue_page, client, auth):
    comment_id = int(card(queue_page, 0).get_attribute("data-id"))
    version = int(card(queue_page, 0).get_attribute("data-version"))
    # Same cookies as the signed-in page, but no token: what a forged form sends.
    response = queue_page.request.post(
        "/queue/decide",
        data={"items": [{"id": comment_id, "version": version}], "action": "approve"},
    )
    assert response.status == 400
    assert "refused" in response.json()["message"]
    assert status_of(client, auth, "c0")["status"] == "pending"


def test_sign_out(queue_page):
    queue_page.get_by_role("button", name="Sign out").click()
    expect(queue_page.get_by_text("You are signed out.")).to_be_visible()
    queue_page.goto("/queue")
    expect(queue_page).to_have_url(re.compile(r"/login"))


def test_screenshot_of_the_queue_for_the_readme(app, client, auth, page, screenshot_dir):
    """The README's picture: the example article's comments and two that
    the policy holds, as a moderator sees them."""
    add_moderator(app)
    post_comments(client, auth, [*sample_data.EXAMPLE_COMMENTS, sample_data.SPAM])
    sign_in_page = page
    sign_in_page.goto("/login")
    sign_in_page.get_by_label("Username").fill("maria")
    sign_in_page.get_by_label("Password").fill(PASSWORD)
    sign_in_page.get_by_role("button", name="Sign in").click()
    page.set_viewport_size({"width": 1100, "height": 1300})
    expect(page.locator("#cards > .card")).to_have_count(3)
    # Open the first article excerpt (not by its title, which links away).
    page.locator("#cards > .card details.article").first.evaluate("d => d.open = true")
    page.locator("#cards > .card").first.focus()
    expect(page).to_have_url(re.compile(r"/queue$"))
    page.screenshot(path=screenshot_dir / "queue.png", full_page=True)
    assert (screenshot_dir / "queue.png").stat().st_size > 10_000
