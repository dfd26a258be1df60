"""A new comment's first decision, written with it.

Each comment the service stores gets the model's decision (or
``policy/no-model``) in the same transaction, and, when its site listens,
the webhook event of that decision: nothing is stored undecided, and no
decision goes unannounced.
"""

from types import SimpleNamespace

from moderation.domain.orm import Decision
from moderation.domain.orm_webhooks import OutboxEvent
from moderation.domain.sites import has_webhook
from moderation.domain.webhooks import event_payload, mark_events_written
from moderation.infrastructure.db import db, utcnow


def insert_first_decisions(site_id: int, comments: list) -> None:
    """The model's decision on each new comment (``submission.NewComment``),
    and its webhook event when the site has a webhook: one multi-row INSERT
    per table, in the caller's transaction."""
    if not comments:
        return
    decided_at = utcnow()
    rows = [
        {
            "comment_id": c.id,
            "decided_at": decided_at,
            "actor_type": "model",
            "actor": f"policy/{c.model_version}" if c.model_version else "policy/no-model",
            "from_status": None,
            "to_status": c.status,
            "reasons": c.reasons,
            "note": None,
        }
        for c in comments
    ]
    table = Decision.__table__
    if not has_webhook(site_id):
        db.session.execute(table.insert(), rows)
        return
    returned = db.session.execute(
        table.insert().returning(table.c.comment_id, table.c.id), rows
    ).tuples()
    decision_ids = dict(returned.all())
    events = []
    for comment, row in zip(comments, rows):
        decision = SimpleNamespace(**row)
        events.append(
            {
                "site_id": site_id,
                "comment_id": comment.id,
                "decision_id": decision_ids[comment.id],
                "payload": event_payload(comment, decision),
                "created_at": decided_at,
                "next_attempt_at": decided_at,
            }
        )
    db.session.execute(OutboxEvent.__table__.insert(), events)
    mark_events_written()
