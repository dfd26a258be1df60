"""Rate limits: per site key on the APIs, per address and name at sign-in.

Counts live in ``RATELIMIT_STORAGE_URI`` (default: each process's memory;
set ``redis://...`` so that all workers share them). A request over the
limit gets 429 with ``Retry-After``, never a crash.
"""

import hashlib

from flask import current_app, request
from flask_limiter import Limiter


def client_key() -> str:
    """The site's key (hashed) when the request carries one, else the address."""
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    key = (
        request.args.get("key")
        or request.headers.get("X-Goog-Api-Key")
        or (bearer.strip() if scheme.lower() == "bearer" else "")
    )
    if key:
        return "site:" + hashlib.sha256(key.encode()).hexdigest()[:24]
    return "addr:" + (request.remote_addr or "unknown")


def login_key() -> str:
    return f"login:{request.remote_addr}:{request.form.get('username', '')[:80]}"


# No X-RateLimit headers on every response: a 429 carries Retry-After (errors.py).
limiter = Limiter(key_func=client_key, headers_enabled=False)


def api_limit() -> str:
    return current_app.config["MODERATION_API_RATE_LIMIT"]


def login_limit() -> str:
    return current_app.config["MODERATION_LOGIN_RATE_LIMIT"]
