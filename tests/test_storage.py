"""Compact array forms: the shipped model directory must stay under 50 MB
without the scores moving more than the forms promise."""

import io

import joblib
import numpy as np
import pytest

from moderation.learning.storage import HalfPlanes, from_half_planes, half_planes, int8_rows


def test_half_planes_give_back_every_float16_bit_for_bit():
    every = np.arange(2**16, dtype=np.uint16).view(np.float16).reshape(256, 256)
    back = HalfPlanes(every).array()
    assert back.shape == every.shape
    np.testing.assert_array_equal(back.view(np.uint16), every.view(np.uint16))


def test_arrays_saved_before_the_planes_pass_through():
    plain = np.ones((2, 3), dtype=np.float16)
    restored = from_half_planes({**half_planes({"a": plain}), "b": plain})
    np.testing.assert_array_equal(restored["a"], plain)
    assert restored["b"] is plain


def compressed_size(value) -> int:
    buffer = io.BytesIO()
    joblib.dump(value, buffer, compress=("lzma", 6))
    return len(buffer.getvalue())


def test_weights_as_planes_compress_smaller_than_as_float16():
    weights = np.random.default_rng(0).normal(0, 0.05, (384, 1536)).astype(np.float16)
    assert compressed_size(HalfPlanes(weights)) < 0.97 * compressed_size(weights)


def test_int8_rows_keep_each_rows_direction():
    table = np.random.default_rng(1).normal(0, 1, (500, 128))
    table[7] = 0.0
    values, scale = int8_rows(table)
    assert values.dtype == np.int8 and scale.shape == (500, 1)
    back = values * scale
    assert not back[7].any(), "a zero row stays zero"
    rows = np.delete(np.arange(500), 7)
    cosine = np.sum(back[rows] * table[rows], axis=1) / (
        np.linalg.norm(back[rows], axis=1) * np.linalg.norm(table[rows], axis=1)
    )
    assert cosine.min() > 0.9998


def test_half_planes_refuse_numbers_float16_would_round():
    with pytest.raises(ValueError, match="would round"):
        HalfPlanes(np.array([0.1], dtype=np.float32))
    with pytest.raises(ValueError, match="would round"):
        HalfPlanes(np.array([1e5], dtype=np.float32))  # beyond float16: inf
