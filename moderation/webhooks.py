"""Telling sites about decisions: a transactional outbox and its delivery.

Every status change of a comment of a site with a webhook writes an
``OutboxEvent`` in the same transaction as the change. A delivery worker
(``flask --app app webhooks run``) posts due events to the site, signed
with HMAC-SHA256 over ``"<timestamp>.<body>"``, and retries with
exponential backoff until the site answers 2xx. Events of one comment are
delivered in order: a later one waits until the earlier one is through.
The site deduplicates on the ``X-Moderation-Delivery`` header (the event
id), which stays the same across retries and replays.
"""

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta

from sqlalchemy import select

from .db import as_utc, db, utcnow
from .orm import OutboxEvent, Site, Webhook
from .sites import forget_cached_sites

SIGNATURE_HEADER = "X-Moderation-Signature"
DELIVERY_HEADER = "X-Moderation-Delivery"
FIRST_RETRY_SECONDS = 2
LONGEST_WAIT_SECONDS = 600
TIMEOUT_SECONDS = 5
BATCH = 100


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def set_webhook(site: Site, url: str) -> tuple[Webhook, str]:
    """Register (or replace) the site's webhook; returns it with a new secret."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("the webhook URL must start with http:// or https://")
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


def due_events(limit: int = BATCH) -> list[OutboxEvent]:
    """Undelivered events whose time has come, the earliest of each comment."""
    pending = db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None)).order_by(OutboxEvent.id)
    )
    now, seen, due = utcnow(), set(), []
    for event in pending:
        if event.comment_id in seen:
            continue  # an earlier event of this comment is still on its way
        seen.add(event.comment_id)
        if as_utc(event.next_attempt_at) <= now:
            due.append(event)
            if len(due) >= limit:
                break
    return due


def deliver(event: OutboxEvent, webhook: Webhook) -> bool:
    """One attempt; records the outcome on the event (the caller commits)."""
    body = json.dumps({"delivery_id": event.id, **event.payload}).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
            DELIVERY_HEADER: str(event.id),
        },
    )
    event.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            ok = 200 <= response.status < 300
            error = None if ok else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        ok, error = False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        ok, error = False, f"unreachable: {getattr(exc, 'reason', exc)}"
    if ok:
        event.delivered_at, event.last_error = utcnow(), None
    else:
        wait = min(FIRST_RETRY_SECONDS * 2 ** (event.attempts - 1), LONGEST_WAIT_SECONDS)
        event.next_attempt_at, event.last_error = utcnow() + timedelta(seconds=wait), error
    return ok


def deliver_due() -> tuple[int, int]:
    """Deliver what is due; returns (delivered, failed). Commits each attempt."""
    hooks = {w.site_id: w for w in db.session.scalars(select(Webhook))}
    delivered = failed = 0
    for event in due_events():
        webhook = hooks.get(event.site_id)
        if webhook is None:
            continue
        if deliver(event, webhook):
            delivered += 1
        else:
            failed += 1
        db.session.commit()
    return delivered, failed


def replay(event_id: int) -> OutboxEvent | None:
    """Send an event again (same delivery id), as soon as possible."""
    event = db.session.get(OutboxEvent, event_id)
    if event is not None:
        event.delivered_at, event.next_attempt_at = None, utcnow()
    return event
