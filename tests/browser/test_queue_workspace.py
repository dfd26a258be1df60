"""The queue page tells moderators the truth: refusals on the card, Enter
rejects, live counts, decided cards out of the list, claims explained, a
batch bar in view, a visible selection and highlights that mark only
meaningful words."""

import re

import pytest
from playwright.sync_api import expect

from tests import sample_data
from tests.moderation_helpers import PASSWORD, add_moderator, csrf_token, post_comments, sign_in

TEXTS = [
    "There is more to come: Iran and Iraq are next.",
    "Drone attacks will not stop because of an accord.",
    "Russia wants intelligence on the Taliban.",
]


@pytest.fixture
def app_config():
    return {"MODERATION_PREMODERATION": True}


def open_queue(page, name="maria"):
    page.goto("/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/queue$"))
    # The shortcuts are bound by the page's script: a key pressed before it
    # has run (a loaded machine) would be lost.
    page.wait_for_load_state()
    return page


@pytest.fixture
def queue_page(app, client, auth, page):
    add_moderator(app)
    post_comments(client, auth, TEXTS)
    return open_queue(page)


def card_of(page, comment_id):
    return page.locator(f'.card[aria-label^="Comment {comment_id},"]')


def status_of(client, auth, comment_id):
    return client.get(f"/api/v1/comments/{comment_id}", headers=auth).get_json()["status"]


def test_a_refused_reject_says_why_on_the_card_and_keeps_focus(queue_page, client, auth):
    card_of(queue_page, "c0").focus()
    queue_page.keyboard.press("r")
    dialog = queue_page.get_by_role("dialog", name="Reject comment")
    dialog.get_by_role("radio", name="Other").check()
    dialog.get_by_role("button", name="Reject").click()
    message = card_of(queue_page, "c0").locator(".card-message")
    expect(message).to_contain_text("say why in a note when the reason is 'other'")
    expect(card_of(queue_page, "c0")).to_be_focused()
    expect(queue_page.locator("#notice")).to_contain_text("1 not: Not done: say why")
    expect(queue_page.locator("#notice")).not_to_contain_text("updated")
    assert status_of(client, auth, "c0") == "pending"


def test_undo_of_a_model_decision_is_refused_on_the_card(queue_page, client, auth):
    card_of(queue_page, "c1").focus()
    queue_page.keyboard.press("u")
    expect(card_of(queue_page, "c1").locator(".card-message")).to_contain_text(
        "the latest decision on this comment was not a moderator's"
    )
    expect(card_of(queue_page, "c1")).to_be_focused()
    expect(queue_page.locator("#cards > .card")).to_have_count(3)


def test_undo_of_another_moderators_decision_is_refused_on_the_card(app, client, auth, page):
    add_moderator(app, "maria")
    add_moderator(app, "li")
    post_comments(client, auth, TEXTS[:2])
    other = app.test_client()
    sign_in(other, "li")
    seen = re.findall(r'data-id="(\d+)" data-version="(\d+)"', other.get("/queue").text)
    decided = other.post(
        "/queue/decide",
        json={"items": [{"id": int(i), "version": int(v)} for i, v in seen], "action": "approve"},
        headers={"X-CSRFToken": csrf_token(other, "/queue")},
    )
    assert [r["status"] for r in decided.get_json()["results"]] == ["approved", "approved"]
    open_queue(page)
    page.goto("/queue?tab=approved")
    card_of(page, "c0").focus()
    page.keyboard.press("u")
    expect(card_of(page, "c0").locator(".card-message")).to_contain_text(
        "only li or an admin can undo li's decision"
    )
    expect(card_of(page, "c0")).to_be_focused()
    expect(page.locator("#notice")).not_to_contain_text("updated")
    assert status_of(client, auth, "c0") == "approved"


def test_enter_rejects_with_the_chosen_reason_and_escape_cancels(queue_page, client, auth):
    card_of(queue_page, "c0").focus()
    queue_page.keyboard.press("r")
    expect(queue_page.get_by_role("dialog", name="Reject comment")).to_be_visible()
    queue_page.keyboard.press("ArrowDown")  # Abusive -> Off-topic
    queue_page.keyboard.press("Enter")
    expect(card_of(queue_page, "c0").locator(".badge")).to_have_text("rejected")
    body = client.get("/api/v1/comments/c0", headers=auth).get_json()
    assert body["status"] == "rejected" and body["reasons"] == ["off_topic"]

    card_of(queue_page, "c1").focus()
    queue_page.keyboard.press("r")
    expect(queue_page.get_by_role("dialog", name="Reject comment")).to_be_visible()
    queue_page.keyboard.press("Escape")
    expect(queue_page.get_by_role("dialog", name="Reject comment")).to_be_hidden()
    expect(card_of(queue_page, "c1")).to_be_focused()
    assert status_of(client, auth, "c1") == "pending"


def test_counts_and_list_follow_each_decision_and_undo_brings_it_back(queue_page, client, auth):
    pending = queue_page.locator('[data-count="pending"]')
    expect(pending).to_have_text("3")
    card_of(queue_page, "c0").get_by_role("button", name="Approve").click()
    expect(pending).to_have_text("2")
    expect(queue_page.locator('[data-count="approved"]')).to_have_text("1")
    expect(queue_page.locator("#cards > .card")).to_have_count(2)
    expect(queue_page.locator("#total")).to_have_text("2 comments")
    decided = queue_page.get_by_role("region", name="Decided just now")
    expect(decided.locator(".card")).to_have_count(1)
    decided.get_by_role("button", name="Undo").click()
    expect(pending).to_have_text("3")
    expect(queue_page.locator("#cards > .card")).to_have_count(3)
    expect(decided).to_be_hidden()
    assert status_of(client, auth, "c0") == "pending"
    # A reload agrees with what the page showed.
    queue_page.reload()
    expect(pending).to_have_text("3")


def test_claims_are_explained_and_an_admin_releases_them(app, client, auth, page):
    add_moderator(app, "maria", role="admin")
    add_moderator(app, "li")
    post_comments(client, auth, TEXTS)
    other = app.test_client()
    sign_in(other, "li")
    other.post("/queue/claim", data={"csrf_token": csrf_token(other, "/queue")})
    open_queue(page)
    claims = page.get_by_role("region", name="Claimed comments")
    expect(claims).to_contain_text(re.compile(r"li:\s+3 comments until\s+\d\d:\d\d UTC"))
    expect(page.locator('[data-count="pending"]')).to_have_text("0")
    expect(page.locator("#empty")).to_contain_text("claimed by the moderators above")
    claims.get_by_role("button", name="Release li's claims").click()
    expect(page.get_by_text("Released 3 comments claimed by li.")).to_be_visible()
    expect(page.locator("#cards > .card")).to_have_count(3)
    expect(page.locator('[data-count="pending"]')).to_have_text("3")


def test_selection_is_visible_and_the_batch_bar_stays_in_view(app, client, auth, page):
    add_moderator(app)
    post_comments(client, auth, [f"{text} ({i})" for i in range(4) for text in TEXTS])
    open_queue(page)
    page.set_viewport_size({"width": 900, "height": 600})
    first = page.locator("#cards > .card").first
    first.get_by_label(re.compile("Select comment")).check()
    expect(first).to_have_class(re.compile(r"\bselected\b"))
    expect(first).to_have_attribute("aria-selected", "true")
    page.locator("#cards > .card").last.scroll_into_view_if_needed()
    bar = page.get_by_role("toolbar", name="Selected comments")
    expect(bar).to_be_in_viewport()
    expect(bar.locator("#selected-count")).to_have_text("1 selected")


def test_a_comment_waiting_for_its_article_leaves_the_wait_when_it_comes(app, client, auth, page):
    add_moderator(app)
    post_comments(client, auth, TEXTS[:1], article=False)
    open_queue(page)
    waiting = card_of(page, "c0")
    expect(waiting).to_contain_text("unknown article")
    expect(waiting).to_contain_text("not known to the service")
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    page.reload()
    # Premoderation holds it still, now for that reason alone, judged on the article.
    expect(card_of(page, "c0").locator(".reason")).not_to_contain_text(["unknown article"])
    expect(card_of(page, "c0")).to_contain_text(sample_data.EXAMPLE_ARTICLE["title"])
    card_of(page, "c0").locator("details.history summary").click()
    expect(card_of(page, "c0").locator(".history")).to_contain_text(
        "decided again: its article was posted"
    )


def test_highlights_mark_each_meaningful_word_once(app, client, auth, page):
    add_moderator(app)
    post_comments(client, auth, [sample_data.REPEATED_INSULT])
    open_queue(page)
    page.goto("/queue?tab=all")
    marks = card_of(page, "c0").locator(".text mark")
    expect(marks.first).to_be_visible()
    marked = [word.lower() for word in marks.all_inner_texts()]
    assert 0 < len(marked) <= 6
    assert len(set(marked)) == len(marked), f"a word marked twice: {marked}"
    assert not {"a", "should", "up", "you", "this"} & set(marked), marked
    assert marked.count("moron") == 1


def test_times_say_their_zone_and_the_audit_log_links_decisions(queue_page):
    expect(card_of(queue_page, "c0").locator(".meta time")).to_have_text(re.compile(r" UTC$"))
    card_of(queue_page, "c0").get_by_role("button", name="Approve").click()
    expect(queue_page.locator('[data-count="approved"]')).to_have_text("1")
    card_of(queue_page, "c0").get_by_role("button", name="Undo").click()
    expect(queue_page.locator('[data-count="approved"]')).to_have_text("0")
    queue_page.get_by_role("link", name="Audit log").click()
    undo_row = queue_page.locator("tr", has_text="undo of decision")
    approved_id = queue_page.locator("tbody tr").nth(1).locator("td").first.inner_text()
    undo_row.get_by_role("link", name=f"decision {approved_id}").click()
    expect(queue_page).to_have_url(re.compile(rf"/queue/comment/\d+#decision-{approved_id}$"))
    expect(queue_page.locator(f"#decision-{approved_id}")).to_contain_text("pending → approved")
    expect(queue_page.locator(f"#decision-{approved_id}")).to_contain_text("UTC")


def test_compact_view_shows_one_line_per_comment_and_the_focused_one_in_full(queue_page):
    first, second = card_of(queue_page, "c0"), card_of(queue_page, "c1")
    full_height = second.bounding_box()["height"]
    queue_page.get_by_role("button", name="Compact view").click()
    expect(queue_page.get_by_role("button", name="Compact view")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(second.get_by_role("button", name="Approve")).to_be_hidden()
    assert second.bounding_box()["height"] < min(48, full_height / 2)
    first.focus()
    expect(first.get_by_role("button", name="Approve")).to_be_visible()
    queue_page.keyboard.press("j")
    expect(second).to_be_focused()
    expect(second.get_by_role("button", name="Approve")).to_be_visible()
    expect(first.get_by_role("button", name="Approve")).to_be_hidden()
    # Remembered in this browser; the filter form folds away, remembered too.
    # The card being read stays open meanwhile: folding it as the pointer
    # went down would shift the page under the pointer and lose the click.
    queue_page.get_by_text("Filter and sort").click()
    expect(queue_page.get_by_label("Search")).to_be_hidden()
    expect(second.get_by_role("button", name="Approve")).to_be_visible()
    queue_page.reload()
    expect(queue_page.get_by_role("button", name="Compact view")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(queue_page.get_by_label("Search")).to_be_hidden()
