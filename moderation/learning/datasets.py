"""Reading the labelled JSON Lines format used for training and scoring.

One comment per line: ``id``, ``text``, ``abusive`` (1/0/null), ``on_topic``
(1/0/null), ``article_id``, ``source``, ``license``; articles are one per
line with ``id``, ``title``, ``body``. A malformed line is reported with its
file and line number instead of being skipped, so a training run never
quietly learns from less data than it was given.
"""

import hashlib
import json
from pathlib import Path

from moderation.learning.examples import LabelledComment, article_text


class DatasetError(ValueError):
    """A data file that cannot be used as given."""


def earlier_threads(comments: list[LabelledComment], size: int) -> list[str]:
    """For each comment, the last ``size`` comments before it in the file
    under the same article: the thread the service would know of."""
    seen: dict[str, list[str]] = {}
    threads = []
    for comment in comments:
        earlier = seen.setdefault(comment.article_id, []) if comment.article_id else []
        threads.append("\n".join(earlier[-size:]))
        if comment.article_id:
            earlier.append(comment.text)
    return threads


def _records(path: Path):
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise DatasetError(f"{path}:{number}: expected a JSON object")
            yield number, record


def _label(value, path, number, field):
    if value is None or value in (0, 1):
        return None if value is None else int(value)
    raise DatasetError(f"{path}:{number}: '{field}' must be 0, 1 or null")


def read_comments(path: Path) -> list[LabelledComment]:
    path = Path(path)
    comments = []
    for number, record in _records(path):
        text = record.get("text")
        if not isinstance(text, str):
            raise DatasetError(f"{path}:{number}: 'text' must be a string")
        comments.append(
            LabelledComment(
                id=str(record.get("id", f"{path.stem}-{number}")),
                text=text,
                abusive=_label(record.get("abusive"), path, number, "abusive"),
                on_topic=_label(record.get("on_topic"), path, number, "on_topic"),
                # Articles are keyed by str(id): numeric ids must match too.
                article_id=None if record.get("article_id") is None else str(record["article_id"]),
                source=str(record.get("source") or path.stem),
                license=record.get("license"),
                meta=record.get("meta") if isinstance(record.get("meta"), dict) else None,
            )
        )
    return comments


def read_articles(path: Path) -> dict[str, dict]:
    """Articles by id, each with ``text`` (title and body) and its metadata."""
    path = Path(path)
    articles = {}
    for number, record in _records(path):
        if "id" not in record:
            raise DatasetError(f"{path}:{number}: article without 'id'")
        articles[str(record["id"])] = {
            **record,
            "text": article_text(record.get("title"), record.get("body")),
        }
    return articles


def license_notes(comments: list[LabelledComment]) -> list[str]:
    """What a model inherits from its data's licences, in words."""
    notes = []
    for license_ in sorted({c.license for c in comments if c.license}):
        sources = sorted({c.source for c in comments if c.license == license_})
        if "NC" in license_.upper().split("-"):
            notes.append(f"{', '.join(sources)}: {license_} (non-commercial use only)")
        elif "research" in license_.lower():
            notes.append(f"{', '.join(sources)}: {license_} (research use only)")
    return notes


def describe_file(path: Path, comments: list[LabelledComment] | None = None) -> dict:
    """What a manifest records of a data file: size, labels, sources, licences."""
    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = {"file": path.name, "sha256": digest}
    if comments is not None:
        entry.update(
            rows=len(comments),
            abusive_labelled=sum(c.abusive is not None for c in comments),
            abusive_positive=sum(c.abusive == 1 for c in comments),
            on_topic_labelled=sum(c.on_topic is not None for c in comments),
            with_article=sum(c.article_id is not None for c in comments),
            sources=sorted({c.source for c in comments}),
            licenses=sorted({c.license for c in comments if c.license}),
        )
    return entry
