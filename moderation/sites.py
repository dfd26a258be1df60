"""Sites and their API keys.

A key is shown once, when it is created; only its SHA-256 is stored. A
request's key is hashed and looked up by that hash, then compared in
constant time, so neither the database nor response timing reveals keys.
"""

import hashlib
import hmac
import secrets

from sqlalchemy import select

from .db import db
from .orm import Site

KEY_PREFIX = "mod_"


class SiteExists(ValueError):
    pass


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_site(name: str) -> tuple[Site, str]:
    """Add a site and return it with its new key (the only time it is seen)."""
    name = name.strip()
    if not name:
        raise ValueError("a site needs a name")
    if db.session.scalar(select(Site).where(Site.name == name)) is not None:
        raise SiteExists(f"a site named {name!r} already exists")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    site = Site(name=name, key_hash=hash_key(key), key_prefix=key[:12])
    db.session.add(site)
    return site, key


def site_for_key(key: str) -> Site | None:
    digest = hash_key(key)
    site = db.session.scalar(select(Site).where(Site.key_hash == digest))
    if site is None or not hmac.compare_digest(site.key_hash, digest):
        return None
    return site
