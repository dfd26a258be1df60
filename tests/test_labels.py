"""Labels from moderators' decisions and from files, in and out."""

import json

import pytest
from sqlalchemy import select

from moderation.domain import labels, review
from moderation.domain.orm import Comment, Moderator
from moderation.infrastructure.db import db
from moderation.learning.splits import language_of_row
from tests import sample_data
from tests.moderation_helpers import add_moderator, post_comments


@pytest.fixture
def app_config():
    return {"MODERATION_PREMODERATION": True}


def decide_all(app, decisions):
    """Apply (comment external id, action, reason) as moderator maria."""
    with app.app_context():
        maria = db.session.scalar(select(Moderator))
        for external_id, action, reason in decisions:
            comment = db.session.scalar(select(Comment).where(Comment.external_id == external_id))
            review.decide(comment, maria, action, comment.version, reason)
            db.session.flush()
        db.session.commit()


def exported(runner, tmp_path):
    out = tmp_path / "labels.jsonl"
    result = runner.invoke(args=["labels", "export", str(out)])
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}


def test_decisions_become_labels_and_only_the_latest_counts(app, client, auth, runner, tmp_path):
    add_moderator(app)
    post_comments(client, auth, ["fine", "nasty", "spammy", "changed mind", "untouched"])
    decide_all(
        app,
        [
            ("c0", "approve", None),
            ("c1", "reject", "abusive"),
            ("c2", "reject", "spam"),
            ("c3", "approve", None),
            ("c3", "reject", "abusive"),
        ],
    )
    rows = exported(runner, tmp_path)
    assert set(rows) == {"c0", "c1", "c2", "c3"}, "undecided comments are not labels"
    assert (rows["c0"]["abusive"], rows["c0"]["on_topic"]) == (0, 1)
    assert (rows["c1"]["abusive"], rows["c1"]["on_topic"]) == (1, None)
    assert (rows["c2"]["abusive"], rows["c2"]["on_topic"]) == (None, 0)
    assert rows["c3"]["abusive"] == 1
    assert rows["c0"]["source"] == "moderators:Example Tribune"
    assert rows["c0"]["article_id"] == "tribune-moscow-accord"


def test_import_jsonl_and_csv_then_export(runner, tmp_path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"id": "x1", "text": "You idiot", "abusive": 1}\n\n')
    csv_file = tmp_path / "b.csv"
    csv_file.write_text(
        "id,text,abusive,on_topic,article_id\ny1,Buy now,,0,\ny2,Good point,0,1,a7\n"
    )
    assert "Imported 1 labels" in runner.invoke(args=["labels", "import", str(jsonl)]).output
    assert "Imported 2 labels" in runner.invoke(args=["labels", "import", str(csv_file)]).output
    rows = exported(runner, tmp_path)
    assert rows["x1"]["abusive"] == 1
    assert (rows["y1"]["abusive"], rows["y1"]["on_topic"]) == (None, 0)
    assert rows["y2"]["article_id"] == "a7"
    assert rows["y2"]["source"] == "import:b.csv"


def test_a_csv_saved_by_a_spreadsheet_with_a_byte_order_mark_imports(runner, tmp_path):
    csv_file = tmp_path / "excel.csv"
    csv_file.write_bytes("id,text,abusive\nz1,Buy now,0\nz2,You idiot,1\n".encode("utf-8-sig"))
    assert "Imported 2 labels" in runner.invoke(args=["labels", "import", str(csv_file)]).output
    assert exported(runner, tmp_path)["z2"]["abusive"] == 1


def test_a_bad_file_imports_nothing_and_names_every_bad_line(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "ok", "text": "fine", "abusive": 0}\n'
        "{oops\n"
        '{"id": "z", "text": "", "abusive": 1}\n'
        '{"id": "w", "text": "hm", "abusive": "maybe"}\n'
        '{"id": "v", "text": "no label"}\n'
    )
    result = runner.invoke(args=["labels", "import", str(bad)])
    assert result.exit_code != 0
    for expected in (
        "line 2: not valid JSON",
        "line 3: 'text'",
        "line 4: 'abusive'",
        "line 5: give",
    ):
        assert expected in result.output
    assert "nothing was imported" in result.output
    assert exported(runner, tmp_path) == {}


def test_a_file_with_unstorable_text_or_over_long_ids_imports_nothing(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "ok", "text": "fine", "abusive": 0}\n'
        '{"id": "n", "text": "a\\u0000b", "abusive": 1}\n'
        '{"id": "s", "text": "hi", "abusive": 1, "article_id": "x\\ud83d"}\n'
        + json.dumps({"id": "i" * 256, "text": "long id", "abusive": 0})
        + "\n"
    )
    result = runner.invoke(args=["labels", "import", str(bad)])
    assert result.exit_code != 0
    for expected in (
        "line 2: 'text' contains a NUL character (U+0000) at position 1",
        "line 3: 'article_id' contains a lone surrogate (U+D83D) at position 1",
        "line 4: 'id' is longer than 255 characters",
    ):
        assert expected in result.output
    assert exported(runner, tmp_path) == {}


def test_importing_a_file_again_updates_its_labels_instead_of_doubling_them(app, runner, tmp_path):
    from moderation.domain.sites import create_site

    with app.app_context():
        create_site("Example Tribune")
        db.session.commit()
    first = tmp_path / "labels.jsonl"
    first.write_text(
        '{"id": "x1", "text": "You idiot", "abusive": 1}\n'
        '{"id": "x2", "text": "Fair point", "abusive": 0}\n'
    )
    for _ in range(2):
        result = runner.invoke(args=["labels", "import", str(first)])
        assert "Imported 2 labels for Example Tribune." in result.output
    assert sorted(exported(runner, tmp_path)) == ["x1", "x2"]
    corrected = tmp_path / "corrected.jsonl"
    corrected.write_text('{"id": "x1", "text": "You idiot", "abusive": 0}\n')
    runner.invoke(args=["labels", "import", str(corrected)])
    rows = exported(runner, tmp_path)
    assert len(rows) == 2 and rows["x1"]["abusive"] == 0


def test_the_same_comment_id_at_two_sites_is_two_labels(app, runner, tmp_path):
    from moderation.domain.sites import create_site

    with app.app_context():
        create_site("Example Tribune")
        create_site("Other Gazette")
        db.session.commit()
    path = tmp_path / "labels.jsonl"
    path.write_text('{"id": "x1", "text": "You idiot", "abusive": 1}\n')
    unnamed = runner.invoke(args=["labels", "import", str(path)])
    assert unnamed.exit_code != 0 and "say which one" in unnamed.output
    for site in ("Example Tribune", "Other Gazette", "Other Gazette"):
        assert runner.invoke(args=["labels", "import", str(path), "--site", site]).exit_code == 0
    out = tmp_path / "all.jsonl"
    runner.invoke(args=["labels", "export", str(out)])
    assert len(out.read_text().splitlines()) == 2


def test_a_decision_on_a_comment_in_a_stated_language_is_a_label_in_it(
    app, client, auth, runner, tmp_path
):
    """So that retraining fits it into that language's model, not English."""
    add_moderator(app)
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    for comment_id, language in (("de-1", "de"), ("plain", None)):
        body = {"id": comment_id, "article_id": sample_data.EXAMPLE_ARTICLE["id"],
                "text": "Du bist ein Trottel"}  # fmt: skip
        if language:
            body["language"] = language
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    decide_all(app, [("de-1", "reject", "abusive"), ("plain", "reject", "abusive")])
    rows = exported(runner, tmp_path)
    assert rows["de-1"]["meta"] == {"language": "de"}
    assert rows["plain"]["meta"] is None
    with app.app_context():
        by_id = {label.id: label for label in labels.from_decisions()}
        assert language_of_row(by_id["de-1"]) == "de" and language_of_row(by_id["plain"]) == "en"


def test_a_file_exported_and_imported_back_does_not_double_a_label(
    app, client, auth, runner, tmp_path
):
    """The moderator's later decision is the comment's one label, not the
    imported copy of the earlier one beside it."""
    add_moderator(app)
    post_comments(client, auth, ["changed mind"])
    decide_all(app, [("c0", "approve", None)])
    out = tmp_path / "round-trip.jsonl"
    runner.invoke(args=["labels", "export", str(out)])
    assert "Imported 1 labels" in runner.invoke(args=["labels", "import", str(out)]).output
    decide_all(app, [("c0", "reject", "abusive")])
    runner.invoke(args=["labels", "export", str(out)])
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(row["id"], row["abusive"]) for row in lines] == [("c0", 1)]
    with app.app_context():
        rows, _ = labels.for_training()
        assert [(row.id, row.abusive) for row in rows] == [("site-c0", 1)]


def test_a_corrected_file_imported_after_the_decision_is_the_label(
    app, client, auth, runner, tmp_path
):
    add_moderator(app)
    post_comments(client, auth, ["borderline", "other reason"])
    decide_all(app, [("c0", "approve", None), ("c1", "approve", None)])
    out = tmp_path / "labels.jsonl"
    runner.invoke(args=["labels", "export", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    corrected = [{**row, "abusive": 1, "on_topic": None} for row in rows if row["id"] == "c0"]
    # A public data set's own "c1", another comment under the same id.
    corrected.append({"id": "c1", "text": "You are a total idiot", "abusive": 1})
    out.write_text("".join(json.dumps(row) + "\n" for row in corrected))
    assert "Imported 2 labels" in runner.invoke(args=["labels", "import", str(out)]).output
    runner.invoke(args=["labels", "export", str(out)])
    labelled = [
        (r["id"], r["text"], r["abusive"]) for r in map(json.loads, out.read_text().splitlines())
    ]
    assert sorted(labelled) == [
        ("c0", "borderline", 1),
        ("c1", "You are a total idiot", 1),
        ("c1", "other reason", 0),
    ]


def test_importing_the_same_file_again_does_not_undo_a_later_decision(
    app, client, auth, runner, tmp_path
):
    add_moderator(app)
    post_comments(client, auth, ["borderline"])
    decide_all(app, [("c0", "approve", None)])
    out = tmp_path / "labels.jsonl"
    runner.invoke(args=["labels", "export", str(out)])
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    out.write_text(json.dumps({**row, "abusive": 1, "on_topic": None}) + "\n")
    runner.invoke(args=["labels", "import", str(out)])
    decide_all(app, [("c0", "reject", "spam")])
    runner.invoke(args=["labels", "import", str(out)])  # the same file, again
    assert exported(runner, tmp_path)["c0"]["on_topic"] == 0  # the decision, not the file


def test_a_file_with_one_id_under_two_texts_is_refused_naming_both_lines(runner, tmp_path):
    bad = tmp_path / "two.jsonl"
    bad.write_text(
        '{"id": "c1", "text": "A site comment", "abusive": 0}\n'
        '{"id": "c1", "text": "A data set row", "abusive": 1}\n'
    )
    result = runner.invoke(args=["labels", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 2: id 'c1' is on line 1 with another text" in result.output


def test_an_imported_label_keeps_its_language_for_that_languages_model(app, runner, tmp_path):
    jsonl = tmp_path / "de.jsonl"
    jsonl.write_text(
        '{"id": "d1", "text": "Halt die Klappe, du Idiot", "abusive": 1, '
        '"meta": {"language": "de"}}\n'
    )
    csv_file = tmp_path / "pt.csv"
    csv_file.write_text("id,text,abusive,language\np1,Que texto bom,0,pt-BR\n")
    for path in (jsonl, csv_file):
        assert "Imported 1 labels" in runner.invoke(args=["labels", "import", str(path)]).output
    rows = exported(runner, tmp_path)
    assert rows["d1"]["meta"] == {"language": "de"} and rows["p1"]["meta"] == {"language": "pt"}
    with app.app_context():
        trained, _ = labels.for_training()
        assert {row.id: language_of_row(row) for row in trained} == {
            "site-d1": "de",
            "site-p1": "pt",
        }
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text,abusive,language\nx1,Text,0,not a language\n")
    refused = runner.invoke(args=["labels", "import", str(bad)])
    assert refused.exit_code != 0 and "line 2: 'language' must be a language code" in refused.output
