"""Moderator accounts: creating them, passwords, and signing in.

Passwords are stored as salted scrypt hashes (Werkzeug); there are no
default accounts: the first admin is created with
``flask --app app moderators create NAME --role admin``.
"""

from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from moderation.domain.orm import Moderator
from moderation.infrastructure.db import db

ROLES = ("moderator", "admin")
MIN_PASSWORD = 10


@cache
def _dummy_hash() -> str:
    """Compared against when the name is unknown, so both paths take as long.
    Made on first use: hashing is slow on purpose, and every command imports this."""
    return generate_password_hash("not a real password")


class AccountError(ValueError):
    pass


def end_sessions(moderator: Moderator) -> None:
    """Invalidate every session cookie issued to ``moderator`` so far."""
    moderator.session_generation += 1


def set_password(moderator: Moderator, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    moderator.password_hash = generate_password_hash(password)
    end_sessions(moderator)


def create_moderator(username: str, password: str, role: str = "moderator") -> Moderator:
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("a username has 1 to 80 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    if db.session.scalar(select(Moderator).where(Moderator.username == username)):
        raise AccountError(f"there is already a moderator named {username!r}")
    moderator = Moderator(
        username=username, password_hash=generate_password_hash(password), role=role
    )
    db.session.add(moderator)
    return moderator


def authenticate(username: str, password: str) -> Moderator | None:
    moderator = db.session.scalar(select(Moderator).where(Moderator.username == username))
    if moderator is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(moderator.password_hash, password) or not moderator.active:
        return None
    return moderator
