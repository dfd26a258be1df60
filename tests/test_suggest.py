"""Suggesting thresholds from a target precision."""

import json

import pytest

from moderation.learning.suggest import suggest


def test_thresholds_reach_the_target_and_the_rest_is_queued():
    scores = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99]
    labels = [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1]
    result = suggest(scores, labels, precision=0.95)
    assert result["reject_abusive"] == 0.8
    assert result["reject_precision"] == 1.0 and result["auto_rejected"] == 5
    assert result["hold_abusive"] == 0.4
    assert result["approve_precision"] == 1.0 and result["auto_approved"] == 6
    assert result["to_queue"] == 4 and result["queue_share"] == round(4 / 15, 4)
    looser = suggest(scores, labels, precision=0.6)
    assert looser["to_queue"] < result["to_queue"]


def test_one_class_of_labels_is_an_error():
    with pytest.raises(ValueError, match="both abusive and other"):
        suggest([0.1, 0.2], [0, 0], precision=0.9)


def test_cli_without_labels_explains(runner):
    result = runner.invoke(args=["policy", "suggest", "--precision", "0.95"])
    assert result.exit_code != 0
    assert "both abusive and other" in result.output


def test_cli_on_imported_labels(runner, tmp_path):
    path = tmp_path / "l.jsonl"
    rows = [{"id": f"a{i}", "text": "You are a stupid moron idiot", "abusive": 1} for i in range(8)]
    rows += [{"id": f"b{i}", "text": "Schools need the money", "abusive": 0} for i in range(8)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert runner.invoke(args=["labels", "import", str(path)]).exit_code == 0
    result = runner.invoke(args=["policy", "suggest", "--precision", "0.9"])
    assert result.exit_code == 0, result.output
    proposal = json.loads(result.output[: result.output.rindex("}") + 1])
    assert proposal["labelled"] == 16
    assert proposal["auto_rejected"] + proposal["auto_approved"] + proposal["to_queue"] == 16
    assert proposal["model_version"] == "test-model"
