"""Batches of sparse rows (sparse_rows.py) compute what dense arithmetic
gives: the on-topic scores of a batch rest on them."""

import numpy as np
import pytest

from moderation.learning.sparse_rows import SparseRows

WIDTH = 6


def dense(rows) -> np.ndarray:
    return rows.times(np.eye(WIDTH))


def pair(columns, values):
    return np.array(columns), np.array(values, float)


def test_pairs_of_a_row_are_summed_by_column():
    rows = SparseRows.summed(
        [[pair([0, 3], [1, 2]), pair([3, 5], [4, 1])], [], [pair([2], [7])]], WIDTH
    )
    np.testing.assert_allclose(dense(rows), [[1, 0, 0, 6, 0, 1], [0] * WIDTH, [0, 0, 7, 0, 0, 0]])
    assert list(rows.sizes()) == [3, 0, 1]


@pytest.mark.parametrize("n_rows", [1, 4])
def test_products_match_dense_arithmetic(n_rows):
    generator = np.random.default_rng(n_rows)
    matrix = generator.random((n_rows, WIDTH)) * (generator.random((n_rows, WIDTH)) > 0.5)
    other = generator.random((n_rows, WIDTH)) * (generator.random((n_rows, WIDTH)) > 0.3)
    as_rows = [SparseRows.summed([[pair(np.flatnonzero(r), r[r != 0])] for r in m], WIDTH)
               for m in (matrix, other)]  # fmt: skip
    right = generator.random((WIDTH, 3)).astype(np.float32)
    np.testing.assert_allclose(as_rows[0].times(right), matrix @ right, rtol=1e-6)
    np.testing.assert_allclose(as_rows[0].dot(as_rows[1]), (matrix * other).sum(axis=1))
    unit = dense(as_rows[0].unit())
    norms = np.linalg.norm(matrix, axis=1)
    expected = matrix / np.where(norms == 0, 1, norms)[:, None]
    np.testing.assert_allclose(unit, expected)
