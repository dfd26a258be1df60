"""HTML stripped with offsets into the markup; sentences; UTF-16 offsets."""

from hypothesis import given
from hypothesis import strategies as st

from moderation.web.perspective_text import from_html, lone_surrogate, sentences, utf16_offsets


def test_markup_is_removed_and_entities_decoded():
    markup = '<p class="x">Fish &amp; chips</p><script>alert("no")</script><br>Yes&#33;'
    result = from_html(markup)
    assert result.text == "\nFish & chips\n\nYes!"
    start = result.text.index("&")
    assert markup[slice(*result.original_span(start, start + 1))] == "&amp;"
    start = result.text.index("Fish")
    assert markup[slice(*result.original_span(start, start + 12))] == "Fish &amp; chips"


def test_comments_and_unclosed_hidden_tags_hide_their_text():
    assert from_html("a<!-- <b>secret</b> -->b").text == "ab"
    assert from_html("visible<style>p {}").text == "visible"


def test_sentences_skip_surrounding_space():
    text = "What kind of idiot name is foo? Sorry, I like your name."
    assert sentences(text) == [(0, 31), (32, 56)]
    assert sentences("  \n ") == []


def test_utf16_offsets_count_astral_characters_twice():
    assert utf16_offsets("a😀b") == [0, 1, 3, 4]


@given(st.text(max_size=60))
def test_utf16_offsets_match_javascript_length(text):
    offsets = utf16_offsets(text)
    if lone_surrogate(text) is None:
        assert offsets[-1] == len(text.encode("utf-16-le")) // 2


@given(st.text(alphabet=st.sampled_from("ab <>/&;#p!."), max_size=80))
def test_every_stripped_character_maps_back_into_the_markup(markup):
    result = from_html(markup)
    assert len(result.origins) == len(result.text)
    for start, end in result.origins:
        assert 0 <= start <= end <= len(markup)


def test_lone_surrogate_position():
    assert lone_surrogate("ok \ud83d") == 3 and lone_surrogate("ok 😀") is None
