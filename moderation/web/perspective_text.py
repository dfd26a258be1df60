"""Text as Perspective's callers see it: HTML stripped, sentences, UTF-16 offsets.

``comment.type: HTML`` is scored on its text, but spans are reported as
offsets into the markup the caller sent, so that its highlighting lines up.
Offsets count UTF-16 code units: Perspective's clients are JavaScript
(Coral Talk, the ``perspective-api-client`` npm package, browser plug-ins),
where ``text.slice(begin, end)`` indexes UTF-16 code units, and Google's
service runs on a Java/C++ stack whose strings index the same way. (Its
documentation does not name the unit; its example is ASCII, where every
unit agrees. An emoji is one code point in Python but two units here.)
"""

import html
import re
from dataclasses import dataclass

# Tags are found by hand-written scanning (each character looked at a
# bounded number of times); the patterns here only match bounded names.
TAG_NAME_RE = re.compile(r"(/?)([A-Za-z][A-Za-z0-9-]{0,31})")
ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});?")
SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
# Tags whose content is not text a reader sees.
HIDDEN = {"script", "style", "template"}
# Tags that end a line: a sentence must not run across them.
BREAKS = {"br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "pre", "section", "article", "table"}  # fmt: skip


@dataclass(frozen=True)
class Plain:
    """Text to score, with where each of its characters came from.

    ``origins[i]`` is the (start, end) in the original of text[i]: one
    character of text may stand for an entity such as ``&amp;``."""

    original: str
    text: str
    origins: list[tuple[int, int]]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Code-point offsets in the original of text[start:end]."""
        return self.origins[start][0], self.origins[end - 1][1]


def plain(text: str) -> Plain:
    return Plain(text, text, [(i, i + 1) for i in range(len(text))])


def from_html(markup: str) -> Plain:
    chars: list[str] = []
    origins: list[tuple[int, int]] = []
    hidden_until = None  # inside <script> or <style>: text not shown
    text_from = 0
    next_close = -1  # the next ">" at or after the scan: found once, used by every "<" before it
    i = markup.find("<")
    while i != -1:
        if markup.startswith("<!--", i):
            close = markup.find("-->", i + 4)
            end, name, closing = (len(markup) if close == -1 else close + 3), "", False
        else:
            if next_close <= i:
                next_close = markup.find(">", i + 1)
            if next_close == -1:
                break  # no tag ends after here: the rest is text
            tag = TAG_NAME_RE.match(markup, i + 1, next_close)
            if tag is None:  # "a < b": a "<" that opens no tag is text
                i = markup.find("<", i + 1)
                continue
            end, name, closing = next_close + 1, tag.group(2).lower(), bool(tag.group(1))
        if hidden_until is None:
            _text(markup, text_from, i, chars, origins)
        if hidden_until is not None:
            if closing and name == hidden_until:
                hidden_until = None
        elif name in HIDDEN and not closing:
            hidden_until = name
        elif name in BREAKS:
            chars.append("\n")
            origins.append((i, i))
        text_from = end
        i = markup.find("<", end)
    if hidden_until is None:
        _text(markup, text_from, len(markup), chars, origins)
    return Plain(markup, "".join(chars), origins)


def _text(markup, start, end, chars, origins) -> None:
    """Copy markup[start:end] with its entities decoded."""
    position = start
    for match in ENTITY_RE.finditer(markup, start, end):
        for i in range(position, match.start()):
            chars.append(markup[i])
            origins.append((i, i + 1))
        decoded = html.unescape(match.group(0))
        for char in decoded:
            chars.append(char)
            origins.append((match.start(), match.end()))
        position = match.end()
    for i in range(position, end):
        chars.append(markup[i])
        origins.append((i, i + 1))


def sentences(text: str) -> list[tuple[int, int]]:
    """Per-sentence spans (Perspective scores spans "at per-sentence level"),
    without leading whitespace."""
    spans = []
    for match in SENTENCE_RE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def utf16_offsets(text: str) -> list[int]:
    """``offsets[i]`` is the UTF-16 offset of code point ``i`` (and of the end)."""
    offsets = [0] * (len(text) + 1)
    units = 0
    for i, char in enumerate(text):
        offsets[i] = units
        units += 2 if ord(char) > 0xFFFF else 1
    offsets[len(text)] = units
    return offsets


def lone_surrogate(text: str) -> int | None:
    """The position of the first lone surrogate (JSON allows ``\\ud83d`` alone;
    no text can be encoded with one), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None
