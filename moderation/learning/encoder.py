"""A small sentence encoder (all-MiniLM-L6-v2) run with numpy alone.

Shared words are all the first-stage on-topic model sees, and most comments
share few with their article; a sentence encoder relates "the strike" to
"the union's walk-out". The service has no deep-learning runtime, so the
six-layer BERT forward pass is written here in numpy (about 1.4 GFLOP for a
64-token comment, one BLAS product after another). It refines the on-topic
score (``second_stage.py``), and a copy with its top layers tuned refines
the abuse score (``abuse_stage.py``); for a comment both read, the layers
they share run once (``shared_layers.py``).

The weights come from the upstream model file by ``flask vectors encoder``
(``encoder_build.py``, a build step like the word vectors); they travel
inside the model version's ``second_stage`` artifact.
"""

import math
from pathlib import Path

import numpy as np

from moderation.learning.storage import from_half_planes, half_planes, int8_rows
from moderation.learning.wordpiece import basic_words, word_pieces

MAX_TOKENS = 256  # the model's max_seq_length: longer texts are truncated
HEADS = 12
LAYER_NORM_EPS = 1e-12
GELU_A, GELU_B = math.sqrt(2.0 / math.pi), 0.044715


class SentenceEncoder:
    """Unit sentence vectors: WordPiece tokens, six transformer layers, the
    mean over tokens (the upstream model's pooling), L2-normalised."""

    def __init__(self, vocabulary: list[str], weights: dict[str, np.ndarray]):
        self.vocabulary = list(vocabulary)
        # float16 on disk and in the artifact; float32 in products. The word
        # pieces' table, half the model, as int8 with a scale per row: the
        # sentence vectors stay within 2e-5 cosine of upstream's.
        self.weights = {
            name: np.asarray(value, dtype=np.float16)
            for name, value in weights.items()
            if name not in ("word", "word_scale")
        }
        if "word_scale" in weights:
            self.weights["word"] = np.asarray(weights["word"], dtype=np.int8)
            self.weights["word_scale"] = np.asarray(weights["word_scale"], dtype=np.float32)
        else:
            self.weights["word"], self.weights["word_scale"] = int8_rows(weights["word"])
        self._prepare()

    def _prepare(self) -> None:
        self._ids = {piece: i for i, piece in enumerate(self.vocabulary)}
        self._unknown = self._ids["[UNK]"]
        self._first, self._last = self._ids["[CLS]"], self._ids["[SEP]"]
        w = {
            name: value.astype(np.float32)
            for name, value in self.weights.items()
            if name not in ("word", "word_scale")
        }
        # Rows gathered, then widened: the table stays int8 in memory.
        self._word, self._word_scale = self.weights["word"], self.weights["word_scale"]
        self._layers = [_layer(w, n) for n in range(int(w["layers"][0]))]
        self._position, self._segment = w["position"], w["segment"]
        self._norm, self._norm_bias = w["norm"], w["norm_bias"]
        # The float16 originals are dropped (21 MB a process): float16 ->
        # float32 -> float16 gives back the same numbers when stored.
        self._float32 = w
        self.weights = {"word": self._word, "word_scale": self._word_scale}

    def stored_weights(self) -> dict[str, np.ndarray]:
        """The weights as the artifact and the .npz file store them."""
        half = {name: value.astype(np.float16) for name, value in self._float32.items()}
        return {**half, "word": self._word, "word_scale": self._word_scale}

    def __getstate__(self):
        stored = self.stored_weights()
        word = {name: stored.pop(name) for name in ("word", "word_scale")}
        return {"vocabulary": self.vocabulary, "weights": {**half_planes(stored), **word}}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.weights = from_half_planes(self.weights)
        self._prepare()

    def token_ids(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        """Word-piece ids between [CLS] and [SEP], ``limit`` in all at most
        (never more than the model's positions)."""
        limit = min(limit, MAX_TOKENS)
        ids = [self._first]
        for word in basic_words(text):
            ids.extend(self.pieces(word))
            if len(ids) >= limit - 1:
                break
        return ids[: limit - 1] + [self._last]

    def pieces(self, word: str) -> list[int]:
        """One word's piece ids: greedy longest match first; a word with any
        unmatched part is [UNK]."""
        return word_pieces(word, self._ids, self._unknown)

    def with_layers(self, weights: dict[str, np.ndarray]) -> "SentenceEncoder":
        """This encoder with some layers' weights replaced (named as stored:
        ``"4.q"``, ``"4.q_bias"``, ... every array of each layer named),
        sharing every other array: a tuned copy costs only its own layers."""
        # Not copy.copy: it would go through __getstate__ and rebuild every
        # array from the stored float16 weights, and SharedLayers knows the
        # layers two encoders share by their being the same arrays.
        tuned = object.__new__(type(self))
        tuned.__dict__.update(self.__dict__)
        w = dict(self._float32)
        w.update({name: np.asarray(value, dtype=np.float32) for name, value in weights.items()})
        tuned._float32 = w
        tuned._layers = list(self._layers)
        for n in sorted({int(name.split(".")[0]) for name in weights}):
            tuned._layers[n] = _layer(w, n)
        return tuned

    def encode(
        self, texts, batch_size: int = 32, limit: int = MAX_TOKENS, shared=None
    ) -> np.ndarray:
        """One unit vector (float32, 384 values) per text, read up to
        ``limit`` word pieces (the cost grows with the length read)."""
        pooled = self.pooled(texts, batch_size, limit, shared)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def pooled(
        self, texts, batch_size: int = 32, limit: int = MAX_TOKENS, shared=None
    ) -> np.ndarray:
        """The mean of the last layer's token vectors, before ``encode`` makes
        it unit length: what a head trained on the encoder reads
        (``abuse_stage.py``). A text given more than once (a comment weighed
        against several articles, a flood of copies) is read once; with
        ``shared`` (``shared_layers.py``), a text the other encoder has already
        read skips the layers both have."""
        distinct = list(dict.fromkeys(texts))
        ids = [self.token_ids(text, limit) for text in distinct]
        out = np.zeros((len(ids), self._position.shape[1]), dtype=np.float32)
        # A batch starts from kept states only if all its rows have them.
        kept = [shared is not None and shared.kept(self, row) for row in ids]
        for group in (True, False):
            # Similar lengths batched together: padding costs as much as tokens.
            order = sorted(
                (i for i in range(len(ids)) if kept[i] == group), key=lambda i: len(ids[i])
            )
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                out[chosen] = self.pooled_batch([ids[i] for i in chosen], shared)
        if len(distinct) == len(texts):
            return out
        where = {text: i for i, text in enumerate(distinct)}
        return out[[where[text] for text in texts]]

    def pooled_batch(self, batch: list[list[int]], shared=None) -> np.ndarray:
        """The mean of the last layer's vectors of each id list's pieces."""
        x, mask = self.token_states(batch, shared)
        return (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)

    def token_states(self, batch: list[list[int]], shared=None) -> tuple[np.ndarray, np.ndarray]:
        """The last layer's vector of every word piece of each id list
        (padded to the longest: rows, pieces, 384), and which are real."""
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        rows, size = len(batch), self._position.shape[1]
        # Padding is never attended to.
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        x = shared.recall(self, batch, length, size) if shared is not None else None
        start_layer = 0 if x is None else shared.depth
        if x is None:
            x = self._word[tokens] * self._word_scale[tokens]
            x += self._position[:length] + self._segment
            # Dense layers on a (tokens, features) matrix: one BLAS product each.
            x = _layer_norm(x.reshape(rows * length, size), self._norm, self._norm_bias)
        for n in range(start_layer, len(self._layers)):
            if shared is not None and n == shared.depth:
                shared.keep(self, batch, x.reshape(rows, length, size))
            x = _apply_layer(self._layers[n], x, rows, length, blocked)
        return x.reshape(rows, length, size), mask

    def save(self, path: Path) -> None:
        np.savez(path, vocabulary=np.array(self.vocabulary), **self.stored_weights())

    @classmethod
    def load(cls, path: str | Path) -> "SentenceEncoder":
        with np.load(path, allow_pickle=False) as data:
            weights = {name: data[name] for name in data.files if name != "vocabulary"}
            return cls([str(v) for v in data["vocabulary"]], weights)


def _apply_layer(layer: tuple, x, rows: int, length: int, blocked):
    """One transformer layer on a (rows * length, features) matrix."""
    qkv, qkv_bias, out, out_bias, n1, n1b, up, up_bias, down, down_bias, n2, n2b = layer
    size = x.shape[1]
    # Python floats: a numpy float64 here would widen every product.
    scale = 1.0 / math.sqrt(size // HEADS)
    q, k, v = (
        m.reshape(rows, length, HEADS, -1).transpose(0, 2, 1, 3)
        for m in np.split(x @ qkv + qkv_bias, 3, axis=-1)
    )
    attention = (q * scale) @ k.transpose(0, 1, 3, 2) + blocked
    attention = np.exp(attention - attention.max(axis=-1, keepdims=True))
    attention /= attention.sum(axis=-1, keepdims=True)
    context = (attention @ v).transpose(0, 2, 1, 3).reshape(rows * length, size)
    x = _layer_norm(x + context @ out + out_bias, n1, n1b)
    hidden = x @ up
    hidden += up_bias
    return _layer_norm(x + _gelu(hidden) @ down + down_bias, n2, n2b)


def _layer(w: dict, n: int) -> tuple:
    """Layer ``n``'s arrays in the order ``_apply_layer`` reads them."""
    p = f"{n}."
    qkv = np.concatenate([w[p + "q"], w[p + "k"], w[p + "v"]], axis=1)
    qkv_bias = np.concatenate([w[p + "q_bias"], w[p + "k_bias"], w[p + "v_bias"]])
    # The separate q, k and v become views of the joined product's matrix:
    # kept for storing, without a second copy.
    w[p + "q"], w[p + "k"], w[p + "v"] = np.split(qkv, 3, axis=1)
    w[p + "q_bias"], w[p + "k_bias"], w[p + "v_bias"] = np.split(qkv_bias, 3)
    return (
        qkv,
        qkv_bias,
        *(w[p + name] for name in ("out", "out_bias", "norm1", "norm1_bias")),
        *(w[p + name] for name in ("up", "up_bias", "down", "down_bias")),
        w[p + "norm2"],
        w[p + "norm2_bias"],
    )


def _gelu(x):
    """GELU by its tanh form, in place (the largest arrays of the pass): within
    1e-3 of the exact erf form and 15x cheaper than scipy's erf; sentence
    vectors stay within 1e-5 cosine of the upstream model's."""
    inner = x * x
    inner *= x
    inner *= GELU_B
    inner += x
    inner *= GELU_A
    np.tanh(inner, out=inner)
    inner += 1.0
    inner *= x
    inner *= 0.5
    return inner


def _layer_norm(x, scale, bias):
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(LAYER_NORM_EPS)) * scale + bias
