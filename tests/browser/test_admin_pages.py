"""The admin pages in a real browser: labels imported twice stay single,
and the models page offers only what it can do."""

import re

import pytest
from playwright.sync_api import expect

from moderation.domain.sites import create_site
from moderation.infrastructure.db import db
from tests.moderation_helpers import PASSWORD, add_moderator


@pytest.fixture
def admin_page(app, page):
    add_moderator(app, "boss", role="admin")
    with app.app_context():
        create_site("Example Tribune")
        db.session.commit()
    page.goto("/login")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/queue$"))
    # The shortcuts are bound by the page's script: a key pressed before it
    # has run (a loaded machine) would be lost.
    page.wait_for_load_state()
    return page


def test_importing_the_same_labels_twice_keeps_one_of_each(admin_page, tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"id": "x1", "text": "You idiot", "abusive": 1}\n'
        '{"id": "x2", "text": "Fair point", "abusive": 0}\n'
    )
    admin_page.get_by_role("link", name="Labels").click()
    imports = admin_page.get_by_role("table", name="Label imports").locator("tbody tr")
    for times in (1, 2):
        admin_page.get_by_label("JSON Lines or CSV").set_input_files(labels)
        admin_page.get_by_role("button", name="Import").click()
        # Jobs run at once in these tests, as a free worker would run it.
        expect(admin_page.get_by_text("Import of labels.jsonl queued")).to_be_visible()
        expect(imports).to_have_count(times)
        expect(imports.first).to_contain_text("Example Tribune")
        expect(imports.first).to_contain_text("imported 2 labels")
    expect(admin_page.locator("main")).to_contain_text("0 from moderators' decisions, 2 imported")


def test_models_page_shows_why_retraining_is_off_and_no_empty_rollback(admin_page, two_versions):
    admin_page.get_by_role("link", name="Models").click()
    retrain = admin_page.get_by_role("button", name="Retrain on the moderators' decisions")
    expect(retrain).to_be_disabled()
    expect(admin_page.get_by_text("Retraining is off: set MODERATION_BASE_DATA")).to_be_visible()
    assert retrain.evaluate("b => getComputedStyle(b).opacity") == "0.5"
    expect(admin_page.get_by_role("button", name=re.compile("Roll back"))).to_have_count(0)
    expect(admin_page.get_by_text("Nothing to roll back to")).to_be_visible()
    admin_page.get_by_role("button", name="Promote v2").click()
    expect(admin_page.get_by_role("button", name="Roll back to v1")).to_be_visible()
