"""Text normalisation shared by training and scoring.

Training data is mostly tweets, production data is news comments. The
normaliser removes the surface differences that would otherwise let the
model learn the platform instead of the abuse: URLs and @mentions become
placeholders, HTML entities are decoded, obfuscated spellings ("f*ck",
"id1ot", "stuuupid") are mapped back to the word a reader sees.
"""

import functools
import html
import re

URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|ly|tv|io)\b\S*", re.I)
MENTION_RE = re.compile(r"(?<!\w)@\w+")
RETWEET_RE = re.compile(r"\brt\b:?", re.I)
# "!" standing for an "i" inside a word (sh!t, b!tch); only between letters,
# so "hello!" is left alone.
BANG_I_RE = re.compile(r"(?<=[a-z])!(?=[a-z])")
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a"}
)
LEET_WORD_RE = re.compile(
    r"(?<![\w$@])(?=[\w$@]*[a-z])(?=[\w$@]*[013457$@])[a-z013457$@]+(?![\w$@])"
)
REPEAT_RE = re.compile(r"(\w)\1{2,}")
# Cheap tests for rare patterns: a web domain, a digit or symbol next to a letter.
URL_HINT_RE = re.compile(r"\.(?:com|net|org|ly|tv|io)\b")
LEET_HINT_RE = re.compile(r"[a-z][013457$@]|[013457$@][a-z]")

# Masked forms whose letters cannot be recovered from the mask alone.
MASKED_WORDS = {
    "f*ck": "fuck",
    "f**k": "fuck",
    "f***": "fuck",
    "sh*t": "shit",
    "s**t": "shit",
    "b*tch": "bitch",
    "a**hole": "asshole",
    "a$$hole": "asshole",
    "a**": "ass",
    "c*nt": "cunt",
    "d*mn": "damn",
}
MASKED_RE = re.compile("|".join(re.escape(w) for w in sorted(MASKED_WORDS, key=len, reverse=True)))


def normalise(text: str) -> str:
    """Return the lower-cased, de-obfuscated form of a comment."""
    text = html.unescape(text).lower() if "&" in text else text.lower()
    # Each rule runs only when a cheap test says it can match: this is on
    # the scoring path of every comment, and most comments need none.
    if "http" in text or "www." in text or "." in text and URL_HINT_RE.search(text):
        text = URL_RE.sub(" urltoken ", text)
    if "@" in text:
        text = MENTION_RE.sub(" usertoken ", text)
    if "rt" in text:
        text = RETWEET_RE.sub(" ", text)
    if "*" in text or "$" in text:
        text = MASKED_RE.sub(lambda m: MASKED_WORDS[m.group(0)], text)
    if "!" in text:
        text = BANG_I_RE.sub("i", text)
    if LEET_HINT_RE.search(text):
        text = LEET_WORD_RE.sub(lambda m: m.group(0).translate(LEET), text)
    text = REPEAT_RE.sub(r"\1\1", text)
    return " ".join(text.split())


@functools.lru_cache(maxsize=65536)
def normalise_word(word: str) -> str:
    """``normalise`` for single words, which repeat endlessly across comments."""
    return normalise(word)


def normalise_all(texts) -> list[str]:
    """Vectorised form for scikit-learn's FunctionTransformer."""
    return [normalise(t) for t in texts]
