"""Sites and their API keys.

A key is shown once, when it is created; only its SHA-256 is stored. A
request's key is hashed and looked up by that hash, then compared in
constant time, so neither the database nor response timing reveals keys.

Every API request names its site, so each process keeps what a request
needs of a site (``SiteRef``) and whether the site has a webhook for
``MODERATION_SITE_CACHE_SECONDS`` (default 5): a cached request makes no
query to authenticate. Changes made in this process (a webhook set)
clear the cache at once; changes made elsewhere (another worker, the CLI)
are seen within that expiry.
"""

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from moderation.domain.orm import Site
from moderation.domain.orm_webhooks import Webhook
from moderation.infrastructure.db import db

KEY_PREFIX = "mod_"
# Entries kept per process before the cache starts again from empty.
CACHE_ENTRIES = 10_000


class SiteExists(ValueError):
    pass


@dataclass(frozen=True)
class SiteRef:
    """What a request needs of its site: plain values, safe to keep across
    requests and threads (an ORM object belongs to one session)."""

    id: int
    name: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


MAX_NAME = 200  # the column's length


def create_site(name: str) -> tuple[Site, str]:
    """Add a site and return it with its new key (the only time it is seen)."""
    name = name.strip()
    if not name:
        raise ValueError("a site needs a name")
    if len(name) > MAX_NAME:
        raise ValueError(f"a site's name has at most {MAX_NAME} characters (got {len(name)})")
    if "\x00" in name:
        raise ValueError("a site's name cannot hold the NUL character")
    if db.session.scalar(select(Site).where(Site.name == name)) is not None:
        raise SiteExists(f"a site named {name!r} already exists")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    site = Site(name=name, key_hash=hash_key(key), key_prefix=key[:12])
    db.session.add(site)
    return site, key


def site_for_key(key: str) -> SiteRef | None:
    digest = hash_key(key)
    return _cached(("key", digest), lambda: _load_site(digest))


def _load_site(digest: str) -> SiteRef | None:
    row = db.session.execute(
        select(Site.id, Site.name, Site.key_hash).where(Site.key_hash == digest)
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return SiteRef(row.id, row.name)


def has_webhook(site_id: int) -> bool:
    """Whether the site wants to hear about its comments' status changes."""

    def load():
        webhook = db.session.scalar(select(Webhook.id).where(Webhook.site_id == site_id))
        return webhook is not None

    return _cached(("webhook", site_id), load)


def forget_cached_sites() -> None:
    """Call after changing a site or its webhook: this process sees it at once."""
    _cache().clear()


class ExpiringCache:
    """A dict whose entries expire; misses (None) are not kept, so a site
    created a moment ago can call at once."""

    def __init__(self):
        self.entries: dict = {}
        self.lock = threading.Lock()

    def get(self, key, load, seconds: float):
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None and seconds > 0:
            with self.lock:
                if len(self.entries) >= CACHE_ENTRIES:
                    self.entries.clear()
                self.entries[key] = (now + seconds, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _cached(key, load):
    seconds = current_app.config["MODERATION_SITE_CACHE_SECONDS"]
    return _cache().get(key, load, seconds)


def _cache() -> ExpiringCache:
    # One per app, so each test's app (and its fresh database) starts empty.
    extensions = current_app.extensions
    cache = extensions.get("moderation.domain.sites")
    if cache is None:
        cache = extensions.setdefault("moderation.domain.sites", ExpiringCache())
    return cache
