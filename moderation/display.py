"""How the moderators' pages show times and notes: every time says its
zone, and a note naming a decision links to it."""

import re
from datetime import datetime

from flask import url_for
from markupsafe import Markup, escape

from .db import as_utc


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


def init_app(app) -> None:
    for name, function in (("utc", utc), ("iso", iso), ("decision_links", decision_links)):
        app.add_template_filter(function, name)
