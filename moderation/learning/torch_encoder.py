"""The service's numpy sentence encoder (``moderation/learning/encoder.py``)
as a PyTorch module, for the probes that fine-tune it
(``relevance_encoder.py``, ``abuse_tuning.py``).

The same arithmetic as ``SentenceEncoder.pooled_batch`` (tanh GELU, the same
layer norms, mean pooling), with the layers as parameters; the word-piece
table and positions stay fixed. ``exported`` writes the tuned layers back
into a ``SentenceEncoder``, which the numpy code runs as it runs the
shipped one. PyTorch is a build extra: ``pip install torch==2.13.0``.
"""

import numpy as np
import torch
from torch.nn.functional import gelu, layer_norm, normalize

from moderation.learning.encoder import HEADS, LAYER_NORM_EPS, SentenceEncoder

_PER_LAYER = ("q", "k", "v", "out", "norm1", "up", "down", "norm2")


class TorchEncoder(torch.nn.Module):
    """``tuned_layers``: how many of the top layers are trained (the rest,
    and the embedding layer norm when not all are, stay fixed)."""

    def __init__(self, encoder: SentenceEncoder, tuned_layers: int | None = None):
        super().__init__()
        self.encoder = encoder
        weights = encoder._float32
        self.layers = int(weights["layers"][0])
        tuned_layers = self.layers if tuned_layers is None else tuned_layers
        first_tuned = self.layers - tuned_layers
        word = encoder._word.astype(np.float32) * encoder._word_scale
        self.register_buffer("word", torch.from_numpy(word))
        self.register_buffer("position", torch.from_numpy(weights["position"].copy()))
        self.register_buffer("segment", torch.from_numpy(weights["segment"].copy()))
        names = ["norm", "norm_bias"] + [
            f"{n}.{p}{s}" for n in range(self.layers) for p in _PER_LAYER for s in ("", "_bias")
        ]
        self.weights = torch.nn.ParameterDict(
            {
                name.replace(".", "_"): torch.nn.Parameter(
                    torch.from_numpy(weights[name].copy()),
                    requires_grad=_layer_of(name, first_tuned) >= first_tuned,
                )
                for name in names
            }
        )

    def forward(self, texts, limit: int, unit: bool = True):
        ids = [self.encoder.token_ids(text, limit) for text in texts]
        length = max(map(len, ids))
        tokens = torch.zeros((len(ids), length), dtype=torch.long)
        mask = torch.zeros((len(ids), length))
        for row, pieces in enumerate(ids):
            tokens[row, : len(pieces)] = torch.tensor(pieces)
            mask[row, : len(pieces)] = 1.0
        w = lambda name: self.weights[name.replace(".", "_")]  # noqa: E731
        size, rows = self.word.shape[1], len(ids)

        def norm(x, name):
            return layer_norm(x, (size,), w(name), w(name + "_bias"), eps=LAYER_NORM_EPS)

        x = norm(self.word[tokens] + self.position[:length] + self.segment, "norm")
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for n in range(self.layers):
            q, k, v = (
                (x @ w(f"{n}.{name}") + w(f"{n}.{name}_bias"))
                .reshape(rows, length, HEADS, -1)
                .transpose(1, 2)
                for name in ("q", "k", "v")
            )
            scores = q @ k.transpose(-1, -2) / (size // HEADS) ** 0.5 + blocked
            context = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(rows, length, size)
            x = norm(x + context @ w(f"{n}.out") + w(f"{n}.out_bias"), f"{n}.norm1")
            hidden = gelu(x @ w(f"{n}.up") + w(f"{n}.up_bias"), approximate="tanh")
            x = norm(x + hidden @ w(f"{n}.down") + w(f"{n}.down_bias"), f"{n}.norm2")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
        return normalize(pooled, dim=1) if unit else pooled

    def exported(self) -> SentenceEncoder:
        stored = self.encoder.stored_weights()
        for key, value in self.weights.items():
            name = key.replace("_", ".", 1) if key[0].isdigit() else key
            stored[name] = value.detach().numpy().astype(np.float16)
        return SentenceEncoder(self.encoder.vocabulary, stored)


def check_same_pass(encoder: SentenceEncoder) -> None:
    """Stop unless the PyTorch pass gives the numpy pass's vectors: tuned
    numbers would otherwise not be those of the encoder the service runs."""
    texts = ["The council voted on the budget.", "Buy cheap watches now!!!"]
    with torch.no_grad():
        mine = TorchEncoder(encoder)(texts, 256).numpy()
    gap = float(np.abs(mine - encoder.encode(texts)).max())
    if gap > 1e-3:
        raise SystemExit(f"the PyTorch pass differs from numpy's by {gap}")


def _layer_of(name: str, first_tuned: int) -> int:
    # The embedding layer norm is tuned only with every layer.
    return int(name.split(".")[0]) if name[0].isdigit() else (0 if first_tuned == 0 else -1)
