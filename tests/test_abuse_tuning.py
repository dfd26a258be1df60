"""Tuning the encoder for abuse (a build step; needs PyTorch, which CI
installs as a build extra): what it trains on, and that the service's numpy
pass runs what PyTorch tuned."""

import numpy as np
import pytest

from moderation.learning.examples import LabelledComment
from moderation.learning.splits import group_of, held_out, in_validation
from moderation.learning.training import CALIBRATION_SHARE
from tests.encoders import tiny_encoder

pytest.importorskip("torch")

from moderation.learning.abuse_tuning import (  # noqa: E402
    naming_sentences,
    tune_abuse,
    tuning_rows,
)

INSULTS = ["you cheap spam", "buy the spam now", "spam spam", "cheap spam!"]
FINE = ["the council vote", "the budget tax", "hello world", "the school vote"]


def news_rows(count: int = 240, source: str = "c3") -> list[LabelledComment]:
    rows = []
    for i in range(count):
        abusive = i % 2
        text = (INSULTS if abusive else FINE)[i % 4]
        rows.append(LabelledComment(f"{source}-{i}", text, abusive, None, f"a{i}", source, "CC0"))
    return rows


def test_tuning_reads_only_the_training_side_of_news_sources():
    rows = news_rows() + news_rows(source="olid")
    chosen = tuning_rows(rows, seed=0, per_source=1000)
    assert chosen and {c.source for c in chosen} == {"c3"}
    assert not any(held_out(c, 0) for c in chosen)
    # Nor the rows `train` fits the stack and sets the thresholds on.
    assert not any(in_validation(group_of(c), 1, CALIBRATION_SHARE) for c in chosen)
    assert any(in_validation(group_of(c), 1, CALIBRATION_SHARE) for c in rows[:240])
    assert len(tuning_rows(rows, seed=0, per_source=10)) == 10


def test_a_tuned_stage_separates_what_it_was_tuned_on_in_the_numpy_pass():
    encoder = tiny_encoder(0)
    before = {name: value.copy() for name, value in encoder.stored_weights().items()}
    stage = tune_abuse(encoder, news_rows(), layers=1, per_source=240, epochs=3, log=lambda _: None)
    # Only the top layer is stored, changed; the encoder itself is untouched.
    assert {name.split(".")[0] for name in stage.layers} == {"1"}
    assert not np.array_equal(stage.layers["1.q"], before["1.q"].astype(np.float16))
    np.testing.assert_array_equal(encoder.stored_weights()["1.q"], before["1.q"])
    stage.attach(encoder)
    assert stage.tuned_logits(INSULTS).min() > stage.tuned_logits(FINE).max()


def test_tuning_without_both_classes_is_refused():
    rows = [c for c in news_rows() if c.abusive == 0]
    with pytest.raises(ValueError, match="both abusive and not"):
        tune_abuse(tiny_encoder(0), rows, log=lambda _: None)


def test_article_sentences_that_name_a_group_are_read_as_not_abusive():
    articles = [
        "The mayor met Muslim leaders on Friday. The budget passed.",
        "Black and white photographs of the old harbour were shown. Rain is due.",
    ]
    rows = naming_sentences(articles, seed=0)
    assert sorted(r.text for r in rows) == [
        "Black and white photographs of the old harbour were shown.",
        "The mayor met Muslim leaders on Friday.",
    ]
    assert {r.abusive for r in rows} == {0}


def test_tuning_reads_comments_as_the_service_reads_them(monkeypatch):
    """The service gives the stage the normaliser's output (a link is a
    token, look-alike letters are plain ones): tuned on the written text,
    the layers would learn spellings they never see when serving."""
    from moderation.learning import abuse_tuning

    read = []
    monkeypatch.setattr(
        abuse_tuning, "fit", lambda model, head, rows, *a, **k: read.extend(r.text for r in rows)
    )
    monkeypatch.setattr(abuse_tuning, "_check_export", lambda *a: None)
    rows = news_rows()
    # c3-3's article is on the training side, outside the calibration rows.
    rows[3] = LabelledComment(
        "c3-3", "Buy ｃｈｅａｐ SPAM at http://spam.example", 1, None, "a3", "c3", None
    )
    tune_abuse(tiny_encoder(0), rows, layers=1, per_source=240, log=lambda _: None)
    assert "buy cheap spam at urltoken" in read
    assert not any("http" in text or "SPAM" in text for text in read)

    read.clear()
    tune_abuse(
        tiny_encoder(0), rows, layers=1, per_source=240, log=lambda _: None, normalised=False
    )
    assert rows[3].text in read
