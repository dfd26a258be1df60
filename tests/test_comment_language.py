"""A site that knows its comments' language says so: the comment is read in
it (not in the detected one), and read in it again whenever it is re-scored."""

import pytest

from tests import language_data, sample_data

GERMAN = language_data.ASSERTED["de_abusive"]
ARTICLE = sample_data.EXAMPLE_ARTICLE


@pytest.fixture
def app_config(multilingual_model_dir):
    return {"MODERATION_MODEL_DIR": str(multilingual_model_dir)}


def post(client, auth, comment_id, text, **fields):
    body = {"id": comment_id, "article_id": ARTICLE["id"], "text": text, **fields}
    return client.post("/api/v1/comments", json=body, headers=auth)


def test_a_stated_language_is_stored_and_read_in(client, auth, article):
    stated = post(client, auth, "de-stated", GERMAN, language="de-AT").get_json()
    detected = post(client, auth, "de-detected", GERMAN).get_json()
    as_english = post(client, auth, "de-as-en", GERMAN, language="en").get_json()
    assert stated["language"] == "de" and detected["language"] is None
    assert stated["scores"]["abusive"] == detected["scores"]["abusive"] > 0.5
    assert "abusive" in stated["reasons"]
    # Read as English, as the site says, by the English model.
    assert as_english["scores"]["abusive"] != stated["scores"]["abusive"]
    again = client.get("/api/v1/comments/de-stated", headers=auth).get_json()
    assert again["language"] == "de"


@pytest.mark.parametrize("value", ["german!", "d", 42, "de-", ""])
def test_a_language_that_is_not_a_code_is_a_400_naming_the_field(client, auth, article, value):
    response = post(client, auth, "bad", GERMAN, language=value)
    assert response.status_code == 400
    assert "language" in response.get_json()["fields"]
    assert client.get("/api/v1/comments/bad", headers=auth).status_code == 404


def test_a_comment_is_read_in_its_stated_language_when_decided_again(client, auth):
    """Held until its article arrives, then decided again: in the language the
    site stated, not in the one the detector finds."""
    polite = language_data.ASSERTED["de_other"]  # held only for its missing article
    stated = post(client, auth, "early-en", polite, language="en").get_json()
    detected = post(client, auth, "early", polite).get_json()
    assert "unknown_article" in stated["reasons"] and "unknown_article" in detected["reasons"]
    assert client.post("/api/v1/articles", json=ARTICLE, headers=auth).status_code == 201
    stated_now = client.get("/api/v1/comments/early-en", headers=auth).get_json()
    detected_now = client.get("/api/v1/comments/early", headers=auth).get_json()
    assert "unknown_article" not in stated_now["reasons"]
    assert stated_now["scores"]["abusive"] == stated["scores"]["abusive"]
    assert detected_now["scores"]["abusive"] == detected["scores"]["abusive"]
    assert stated_now["scores"]["abusive"] != detected_now["scores"]["abusive"]


def test_the_score_preview_reads_the_stated_language_and_says_which(client, auth):
    def preview(**fields):
        response = client.post("/api/v1/score", json={"text": GERMAN, **fields}, headers=auth)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    detected, stated, as_english = preview(), preview(language="de"), preview(language="en")
    assert detected["language"] == stated["language"] == "de"
    assert as_english["language"] == "en"
    assert stated["scores"]["abusive"] == detected["scores"]["abusive"]
    assert as_english["scores"]["abusive"] != stated["scores"]["abusive"]
    bad = client.post("/api/v1/score", json={"text": GERMAN, "language": "?"}, headers=auth)
    assert bad.status_code == 400 and "language" in bad.get_json()["fields"]
