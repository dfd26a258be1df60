"""Two encoders that share their bottom layers run them once for a text
both read.

The abuse stage's encoder is the on-topic stage's with its top two layers
tuned (``abuse_stage.py``), and on a single post both read the comment:
without this, the four layers they have in common would run twice: about
30% of the post's scoring time (``benchmarks/shared_layers.py``).
"""

import numpy as np

from moderation.learning.encoder import SentenceEncoder


class SharedLayers:
    """Hidden states after the bottom ``depth`` layers that two encoders
    share (a tuned copy made by ``with_layers`` and its base): within one
    scoring call, the ``writer`` keeps the states of each comment it reads
    and the ``reader`` starts from them for the same word pieces (the abuse
    and the on-topic stage: 94% of comments read as the same pieces). Each
    call has its own, so no state outlives it or crosses threads; past
    ``budget`` bytes a call keeps no more, and the reader runs those
    comments' layers itself."""

    # What the bottom layers read besides their own weights.
    INPUTS = ("_word", "_word_scale", "_position", "_segment", "_norm", "_norm_bias")

    def __init__(self, writer, reader, depth: int, budget: int = 64 << 20):
        self.depth = depth
        self._writer, self._reader = writer, reader
        self._states: dict[tuple, np.ndarray] = {}
        self._room = budget

    @classmethod
    def between(cls, writer, reader, budget: int = 64 << 20) -> "SharedLayers | None":
        """None unless both are sentence encoders that share their inputs
        and at least their first layer, as the same arrays."""
        if not (isinstance(writer, SentenceEncoder) and isinstance(reader, SentenceEncoder)):
            return None
        if any(getattr(writer, name) is not getattr(reader, name) for name in cls.INPUTS):
            return None
        depth = 0
        for mine, theirs in zip(writer._layers, reader._layers):
            if mine is not theirs:
                break
            depth += 1
        return cls(writer, reader, depth, budget) if depth else None

    def kept(self, encoder: SentenceEncoder, ids: list[int]) -> bool:
        return encoder is self._reader and tuple(ids) in self._states

    def keep(self, encoder: SentenceEncoder, batch: list[list[int]], states: np.ndarray) -> None:
        if encoder is not self._writer:
            return
        for row, ids in enumerate(batch):
            key = tuple(ids)
            size = len(ids) * states.shape[2] * states.itemsize
            if key not in self._states and size <= self._room:
                self._states[key] = states[row, : len(ids)].copy()
                self._room -= size

    def recall(self, encoder, batch: list[list[int]], length: int, size: int) -> np.ndarray | None:
        """For the reader, the kept states of every row of ``batch`` padded
        to ``length``; None unless all were kept."""
        if encoder is not self._reader:
            return None
        found = [self._states.get(tuple(ids)) for ids in batch]
        if any(states is None for states in found):
            return None
        x = np.zeros((len(batch), length, size), dtype=np.float32)
        for row, states in enumerate(found):
            x[row, : len(states)] = states
        return x.reshape(len(batch) * length, size)
