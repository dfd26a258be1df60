"""Telling sites about decisions: a transactional outbox and its delivery.

Every status change of a comment of a site with a webhook writes an
``OutboxEvent`` in the same transaction as the change. A delivery worker
(``flask --app app webhooks run``) posts due events to the site, signed
with HMAC-SHA256 over ``"<timestamp>.<body>"``, and retries with
exponential backoff until the site answers 2xx (redirects are not
followed). Events of one comment are delivered in order: a later one waits
until the earlier one is through. The site deduplicates on the
``X-Moderation-Delivery`` header (the event id), which stays the same
across retries and replays.

Several workers can run at once: each round a worker claims due events for
a while (``claimed_until``) in a short transaction of its own, delivers
them with no transaction open, then records each outcome. A worker that
dies mid-round leaves its claims to expire; the events are then delivered
again, with the same delivery id. Where the service may connect is the
policy in ``outbound``.
"""

import json
import logging
import secrets
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from moderation.domain.orm import Site
from moderation.domain.orm_webhooks import OutboxEvent, Webhook
from moderation.domain.sites import forget_cached_sites
from moderation.domain.webhook_signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from moderation.infrastructure import jobs, outbound
from moderation.infrastructure.db import as_utc, db, utcnow, write_lock

log = logging.getLogger(__name__)
LONGEST_WAIT_SECONDS = 600
BATCH = 20
DELIVERY_JOB = "deliver_webhooks"


def _setting(name: str) -> float:
    return float(current_app.config[f"MODERATION_WEBHOOK_{name}"])


def allowed_networks() -> list[outbound.Network]:
    return outbound.parse_networks(current_app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"])


def set_webhook(site: Site, url: str) -> tuple[Webhook, str]:
    """Register (or replace) the site's webhook; returns it with a new secret.
    Raises ``ValueError`` (``outbound.Refused``) for a URL the policy refuses."""
    outbound.checked_addresses(url, allowed_networks())
    webhook = db.session.scalar(select(Webhook).where(Webhook.site_id == site.id))
    secret = "whsec_" + secrets.token_urlsafe(32)
    if webhook is None:
        webhook = Webhook(site_id=site.id, url=url, secret=secret)
        db.session.add(webhook)
    else:
        webhook.url, webhook.secret = url, secret
    forget_cached_sites()
    return webhook, secret


def queue_event(comment, decision) -> None:
    """Add the event of ``decision`` to the outbox, if the site listens."""
    listening = db.session.info.setdefault("webhook_sites", {})
    if comment.site_id not in listening:
        with db.session.no_autoflush:
            listening[comment.site_id] = (
                db.session.scalar(select(Webhook.id).where(Webhook.site_id == comment.site_id))
                is not None
            )
    if not listening[comment.site_id]:
        return
    db.session.add(
        OutboxEvent(
            site_id=comment.site_id,
            comment=comment,
            decision=decision,
            payload=event_payload(comment, decision),
        )
    )
    mark_events_written()


def delivered_by_jobs() -> bool:
    """Whether the job workers deliver (the default), rather than only
    ``flask webhooks run`` (MODERATION_WEBHOOK_DELIVERY=workers)."""
    return current_app.config["MODERATION_WEBHOOK_DELIVERY"] == "jobs"


def mark_events_written() -> None:
    """The session's commit will queue a delivery job (``webhook_jobs``)."""
    if delivered_by_jobs():
        jobs.enqueue_after_commit(DELIVERY_JOB)


def event_payload(comment, decision) -> dict:
    """What the site is told about a decision (the comment as it is now)."""
    return {
        "event": "comment.status_changed",
        "comment": {
            "id": comment.external_id,
            "article_id": comment.article_external_id,
            "status": str(decision.to_status),
            "reasons": list(decision.reasons or []),
            "scores": {"abusive": comment.abusive, "on_topic": comment.on_topic},
            "model_version": comment.model_version,
        },
        "decision": {
            "from_status": decision.from_status,
            "to_status": str(decision.to_status),
            "actor_type": decision.actor_type,
            "actor": decision.actor,
            "note": decision.note,
            "decided_at": as_utc(decision.decided_at).isoformat(),
        },
    }


def behind_an_earlier_event():
    """An event waits while an earlier event of its comment is undelivered
    (a query's condition on ``OutboxEvent``)."""
    earlier = aliased(OutboxEvent)
    return exists().where(
        earlier.comment_id == OutboxEvent.comment_id,
        earlier.delivered_at.is_(None),
        earlier.id < OutboxEvent.id,
    )


def claim_due(worker: str, limit: int = BATCH) -> list[int]:
    """Claim due events for ``worker`` and commit; returns their ids.

    An event is due when its retry time has come, nobody holds a live claim
    on it, and no earlier event of its comment is still undelivered. On
    PostgreSQL rows another worker is claiming are skipped, not waited for;
    SQLite runs one writer at a time.
    """
    now = utcnow()
    # Longer than the round can take: every claimed event at its deadline.
    claim_seconds = limit * _setting("DEADLINE_SECONDS") + 60
    due = (
        select(OutboxEvent.id)
        .where(
            OutboxEvent.delivered_at.is_(None),
            OutboxEvent.next_attempt_at <= now,
            or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until < now),
            exists().where(Webhook.site_id == OutboxEvent.site_id),
            ~behind_an_earlier_event(),
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=OutboxEvent)
    claimed = db.session.scalars(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + timedelta(seconds=claim_seconds))
        .returning(OutboxEvent.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def attempt(event_id: int, payload: dict, url: str, secret: str, allowed) -> str | None:
    """One POST of an event; None when delivered, else what went wrong."""
    body = json.dumps({"delivery_id": event_id, **payload}).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        DELIVERY_HEADER: str(event_id),
    }
    try:
        # The whole attempt, connecting included: a site that trickles its
        # answer cannot hold the worker longer than this.
        reply = outbound.post(url, body, headers, allowed, _setting("DEADLINE_SECONDS"))
    except outbound.Refused as exc:
        return f"refused: {exc}"
    except TimeoutError as exc:
        return f"too slow: {exc}"
    except OSError as exc:
        return f"unreachable: {exc}"
    if 200 <= reply.status < 300:
        return None
    if 300 <= reply.status < 400:
        return f"HTTP {reply.status} (redirects are not followed)"
    return f"HTTP {reply.status}"


def record_attempt(event: OutboxEvent, error: str | None) -> None:
    """The outcome of one attempt, and the claim released (the caller commits)."""
    event.attempts += 1
    event.claimed_by = event.claimed_until = None
    if error is None:
        event.delivered_at, event.last_error = utcnow(), None
    else:
        first = _setting("FIRST_RETRY_SECONDS")
        wait = min(first * 2 ** (event.attempts - 1), LONGEST_WAIT_SECONDS)
        event.next_attempt_at, event.last_error = utcnow() + timedelta(seconds=wait), error


def deliver_due(worker: str = "worker") -> tuple[int, int]:
    """One round: claim, deliver, record; returns (delivered, failed).

    Ends every transaction it opens, also when nothing was due, so a
    long-running worker on SQLite never keeps reading an old snapshot.
    """
    allowed = allowed_networks()
    delivered = failed = 0
    try:
        with write_lock():
            claimed = claim_due(worker)
        for event_id in claimed:
            event = db.session.get(OutboxEvent, event_id)
            webhook = db.session.scalar(select(Webhook).where(Webhook.site_id == event.site_id))
            target = (webhook.url, webhook.secret) if webhook else None
            payload = event.payload
            db.session.commit()  # no transaction stays open while the site answers
            if target is None:
                error = "the site has no webhook"
            else:
                error = attempt(event_id, payload, *target, allowed)
            # On SQLite the write lock is taken as the transaction begins: a
            # read first, then a write after another writer's commit, fails.
            with write_lock():
                record_attempt(db.session.get(OutboxEvent, event_id), error)
                db.session.commit()
            if error is None:
                delivered += 1
            else:
                failed += 1
                log.info("event %s not delivered: %s", event_id, error)
    finally:
        db.session.rollback()
    return delivered, failed


def replay(event_id: int) -> OutboxEvent | None:
    """Send an event again (same delivery id), as soon as possible."""
    event = db.session.get(OutboxEvent, event_id)
    if event is not None:
        event.delivered_at, event.next_attempt_at = None, utcnow()
        event.claimed_by = event.claimed_until = None
        mark_events_written()  # sent by a job at the commit, not at the minute's sweep
    return event
