"""Turning request bodies into checked values, with an error per field.

Sites send ids as strings or numbers; both are accepted and stored as
strings. Everything else is strict: a wrong type is an error with the
field's name, never a silent coercion that stores something surprising.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from moderation.domain.orm import EXTERNAL_ID_LENGTH
from moderation.domain.refusals import ApiError
from moderation.learning.languages import primary_subtag

# NUL cannot be stored by PostgreSQL, a lone surrogate by any UTF-8 database.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    found = UNSTORABLE.search(value)
    if found is None:
        return None
    char = found.group()
    what = "a NUL character (U+0000)" if char == "\x00" else f"a lone surrogate (U+{ord(char):04X})"
    return f"contains {what} at position {found.start()}, which cannot be stored"


def unstorable_fields(data, prefix: str = "") -> dict[str, str]:
    """Every string in a parsed JSON value that cannot be stored, by its path
    (``author.name``, ``context.entries[0].text``). Walked without recursion:
    the depth is bounded, but the stack should not have to be."""
    problems: dict[str, str] = {}
    pending = [(prefix, data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            problem = unstorable_problem(value)
            if problem:
                problems[path or "body"] = problem
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                key_problem = unstorable_problem(str(key))
                if key_problem:
                    problems[child] = "has a name that " + key_problem
                pending.append((child, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return problems


class FieldErrors(dict):
    def raise_if_any(self, message="Some fields are missing or invalid."):
        if self:
            raise ApiError(400, message, dict(self), error="invalid_fields")


# BCP-47's shape, loosely: a 2-3 letter language subtag and optional parts.
LANGUAGE_TAG_RE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")


@dataclass(frozen=True)
class ArticleInput:
    id: str
    title: str
    body: str
    url: str | None


@dataclass(frozen=True)
class CommentInput:
    id: str
    article_id: str
    text: str
    author_id: str | None
    author_name: str | None
    parent_id: str | None
    created_at: datetime | None
    # The language the site says it is in: its language subtag ("pt-BR" -> "pt").
    language: str | None = None


def require_object(data, what="The request body") -> dict:
    if not isinstance(data, dict):
        raise ApiError(400, f"{what} must be a JSON object.", error="invalid_json")
    return data


def _identifier(data, name, errors, required=True):
    value = data.get(name)
    if value is None:
        if required:
            errors[name] = "is required"
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors[name] = "must be a string or an integer"
        return None
    value = str(value).strip()
    if not value:
        errors[name] = "must not be empty"
    elif problem := unstorable_problem(value):
        errors[name] = problem
    elif len(value) > EXTERNAL_ID_LENGTH:
        errors[name] = f"must be at most {EXTERNAL_ID_LENGTH} characters"
    return value


def _text(data, name, errors, max_chars, required=True, allow_empty=False):
    value = data.get(name)
    if value is None:
        if required:
            errors[name] = "is required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return None
    if not allow_empty and not value.strip():
        errors[name] = "must not be empty"
    elif problem := unstorable_problem(value):
        errors[name] = problem
    elif len(value) > max_chars:
        errors[name] = f"must be at most {max_chars} characters (got {len(value)})"
    return value


def timestamp_field(data, name, errors):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        errors[name] = "must be an ISO 8601 date-time string"
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors[name] = "must be an ISO 8601 date-time, e.g. 2026-11-28T10:00:00Z"
        return None
    # Stored in UTC: SQLite keeps no offset, so a +02:00 time must be converted.
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is a moment before year 1 in UTC
        errors[name] = "must fall between the years 1 and 9999 in UTC"
        return None


def parse_article(data, max_chars: int) -> ArticleInput:
    data = require_object(data)
    errors = FieldErrors()
    article = ArticleInput(
        id=_identifier(data, "id", errors),
        title=_text(data, "title", errors, 1000),
        body=_text(data, "body", errors, max_chars * 10, allow_empty=True),
        url=_text(data, "url", errors, 2048, required=False),
    )
    if article.url and _scheme(article.url) not in ("http", "https"):
        # Moderators click these links: nothing but web pages.
        errors["url"] = "must be an http or https URL"
    errors.raise_if_any()
    return article


def _scheme(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:  # "http://[::1/x": a bracketed host left open
        return None


def parse_comment(data, max_chars: int) -> CommentInput:
    data = require_object(data, "A comment")
    errors = FieldErrors()
    author = data.get("author")
    if author is not None and not isinstance(author, dict):
        errors["author"] = "must be an object with 'id' and 'name'"
        author = None
    author = author or {}
    author_errors = FieldErrors()
    comment = CommentInput(
        id=_identifier(data, "id", errors),
        article_id=_identifier(data, "article_id", errors),
        text=_text(data, "text", errors, max_chars),
        author_id=_identifier(author, "id", author_errors, required=False),
        author_name=_text(author, "name", author_errors, 255, required=False),
        parent_id=_identifier(data, "parent_id", errors, required=False),
        created_at=timestamp_field(data, "created_at", errors),
        language=_language(data, errors),
    )
    errors.update({f"author.{name}": problem for name, problem in author_errors.items()})
    # Fields the service ignores too: a batch item is held to the same rule
    # as a single post, which the request boundary checks whole.
    errors.update(unstorable_fields(data))
    errors.raise_if_any()
    return comment


def _language(data, errors) -> str | None:
    value = data.get("language")
    if value is None:
        return None
    if not isinstance(value, str) or not LANGUAGE_TAG_RE.fullmatch(value):
        errors["language"] = "must be a language code such as 'en', 'de' or 'pt-BR'"
        return None
    return primary_subtag(value)


def parse_score_request(data, max_chars: int) -> tuple[str, tuple[str, str] | None, str | None]:
    data = require_object(data)
    errors = FieldErrors()
    text = _text(data, "text", errors, max_chars)
    article = data.get("article")
    title = body = None
    if article is not None:
        if isinstance(article, dict):
            found = FieldErrors()
            title = _text(article, "title", found, 1000, required=False)
            body = _text(article, "body", found, max_chars * 10, required=False, allow_empty=True)
            errors.update({f"article.{name}": problem for name, problem in found.items()})
            if not found and not (title or body):
                errors["article"] = "needs a 'title' or a 'body'"
        else:
            errors["article"] = "must be an object with 'title' and 'body'"
    language = _language(data, errors)
    errors.raise_if_any()
    return text, (title, body) if (title or body) else None, language
