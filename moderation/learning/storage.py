"""Compact forms of the arrays a model version stores.

The current model version is shipped in git (``models/``) and must stay
under 50 MB. Two forms, used where they change no score (byte planes) or
change scores far less than the held-out figures can resolve (int8 rows):

- ``int8_rows``: a table of vectors as int8 with one float32 scale per row;
  a row's cosine to the original stays above 0.9998.
- ``half_planes``: float16 numbers stored as two byte planes (every
  number's low byte, then every high byte, little-endian whatever the
  machine). Exact; lzma then finds the sign-and-exponent bytes'
  repetition, which interleaving hides (the encoder's layers shrink by a
  twentieth).

Artifacts refer to ``HalfPlanes`` by this import path: moving it breaks
them, and a release without it cannot load them.
"""

import numpy as np


def int8_rows(table) -> tuple[np.ndarray, np.ndarray]:
    """``(values, scale)`` with ``values * scale`` close to ``table``."""
    table = np.asarray(table, dtype=np.float32)
    largest = np.abs(table).max(axis=1, keepdims=True)
    scale = np.where(largest > 0, largest / 127.0, 1.0).astype(np.float32)
    return np.round(table / scale).astype(np.int8), scale


class HalfPlanes:
    """A float16 array as its byte planes; ``array()`` gives it back.
    Only for numbers float16 holds exactly: anything else is refused, so
    storing can never round a model's numbers unasked."""

    def __init__(self, array):
        original = np.asarray(array)
        with np.errstate(over="ignore"):  # an overflow is refused just below
            half = np.ascontiguousarray(original, dtype="<f2")
        if not np.array_equal(half, original, equal_nan=True):
            raise ValueError("not float16 numbers: HalfPlanes would round them")
        self.shape = half.shape
        self.planes = np.ascontiguousarray(half.view(np.uint8).reshape(-1, 2).T)

    def array(self) -> np.ndarray:
        pairs = np.ascontiguousarray(self.planes.T)
        return pairs.view("<f2").reshape(self.shape).astype(np.float16)


def half_planes(arrays: dict) -> dict:
    """Each array of ``arrays`` (a name -> float16 array dict) as planes."""
    return {name: HalfPlanes(value) for name, value in arrays.items()}


def from_half_planes(arrays: dict) -> dict:
    """``half_planes`` undone; plain arrays (artifacts saved before the
    planes) pass through."""
    return {
        name: value.array() if isinstance(value, HalfPlanes) else value
        for name, value in arrays.items()
    }
