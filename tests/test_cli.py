"""Operator commands: sites, train and score."""

import json

from flask_migrate import upgrade

from moderation import create_app
from moderation.infrastructure.db import MIGRATIONS_DIR
from moderation.learning.artifacts import current_version, read_manifest
from tests import language_data, sample_data

BEFORE_LIVE_MODEL_TABLE = "a7e3c5d1f9b2"


def test_sites_create_prints_a_working_key(runner, client):
    result = runner.invoke(args=["sites", "create", "Example Tribune"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/policy", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_sites_create_refuses_a_duplicate_name(runner):
    runner.invoke(args=["sites", "create", "Example Tribune"])
    result = runner.invoke(args=["sites", "create", "Example Tribune"])
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_sites_create_refuses_a_name_the_database_cannot_hold(runner):
    """A clear message on SQLite and PostgreSQL alike (PostgreSQL raised a
    truncation error with a traceback; SQLite stored it)."""
    result = runner.invoke(args=["sites", "create", "T" * 201])
    assert result.exit_code != 0
    assert "a site's name has at most 200 characters (got 201)" in result.output
    assert "Traceback" not in result.output


def test_train_writes_a_new_current_version(runner, app, data_files, tmp_path):
    app.config["MODERATION_MODEL_DIR"] = str(tmp_path)
    comments, articles = data_files
    result = runner.invoke(
        args=["train", "--data", str(comments), "--articles", str(articles), "--version", "v-cli"]
    )
    assert result.exit_code == 0, result.output
    assert current_version(tmp_path) == "v-cli"
    manifest = read_manifest(tmp_path, "v-cli")
    (comments_entry, articles_entry) = manifest["datasets"]
    assert comments_entry["rows"] == len(sample_data.labelled_comments())
    assert comments_entry["licenses"] == ["CC0-1.0"]
    assert articles_entry["articles"] == len(sample_data.ARTICLES)
    assert manifest["licenses"] == ["CC0-1.0"]
    assert manifest["license_notes"] == []
    assert len(manifest["data_sha256"]) == 64


def test_train_without_articles_explains_what_is_missing(runner, app, data_files, tmp_path):
    app.config["MODERATION_MODEL_DIR"] = str(tmp_path)
    comments, _ = data_files
    result = runner.invoke(args=["train", "--data", str(comments)])
    assert result.exit_code != 0
    assert "--articles" in result.output
    assert current_version(tmp_path) is None


def test_train_reports_the_bad_line_of_a_file(runner, app, tmp_path):
    app.config["MODERATION_MODEL_DIR"] = str(tmp_path / "models")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "abusive": 0}\n{broken\n')
    result = runner.invoke(args=["train", "--data", str(bad)])
    assert result.exit_code != 0
    assert "bad.jsonl:2" in result.output


def test_score_writes_one_line_per_comment(runner, data_files, tmp_path):
    comments, articles = data_files
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(
        args=["score", "--input", str(comments), "--articles", str(articles), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    rows = sample_data.labelled_comments()
    assert [line["id"] for line in lines] == [row["id"] for row in rows]
    for line, row in zip(lines, rows):
        assert {"id", "abusive", "on_topic", "status", "reasons"} <= set(line)
        assert (line["on_topic"] is None) == (row["article_id"] is None)
        assert line["status"] in {"approved", "pending", "rejected"}


def test_score_says_which_language_each_comment_was_read_in(
    app, runner, multilingual_model_dir, tmp_path
):
    app.config["MODERATION_MODEL_DIR"] = str(multilingual_model_dir)
    comments = tmp_path / "mixed.jsonl"
    german = language_data.ASSERTED["de_abusive"]
    rows = [
        {"id": "detected", "text": german},
        {"id": "english", "text": sample_data.INSULT},
        # A line that states its language is read in it, as sent.
        {"id": "stated", "text": german, "meta": {"language": "en"}},
    ]
    sample_data.write_jsonl(comments, rows)
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(args=["score", "--input", str(comments), "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["language"] for line in lines] == ["de", "en", "en"]
    assert lines[0]["abusive"] > 0.5 and "abusive" in lines[0]["reasons"]
    assert lines[2]["abusive"] != lines[0]["abusive"]


def test_score_explains_exactly_the_comments_the_policy_does_not_publish(
    runner, data_files, tmp_path
):
    comments, articles = data_files
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(
        args=["score", "--input", str(comments), "--articles", str(articles), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    held = [line for line in lines if line["status"] != "approved"]
    assert held and len(held) < len(lines)
    for line in lines:
        assert ("explanations" in line) == (line["status"] != "approved")
    for line in held:
        assert set(line["explanations"]) == {"abusive", "on_topic"}
    abusive = [line for line in held if "abusive" in line["reasons"]]
    assert abusive and all(line["explanations"]["abusive"] for line in abusive)


def test_score_needs_no_database(data_files, model_dir, tmp_path):
    """A fresh checkout or a benchmark machine scores a file before any
    ``flask db upgrade``: the model CURRENT names is used."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'never-migrated.sqlite'}",
            "MODERATION_MODEL_DIR": str(model_dir),
        }
    )
    comments, articles = data_files
    out = tmp_path / "scores.jsonl"
    arguments = ["--input", str(comments), "--articles", str(articles), "--output", str(out)]
    result = app.test_cli_runner().invoke(args=["score", *arguments])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == len(sample_data.labelled_comments())
    assert f"with model {current_version(model_dir)}" in result.output


def unmigrated_app(tmp_path, model_dir, revision=None):
    """An app on a new SQLite file, migrated up to ``revision`` if given."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite'}",
            "MODERATION_MODEL_DIR": str(model_dir),
            "MODERATION_JOBS_URL": "memory://",
        }
    )
    if revision:
        with app.app_context():
            upgrade(directory=MIGRATIONS_DIR, revision=revision)
    return app


def test_a_command_on_a_database_never_migrated_says_how_to_migrate_it(tmp_path, model_dir):
    app = unmigrated_app(tmp_path, model_dir)
    for args in (["sites", "list"], ["models", "promote", "test-model", "--by", "li"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "not migrated to this release's schema" in result.output
        assert "run `flask --app app db upgrade`" in result.output


def test_a_database_an_earlier_release_migrated_is_named_as_behind(tmp_path, model_dir):
    # Migrated up to just before the live model version moved into the database.
    app = unmigrated_app(tmp_path, model_dir, revision=BEFORE_LIVE_MODEL_TABLE)
    result = app.test_cli_runner().invoke(args=["models", "promote", "test-model", "--by", "li"])
    assert result.exit_code == 1, result.output
    assert "model_promotions" in result.output and "db upgrade" in result.output
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
    result = app.test_cli_runner().invoke(args=["models", "promote", "test-model", "--by", "li"])
    assert result.exit_code == 0, result.output


def test_a_command_that_cannot_reach_the_database_says_so(tmp_path, model_dir):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite'}",
            "MODERATION_MODEL_DIR": str(model_dir),
            "MODERATION_JOBS_URL": "memory://",
        }
    )
    result = app.test_cli_runner().invoke(args=["sites", "list"])
    assert result.exit_code == 1, result.output
    assert "cannot reach the database: unable to open database file" in result.output
