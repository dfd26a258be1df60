"""One JSON error shape for the whole API.

Every error a client can get is ``{"error": code, "message": text}``, plus
``"fields"`` naming each bad field when the input was the problem. The
handlers roll the session back first, so a failed request never leaves
half its writes for the next one to commit.
"""

import traceback

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException

from moderation.domain.refusals import HTTP_CODES, ApiError
from moderation.infrastructure.db import db
from moderation.web import perspective_wire


def error_response(status: int, error: str, message: str, fields: dict | None = None, headers=None):
    body = {"error": error, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.path == "/health"
        or perspective_wire.under_prefix()
    )


def _log_server_error(app, status: int, exc: BaseException, what: str) -> None:
    """Every 5xx goes to the error log with its traceback. The path, not the
    full URL: query strings can carry API keys."""
    app.logger.error(
        "%s %s answered %d: %s",
        request.method,
        request.path,
        status,
        what,
        exc_info=(type(exc), exc, exc.__traceback__),
    )


def register_error_handlers(app) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        db.session.rollback()
        if exc.status >= 500:
            _log_server_error(app, exc.status, exc, exc.message)
        return error_response(exc.status, exc.error, exc.message, exc.fields)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        db.session.rollback()
        message = f"This action was refused: {exc.description} Reload the page and try again."
        if request.is_json:
            return error_response(400, "csrf_failed", message)
        return render_template("error.html", message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        if exc.code and exc.code >= 500:
            _log_server_error(app, exc.code, exc, exc.name)
        if not _wants_json():
            if exc.code == 413:  # an upload on an admin page, most likely
                limit = request.max_content_length
                message = (
                    f"The upload is larger than the limit of {limit:,} bytes; nothing was stored."
                )
                return render_template("error.html", message=message), 413
            return exc
        if perspective_wire.under_prefix():
            return _perspective_http_error(exc)
        message = exc.description or exc.name
        if exc.code == 413:
            limit = app.config["MAX_CONTENT_LENGTH"]
            message = f"The request body is larger than the limit of {limit} bytes."
        headers = dict(exc.get_headers())
        headers.pop("Content-Type", None)
        if exc.code == 429:
            # Flask-Limiter's breach names its window: wait that long at most.
            limit = getattr(exc, "limit", None)
            expiry = limit.limit.get_expiry() if limit is not None else 60
            headers.setdefault("Retry-After", str(expiry))
        return error_response(exc.code, HTTP_CODES.get(exc.code, "error"), message, None, headers)

    @app.errorhandler(SQLAlchemyTimeoutError)
    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        db.session.rollback()
        # Where it failed, but not the statement or its parameters: they may
        # hold comment text or keys.
        app.logger.error(
            "%s %s answered 503, database unavailable: %s\n%s",
            request.method,
            request.path,
            type(getattr(exc, "orig", exc)).__name__,
            "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
        )
        if perspective_wire.under_prefix():
            return perspective_wire.error_response(
                503, perspective_wire.http_error_message(503, ""), headers={"Retry-After": "5"}
            )
        return error_response(
            503,
            "service_unavailable",
            "The database is not reachable; nothing was stored. Retry later.",
            headers={"Retry-After": "5"},
        )

    @app.errorhandler(500)
    def internal_error(exc):
        # Flask has logged the exception, with its traceback, before this.
        db.session.rollback()
        if perspective_wire.under_prefix():
            return perspective_wire.error_response(500, "Internal error encountered.")
        return error_response(500, "internal_error", "Something went wrong on our side.")


def _perspective_http_error(exc: HTTPException):
    """Perspective's (Google's) error shape for errors raised before or
    outside its views: unknown path, wrong method, body too large, rate limit."""
    headers = {name: value for name, value in exc.get_headers() if name in ("Allow", "Retry-After")}
    if exc.code == 429 and "Retry-After" not in headers:
        limit = getattr(exc, "limit", None)
        headers["Retry-After"] = str(limit.limit.get_expiry() if limit is not None else 60)
    message = perspective_wire.http_error_message(exc.code, exc.description or exc.name)
    error_type = "INVALID_REQUEST" if exc.code in (400, 413, 415) else None
    return perspective_wire.error_response(exc.code, message, error_type, headers)
