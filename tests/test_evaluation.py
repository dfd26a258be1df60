"""The evaluate command's report."""

import json

ABUSE_FIELDS = {
    "rows",
    "positives",
    "roc_auc",
    "average_precision",
    "macro_f1",
    "macro_f1_at_reject",
    "threshold",
    "brier",
    "calibration_error",
}


def test_evaluate_reports_every_measure_per_file_and_source(runner, data_files):
    comments, articles = data_files
    result = runner.invoke(args=["evaluate", "--data", str(comments), "--articles", str(articles)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model_version"] == "test-model"
    assert report["thresholds"]["hold_abusive"] == 0.5
    file_report = report["files"]["comments.jsonl"]
    assert set(report["sources"]) == {"tests"}
    assert set(file_report["abuse"]) >= ABUSE_FIELDS
    on_topic = file_report["on_topic"]
    assert {"own_vs_other_roc_auc", "top1_accuracy", "top1_comments"} <= set(on_topic)
    assert 0.0 <= on_topic["own_vs_other_roc_auc_with_thread"] <= 1.0
    assert on_topic["spam_rows"] == 6
    assert 0.0 <= on_topic["spam_scored_off_topic_fresh"] <= 1.0
    assert 0.0 <= on_topic["spam_caught_in_flood"] <= 1.0
    # The tiny model has seen these comments: it must at least rank them.
    assert on_topic["own_vs_other_roc_auc"] > 0.7
    assert file_report["abuse"]["roc_auc"] > 0.7


def test_evaluate_held_out_uses_only_the_validation_split(runner, data_files):
    comments, articles = data_files
    full = json.loads(runner.invoke(args=["evaluate", "--data", str(comments)]).output)
    held = json.loads(
        runner.invoke(args=["evaluate", "--data", str(comments), "--held-out"]).output
    )
    assert held["held_out_only"] is True
    assert held["files"]["comments.jsonl"]["rows"] < full["files"]["comments.jsonl"]["rows"]
    assert "on_topic" not in full["files"]["comments.jsonl"], "no articles given"


def test_evaluate_unknown_version_is_a_clear_error(runner, data_files):
    comments, _ = data_files
    result = runner.invoke(args=["evaluate", "--data", str(comments), "--model", "nope"])
    assert result.exit_code != 0
    assert "nope" in result.output


def test_a_file_with_one_article_is_measured_without_crashing(runner, tmp_path):
    comments = tmp_path / "one.jsonl"
    comments.write_text('{"id": 1, "text": "Good point", "abusive": 0, "article_id": 7}\n')
    articles = tmp_path / "a.jsonl"
    articles.write_text('{"id": 7, "title": "Only article", "body": "Text"}\n')
    result = runner.invoke(args=["evaluate", "--data", str(comments), "--articles", str(articles)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"]["one.jsonl"]["rows"] == 1


def test_evaluate_reports_what_a_batch_gets_where_the_abuse_stage_reads_posts(
    app, runner, data_files
):
    """Posts alone are read by the abuse stage's encoder, batches are not:
    both are measured, each on the same rows."""
    from moderation.config import PROJECT_ROOT

    app.config["MODERATION_MODEL_DIR"] = str(PROJECT_ROOT / "models")  # it has an abuse stage
    comments, _ = data_files
    result = runner.invoke(args=["evaluate", "--data", str(comments)])
    assert result.exit_code == 0, result.output
    abuse = json.loads(result.output)["files"]["comments.jsonl"]
    assert set(abuse["abuse_in_batches"]) >= ABUSE_FIELDS - {"macro_f1_at_reject"}
    assert abuse["abuse_in_batches"]["rows"] == abuse["abuse"]["rows"]
    assert abuse["abuse_in_batches"]["brier"] != abuse["abuse"]["brier"]
    # Served like a batch already, there is nothing else to measure.
    app.config["MODERATION_ABUSE_ENCODER"] = "off"
    result = runner.invoke(args=["evaluate", "--data", str(comments)])
    assert "abuse_in_batches" not in json.loads(result.output)["files"]["comments.jsonl"]


def test_each_source_of_a_file_is_measured_on_its_own_comments(runner, data_files, tmp_path):
    """A source's figures are measured on its own rows: those of every file
    it has rows in, and only those, when a file holds two sources."""
    rows = [json.loads(line) for line in data_files[0].read_text().splitlines()]
    for row in rows[::3]:
        row["source"] = "other"
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = runner.invoke(args=["evaluate", "--data", str(data_files[0]), "--data", str(mixed)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["files"]["comments.jsonl"]["rows"] == len(rows)
    assert report["sources"]["other"]["rows"] == len(rows[::3])
    # "tests": every row of comments.jsonl and two thirds of mixed.jsonl's.
    assert report["sources"]["tests"]["rows"] == len(rows) + len(rows) - len(rows[::3])
    assert report["sources"]["other"]["abuse"]["rows"] == sum(
        row["abusive"] is not None for row in rows[::3]
    )
