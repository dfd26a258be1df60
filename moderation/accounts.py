"""Moderator accounts: sign-in, sign-out, and the admin's page of accounts.

Passwords are stored as salted scrypt hashes (Werkzeug); there are no
default accounts: the first admin is created with
``flask --app app moderators create NAME --role admin``.
"""

from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from . import limits
from .db import db
from .orm import Moderator

bp = Blueprint("accounts", __name__)
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Sign in to moderate comments."

ROLES = ("moderator", "admin")
MIN_PASSWORD = 10


@cache
def _dummy_hash() -> str:
    """Compared against when the name is unknown, so both paths take as long.
    Made on first use: hashing is slow on purpose, and every command imports this."""
    return generate_password_hash("not a real password")


class AccountError(ValueError):
    pass


@login_manager.user_loader
def load_moderator(session_id: str) -> Moderator | None:
    """The moderator a session cookie names, if that cookie is still valid:
    signing out or a new password raises the generation, so a copied or
    replayed cookie stops working on the server, not only in the browser."""
    moderator_id, _, generation = session_id.partition(".")
    if not (moderator_id.isdecimal() and generation.isdecimal()):
        return None  # a cookie from before generations, or forged
    moderator = db.session.get(Moderator, int(moderator_id))
    if moderator is None or moderator.session_generation != int(generation):
        return None
    return moderator


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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "")
        wait = limits.seconds_until_sign_in(username)
        if wait:
            unit = "second" if wait == 1 else "seconds"
            flash(f"Too many failed sign-ins. Try again in {wait} {unit}.", "error")
            return render_template("login.html"), 429, {"Retry-After": str(wait)}
        moderator = authenticate(username, request.form.get("password", ""))
        if moderator is None:
            limits.record_sign_in_failure(username)
            flash("That username and password do not match an active account.", "error")
            return render_template("login.html"), 401
        limits.record_sign_in(username)
        login_user(moderator)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html")


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never redirect a signed-in moderator elsewhere.
    # Browsers drop tabs and newlines and read "\\" as "/", so "/\t/evil" and
    # "/\\evil" would leave the site.
    target = "".join(ch for ch in (target or "") if ch.isprintable() and not ch.isspace())
    parts = urlsplit(target)
    local = target.startswith("/") and not target.startswith("//") and "\\" not in target
    if local and not parts.scheme and not parts.netloc:
        return target
    return url_for("queue.show")


@bp.post("/logout")
@login_required
def logout():
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/moderators", methods=["GET", "POST"])
@login_required
def moderators():
    if not current_user.is_admin:
        return render_template("error.html", message="Only admins manage moderators."), 403
    if request.method == "POST":
        try:
            created = create_moderator(
                request.form.get("username", ""),
                request.form.get("password", ""),
                request.form.get("role", "moderator"),
            )
            db.session.commit()
            flash(f"Created {created.role} {created.username}.", "info")
        except AccountError as exc:
            db.session.rollback()
            flash(f"Not created: {exc}.", "error")
        return redirect(url_for("accounts.moderators"))
    everyone = db.session.scalars(select(Moderator).order_by(Moderator.username))
    return render_template("moderators.html", moderators=list(everyone))


@bp.post("/moderators/<int:moderator_id>/active")
@login_required
def set_active(moderator_id: int):
    if not current_user.is_admin:
        return render_template("error.html", message="Only admins manage moderators."), 403
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None:
        return render_template("error.html", message="No such moderator."), 404
    if moderator.id == current_user.id:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for("accounts.moderators"))
    moderator.active = request.form.get("active") == "1"
    db.session.commit()
    flash(f"{moderator.username} is now {'enabled' if moderator.active else 'disabled'}.", "info")
    return redirect(url_for("accounts.moderators"))
