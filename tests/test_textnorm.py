"""Normalisation maps tweet conventions and obfuscations to plain words."""

import pytest

from moderation.textnorm import normalise


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("You are an ID1OT", "you are an idiot"),
        ("f*ck this", "fuck this"),
        ("sh!t happens", "shit happens"),
        ("sooooo stuuuupid", "soo stuupid"),
        ("@USER you b@stard", "usertoken you bastard"),
        ("see https://t.co/abc and www.example.com", "see urltoken and urltoken"),
        ("RT @bob: fish &amp; chips", "usertoken : fish & chips"),
        ("In 2019, 5 * 3 = 15!", "in 2019, 5 * 3 = 15!"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected
