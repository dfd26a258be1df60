"""Training the other languages' abuse model beside the English one."""

from moderation.learning.artifacts import read_manifest
from moderation.learning.examples import LabelledComment
from moderation.learning.splits import held_out
from tests import language_data


def test_rows_in_other_languages_are_held_out_by_hash_though_marked_train():
    """Their files come without the official test rows, so "train" is all
    they say: without the hash split nothing would be held out."""
    rows = language_data.comments()
    share = sum(held_out(c, seed=0) for c in rows) / len(rows)
    assert 0.1 < share < 0.3


def test_other_languages_stay_out_of_the_english_model(
    data_files, model_dir, multilingual_model_dir
):
    english = read_manifest(model_dir, "test-model")["metrics"]["abuse"]
    both = read_manifest(multilingual_model_dir, "multilingual-model")["metrics"]
    assert both["abuse"]["train_rows"] == english["train_rows"]
    report = both["abuse_languages"]
    assert report["languages"] == ["de", "pt"]
    # Each language's held-out rows, with the English model's AUC on them
    # for comparison, and the rate the probabilities were moved to.
    german = report["validation"]["de"]
    assert german["rows"] > 0 and german["roc_auc"] is not None
    assert "english_model_roc_auc" in german
    assert 0 < report["prior"] < 1


def test_english_rows_keep_their_official_split():
    def row(n, split, language=None):
        meta = {"split": split} | ({"language": language} if language else {})
        return LabelledComment(f"r{n}", "text", 0, None, None, "src", None, meta)

    assert not any(held_out(row(n, "train"), 0) for n in range(50))
    assert all(held_out(row(n, "test"), 0) for n in range(50))
    assert any(held_out(row(n, "train", "de"), 0) for n in range(50))
