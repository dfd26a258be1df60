"""``POST /api/v1/comments/{id}/reports``: the site passes on a reader's report.

Registered on the API blueprint, so it is authenticated (and rate limited)
like every other API route; the comment must be the calling site's.
"""

from flask import g, jsonify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from moderation.domain import reports
from moderation.domain.comments import find_comment
from moderation.domain.refusals import ApiError
from moderation.domain.validation import FieldErrors, _identifier, require_object
from moderation.infrastructure.db import db
from moderation.web.api import bp, json_body, thresholds


@bp.post("/comments/<path:comment_id>/reports")
def report_comment(comment_id):
    data = require_object(json_body())
    errors = FieldErrors()
    reader = _identifier(data, "reader_id", errors)
    reason = data.get("reason")
    if reason not in reports.REASONS:
        errors["reason"] = f"must be one of {', '.join(reports.REASONS)}"
    text = data.get("text")
    if text is not None and (not isinstance(text, str) or len(text) > reports.MAX_REPORT_TEXT):
        errors["text"] = f"must be text of at most {reports.MAX_REPORT_TEXT} characters"
    errors.raise_if_any()
    for attempt in (1, 2):
        comment = find_comment(g.site, comment_id)
        if comment is None:
            raise ApiError(404, f"Comment '{comment_id}' is not known.")
        report, created = reports.add_report(comment, reader, reason, text, thresholds())
        try:
            db.session.commit()
            break
        except (IntegrityError, StaleDataError):
            # The same reader's report arrived twice at once (the retry finds
            # it), or a moderator decided the comment as this report sent it
            # back (the retry counts the report against the decided comment).
            db.session.rollback()
            if attempt == 2:
                raise
    body = {
        "comment": comment.to_json(),
        "report": report.to_json(),
        "reports": reports.count_for(comment),
    }
    return jsonify(body), 201 if created else 200
