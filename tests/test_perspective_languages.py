"""Perspective API in the languages other than English that the model has:
TOXICITY read by that language's model, every other attribute refused as
Perspective refuses an attribute it lacks in a language.

Sources: [methods] Perspective's AnalyzeComment reference ("languages: ...
If unspecified, the API will auto-detect the comment language"; the response
echoes ``languages`` and gives ``detectedLanguages``); [talk] Coral Talk's
``convertLanguage`` (de -> de, pt-BR -> pt) and its toxic-comment phase,
which sends ``languages`` and TOXICITY.
"""

import pytest

from tests import language_data
from tests.test_perspective_conformance import SPANISH, analyze, error_of

GERMAN = language_data.ASSERTED["de_abusive"]


@pytest.fixture
def app_config(multilingual_model_dir):
    return {"MODERATION_MODEL_DIR": str(multilingual_model_dir)}


def toxicity(client, key, text, languages=None):
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
    if languages is not None:
        body["languages"] = languages
    response = analyze(client, key, body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_talk_tenant_in_german_gets_toxicity_from_the_german_model(client, site_key):
    # [talk] a tenant in de sends languages ["de"].
    abusive = toxicity(client, site_key, GERMAN, ["de"])
    polite = toxicity(client, site_key, language_data.ASSERTED["de_other"], ["de"])
    value = abusive["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert value > 0.5 > polite["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert abusive["languages"] == ["de"]


def test_a_brazilian_tenant_is_read_in_portuguese(client, site_key):
    # [talk] pt-BR -> pt; BCP-47 codes are read by their language subtag.
    result = toxicity(client, site_key, language_data.ASSERTED["pt_abusive"], ["pt-BR"])
    assert result["languages"] == ["pt-BR"]
    assert result["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5


def test_german_is_detected_when_languages_are_omitted(client, site_key):
    # [methods] the detected language is reported in both fields.
    result = toxicity(client, site_key, GERMAN)
    assert result["languages"] == ["de"] and result["detectedLanguages"] == ["de"]
    assert result["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5


def test_the_languages_sent_are_trusted_over_detection(client, site_key):
    """The German text read as English (as sent) scores as the English model
    reads it, not as the German model does."""
    as_german = toxicity(client, site_key, GERMAN, ["de"])
    as_english = toxicity(client, site_key, GERMAN, ["en"])
    german = as_german["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    english = as_english["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert german != english


def test_a_language_without_a_model_is_still_refused(client, site_key):
    body = {"comment": {"text": SPANISH}, "requestedAttributes": {"TOXICITY": {}}}
    error = error_of(
        analyze(client, site_key, {**body, "languages": ["es"]}),
        400,
        "INVALID_ARGUMENT",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
    )
    assert error["message"] == "Attribute TOXICITY does not support request languages: es"


def test_spans_of_a_german_comment_point_into_it(client, site_key):
    body = {
        "comment": {"text": GERMAN},
        "languages": ["de"],
        "requestedAttributes": {"TOXICITY": {}},
        "spanAnnotations": True,
    }
    spans = analyze(client, site_key, body).get_json()["attributeScores"]["TOXICITY"]
    for span in spans["spanScores"]:
        assert 0 <= span["begin"] < span["end"] <= len(GERMAN)


def test_english_the_detector_half_takes_for_german_is_read_in_english(client, site_key):
    """Without ``languages``, the detector's 53% for German is enough to
    report German (as Perspective would) but not to leave the English model:
    the comment API's 80% rule applies here too."""
    text = "@USER Die bitch"
    detected = toxicity(client, site_key, text)
    assert detected["detectedLanguages"] == ["de"]
    as_english = toxicity(client, site_key, text, ["en"])
    value = lambda body: body["attributeScores"]["TOXICITY"]["summaryScore"]["value"]  # noqa: E731
    assert value(detected) == value(as_english)


MIXED = (
    "I read this whole article about the city council meeting and I think the reporter "
    "did a careful job explaining the budget vote. "
    "Der Artikel über die neue Buslinie in unserer Stadt war sehr gut erklärt."
)


def test_the_spans_of_a_comment_are_read_in_the_comments_language(client, site_key):
    """An English comment with a German sentence: its spans are read as the
    whole is (in English), not each in the language it alone looks like;
    the German model has no INSULT, so a span read in German crashed it."""
    body = {"comment": {"text": MIXED}, "requestedAttributes": {"TOXICITY": {}}}
    body["spanAnnotations"] = True
    detected = analyze(client, site_key, body).get_json()
    as_english = analyze(client, site_key, {**body, "languages": ["en"]}).get_json()
    assert detected["languages"] == ["en"]
    spans = detected["attributeScores"]["TOXICITY"]["spanScores"]
    assert len(spans) == 2
    assert spans == as_english["attributeScores"]["TOXICITY"]["spanScores"]


def test_a_comment_read_in_german_says_so_though_its_opening_looks_english(client, site_key):
    """Its first 400 characters are English enough to report English at 50%,
    the whole text is German at 99%: it is read, and reported, in German."""
    english = "I read the article about the council and the budget vote. "
    german = "Ich danke der Zeitung für den Bericht. "
    other = language_data.ASSERTED["de_other"]
    opening = f"{english}{german}{english}Thanks for this. {other}. Thanks for this. "
    text = f"{opening}{english}{german}{english}" + f"{german}Das ist gut. " * 20
    result = toxicity(client, site_key, text)
    assert result["languages"] == ["de"] and result["detectedLanguages"] == ["de"]
    as_german = toxicity(client, site_key, text, ["de"])
    value = lambda body: body["attributeScores"]["TOXICITY"]["summaryScore"]["value"]  # noqa: E731
    assert value(result) == value(as_german)
