"""Where each Perspective attribute's labels come from."""

from moderation.learning.attributes import ATTRIBUTES, label
from moderation.learning.examples import LabelledComment


def comment(source, abusive, meta=None, on_topic=None, article_id=None):
    return LabelledComment("x", "text", abusive, on_topic, article_id, source, None, meta)


def test_civil_comments_raters_label_each_attribute_at_half_the_raters():
    rated = comment(
        "civil-comments-spans",
        1,
        {"attributes": {"insult": 0.67, "threat": 0.33, "profanity": 0.5, "identity_attack": 0}},
    )
    assert label(rated, "INSULT") == 1
    assert label(rated, "THREAT") == 0
    assert label(rated, "PROFANITY") == 1
    assert label(rated, "IDENTITY_ATTACK") == 0


def test_an_abusive_comment_from_a_source_without_the_attribute_is_unknown():
    assert label(comment("olid", 1), "THREAT") is None
    assert label(comment("olid", 1), "TOXICITY") == 1


def test_a_comment_that_is_not_abusive_is_no_attribute_and_not_spam():
    clean = comment("c3", 0, {"toxicity_level": 1.0})
    assert {a: label(clean, a) for a in ATTRIBUTES} == dict.fromkeys(ATTRIBUTES, 0)


def test_severe_toxicity_comes_from_a_severity_label():
    assert label(comment("c3", 1, {"toxicity_level": 2.6}), "SEVERE_TOXICITY") == 1
    assert label(comment("c3", 1, {"toxicity_level": 2.0}), "SEVERE_TOXICITY") == 0
    unanimous = {"toxic_fraction": 1.0, "raters": 5}
    assert label(comment("civil-comments-spans", 1, unanimous), "SEVERE_TOXICITY") == 1
    assert label(comment("olid", 1), "SEVERE_TOXICITY") is None


def test_spam_is_spam_under_any_article():
    assert label(comment("youtube-spam", None, on_topic=0), "SPAM") == 1
    assert label(comment("youtube-spam", None, on_topic=0), "TOXICITY") is None
    assert label(comment("nyt", None, article_id="a1"), "SPAM") == 0
