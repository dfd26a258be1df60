"""Counterfactual copies: a group's name swapped for another's, labels kept,
so that no group's name alone says abusive or harmless to the abuse model."""

import numpy as np

from moderation.learning.counterfactuals import COUNTABLE, GROUPS, counterfactuals
from moderation.learning.examples import LabelledComment
from moderation.learning.training import train_abuse


def row(text, abusive=1, source="hateval", id_="t1"):
    return LabelledComment(id_, text, abusive, None, None, source, None, meta={"x": 1})


def swapped(text, seed=0, id_="t1"):
    copies = counterfactuals([row(text, id_=id_)], seed)
    return copies[0].text if copies else None


def test_each_named_group_is_swapped_for_another_with_the_labels_kept():
    [copy] = counterfactuals([row("Immigrants are ruining this muslim town")], seed=0)
    words = copy.text.split()
    assert words[1:4] == ["are", "ruining", "this"] and words[5] == "town"
    assert words[0][0].isupper() and words[0].endswith("s")
    assert words[0].lower()[:-1] in COUNTABLE and words[0].lower() != "immigrants"
    assert words[4] in GROUPS and words[4] != "muslim"
    assert (copy.abusive, copy.source, copy.meta) == (1, "hateval", {"x": 1})
    assert copy.id == "t1~swapped"


def test_a_name_takes_the_form_and_capitals_of_the_one_it_replaces():
    plurals = {g + "s" for g in COUNTABLE}
    for seed in range(40):
        assert swapped("I hate jews", seed).removeprefix("I hate ") in plurals - {"jews"}
        assert swapped("MUSLIMS OUT", seed).removesuffix(" OUT") in {
            p.upper() for p in plurals - {"muslims"}
        }
        name = swapped("African-American voters", seed).removesuffix(" voters")
        assert name.lower() in set(GROUPS) - {"african american"} and name[0].isupper()
        name = swapped("a jewish bakery", seed).removeprefix("a ").removesuffix(" bakery")
        assert name in set(GROUPS) - {"jew", "jewish"}


def test_names_without_a_plural_are_not_made_plural():
    assert swapped("chineses everywhere") is None  # not a name: no copy
    for seed in range(40):
        name = swapped("the Chinese government", seed).removeprefix("the ")
        assert name.removesuffix(" government").lower() in set(GROUPS) - {"chinese"}


def test_verbs_and_other_words_are_left_alone():
    assert swapped("I disabled my account") is None
    assert swapped("a jewishness of spirit") is None


def test_rater_spans_are_not_copied_with_the_changed_text():
    comment = LabelledComment(
        "c1",
        "muslims are fine",
        0,
        None,
        None,
        "hateval",
        None,
        meta={"spans": [[0, 7]], "raters": 3},
    )
    [copy] = counterfactuals([comment], seed=0)
    assert copy.meta == {"raters": 3}


def test_comments_naming_no_group_and_natural_rate_news_comments_are_not_copied():
    rows = [
        row("you are an idiot"),
        row("the gay rights march", source="c3"),
        row("muslim voters", source="site"),
    ]
    assert counterfactuals(rows, seed=0) == []


def test_a_rows_copy_depends_on_the_seed_and_its_own_id_only():
    rows = [row(f"the {g} people here", id_=str(i)) for i, g in enumerate(GROUPS)]
    once = counterfactuals(rows, seed=3)
    assert once == counterfactuals(rows, seed=3)
    assert counterfactuals(rows[5:], seed=3) == once[5:]
    assert [c.text for c in once] != [c.text for c in counterfactuals(rows, seed=4)]


def test_a_group_named_only_in_harmless_tweets_is_not_learnt_as_harmless(monkeypatch):
    """As in HatEval: "immigrants" appears in harmless tweets, other groups
    in hateful ones. The same hateful sentence should score about the same
    whichever group it names."""
    rows = []
    for i in range(60):
        rows.append(row(f"immigrants arrived at the border today {i}", 0, id_=f"h{i}"))
        rows.append(row(f"I hate muslims they are vermin {i}", 1, id_=f"a{i}"))
        rows.append(row(f"the weather was fine on day {i}", 0, id_=f"w{i}"))
        rows.append(row(f"you are a worthless idiot number {i}", 1, id_=f"i{i}"))

    def gap():
        """How much more abusive the model finds the sentence about muslims
        than the same sentence about immigrants, in log-odds."""
        pipeline, _, _ = train_abuse(rows, seed=0, threshold=0.5)
        muslims, immigrants = pipeline.predict_proba(
            ["muslims are vermin", "immigrants are vermin"]
        )[:, 1]
        return np.log(muslims / (1 - muslims)) - np.log(immigrants / (1 - immigrants))

    with_copies = gap()
    monkeypatch.setattr("moderation.learning.training.counterfactuals", lambda rows, seed: [])
    without = gap()
    assert without > 2.0
    assert abs(with_copies) < without / 2
