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

from .db import db
from .limits import limiter, login_key, login_limit
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
def load_moderator(moderator_id: str) -> Moderator | None:
    return db.session.get(Moderator, int(moderator_id))


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
@limiter.limit(login_limit, key_func=login_key, methods=["POST"])
def login():
    if request.method == "POST":
        moderator = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if moderator is None:
            flash("That username and password do not match an active account.", "error")
            return render_template("login.html"), 401
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
