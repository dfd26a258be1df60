"""Reading labelled files, and the threads a file implies."""

import pytest

from moderation.learning.datasets import (
    DatasetError,
    LabelledComment,
    earlier_threads,
    license_notes,
    read_comments,
)


def comment(cid, text, article_id):
    return LabelledComment(cid, text, None, None, article_id, "tests", None)


def test_thread_is_the_earlier_comments_under_the_same_article():
    comments = [
        comment("1", "a1", "A"),
        comment("2", "b1", "B"),
        comment("3", "a2", "A"),
        comment("4", "tweet", None),
        comment("5", "a3", "A"),
    ]
    assert earlier_threads(comments, size=5) == ["", "", "a1", "", "a1\na2"]
    assert earlier_threads(comments, size=1)[-1] == "a2"


def test_bad_label_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "abusive": 1}\n\n{"text": "no", "abusive": "yes"}\n')
    with pytest.raises(DatasetError, match="bad.jsonl:3: 'abusive' must be 0, 1 or null"):
        read_comments(path)


def test_text_must_be_a_string(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "text": null}\n')
    with pytest.raises(DatasetError, match="'text' must be a string"):
        read_comments(path)


def test_licence_notes_name_non_commercial_and_research_data():
    comments = [
        LabelledComment("1", "t", 1, None, None, "c3", "CC-BY-NC-SA-4.0"),
        LabelledComment("2", "t", 0, None, None, "hateval", "research"),
        LabelledComment("3", "t", 0, None, None, "olid", "CC-BY-4.0"),
        LabelledComment("4", "t", None, None, "a", "nyt", "NYT-copyright-research"),
    ]
    assert license_notes(comments) == [
        "c3: CC-BY-NC-SA-4.0 (non-commercial use only)",
        "nyt: NYT-copyright-research (research use only)",
        "hateval: research (research use only)",
    ]
