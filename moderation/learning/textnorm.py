"""Text normalisation shared by training and scoring.

Training data is mostly other platforms, production data is news comments,
and some readers disguise what they write. The normaliser maps a comment to
the words a reader sees: Unicode compatibility forms and look-alike letters
(UTS #39 confusables) to plain letters, invisible characters removed, URLs
and @mentions to placeholders, HTML entities decoded, and disguised words
("f*ck", "id1ot", "s t u p i d", "stuuupid") back to the word.

Every step is linear in the length of the text: it runs on reader input of
up to 20,000 characters before anything else, so a pattern that backtracks
is a way to stop a worker. Regular expressions here either anchor at the
start of a run (a look-behind) or match one token at a time.
"""

import functools
import html
import json
import re
import sys
import unicodedata
from importlib import resources

# A run of word characters and hyphens ending in a web domain, taken only
# from the start of the run: re-scanning from every word boundary inside a
# long hyphenated run was quadratic.
URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|(?<![\w-])[\w-]+\.(?:com|net|org|ly|tv|io)(?![\w-])\S*", re.I
)
MENTION_RE = re.compile(r"(?<!\w)@\w+")
# "rt" first, then what precedes it: the literal start lets the search skip
# ahead instead of trying the look-behind at every character.
RETWEET_RE = re.compile(r"rt(?<!\wrt)(?!\w):?")
URL_HINT_RE = re.compile(r"\.(?:com|net|org|ly|tv|io)\b")
# Within one token: letters split by separators, "s.t.u.p.i.d", "s-t-u-p-i-d".
SPLIT_LETTERS_RE = re.compile(r"(?:[a-z][.\-_*+]){2,}[a-z][.\-_*+]?")
REPEAT_RE = re.compile(r"(\w)\1{2,}")
TRAILING_PUNCTUATION = ".,;:!?)\"'"
# Three one-letter words in a row: the cheap test before joining them.
SPACED_HINT_RE = re.compile(r"(?<!\S)\w \w \w")
DOUBLE_RE = re.compile(r"(\w)\1")
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"}
)
MASK_CHARS = "*#"
# Masked forms whose letters cannot be recovered from a vocabulary.
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
MAX_WORD_CACHE = 200_000


@functools.cache
def _unicode_table() -> dict[int, str | None]:
    """Invisible format characters (zero-width, soft hyphen, bidi marks)
    dropped; look-alike letters of other scripts mapped to Latin ones."""
    table: dict[int, str | None] = {
        code: None for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
    }
    data = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text()
    for plain, lookalikes in json.loads(data).items():
        if len(plain) == 1 and plain.isascii() and plain.isalnum():
            for entry in lookalikes:
                if len(entry["c"]) == 1 and not entry["c"].isascii():
                    table.setdefault(ord(entry["c"]), plain.lower())
    return table


def plain_letters(text: str) -> str:
    """NFKC, invisible characters removed, look-alikes mapped: the letters a
    reader sees. ASCII text is returned as it is."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_unicode_table())


def _join_spaced_letters(tokens: list[str], vocabulary=frozenset()) -> list[str]:
    """Runs of three or more one-letter tokens joined: "s t u p i d." is
    "stupid." (punctuation after the last letter stays after the word). A
    one-letter word before or after the run ("a", "I") stays a word when
    the run spells a known word without it."""
    joined, run = [], []
    for token in tokens + [""]:
        letter = token.rstrip(TRAILING_PUNCTUATION)
        if len(letter) == 1 and letter.isalpha():
            run.append(letter)
            if letter == token:
                continue
            token = token[1:]  # the run ends here, with this punctuation
        else:
            letter = None
        if len(run) >= 3:
            joined.extend(_spelled(run, vocabulary))
        else:
            joined.extend(run)
        if letter is not None and joined:
            joined[-1] += token
            token = ""
        run = []
        if token:
            joined.append(token)
    return joined


def _spelled(run: list[str], vocabulary) -> list[str]:
    word = "".join(run)
    if word in vocabulary or not vocabulary:
        return [word]
    for before, after in ((1, 0), (0, 1), (1, 1)):
        core = "".join(run[before : len(run) - after])
        if len(core) >= 3 and core in vocabulary:
            return run[:before] + [core] + run[len(run) - after :]
    return [word]


def _split_core(token: str) -> tuple[str, str, str]:
    """(punctuation before, the word, punctuation after); symbols that may
    stand for letters ("$hit", "f***") belong to the word."""
    start, end = 0, len(token)
    while start < end and not token[start].isalnum():
        start += 1
    if start == end:
        return token, "", ""
    while not token[end - 1].isalnum():
        end -= 1
    while start > 0 and token[start - 1] in "*#$@":
        start -= 1
    while end < len(token) and token[end] in "*#$":
        end += 1
    return token[:start], token[start:end], token[end:]


class Normaliser:
    """Normalises comments; with a ``vocabulary`` (words seen in training),
    disguised words are resolved to a known word where exactly one fits."""

    def __init__(self, vocabulary: frozenset[str] = frozenset()):
        self.vocabulary = vocabulary
        self._words: dict[str, str] = {}
        # Built before any scoring thread can see the object.
        self._length_index: dict[int, list[str]] = {}
        for word in sorted(vocabulary):
            self._length_index.setdefault(len(word), []).append(word)

    def __call__(self, text: str) -> str:
        text = plain_letters(text)
        text = html.unescape(text).lower() if "&" in text else text.lower()
        # Each rule runs only when a cheap test says it can match.
        if "http" in text or "www." in text or "." in text and URL_HINT_RE.search(text):
            text = URL_RE.sub(" urltoken ", text)
        if "@" in text:
            text = MENTION_RE.sub(" usertoken ", text)
        if "rt" in text:
            text = RETWEET_RE.sub(" ", text)
        words = self._words
        tokens = text.split()
        if SPACED_HINT_RE.search(text):
            tokens = _join_spaced_letters(tokens, self.vocabulary)
        out = []
        for token in tokens:
            word = words.get(token)
            if word is None:
                if len(words) > MAX_WORD_CACHE:
                    words.clear()
                word = words[token] = self._word(token)
            out.append(word)
        return " ".join(out)

    def _word(self, token: str) -> str:
        before, core, after = _split_core(token)
        if not core:
            return token
        if SPLIT_LETTERS_RE.fullmatch(core):
            core = "".join(c for c in core if c.isalpha())
        if core in MASKED_WORDS:
            core = MASKED_WORDS[core]
        elif not core.isalpha():
            core = self._disguised(core)
        core = self._elongated(core)
        return f"{before}{core}{after}"

    def _disguised(self, core: str) -> str:
        """Digits and symbols standing for letters ("id1ot", "sh!t"), and
        masked letters ("st*pid") resolved against the vocabulary."""
        if any(c.isalpha() for c in core) and any(c in "013457$@!" for c in core):
            candidate = core.translate(LEET)
            if not self.vocabulary or candidate in self.vocabulary:
                core = candidate
        if any(c in MASK_CHARS for c in core) and self.vocabulary:
            core = self._unmasked(core)
        return core

    def _unmasked(self, core: str) -> str:
        pattern = "".join("[a-z]" if c in MASK_CHARS else re.escape(c) for c in core)
        fits = re.compile(pattern).fullmatch
        matches = [w for w in self._by_length(len(core)) if fits(w)]
        return matches[0] if len(matches) == 1 else core

    def _by_length(self, length: int) -> list[str]:
        return self._length_index.get(length, [])

    def _elongated(self, core: str) -> str:
        """ "stuuupid" -> "stupid", "goood" -> "good": repeats become two
        letters, or one where only that spells a known word."""
        if not REPEAT_RE.search(core) and not (self.vocabulary and DOUBLE_RE.search(core)):
            return core
        two = REPEAT_RE.sub(r"\1\1", core)
        if not self.vocabulary or two in self.vocabulary:
            return two
        one = DOUBLE_RE.sub(r"\1", two)
        return one if one in self.vocabulary else two

    def __getstate__(self):
        return {"vocabulary": self.vocabulary}

    def __setstate__(self, state):
        self.__init__(state["vocabulary"])


_plain = Normaliser()


def normalise(text: str) -> str:
    """Return the lower-cased, de-obfuscated form of a comment."""
    return _plain(text)


@functools.lru_cache(maxsize=65536)
def normalise_word(word: str) -> str:
    """``normalise`` for single words, which repeat endlessly across comments."""
    return normalise(word)


def normalise_all(texts) -> list[str]:
    """Vectorised form for scikit-learn's FunctionTransformer."""
    return [normalise(t) for t in texts]
