"""Abuse in other languages: one calibrated model per language, read
through accent-folded text."""

import numpy as np
import pytest

from moderation.learning import loaded_models
from moderation.learning.artifacts import load_pipelines
from moderation.learning.multilingual import build_pipeline, folded
from tests import language_data


@pytest.fixture(scope="module")
def languages(multilingual_model_dir):
    return load_pipelines(multilingual_model_dir, "multilingual-model")["abuse_languages"]


def test_accents_and_disguises_are_read_alike():
    assert folded("Você é um IDIOTA") == folded("Voce e um idiota") == "voce e um idiota"
    # The English normaliser's steps still apply: invisible characters go.
    assert folded("Schw\u200bachkopf") == "schwachkopf"


def test_each_language_reads_abuse_it_never_saw_as_abuse(languages):
    assert languages[-1].languages_ == ("de", "pt")
    texts = language_data.ASSERTED
    pairs = [(texts[f"{language}_{kind}"], language) for language in ("de", "pt")
             for kind in ("abusive", "other")]  # fmt: skip
    de_abusive, de_other, pt_abusive, pt_other = languages.predict_proba(pairs)[:, 1]
    assert de_abusive > 0.5 > de_other
    assert pt_abusive > 0.5 > pt_other


def test_a_language_with_too_few_rows_gets_no_model():
    rows = [c for c in language_data.comments() if c.meta["language"] == "de"][::3]
    pipeline = build_pipeline(prior=0.1).fit(
        [(c.text, "de") for c in rows], [c.abusive for c in rows]
    )
    assert pipeline[-1].languages_ == ()


def test_probabilities_are_moved_to_the_news_abuse_rate():
    """Half the rows are abusive; on a stream where one in ten is, the same
    text is less likely abuse: the ranking stays, the probabilities fall."""
    rows = [c for c in language_data.comments() if c.meta["language"] == "pt"]
    calibration = [n % 4 == 0 for n in range(len(rows))]
    fitted = {}
    for prior in (0.5, 0.1):
        pipeline = build_pipeline(prior=prior)
        pipeline.fit(
            [(c.text, "pt") for c in rows],
            [c.abusive for c in rows],
            classifier__calibration=calibration,
        )
        fitted[prior] = pipeline.predict_proba([(c.text, "pt") for c in rows])[:, 1]
    assert np.all(fitted[0.1] < fitted[0.5])
    assert np.array_equal(np.argsort(fitted[0.1]), np.argsort(fitted[0.5]))
    assert abs(fitted[0.5].mean() - 0.5) < 0.1


def test_a_german_comment_is_scored_and_explained_in_german(multilingual_model_dir):
    loaded_models.forget_loaded_models()
    scorer = loaded_models.load_scorer(multilingual_model_dir)
    text = language_data.ASSERTED["de_abusive"]
    german, english = scorer.score([text, "You are a total idiot"], [None, None], explain=True)
    assert german.language == "de" and english.language == "en"
    assert german.abusive > 0.5
    # Only the attributes with a model in German: no English INSULT head.
    assert set(german.attributes) <= {"TOXICITY", "SPAM"}
    spans = german.explanations["abusive"]
    assert spans and all(text[s["start"] : s["end"]] == s["text"] for s in spans)
    marked = {s["text"].lower() for s in spans}
    assert "idiot" in marked
    assert not marked & {"du", "die"}, "function words are never marked alone"
    loaded_models.forget_loaded_models()


def test_a_model_without_other_languages_reads_everything_as_english(model_dir):
    loaded_models.forget_loaded_models()
    scorer = loaded_models.load_scorer(model_dir)
    (scores,) = scorer.score([language_data.ASSERTED["de_abusive"]], [None])
    assert scores.language == "en"
    loaded_models.forget_loaded_models()


def test_a_language_is_named_as_perspective_and_sites_name_it(multilingual_model_dir):
    loaded_models.forget_loaded_models()
    scorer = loaded_models.load_scorer(multilingual_model_dir)
    text = language_data.ASSERTED["pt_abusive"]
    read = scorer.score([text] * 4, [None] * 4, spoken=["pt-BR", "PT", "pt_BR", "pt"])
    assert {s.language for s in read} == {"pt"} and len({s.abusive for s in read}) == 1
    assert scorer.reads("pt-BR", "TOXICITY") and not scorer.reads("pt-BR", "SPAM")
    with pytest.raises(ValueError):
        scorer.score([text, text], [None, None], spoken=["pt"])
    loaded_models.forget_loaded_models()
