"""How the moderators' pages show times and notes: every time says its
zone, and a note naming a decision links to it."""

import re
from datetime import datetime

from flask import url_for
from markupsafe import Markup, escape

from moderation.infrastructure.db import as_utc


def utc(moment: datetime, seconds: bool = False) -> str:
    """A stored time as moderators read it, always saying its zone."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def decision_links(note: str, comment_id: int) -> Markup:
    """ "undo of decision 27" links to decision 27 in the comment's history."""
    out, position = [], 0
    for match in re.finditer(r"decision (\d+)", note):
        out.append(escape(note[position : match.start()]))
        target = url_for("queue.comment_page", comment_id=comment_id) + f"#decision-{match[1]}"
        out.append(Markup('<a href="{}">{}</a>').format(target, match[0]))
        position = match.end()
    out.append(escape(note[position:]))
    return Markup("").join(out)


def duration(seconds: float) -> str:
    """A wait as people say it: minutes, hours or days."""
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"


def init_app(app) -> None:
    for function in (utc, iso, decision_links, duration):
        app.add_template_filter(function, function.__name__)
