"""BERT's uncased tokenisation, as all-MiniLM-L6-v2 was trained with it:
words split at whitespace and punctuation, lowercased and unaccented, then
cut into the vocabulary's word pieces. Apart from the forward pass
(``encoder.py``): it is plain text processing, and the probes in
``benchmarks/`` that map word pieces back to words read it on its own.
"""

import re
import unicodedata

MAX_WORD_CHARS = 100
# ASCII control characters BERT drops (\t, \n and \r are whitespace to it).
ASCII_CONTROLS = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])
# In ASCII, every printable character but letters and digits is punctuation.
ASCII_WORDS = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def basic_words(text: str) -> list[str]:
    """BERT's uncased pre-tokenisation: drop control characters, lowercase,
    strip accents, and split on whitespace, punctuation and CJK characters."""
    if text.isascii():
        # Most comments: no accents or CJK, so one regular expression does
        # what the loop below does character by character, about 6x faster.
        return ASCII_WORDS.findall(text.translate(ASCII_CONTROLS).lower())
    return unicode_basic_words(text)


def unicode_basic_words(text: str) -> list[str]:
    """``basic_words`` for any text, one character at a time."""
    out = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD:
            continue
        category = unicodedata.category(char)
        if char in "\t\n\r" or category == "Zs":
            out.append(" ")
        elif category in ("Cc", "Cf"):
            continue
        elif _is_cjk(code) or _is_punctuation(char):
            out.append(f" {char} ")
        else:
            out.append(char)
    words = []
    for word in "".join(out).lower().split():
        word = "".join(
            c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
        )
        # Stripping accents can expose punctuation (or leave nothing).
        current = ""
        for char in word:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                words.append(char)
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    return words


def word_pieces(word: str, ids: dict[str, int], unknown: int) -> list[int]:
    """``word``'s piece ids in a vocabulary (``ids``): greedy longest match
    first; a word with any unmatched part is ``unknown``."""
    if len(word) > MAX_WORD_CHARS:
        return [unknown]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in ids:
                pieces.append(ids[piece])
                break
            end -= 1
        else:
            return [unknown]
        start = end
    return pieces
