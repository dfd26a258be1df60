"""An author's page: their record at one site, and trust or ban.

Any moderator can trust, ban or restore an author; each change is logged
with who and why, shown on the page, and undone by another change.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from moderation.domain import authors, trust
from moderation.domain.orm import Site
from moderation.domain.policy import Thresholds
from moderation.infrastructure.db import db

bp = Blueprint("authors", __name__, url_prefix="/authors")


@bp.before_request
@login_required
def require_moderator():
    """Every page here needs a signed-in moderator."""


@bp.get("/<int:site_id>/<path:author_id>")
def page(site_id: int, author_id: str):
    site = db.session.get(Site, site_id)
    if site is None:
        return render_template("error.html", message="No such site."), 404
    return render_template(
        "author.html", site=site, author_id=author_id, record=authors.record(site_id, author_id)
    )


@bp.post("/<int:site_id>/<path:author_id>/standing")
def set_standing(site_id: int, author_id: str):
    site = db.session.get(Site, site_id)
    if site is None:
        return render_template("error.html", message="No such site."), 404
    standing = request.form.get("standing", "")
    try:
        trust.set_standing(
            site,
            author_id,
            standing,
            current_user,
            Thresholds.from_config(current_app.config),
            request.form.get("note"),
            seen=request.form.get("seen"),
        )
        db.session.commit()
        flash(f"{author_id} is now {standing} at {site.name}.", "info")
    except trust.StandingError as exc:
        db.session.rollback()
        flash(f"Not changed: {exc}.", "error")
    except StaleDataError:
        # A ban decides the author's held comments; a moderator decided one
        # of them as this ran (PostgreSQL).
        db.session.rollback()
        flash("Not changed: one of their comments was decided meanwhile; try again.", "error")
    return redirect(url_for("authors.page", site_id=site_id, author_id=author_id))
