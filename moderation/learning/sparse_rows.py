"""Rows of sparse vectors as two flat numpy arrays, for scoring batches.

The on-topic features of a batch are a few products of sparse rows (a
comment's terms with its thread's, its terms with the topic matrix). scipy
builds and checks a matrix object for each step, which for the one comment
of a single post costs more than the arithmetic; here a batch is a sorted
array of keys (``row * width + column``) and an array of values, and each
step is a handful of numpy calls whatever the number of rows.
"""

from typing import NamedTuple

import numpy as np
from scipy import sparse


class SparseRows(NamedTuple):
    keys: np.ndarray  # row * width + column, sorted, each once
    values: np.ndarray
    n_rows: int
    width: int

    @classmethod
    def summed(cls, rows, width: int, dtype=float) -> "SparseRows":
        """One row per entry of ``rows``, each entry a list of (columns,
        values) pairs whose values are summed by column; a pair's columns
        are sorted and distinct."""
        parts = [part for entry in rows for part in entry]
        if not parts:
            return cls(np.zeros(0, np.int64), np.zeros(0, dtype), len(rows), width)
        owners = np.repeat(np.arange(len(rows)), [len(entry) for entry in rows])
        row_ids = np.repeat(owners, [len(columns) for columns, _ in parts])
        keys = row_ids * width + np.concatenate([columns for columns, _ in parts])
        values = np.concatenate([values for _, values in parts])
        if max(len(entry) for entry in rows) == 1:
            return cls(keys, values.astype(dtype, copy=False), len(rows), width)
        keys, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse, values, len(keys)).astype(dtype)
        return cls(keys, summed, len(rows), width)

    @property
    def rows(self) -> np.ndarray:
        return self.keys // self.width

    @property
    def columns(self) -> np.ndarray:
        return self.keys % self.width

    def sizes(self) -> np.ndarray:
        """How many columns each row has."""
        return np.bincount(self.rows, minlength=self.n_rows)

    def with_values(self, values) -> "SparseRows":
        return self._replace(values=values)

    def unit(self) -> "SparseRows":
        """Each row scaled to unit length (empty rows stay empty)."""
        rows = self.rows
        norms = np.sqrt(np.bincount(rows, self.values**2, self.n_rows))
        return self.with_values(self.values / norms[rows])

    def dot(self, other: "SparseRows") -> np.ndarray:
        """Row by row: the dot product of this row with the other's."""
        common, mine, theirs = np.intersect1d(
            self.keys, other.keys, assume_unique=True, return_indices=True
        )
        products = self.values[mine] * other.values[theirs]
        return np.bincount(common // self.width, products, self.n_rows)

    def times(self, dense: np.ndarray) -> np.ndarray:
        """``self @ dense``, reading only the rows of ``dense`` it uses
        (scipy would first convert all of a float32 ``dense`` to float64)."""
        if self.n_rows == 1:
            # A single post's row: a vector-matrix product, no matrix object.
            return (self.values @ dense[self.columns])[None, :]
        used, columns = np.unique(self.columns, return_inverse=True)
        indptr = np.searchsorted(self.rows, np.arange(self.n_rows + 1))
        compact = sparse.csr_matrix((self.values, columns, indptr), (self.n_rows, len(used)))
        return compact @ dense[used]
