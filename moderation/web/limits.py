"""Rate limits and sign-in throttling.

- The APIs are limited per authenticated site, counted after the key is
  checked, so a made-up ``?key=`` next to a real Bearer key counts against
  the real site (``MODERATION_API_RATE_LIMIT``).
- Wrong API keys are counted per client address; over
  ``MODERATION_AUTH_FAILURE_LIMIT`` every API request from that address
  gets 429 until the window passes, valid key or not, so guessing gets no
  answer at all.
- Sign-in failures are counted per client address
  (``MODERATION_LOGIN_RATE_LIMIT``: over it, the address waits) and per
  account: after ``MODERATION_LOGIN_FREE_FAILURES`` wrong passwords in a row,
  each further attempt at that account waits 1, 2, 4 ... seconds, at most
  ``MODERATION_LOGIN_MAX_DELAY_SECONDS``. The delay never locks the owner
  out: once it has passed, the right password signs in and clears it.

The client address is the connection's, or the one the configured number
of trusted proxies put in ``X-Forwarded-For`` (``MODERATION_TRUSTED_PROXIES``,
applied with Werkzeug's ProxyFix in ``create_app``). Counts live in
``RATELIMIT_STORAGE_URI`` (default: each process's memory; ``redis://...``
lets all workers share them). A refusal is a 429 with ``Retry-After``.
"""

import hashlib
import math
import time

from flask import current_app, request
from flask_limiter import Limiter
from limits import parse
from werkzeug.exceptions import TooManyRequests

# Flask-Limiter provides the configured storage and window strategy; the
# checks are called explicitly, where the request's identity is known.
limiter = Limiter(key_func=lambda: request.remote_addr or "unknown", headers_enabled=False)
# How long an account's run of failures is remembered without a new one.
FAILURE_MEMORY_SECONDS = 15 * 60


def _address() -> str:
    return request.remote_addr or "unknown"


def _off() -> bool:
    """``RATELIMIT_ENABLED=False`` (an operator's choice, or a script such as
    docs/screenshots.py): no counting at all, and Flask-Limiter has no storage."""
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _counted(call, default):
    """The counts' answer, or ``default`` when their storage cannot be
    reached (Redis down): limits fail open, logged, rather than refuse every
    request and every sign-in while comments could be stored."""
    try:
        return call()
    except Exception as exc:
        current_app.logger.warning("rate-limit storage unreachable, not counting: %r", exc)
        return default


def _seconds_until_allowed(limit: str, *identifiers: str) -> int:
    """0 if another hit of ``limit`` is allowed now, else whole seconds to wait."""
    if _off():
        return 0
    item = parse(limit)

    def wait() -> int:
        if limiter.limiter.test(item, *identifiers):
            return 0
        reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    return _counted(wait, 0)


def _config(name):
    return current_app.config[name]


SETTINGS = (
    "MODERATION_API_RATE_LIMIT",
    "MODERATION_LOGIN_RATE_LIMIT",
    "MODERATION_AUTH_FAILURE_LIMIT",
)


def check_settings(config) -> None:
    """Stop the start, naming the setting, on a limit that does not parse
    ("600 a minute"), rather than answer every request with a 500."""
    if not config.get("RATELIMIT_ENABLED", True):
        return  # no limit is read
    for name in SETTINGS:
        try:
            parse(str(config[name]))
        except ValueError:
            raise ValueError(
                f"{name}: {config[name]!r} is not a rate limit such as '600 per minute'"
            ) from None


# --- the APIs -----------------------------------------------------------------


def refuse_address_with_failed_keys() -> None:
    """Called before a key is looked up."""
    wait = _seconds_until_allowed(_config("MODERATION_AUTH_FAILURE_LIMIT"), "auth", _address())
    if wait:
        raise TooManyRequests(
            "Too many requests with a wrong API key came from this address.", retry_after=wait
        )


def record_failed_key() -> None:
    if _off():
        return
    limit = parse(_config("MODERATION_AUTH_FAILURE_LIMIT"))
    _counted(lambda: limiter.limiter.hit(limit, "auth", _address()), True)


def count_site_request(site) -> None:
    """Called once the key is known to be the site's."""
    if _off():
        return
    limit = _config("MODERATION_API_RATE_LIMIT")
    site_id = str(site.id)
    if not _counted(lambda: limiter.limiter.hit(parse(limit), "site", site_id), True):
        wait = _seconds_until_allowed(limit, "site", site_id)
        raise TooManyRequests(
            f"This site is over its rate limit of {limit}.", retry_after=max(wait, 1)
        )


# --- signing in -----------------------------------------------------------------


def _account(username: str) -> str:
    return hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]


def seconds_until_sign_in(username: str) -> int:
    """0 if this address may try to sign in to this account now."""
    if _off():
        return 0
    address_wait = _seconds_until_allowed(
        _config("MODERATION_LOGIN_RATE_LIMIT"), "login", _address()
    )
    storage = limiter.storage
    account_key = f"login-wait:{_account(username)}"

    def account_wait() -> int:
        if not storage.get(account_key):
            return 0
        return max(1, math.ceil(storage.get_expiry(account_key) - time.time()))

    return max(address_wait, _counted(account_wait, 0))


def record_sign_in_failure(username: str) -> None:
    if not _off():
        _counted(lambda: _record_failure(username), None)


def _record_failure(username: str) -> None:
    limiter.limiter.hit(parse(_config("MODERATION_LOGIN_RATE_LIMIT")), "login", _address())
    storage, account = limiter.storage, _account(username)
    failures = storage.incr(f"login-failures:{account}", FAILURE_MEMORY_SECONDS)
    # The attempt after the last free failure waits 1 second, then 2, 4 ...
    beyond = failures - _config("MODERATION_LOGIN_FREE_FAILURES")
    if beyond >= 0:
        delay = min(2 ** min(beyond, 16), _config("MODERATION_LOGIN_MAX_DELAY_SECONDS"))
        storage.clear(f"login-wait:{account}")
        storage.incr(f"login-wait:{account}", delay)


def record_sign_in(username: str) -> None:
    if _off():
        return
    account = _account(username)

    def clear() -> None:
        limiter.storage.clear(f"login-failures:{account}")
        limiter.storage.clear(f"login-wait:{account}")

    _counted(clear, None)
