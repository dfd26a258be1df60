"""Moderator accounts' pages: sign-in, sign-out, and the admin's page of accounts."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy import select

from moderation.domain.accounts import (
    AccountError,
    authenticate,
    create_moderator,
    end_sessions,
)
from moderation.domain.orm import Moderator
from moderation.infrastructure.db import db
from moderation.web import limits

bp = Blueprint("accounts", __name__)
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Sign in to moderate comments."


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
    if not moderator.active:
        # Enabled again later, the account starts from a new sign-in: a
        # cookie copied before it was disabled must not come back with it.
        end_sessions(moderator)
    db.session.commit()
    flash(f"{moderator.username} is now {'enabled' if moderator.active else 'disabled'}.", "info")
    return redirect(url_for("accounts.moderators"))
