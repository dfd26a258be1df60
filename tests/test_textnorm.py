"""Normalisation maps tweet conventions and obfuscations to plain words."""

import pytest

from moderation.learning.textnorm import Normaliser, normalise
from tests.pathological import MAXIMUM, SHAPES


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("You are an ID1OT", "you are an idiot"),
        ("f*ck this", "fuck this"),
        ("sh!t happens", "shit happens"),
        ("sooooo stuuuupid", "soo stuupid"),
        ("ｓｏ \u200bobvious", "so obvious"),
        ("@USER you b@stard", "usertoken you bastard"),
        ("see https://t.co/abc and www.example.com", "see urltoken and urltoken"),
        ("RT @bob: fish &amp; chips", "usertoken : fish & chips"),
        # A retweet mark is a word of its own: "rt" inside words stays.
        ("Art, start; rt: report.RT rts", "art, start; report. rts"),
        ("In 2019, 5 * 3 = 15!", "in 2019, 5 * 3 = 15!"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "disguised",
    [
        "you are stu\u200bpid",  # zero-width space
        "you are stu\u00adpid",  # soft hyphen
        "you are \u0455tup\u0456d",  # Cyrillic look-alikes
        "you are \uff53\uff54\uff55\uff50\uff49\uff44",  # full-width letters
        "you are s t u p i d",
        "you are s.t.u.p.i.d",
        "you are STUPID",
    ],
)
def test_disguises_read_as_the_plain_word(disguised):
    assert normalise(disguised) == "you are stupid"


def test_the_training_vocabulary_resolves_masks_and_elongations():
    words = Normaliser(frozenset({"you", "are", "stupid", "good", "idiot"}))
    assert words("you are st*pid") == "you are stupid"
    assert words("you are stuuupid") == "you are stupid"
    assert words("you are stuupid") == "you are stupid"
    assert words("a goood idea") == "a good idea"
    assert words("you are a i d i o t") == "you are a idiot"
    # A mask that fits no known word, or more than one, is left alone.
    assert words("what a m*ss") == "what a m*ss"


@pytest.mark.parametrize("shape", SHAPES)
def test_pathological_inputs_of_the_maximum_length_are_normalised(shape):
    # How long this takes is measured in benchmarks/text_functions.py; here,
    # that the result is a plain, whitespace-normalised string.
    result = normalise(SHAPES[shape](MAXIMUM))
    assert result == " ".join(result.split())


def test_spaced_letters_keep_the_punctuation_after_them():
    words = Normaliser(frozenset({"idiot", "racist"}))
    assert words("what an i d i o t.") == "what an idiot."
    assert words("he is a r a c i s t, and") == "he is a racist, and"
