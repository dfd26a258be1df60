"""What a queue card says about why a comment was held: the words marked
in its text, the hint when none is strong enough to mark, and, for a
comment held as off-topic, the words it shares with its article and the
article's words it lacks."""

import re

import pytest

from tests import sample_data
from tests.moderation_helpers import post_comments


@pytest.fixture
def app_config():
    # Hold every comment, whatever the tiny test model says.
    return {"MODERATION_PREMODERATION": True}


def test_highlights_mark_explained_words(moderator, auth):
    post_comments(moderator, auth, [sample_data.INSULT])
    page = moderator.get("/queue?tab=all").get_data(as_text=True)
    assert re.search(r'<mark class="abusive"[^>]*>idiot</mark>', page)


def test_a_held_comment_marks_each_strong_word_once_and_no_weak_word(app):
    from moderation.domain.orm import Comment
    from moderation.learning.explain import MARKED_PUSH
    from moderation.web.queue_pages import highlight

    text = "Idiot. You are an idiot, people say."
    comment = Comment(text=text, abusive=0.9, on_topic=None)
    comment.explanations = {
        "abusive": [
            {"text": "Idiot", "start": 0, "end": 5, "weight": MARKED_PUSH + 1},
            {"text": "people", "start": 25, "end": 31, "weight": MARKED_PUSH / 2},
        ]
    }
    with app.test_request_context():
        shown = str(highlight(comment))
    assert re.findall(r'<mark class="abusive"[^>]*>(\w+)</mark>', shown) == ["Idiot"]
    comment.abusive = 0.01  # not held for abuse: nothing marked
    with app.test_request_context():
        assert "<mark" not in str(highlight(comment))


def test_a_comment_held_for_abuse_with_no_word_marked_says_why(app, moderator, auth):
    app.config["MODERATION_HOLD_ABUSIVE"] = 0.0001  # the polite comment is held for abuse too
    post_comments(moderator, auth, [sample_data.POLITE, sample_data.INSULT])
    page = moderator.get("/queue?tab=all").get_data(as_text=True)
    cards = page.split('<li class="card')[1:]
    (polite,) = [card for card in cards if "I hope the council" in card]
    (insult,) = [card for card in cards if "idiot" in card]
    assert "No single word pushes hard enough" in polite and '<mark class="abusive"' not in polite
    assert "No single word pushes" not in insult and '<mark class="abusive"' in insult


@pytest.mark.parametrize(
    ("abusive", "reasons", "weights", "said"),
    [
        (0.9, ["abusive"], [0.3, 0.5], True),  # held for abuse, nothing strong
        (0.9, ["abusive"], [0.3, 2.0], False),  # a word is marked: it says itself
        (0.9, ["off_topic"], [0.3], False),  # held for another reason
        (0.9, ["abusive"], [], False),  # nothing explained
        (0.9, ["abusive"], None, False),  # never explained
        (None, ["abusive"], [0.3], False),  # not scored
    ],
)
def test_the_unmarked_hint_is_said_only_of_an_explained_comment_held_for_abuse(
    app, abusive, reasons, weights, said
):
    from moderation.domain.orm import Comment
    from moderation.web.queue_pages import abuse_unmarked

    comment = Comment(text="word " * 3, abusive=abusive, on_topic=None, reasons=reasons)
    if weights is not None:
        spans = [{"text": "word", "start": 0, "end": 4, "weight": w} for w in weights]
        comment.explanations = {"abusive": spans}
    with app.test_request_context():
        assert abuse_unmarked(comment) is said


def topic_hint(page: str) -> str:
    found = re.search(r'<p class="topic-hint">(.*?)</p>', page, re.S)
    return " ".join(found.group(1).split()) if found else ""


def listed(hint: str, kind: str) -> list[str]:
    found = re.search(rf'<span class="{kind}">(.*?)</span>', hint)
    return found.group(1).split(", ") if found else []


@pytest.mark.parametrize("app_config", [{"MODERATION_HOLD_ON_TOPIC": 0.999}])
def test_a_comment_held_off_topic_shows_what_it_shares_with_its_article_and_what_it_lacks(
    moderator, auth
):
    article_words = set(re.findall(r"[a-z]+", str(sample_data.EXAMPLE_ARTICLE).lower()))
    post_comments(moderator, auth, [sample_data.POLITE])
    hint = topic_hint(moderator.get("/queue").get_data(as_text=True))
    assert "The article's words it does not use" in hint
    missing = listed(hint, "missing")
    assert 0 < len(missing) <= 5
    polite = set(re.findall(r"[a-z]+", sample_data.POLITE.lower()))
    assert all(word in article_words and word not in polite for word in missing), missing


@pytest.mark.parametrize("app_config", [{"MODERATION_HOLD_ON_TOPIC": 0.999}])
def test_the_words_a_comment_shares_with_its_article_are_named(moderator, auth):
    post_comments(moderator, auth, [sample_data.EXAMPLE_COMMENTS[0]])
    hint = topic_hint(moderator.get("/queue").get_data(as_text=True))
    assert "pakistan" in listed(hint, "matched")
    assert "pakistan" not in listed(hint, "missing")


def test_no_hint_for_a_comment_the_model_found_on_topic(moderator, auth, app):
    post_comments(moderator, auth, [sample_data.POLITE])
    app.config["MODERATION_HOLD_ON_TOPIC"] = 0.999
    assert topic_hint(moderator.get("/queue").get_data(as_text=True))
    app.config["MODERATION_HOLD_ON_TOPIC"] = 0.0
    assert topic_hint(moderator.get("/queue").get_data(as_text=True)) == ""


def test_no_hint_for_a_comment_in_another_language(moderator, auth, app):
    app.config["MODERATION_HOLD_ON_TOPIC"] = 0.999
    moderator.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    body = {
        "id": "de-1",
        "article_id": sample_data.EXAMPLE_ARTICLE["id"],
        "text": "Pakistan und Russland wollen beim Kampf gegen den Terror zusammenarbeiten.",
        "language": "de",
    }
    assert moderator.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    assert topic_hint(moderator.get("/queue").get_data(as_text=True)) == ""
