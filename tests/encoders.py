"""A tiny sentence encoder with random weights: the shape of all-MiniLM-L6-v2
(same tensors, same code path) at a size tests can build in milliseconds."""

import zlib

import numpy as np

from moderation.learning.encoder import SentenceEncoder

VOCABULARY = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", ",", "!", ".", "'",
    "un", "##aff", "##able", "hello", "world", "the", "budget", "council",
    "vote", "##s", "tax", "school", "spam", "buy", "now", "cheap", "cafe",
]  # fmt: skip


def tiny_encoder(seed: int = 0, size: int = 24, layers: int = 2) -> SentenceEncoder:
    rng = np.random.default_rng(seed)

    def random(*shape):
        return rng.normal(0, 0.3, shape)

    weights = {
        "word": random(len(VOCABULARY), size),
        "position": random(256, size),
        "segment": random(size),
        "norm": np.ones(size),
        "norm_bias": np.zeros(size),
        "layers": np.array([layers]),
    }
    square, up, down = (size, size), (size, 4 * size), (4 * size, size)
    shapes = {"q": square, "k": square, "v": square, "out": square, "up": up, "down": down}
    for n in range(layers):
        for name, shape in shapes.items():
            weights[f"{n}.{name}"] = random(*shape)
            weights[f"{n}.{name}_bias"] = random(shape[1])
        for name in ("norm1", "norm2"):
            weights[f"{n}.{name}"] = np.ones(size)
            weights[f"{n}.{name}_bias"] = np.zeros(size)
    return SentenceEncoder(VOCABULARY, weights)


class WordOverlapEncoder:
    """A stand-in sentence encoder whose similarity means something on the
    sample data: unit vectors of hashed words, so a comment is like the
    article whose words it shares."""

    def encode(self, texts, limit=None, shared=None) -> np.ndarray:
        # ``limit`` (word pieces read) means nothing to a bag of words.
        vectors = np.zeros((len(texts), 256))
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, zlib.crc32(word.strip(".,!?").encode()) % 256] += 1.0
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
