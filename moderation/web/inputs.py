"""The input boundary: text no database can store is refused before any view.

One rule for every field of every route: a NUL character (U+0000, which
PostgreSQL cannot store in text) or a lone surrogate (U+D800 to U+DFFF,
which no database can encode as UTF-8) gets a 400 that names the field and
the character's position, counted from 0. Path parameters, query
parameters, form fields and every string (and key) of a JSON body are
checked here; a batch is checked item by item by its own parser, so one bad
comment fails alone. JSON nested deeper than ``MAX_JSON_DEPTH`` is a 400
too, never a crash of the parser.
"""

from flask import Request, current_app, render_template, request

from moderation.domain.refusals import ApiError
from moderation.domain.validation import unstorable_fields, unstorable_problem
from moderation.web.errors import error_response

MAX_JSON_DEPTH = 64
# Views that parse a list of items (under this key of the body) and report
# each item's problems on its own.
CHECKED_PER_ITEM = {"api.post_comments_batch": "comments"}
# Views that take an upload larger than MAX_CONTENT_LENGTH, with the setting
# that limits it, and room for the form's other fields.
LARGER_BODIES = {"admin.labels_page": "MODERATION_MAX_LABEL_FILE_BYTES"}
SLACK = 64 * 1024


def json_depth(data) -> int:
    depth, level = 0, [(data, 1)]
    while level:
        value, at = level.pop()
        if isinstance(value, (dict, list)):
            depth = max(depth, at)
            if at > MAX_JSON_DEPTH:
                break
            items = value.values() if isinstance(value, dict) else value
            level.extend((item, at + 1) for item in items)
    return depth


class JsonTooDeep(ValueError):
    pass


class BoundedJsonRequest(Request):
    """Parses JSON bodies as Flask does, but a body nested too deeply to
    parse (the parser recurses) or deeper than ``MAX_JSON_DEPTH`` is
    invalid JSON rather than a RecursionError; and takes the larger bodies
    of ``LARGER_BODIES``' views."""

    @property
    def max_content_length(self) -> int | None:
        # Whichever reads the body first (the CSRF check, say) sees the
        # view's own limit: it is known once the URL has been matched.
        setting = LARGER_BODIES.get(self.endpoint or "")
        if setting and self._max_content_length is None and current_app:
            return current_app.config[setting] + SLACK
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def get_json(self, force=False, silent=False, cache=True):
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            data = JsonTooDeep()
        if isinstance(data, JsonTooDeep) or json_depth(data) > MAX_JSON_DEPTH:
            # Cached as "not JSON", so every later call agrees cheaply.
            self._cached_json = (None, None)
            if silent:
                return None
            raise JsonTooDeep(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
        return data


def check_request():
    """Refuse a request carrying text that cannot be stored, naming each field."""
    problems: dict[str, str] = {}
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and (problem := unstorable_problem(value)):
            problems[name] = problem
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for name, value in source.items(multi=True):
            problem = unstorable_problem(name) and "has a name that " + unstorable_problem(name)
            problem = problem or unstorable_problem(value)
            if problem:
                problems[name] = problem
    if request.is_json:
        try:
            data = request.get_json(silent=False)
        except JsonTooDeep as exc:
            return _refuse(str(exc), {}, error="invalid_json")
        except Exception:
            data = None  # malformed JSON: each view says so in its own words
        items_key = CHECKED_PER_ITEM.get(request.endpoint)
        if items_key and isinstance(data, dict):
            data = {**data, items_key: None}
        problems.update(unstorable_fields(data))
    if problems:
        return _refuse("Some fields hold characters that cannot be stored.", problems)
    return None


def _refuse(message: str, problems: dict[str, str], error: str = "invalid_fields"):
    if request.path.startswith("/v1alpha1/"):
        from moderation.web.perspective_api import (
            PerspectiveError,
        )  # which imports this module's helpers

        detail = "; ".join(f"Invalid value at '{name}': {why}" for name, why in problems.items())
        raise PerspectiveError(400, detail or message)
    if request.path.startswith("/api/") or request.path == "/health":
        raise ApiError(400, message, problems or None, error=error)
    described = " ".join(f"'{name}' {why}." for name, why in problems.items())
    if request.is_json:
        # The queue page's scripts read the message from "error".
        return error_response(400, f"{message} {described}".strip(), message)
    return render_template("error.html", message=f"{message} {described}".strip()), 400


def init_app(app) -> None:
    app.request_class = BoundedJsonRequest
    app.before_request(check_request)
