"""`flask train` on a sample of the real shared data, when it is present."""

import itertools
import json

import pytest

from moderation.config import PROJECT_ROOT
from moderation.learning.artifacts import current_version, read_manifest

SHARED = PROJECT_ROOT.parent / "shared" / "datasets"
pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/datasets is not present"),
]


def sample(source, target, lines):
    with open(source, encoding="utf-8") as read, open(target, "w", encoding="utf-8") as write:
        write.writelines(itertools.islice(read, lines))
    return target


def test_train_on_a_sample_of_the_shared_data(runner, app, tmp_path):
    app.config["MODERATION_MODEL_DIR"] = str(tmp_path / "models")
    files = [
        sample(SHARED / "abuse" / "olid-train.jsonl", tmp_path / "olid.jsonl", 1500),
        sample(SHARED / "abuse" / "c3.jsonl", tmp_path / "c3.jsonl", 1500),
        SHARED / "abuse" / "fox-news.jsonl",
    ]
    args = [
        "train",
        "--articles",
        str(SHARED / "ontopic" / "articles.jsonl"),
        "--version",
        "shared",
    ]
    for path in files:
        args += ["--data", str(path)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert current_version(tmp_path / "models") == "shared"
    manifest = read_manifest(tmp_path / "models", "shared")
    rows = {d["file"]: d.get("rows") for d in manifest["datasets"]}
    assert rows["olid.jsonl"] == 1500 and rows["c3.jsonl"] == 1500 and rows["fox-news.jsonl"] == 926
    assert "CC-BY-NC-SA-4.0" in manifest["licenses"]
    validation = manifest["metrics"]["abuse"]["validation"]
    assert {"olid", "c3", "fox"} <= set(validation)
    assert validation["all"]["roc_auc"] > 0.6, json.dumps(validation["all"])
