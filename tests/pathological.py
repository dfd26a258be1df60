"""Reader text shaped to make text functions slow, at any length.

Each shape builds a text of exactly the length asked for. They are the
shapes that made a backtracking pattern or a per-character loop do work
growing faster than the text (issue 12: ``"a-" * 9990 + " x.com"`` took
9 s to normalise), plus the disguises the normaliser undoes, repeated.
The tests feed them at the API's maximum; ``benchmarks/text_functions.py``
times them at a quarter of it and at the maximum.
"""

MAXIMUM = 20_000  # MODERATION_MAX_TEXT_CHARS' default and the OpenAPI maxLength


def _repeat(unit: str, length: int, ending: str = "") -> str:
    body = (unit * (length // len(unit) + 1))[: length - len(ending)]
    return body + ending


SHAPES = {
    "hyphenated run + domain": lambda n: _repeat("a-", n, " x.com"),
    "punctuation run": lambda n: _repeat("!", n, ")a)"),
    "one-letter words": lambda n: _repeat("a ", n, "ab"),
    "dotted letters": lambda n: _repeat("a.", n),
    "one letter": lambda n: _repeat("a", n),
    "elongated word": lambda n: "st" + "u" * (n - 5) + "pid",
    "spaced letters": lambda n: _repeat("s t u p i d ", n),
    "leet run": lambda n: _repeat("1a", n),
    "at signs": lambda n: _repeat("@", n),
    "stars": lambda n: _repeat("*", n),
    "masked letters": lambda n: _repeat("a*", n),
    "masked words": lambda n: _repeat("f*ck ", n),
    "symbols inside a word": lambda n: _repeat("a@$'", n),
    "zero-width": lambda n: _repeat("\u200b", n),
    "mixed invisible characters": lambda n: _repeat("st\u200bu\u00adp\u200di\u2060d\u200c ", n),
    "mixed scripts": lambda n: _repeat("st\u0443p\u0456d ", n),
    "many urls": lambda n: _repeat("www.x.com http://y.co/z ", n),
    "long url": lambda n: "http://" + _repeat("a", n - 7),
    "domain endings": lambda n: _repeat("a-b.com.", n),
    "mentions": lambda n: _repeat("@a", n),
    "html": lambda n: _repeat("<b>idiot</b> &amp; <i>&#x", n),
    "ordinary prose": lambda n: _repeat("you are an idiot and this is spam www.x.com ", n),
    # No word remembered from an earlier text helps: every word is new, and
    # a text of another length has none of them.
    "distinct words": lambda n: "".join(f"n{n}w{i} " for i in range(n))[:n],
}
