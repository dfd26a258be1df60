"""The precision a threshold is chosen for is what it gives on the rows it
was chosen on: the policy's default thresholds come from it."""

import numpy as np

from moderation.learning.metrics import threshold_for_precision


def held_precision(scores, labels, threshold):
    held = np.asarray(scores) >= threshold
    return np.asarray(labels)[held].mean() if held.any() else None


def test_the_lowest_threshold_that_reaches_the_precision_is_chosen():
    scores, labels = [0.9, 0.8, 0.7, 0.6, 0.5], [1, 1, 0, 1, 0]
    assert threshold_for_precision(scores, labels, 0.75) == 0.6
    assert held_precision(scores, labels, 0.6) == 0.75
    assert threshold_for_precision(scores, labels, 1.0) == 0.8


def test_the_comment_a_threshold_was_read_from_is_held_by_it():
    # Rounded to the nearest 0.0001, 0.98146 would become 0.9815 and hold
    # nothing at all.
    scores, labels = [0.98146, 0.5, 0.4], [1, 0, 0]
    threshold = threshold_for_precision(scores, labels, 0.9)
    assert 0.5 < threshold <= 0.98146
    assert held_precision(scores, labels, threshold) == 1.0


def test_no_threshold_when_the_precision_is_never_reached():
    assert threshold_for_precision([0.9, 0.8], [0, 1], 0.9) is None
