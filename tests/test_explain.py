"""Explanations point at the words of the comment as the site sent it."""

import pytest

from moderation.learning import loaded_models
from moderation.learning.explain import MARKED_PUSH, marked_abusive, strongest, words
from moderation.learning.textnorm import normalise_word
from tests import sample_data

ARTICLE = sample_data.EXAMPLE_ARTICLE["title"] + "\n\n" + sample_data.EXAMPLE_ARTICLE["body"]
# The words issue 14 saw highlighted: stop-words, never meaningful alone.
STOP_WORDS = {"a", "should", "up", "you", "this"}
TRICKY = [
    sample_data.INSULT,
    "Ce n'est pas ça — you ID1OT, f*ck off!!! 🙄 @USER www.example.com",
    "Russia   and\tPakistan\n\nsharing intelligence: good.",
    "",
    "!!!",
]


@pytest.fixture
def scorer(model_dir):
    return loaded_models.load_scorer(model_dir)


def test_words_keep_obfuscations_whole():
    assert [w for w, _, _ in words("you f*ck1ng id1ot, sh!t")] == [
        "you",
        "f*ck1ng",
        "id1ot",
        "sh!t",
    ]


def test_spans_are_the_six_strongest_distinct_words_and_no_stop_word():
    text = (
        "You idiot, you IDIOT: this should shut you up, a fool, a clown, a liar, a cheat, a troll"
    )
    # Stop-words pushed hardest, as "you" can in a model that learned insults.
    push = {word: 9.0 for word in STOP_WORDS}
    push.update(idiot=5, fool=4, clown=3.5, liar=3, cheat=2.5, troll=2, shut=1.5)
    tokens = words(text)
    spans = strongest(tokens, [push[token.lower()] for token, _, _ in tokens])
    assert [span.text for span in spans] == ["idiot", "fool", "clown", "liar", "cheat", "troll"]
    assert spans[0].start == text.index("idiot"), "a repeated word: its first occurrence"


def test_the_queue_marks_the_strongly_pushing_words_and_no_weak_one():
    spans = [
        {"text": "Idiot", "start": 0, "end": 5, "weight": MARKED_PUSH + 0.5},
        {"text": "people", "start": 25, "end": 31, "weight": MARKED_PUSH - 0.1},
        {"text": "fools", "start": 40, "end": 45, "weight": MARKED_PUSH},
    ]
    assert marked_abusive(0.9, spans, hold_abusive=0.15) == [(0, 5), (40, 45)]
    assert marked_abusive(0.9, spans[1:2], hold_abusive=0.15) == []
    # Not held for abuse: nothing is marked, however hard a word pushes.
    assert marked_abusive(0.1, spans, hold_abusive=0.15) == []
    assert marked_abusive(None, spans, hold_abusive=0.15) == []


def test_model_highlights_distinct_meaningful_words_of_an_unseen_comment(scorer):
    (scores,) = scorer.score([sample_data.REPEATED_INSULT], [ARTICLE], explain=True)
    for axis in ("abusive", "on_topic"):
        marked = [normalise_word(span["text"]) for span in scores.explanations[axis]]
        assert len(marked) <= 6
        assert len(set(marked)) == len(marked), f"{axis}: a word marked twice: {marked}"
        assert not STOP_WORDS & set(marked), f"{axis}: a stop-word marked: {marked}"
    marked = [span["text"] for span in scores.explanations["abusive"]]
    assert len(marked) == 6, "more than six insults: the six strongest"
    assert [word.lower() for word in marked].count("moron") == 1


@pytest.mark.parametrize("text", TRICKY)
def test_every_span_matches_the_text_at_its_offsets(scorer, text):
    (scores,) = scorer.score([text], [ARTICLE], explain=True)
    for axis in ("abusive", "on_topic"):
        spans = scores.explanations[axis]
        assert len(spans) <= 6
        for span in spans:
            assert text[span["start"] : span["end"]] == span["text"]
        assert [s["start"] for s in spans] == sorted(s["start"] for s in spans)


def test_insult_words_push_towards_abusive(scorer):
    (scores,) = scorer.score([sample_data.INSULT], [None], explain=True)
    pushes = {span["text"]: span["weight"] for span in scores.explanations["abusive"]}
    assert pushes.get("idiot", 0) > 0
    assert scores.explanations["on_topic"] == []


def test_spam_words_push_away_from_on_topic(scorer):
    (scores,) = scorer.score([sample_data.SPAM], [ARTICLE], explain=True)
    pushes = {span["text"]: span["weight"] for span in scores.explanations["on_topic"]}
    assert pushes and min(pushes.values()) < 0


def test_explaining_does_not_change_the_scores(scorer):
    texts = [sample_data.INSULT, sample_data.EXAMPLE_COMMENTS[0]]
    plain = scorer.score(texts, [ARTICLE, ARTICLE])
    explained = scorer.score(texts, [ARTICLE, ARTICLE], explain=True)
    assert [(s.abusive, s.on_topic) for s in plain] == [(s.abusive, s.on_topic) for s in explained]
    assert all(s.explanations is None for s in plain)


def test_score_endpoint_explains_on_request(client, auth):
    body = {"text": TRICKY[1], "article": {"title": "Moscow accord", "body": ARTICLE}}
    plain = client.post("/api/v1/score", json=body, headers=auth).get_json()
    assert "explanations" not in plain
    explained = client.post("/api/v1/score?explain=1", json=body, headers=auth).get_json()
    for span in explained["explanations"]["abusive"] + explained["explanations"]["on_topic"]:
        assert TRICKY[1][span["start"] : span["end"]] == span["text"]


def test_held_comment_keeps_its_explanations(client, auth, article, app):
    app.config["MODERATION_PREMODERATION"] = True
    body = {"id": "c1", "article_id": article["id"], "text": sample_data.INSULT}
    posted = client.post("/api/v1/comments", json=body, headers=auth).get_json()
    assert posted["status"] in {"pending", "rejected"}
    stored = client.get("/api/v1/comments/c1", headers=auth).get_json()
    assert stored["explanations"] == posted["explanations"]
    for span in stored["explanations"]["abusive"] + stored["explanations"]["on_topic"]:
        assert sample_data.INSULT[span["start"] : span["end"]] == span["text"]
    assert stored["explanations"]["abusive"], "the insult's words are explained"


def test_published_comment_is_not_explained(client, auth, article, app):
    app.config.update(MODERATION_HOLD_ABUSIVE=1.0, MODERATION_REJECT_ABUSIVE=1.0)
    app.config["MODERATION_HOLD_ON_TOPIC"] = 0.0
    body = {"id": "c1", "article_id": article["id"], "text": sample_data.EXAMPLE_COMMENTS[0]}
    posted = client.post("/api/v1/comments", json=body, headers=auth).get_json()
    assert posted["status"] == "approved"
    assert posted["explanations"] is None
