"""Reader text of the API's maximum length, in the shapes that once made a
worker spend seconds on one comment (issue 12): the explanations and the
queue page's highlighting still come out right, and the service's own code
does work in proportion to the text.

How long these take is measured in ``benchmarks/text_functions.py``, never
here: a timed test fails on a busy machine.
"""

import html
import pickle
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import moderation
from moderation.learning import artifacts, textnorm
from moderation.learning.explain import MARKED_PUSH
from moderation.learning.scoring import Scorer
from moderation.learning.textnorm import Normaliser
from tests import sample_data
from tests.moderation_helpers import add_moderator, sign_in
from tests.pathological import MAXIMUM, SHAPES

ARTICLE = sample_data.EXAMPLE_ARTICLE["title"] + "\n\n" + sample_data.EXAMPLE_ARTICLE["body"]


@pytest.fixture(scope="module")
def pickled_pipelines(model_dir) -> bytes:
    return pickle.dumps(artifacts.load_pipelines(model_dir, "test-model"))


def fresh_scorer(pickled: bytes) -> Scorer:
    """The fixture model as a worker first loads it: no word or comment
    remembered from an earlier call."""
    pipelines = pickle.loads(pickled)
    textnorm.normalise_word.cache_clear()
    textnorm._plain._words.clear()
    return Scorer(
        "test-model", pipelines["abuse"], pipelines["on_topic"], pipelines.get("second_stage")
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_explanations_of_text_of_the_maximum_length_point_into_it(pickled_pipelines, shape):
    text = SHAPES[shape](MAXIMUM)
    (scores,) = fresh_scorer(pickled_pipelines).score([text], [ARTICLE], [text], explain=True)
    assert 0 < scores.abusive < 1 and 0 < scores.on_topic < 1
    for axis in ("abusive", "on_topic"):
        spans = scores.explanations[axis]
        assert len(spans) <= 6
        assert [span["start"] for span in spans] == sorted(span["start"] for span in spans)
        for span in spans:
            assert 0 <= span["start"] < span["end"] <= len(text)
            assert text[span["start"] : span["end"]] == span["text"]
    if re.search(r"\bidiot\b", text):
        # The insult among 20,000 characters is still what pushes most.
        pushes = {span["text"]: span["weight"] for span in scores.explanations["abusive"]}
        assert pushes.get("idiot", 0) > 0


@pytest.fixture
def app_config():
    # Every comment held, and every word that pushed a score marked: the
    # thresholds are as far out as they go, so the highlighting shows all.
    return {
        "MODERATION_PREMODERATION": True,
        "MODERATION_HOLD_ABUSIVE": 0.0001,
        "MODERATION_REJECT_ABUSIVE": 1.0,
        "MODERATION_HOLD_ON_TOPIC": 1.0,
    }


@pytest.mark.parametrize("shape", SHAPES)
def test_the_queue_shows_a_comment_of_the_maximum_length_whole_escaped_and_marked(
    app, client, auth, article, shape
):
    text = SHAPES[shape](MAXIMUM)
    body = {"id": "c1", "article_id": article["id"], "text": text}
    response = client.post("/api/v1/comments", json=body, headers=auth)
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending"
    stored = client.get("/api/v1/comments/c1", headers=auth).get_json()
    assert stored["text"] == text
    add_moderator(app)
    sign_in(client)
    page = client.get("/queue").get_data(as_text=True)
    (shown,) = re.findall(r'<p class="text">(.*?)</p>', page, re.S)
    marks = re.findall(r'<mark class="([a-z-]+)" title="[^"]*">(.*?)</mark>', shown)
    unmarked = re.sub(r"</?mark[^>]*>", "", shown)
    # Nothing of the comment is markup: every <, > and & is escaped...
    assert "<" not in unmarked and ">" not in unmarked
    # ...and nothing is lost, added or reordered.
    assert html.unescape(unmarked) == text
    # Every word that pushed away from on-topic, or strongly towards
    # abusive, is marked where it is (one mark per word; abusive wins).
    why = stored["explanations"]
    wanted = {s["start"]: ("off-topic", s["text"]) for s in why["on_topic"] if s["weight"] < 0}
    strong = [s for s in why["abusive"] if s["weight"] >= MARKED_PUSH]
    wanted.update({s["start"]: ("abusive", s["text"]) for s in strong})
    assert [(kind, html.unescape(word)) for kind, word in marks] == [
        wanted[start] for start in sorted(wanted)
    ]


# Pieces of the shapes in tests/pathological.py; hypothesis repeats a few
# of them to a length.
PIECES = ["a", "s", "1", "-", ".", " ", "!", "*", "@", "$", "'", ")", "\u200b", "\u00ad"]
PIECES += ["\u0443", "x.com", "www.", "http://", "&amp;", "<b>", "rt", "idiot", "f*ck", "s t u"]
SHORT = MAXIMUM // 16
PACKAGE = str(Path(moderation.__file__).parent)


def lines_run(function, *args) -> int:
    """How many lines of the service's own code ``function(*args)`` runs.

    A count, not a time: the same on any machine, however busy. It sees the
    service's Python loops, not the work inside a regular expression or
    other C code; that, and the time, are in benchmarks/text_functions.py.
    """
    count = 0

    def line(frame, event, arg):
        nonlocal count
        count += event == "line"
        return line

    def call(frame, event, arg):
        return line if frame.f_code.co_filename.startswith(PACKAGE) else None

    previous = sys.gettrace()
    sys.settrace(call)
    try:
        function(*args)
    finally:
        sys.settrace(previous)
    return count


def repeated(unit: str, length: int, numbered: bool) -> str:
    """``unit`` repeated to ``length``; numbered, each repeat is a new word."""
    if numbered:
        return "".join(f"{unit}{i} " for i in range(length))[:length]
    return (unit * (length // len(unit) + 1))[:length]


def explained(scorer: Scorer):
    return lambda text: scorer.score([text], [ARTICLE], [text], explain=True)


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join), st.booleans())
@settings(max_examples=16)
def test_the_work_on_a_comment_grows_linearly_with_its_length(pickled_pipelines, unit, numbered):
    pipelines = pickle.loads(pickled_pipelines)
    vocabulary = pipelines["abuse"].named_steps["normalise"].normaliser_.vocabulary
    textnorm.plain_letters("\u200b")  # the Unicode table, built once per process
    # Made afresh for each text, outside the count: nothing remembered.
    fresh = {
        "normalise": lambda: Normaliser(vocabulary),
        "score and explain": lambda: explained(fresh_scorer(pickled_pipelines)),
    }
    for name, make in fresh.items():
        short = lines_run(make(), repeated(unit, SHORT, numbered))
        long = lines_run(make(), repeated(unit, 4 * SHORT, numbered))
        # Four times the text, at most four times the lines (a tenth more
        # for where the repeats are cut); quadratic work would be sixteen.
        assert long <= 4.4 * short, f"{name}: {short} lines, then {long} for 4x the text"
