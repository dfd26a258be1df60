"""Perspective-style attributes and where their labels come from.

Each attribute the service answers has a model trained on labels for that
attribute; none is derived from another's score. The labels come from the
sources that mark the attribute itself:

- TOXICITY: every source's abuse label (the policy's test).
- INSULT, PROFANITY, THREAT, IDENTITY_ATTACK: Civil Comments toxic-spans
  raters' per-attribute shares (positive when at least half the raters
  marked a span of that type); Impermium's insult labels; HatEval's hate
  against women and immigrants and Davidson's hate-speech class for
  identity attacks.
- SPAM: the YouTube Spam Collection's spam against every other comment
  (news comments, forum posts, tweets): spam is spam under any article.
- SEVERE_TOXICITY: C3's crowd toxicity level (mean of 2.5 or more on its
  1-4 scale, "toxic" or "very toxic") and Civil Comments comments that every
  rater, four or more of them, called toxic.

A comment labelled not abusive counts as a negative for every attribute; an
abusive comment from a source that does not label an attribute is left out
of that attribute's training, since its value there is unknown.
"""

TOXICITY = "TOXICITY"
SPAM = "SPAM"
ATTRIBUTES = (
    TOXICITY,
    "SEVERE_TOXICITY",
    "INSULT",
    "PROFANITY",
    "THREAT",
    "IDENTITY_ATTACK",
    SPAM,
)
SPAM_SOURCES = {"youtube-spam"}
CIVIL = "civil-comments-spans"
RATER_SHARE = 0.5
SEVERE_C3_LEVEL = 2.5
SEVERE_MIN_RATERS = 4
CIVIL_ATTRIBUTES = {
    "INSULT": "insult",
    "PROFANITY": "profanity",
    "THREAT": "threat",
    "IDENTITY_ATTACK": "identity_attack",
}


def label(comment, attribute: str) -> int | None:
    """``comment``'s label for ``attribute``: 1, 0, or None when unknown."""
    if attribute == SPAM:
        if comment.source in SPAM_SOURCES:
            return 1
        known = comment.abusive is not None or comment.on_topic == 1 or comment.article_id
        return 0 if known else None
    if comment.abusive is None:
        return None
    if attribute == TOXICITY:
        return comment.abusive
    meta = comment.meta or {}
    if attribute == "SEVERE_TOXICITY":
        if "toxicity_level" in meta:
            return int(float(meta["toxicity_level"]) >= SEVERE_C3_LEVEL)
        if comment.source == CIVIL:
            unanimous = meta.get("toxic_fraction") == 1.0
            return int(unanimous and meta.get("raters", 0) >= SEVERE_MIN_RATERS)
    elif comment.source == CIVIL:
        share = (meta.get("attributes") or {}).get(CIVIL_ATTRIBUTES[attribute], 0.0)
        return int(share >= RATER_SHARE)
    elif (
        attribute == "INSULT"
        and comment.source == "impermium-insults"
        or attribute == "IDENTITY_ATTACK"
        and comment.source == "hateval"
    ):
        return comment.abusive
    elif attribute == "IDENTITY_ATTACK" and "davidson_class" in meta:
        return int(meta["davidson_class"] == "hate_speech")
    return 0 if comment.abusive == 0 else None
