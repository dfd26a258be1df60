"""Regenerate the README's screenshots: docs/queue.png and docs/dashboard.png.

    .venv/bin/python docs/screenshots.py

Runs the app on a temporary SQLite database with the shipped model
(``models/``, or ``MODERATION_MODEL_DIR``) and pre-moderation on, posts the
README's example article with its two reader comments and a spam comment,
adds two weeks of generated decisions so the dashboard's charts have
something to draw, and photographs the pages in Debian's Chromium
(``/usr/bin/chromium``, through Playwright, as the browser tests do).
The tests never write here; only this command does.
"""

import random
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from moderation import create_app  # noqa: E402
from moderation.domain.accounts import create_moderator  # noqa: E402
from moderation.domain.orm import Comment, Decision  # noqa: E402
from moderation.domain.sites import create_site  # noqa: E402
from moderation.infrastructure.db import db, ensure_schema, utcnow  # noqa: E402
from tests import sample_data  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PASSWORD = "screenshots only"
OUT = ROOT / "docs"


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/screenshots.sqlite",
                "SECRET_KEY": "screenshots",
                "MODERATION_PREMODERATION": True,
                "RATELIMIT_ENABLED": False,
            }
        )
        ensure_schema(app)
        _fill(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            _photograph(f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
    print(f"wrote {OUT / 'queue.png'} and {OUT / 'dashboard.png'}")


def _fill(app) -> None:
    with app.app_context():
        _, key = create_site("Example Tribune")
        create_moderator("maria", PASSWORD, "admin")
        _history(random.Random(0))
        db.session.commit()
    client, auth = app.test_client(), {"Authorization": f"Bearer {key}"}
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    # As in the README's walk-through: c-1 is Saamia's "Oh, please!...", c-2
    # Ahmed's "There is more to come..." (the order of EXAMPLE_COMMENTS is
    # the other way round).
    saamia, ahmed = sample_data.EXAMPLE_COMMENTS[1], sample_data.EXAMPLE_COMMENTS[0]
    comments = [
        (saamia, "u7", "Saamia"),
        (ahmed, "u12", "Ahmed"),
        (sample_data.SPAM, "u99", "promo-bot"),
    ]
    for i, (text, author_id, name) in enumerate(comments):
        body = {
            "id": f"c-{i + 1}",
            "article_id": sample_data.EXAMPLE_ARTICLE["id"],
            "text": text,
            "author": {"id": author_id, "name": name},
        }
        response = client.post("/api/v1/comments", json=body, headers=auth)
        assert response.status_code == 201, response.get_json()


def _history(rng: random.Random) -> None:
    """Two weeks of generated comments, decided by the policy and by maria."""
    now = utcnow()
    for number in range(400):
        received = now - timedelta(days=14) + timedelta(hours=rng.uniform(0, 14 * 24 - 6))
        roll = rng.random()
        steps = [("model", None, "approved", [])]
        if roll > 0.7:
            steps = [("model", None, "rejected", ["abusive"])]
        if roll > 0.8:
            reason = rng.choice([["abusive"], ["off_topic"], ["unknown_article"]])
            steps = [("model", None, "pending", reason)]
            if rng.random() < 0.9:
                final = "approved" if rng.random() < 0.4 else "rejected"
                steps.append(("moderator", "pending", final, [] if final == "approved" else reason))
        comment = Comment(
            site_id=1,
            external_id=f"earlier-{number}",
            article_external_id="earlier-article",
            text="An earlier comment.",
            created_at=received,
            received_at=received,
            status=steps[-1][2],
            reasons=steps[-1][3],
        )
        db.session.add(comment)
        for i, (actor_type, before, after, reasons) in enumerate(steps):
            decided = received + timedelta(hours=rng.uniform(0.5, 30) * i)
            db.session.add(
                Decision(
                    comment=comment,
                    actor_type=actor_type,
                    actor="maria" if actor_type == "moderator" else "policy/generated",
                    from_status=before,
                    to_status=after,
                    reasons=reasons,
                    decided_at=min(decided, now),
                )
            )


def _photograph(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(base_url=base, viewport={"width": 1100, "height": 1300})
        page.goto("/login")
        page.get_by_label("Username").fill("maria")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/queue?article=" + sample_data.EXAMPLE_ARTICLE["id"])
        expect(page.locator("#cards > .card")).to_have_count(3)
        page.locator("#cards > .card details.article").first.evaluate("d => d.open = true")
        page.locator("#cards > .card").first.focus()
        page.screenshot(path=OUT / "queue.png", full_page=True)
        page.get_by_role("link", name="Dashboard").click()
        expect(page.get_by_role("img", name="Comments per day by outcome")).to_be_visible()
        page.screenshot(path=OUT / "dashboard.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
