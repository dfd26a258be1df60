"""Label files an operator imports: the datasets' JSON Lines format, or CSV
with the same columns (id, text, abusive, on_topic, article_id, source,
language).
A file is taken whole or not at all: every bad line is reported at once;
its labels are stored by (site, comment id), so a file imported twice
changes nothing."""

import csv
import io
import json

from sqlalchemy import insert, select, update

from moderation.domain.labels import site_label
from moderation.domain.orm import EXTERNAL_ID_LENGTH, Site
from moderation.domain.orm_learning import LabelledExample
from moderation.domain.validation import LANGUAGE_TAG_RE, unstorable_fields
from moderation.infrastructure.db import db, utcnow
from moderation.learning.examples import LabelledComment
from moderation.learning.languages import primary_subtag

MAX_TEXT = 20000


class LabelFileError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


def parse(content: str, filename: str) -> list[LabelledComment]:
    """Every label in the file, or LabelFileError naming every bad line."""
    # Spreadsheets save UTF-8 with a byte-order mark, which would otherwise
    # become part of the first column's name.
    content = content.removeprefix("\ufeff")
    if filename.lower().endswith(".csv"):
        reader = csv.DictReader(io.StringIO(content))
        records = [(n, dict(row)) for n, row in enumerate(reader, start=2)]
    else:
        records = []
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    records.append((number, f"not valid JSON ({exc.msg})"))
    labels, problems, texts = [], [], {}
    for number, record in records:
        try:
            label = _label(record, filename)
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        labels.append(label)
        # A site keeps one label per id: two texts under one id would leave
        # one of them silently (an export holding a site's comment and a
        # data set's row of the same id, say).
        first, text = texts.setdefault(label.id, (number, label.text))
        if text != label.text:
            problems.append(
                f"line {number}: id {label.id!r} is on line {first} with another text; "
                "give one of them another id"
            )
    if not records:
        problems.append("the file holds no labels")
    if problems:
        raise LabelFileError(problems)
    return labels


def _label(record, filename) -> LabelledComment:
    if isinstance(record, str):
        raise ValueError(record)
    if not isinstance(record, dict):
        raise ValueError("expected an object with id, text, abusive, on_topic")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' must be a non-empty string")
    if len(text) > MAX_TEXT:
        raise ValueError(f"'text' is longer than {MAX_TEXT} characters")
    abusive, on_topic = _flag(record, "abusive"), _flag(record, "on_topic")
    if abusive is None and on_topic is None:
        raise ValueError("give 'abusive' or 'on_topic' (0 or 1)")
    identifier = str(record.get("id") or "").strip()
    if not identifier:
        raise ValueError("'id' is required")
    article = str(record.get("article_id") or "") or None
    source = str(record.get("source") or f"import:{filename}")
    for name, value in (("id", identifier), ("article_id", article), ("source", source)):
        if value and len(value) > EXTERNAL_ID_LENGTH:
            raise ValueError(f"'{name}' is longer than {EXTERNAL_ID_LENGTH} characters")
    for name, problem in unstorable_fields({**record, "source": source}).items():
        raise ValueError(f"'{name}' {problem}")
    return site_label(identifier, text, abusive, on_topic, article, source, _language(record))


def _language(record) -> str | None:
    """``meta.language`` (JSON Lines, as exported) or a ``language`` column
    (CSV): the language the label trains, as its subtag ("pt-BR" -> "pt")."""
    meta = record.get("meta")
    value = meta.get("language") if isinstance(meta, dict) else record.get("language")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not LANGUAGE_TAG_RE.fullmatch(value):
        raise ValueError("'language' must be a language code such as 'en', 'de' or 'pt-BR'")
    return primary_subtag(value)


def _flag(record, name) -> int | None:
    value = record.get(name)
    if value in (None, ""):
        return None
    if str(value).strip() in ("0", "1"):
        return int(str(value).strip())
    raise ValueError(f"'{name}' must be 0, 1 or empty")


def site_for_import(name: str | None) -> Site | None:
    """The named site, or the only one when no name is given."""
    if name:
        site = db.session.scalar(select(Site).where(Site.name == name))
        if site is None:
            raise ValueError(f"no site is named {name!r}")
        return site
    sites = db.session.scalars(select(Site).limit(2)).all()
    if len(sites) > 1:
        raise ValueError("several sites exist: say which one the labels belong to")
    return sites[0] if sites else None


# The columns a label file sets (``_fields``).
COLUMNS = ("text", "abusive", "on_topic", "article_id", "source", "language")


def store(labels: list[LabelledComment], site: Site | None = None) -> int:
    """Add or update the site's labels: one per (site, comment id), so a
    file imported twice changes nothing (not even when a label was stored:
    a moderator's decision taken since still counts, ``labels.every_label``),
    and a corrected file corrects. Returns how many distinct labels the file
    held."""
    latest = {label.id: label for label in labels}  # a later line wins
    site_id = site.id if site is not None else None
    same_site = LabelledExample.site_id == site_id if site_id else LabelledExample.site_id.is_(None)
    ids, stored = list(latest), {}
    read = [getattr(LabelledExample, name) for name in COLUMNS]
    for start in range(0, len(ids), 500):  # bound the IN list
        chunk = ids[start : start + 500]
        stored.update(
            (row.external_id, row)
            for row in db.session.execute(
                select(LabelledExample.external_id, LabelledExample.id, *read).where(
                    same_site, LabelledExample.external_id.in_(chunk)
                )
            )
        )
    fields = {identifier: _fields(label) for identifier, label in latest.items()}

    def unchanged(identifier: str) -> bool:
        row = stored[identifier]
        return all(getattr(row, name) == value for name, value in fields[identifier].items())

    now = utcnow()
    # In bulk, not one object per label: a file of 100,000 labels is stored
    # in seconds rather than most of a minute.
    new = [
        {"site_id": site_id, "external_id": identifier, **fields[identifier], "imported_at": now}
        for identifier in latest
        if identifier not in stored
    ]
    changed = [
        {"id": stored[identifier].id, **fields[identifier], "imported_at": now}
        for identifier in latest
        if identifier in stored and not unchanged(identifier)
    ]
    if new:
        db.session.execute(insert(LabelledExample), new)
    if changed:
        db.session.execute(update(LabelledExample), changed)
    return len(latest)


def _fields(label: LabelledComment) -> dict:
    """The stored columns of a label (its language travels in ``meta``)."""
    return {
        "text": label.text,
        "abusive": label.abusive,
        "on_topic": label.on_topic,
        "article_id": label.article_id,
        "source": label.source,
        "language": (label.meta or {}).get("language"),
    }
