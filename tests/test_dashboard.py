"""The dashboard's figures from grouped SQL: what a newsroom reads there."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from moderation.domain import dashboard, dashboard_charts
from moderation.domain.orm import Comment, Decision, Site
from moderation.infrastructure.db import db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def add(site, name, days_ago, decisions):
    """A comment received ``days_ago`` with (actor_type, to_status, reasons, days_ago)."""
    received = NOW - timedelta(days=days_ago)
    comment = Comment(
        site_id=site.id,
        external_id=name,
        article_external_id="a",
        text=name,
        created_at=received,
        received_at=received,
        status=decisions[-1][1],
    )
    db.session.add(comment)
    before = None
    for actor_type, to_status, reasons, when in decisions:
        db.session.add(
            Decision(
                comment=comment,
                actor_type=actor_type,
                actor=actor_type,
                from_status=before,
                to_status=to_status,
                reasons=reasons,
                decided_at=NOW - timedelta(days=when),
            )
        )
        before = to_status
    db.session.flush()


def test_figures_count_verdicts_not_holds_and_draw_the_last_days(app):
    with app.app_context():
        site = Site(name="Example Tribune", key_hash="x" * 64, key_prefix="x")
        db.session.add(site)
        db.session.flush()
        for i in range(3):
            add(site, f"ok{i}", 1, [("model", "approved", [], 1)])
        # Held for want of its article, then approved: not an overturn.
        add(
            site,
            "late",
            2,
            [("model", "pending", ["unknown_article"], 2), ("moderator", "approved", [], 2)],
        )
        # Held as abusive: approving it overturns the model, rejecting it agrees.
        add(
            site,
            "wrong",
            3,
            [("model", "pending", ["abusive"], 3), ("moderator", "approved", [], 1)],
        )
        add(
            site,
            "right",
            3,
            [("model", "pending", ["abusive"], 3), ("moderator", "rejected", ["abusive"], 0.5)],
        )
        # Waiting three days now.
        add(site, "waiting", 3, [("model", "pending", ["off_topic"], 3)])
        db.session.commit()

        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            stats = dashboard.figures(NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    assert stats["counts"]["all"] == 7 and stats["counts"]["pending"] == 1
    assert stats["auto_decision_rate"] == round(3 / 7, 3)
    assert stats["reviewed"] == 2 and stats["overturn_rate"] == 0.5
    assert stats["overturn_by_reason"] == {"abusive": {"reviewed": 2, "overturned": 1, "rate": 0.5}}
    by_day = {row["day"].isoformat(): row for row in stats["per_day"]}
    assert by_day["2026-11-29"]["approved"] == 3
    assert by_day["2026-11-27"] == {
        "day": by_day["2026-11-27"]["day"],
        "pending": 1,
        "approved": 1,
        "rejected": 1,
    }
    queue = {row["day"].isoformat(): row for row in stats["queue"]}
    assert [
        queue[d]["size"]
        for d in ("2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30")
    ] == [0, 3, 3, 2, 1]
    assert queue["2026-11-30"]["oldest_wait_hours"] == 72.0
    assert queue["2026-11-28"]["oldest_wait_hours"] == 36.0
    assert len(stats["per_day"]) == dashboard_charts.DAYS == len(stats["queue"])
    # Grouped queries only: no statement reads the comments themselves.
    assert statements and not any("comments.text" in sql for sql in statements)
    weeks = {row["week"].isoformat(): row for row in stats["overturn_by_week"]}
    # Week of Monday 23 November: "wrong" overturned (29th is a Sunday);
    # week of the 30th: "right" upheld.
    assert (weeks["2026-11-23"]["reviewed"], weeks["2026-11-23"]["rate"]) == (1, 1.0)
    assert (weeks["2026-11-30"]["reviewed"], weeks["2026-11-30"]["rate"]) == (1, 0.0)
    assert weeks["2026-11-16"] == {"week": weeks["2026-11-16"]["week"], "reviewed": 0, "rate": None}


def test_a_later_decision_replaces_the_earlier_and_waits_begin_before_the_window(app, monkeypatch):
    """The override rates count only a comment's latest decision, and the
    queue's longest wait counts a comment that was already waiting when the
    charts' window began from its arrival (read a few ids at a time); the
    day's arrivals come out the same however their comments are read."""
    monkeypatch.setattr(dashboard_charts, "IN_LIST", 1)
    with app.app_context():
        site = Site(name="Example Tribune", key_hash="x" * 64, key_prefix="x")
        db.session.add(site)
        db.session.flush()
        # Waiting from 9 and 10 November (before the window of 17-30 November)
        # to the 20th.
        for name in ("long-wait", "longer-wait"):
            add(
                site,
                name,
                20 if name == "long-wait" else 21,
                [
                    ("model", "pending", ["off_topic"], 20 if name == "long-wait" else 21),
                    ("moderator", "approved", [], 10),
                ],
            )
        # Held as abusive, approved, then rejected after all: the model upheld.
        add(
            site,
            "second-thoughts",
            6,
            [
                ("model", "pending", ["abusive"], 6),
                ("moderator", "approved", [], 5),
                ("moderator", "rejected", [], 4),
            ],
        )
        db.session.commit()
        stats = dashboard.figures(NOW)
        # Arrivals' comments looked up one by one (ids far apart) count the same.
        monkeypatch.setattr(dashboard_charts, "SPAN_FOR_A_RANGE", 0)
        assert dashboard.figures(NOW) == stats

    assert stats["reviewed"] == 3 and stats["overturn_rate"] == round(2 / 3, 3)
    assert stats["overturn_by_reason"] == {
        "abusive": {"reviewed": 1, "overturned": 0, "rate": 0.0},
        "off_topic": {"reviewed": 2, "overturned": 2, "rate": 1.0},
    }
    weeks = {
        row["week"].isoformat(): (row["reviewed"], row["rate"]) for row in stats["overturn_by_week"]
    }
    assert weeks["2026-11-23"] == (1, 0.0) and weeks["2026-11-16"] == (2, 1.0)
    queue = {
        row["day"].isoformat(): (row["size"], row["oldest_wait_hours"]) for row in stats["queue"]
    }
    # "longer-wait" arrived at noon on 9 November: 8.5 days by the 17th's end.
    assert queue["2026-11-17"] == (2, 204.0)
    assert queue["2026-11-19"] == (2, 252.0)
    assert queue["2026-11-20"] == (0, None)
    assert queue["2026-11-24"] == (1, 12.0)
    assert queue["2026-11-25"] == (0, None)
    by_day = {row["day"].isoformat(): row for row in stats["per_day"]}
    assert by_day["2026-11-24"]["rejected"] == 1
    assert sum(row["approved"] + row["pending"] + row["rejected"] for row in stats["per_day"]) == 1
