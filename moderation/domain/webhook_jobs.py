"""Webhook delivery as jobs, so the job workers (or the thread of
``python app.py``) deliver without a process of its own.

A commit that wrote outbox events queues a delivery job
(``webhooks.mark_events_written``); the job delivers
what is due in rounds (``webhooks.deliver_due``: claims, so two workers
never send one event twice), then schedules itself for the next retry that
falls due. A job a second: retries due in the same second share one. A
minute's sweep catches any trigger that was lost (a queue that was away at
the commit). ``MODERATION_WEBHOOK_DELIVERY=workers`` turns the jobs off
for operators who run ``flask webhooks run`` instead.
"""

import logging
import os
import socket
from datetime import timedelta

from sqlalchemy import func, select

from moderation.domain.orm_webhooks import OutboxEvent, Webhook
from moderation.domain.webhooks import (
    DELIVERY_JOB,
    behind_an_earlier_event,
    deliver_due,
    delivered_by_jobs,
)
from moderation.infrastructure import jobs
from moderation.infrastructure.db import as_utc, db, utcnow

log = logging.getLogger(__name__)
# Rounds one job runs before it leaves the rest to the next job (a flood of
# events must not keep one worker from everything else).
MOST_ROUNDS = 50


def deliver_job() -> None:
    """Deliver what is due, then be back when the next retry falls due."""
    if not delivered_by_jobs():
        return
    worker = f"{socket.gethostname()}:{os.getpid()}"
    for _ in range(MOST_ROUNDS):
        delivered, failed = deliver_due(worker)
        if not (delivered or failed):
            break
    else:
        jobs.enqueue(DELIVERY_JOB)  # more than one job's share: the rest at once
        return
    wait = seconds_to_next_attempt()
    if wait is not None:
        # At least a second: an event another worker is sending right now
        # looks due until that worker records its attempt.
        jobs.schedule_once(DELIVERY_JOB, delay=max(wait, 1.0))


def seconds_to_next_attempt() -> float | None:
    """Until the earliest undelivered event's next attempt (claims that
    run out included), or None when nothing waits. Events waiting behind an
    earlier one of their comment are not counted: they cannot go before it,
    and their own past retry time would bring the job back every second
    for as long as a site's receiver is down."""
    next_at = db.session.scalar(
        select(func.min(func.coalesce(OutboxEvent.claimed_until, OutboxEvent.next_attempt_at)))
        .where(OutboxEvent.delivered_at.is_(None))
        .where(select(Webhook.id).where(Webhook.site_id == OutboxEvent.site_id).exists())
        .where(~behind_an_earlier_event())
    )
    db.session.rollback()
    if next_at is None:
        return None
    return max((as_utc(next_at) - utcnow()) / timedelta(seconds=1), 0.0)
