"""Properties that must hold for any input, checked with hypothesis."""

from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.domain.orm import Status
from moderation.domain.policy import Thresholds, decide
from moderation.learning.explain import words
from moderation.learning.textnorm import normalise

probability = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
thresholds = st.builds(
    lambda reject, hold_share, topic, pre: Thresholds(reject, reject * hold_share, topic, pre),
    probability,
    probability,
    probability,
    st.booleans(),
)


@given(probability, st.one_of(st.none(), probability), thresholds)
def test_policy_always_decides_with_reasons_for_anything_not_approved(abusive, on_topic, t):
    decision = decide(abusive, on_topic, t)
    assert decision.status in set(Status)
    assert (decision.status == Status.APPROVED) == (decision.reasons == [])
    if abusive >= t.reject_abusive:
        assert decision.status == Status.REJECTED
    if on_topic is None and decision.status != Status.REJECTED:
        assert "unknown_article" in decision.reasons


@given(probability, probability, probability, thresholds)
def test_more_abusive_is_never_treated_more_leniently(low, high, on_topic, t):
    low, high = sorted((low, high))
    order = {Status.APPROVED: 0, Status.PENDING: 1, Status.REJECTED: 2}
    assert order[decide(low, on_topic, t).status] <= order[decide(high, on_topic, t).status]


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_normalising_is_idempotent_lowercase_and_single_spaced(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once
    assert once == once.lower()


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_explanation_words_point_into_the_text(text):
    for word, start, end in words(text):
        assert text[start:end] == word and word
