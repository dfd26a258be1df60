"""What each storage form of the shipped model's largest arrays costs on
disk and in fidelity: the current version must stay under 50 MB.

For the encoder's six layers' matrices, the on-topic model's word vectors
and its LSA topics, prints each form's lzma-compressed size (as joblib
saves the artifacts) and, for the encoder, how far it moves the sentence
vectors: their smallest cosine to upstream sentence-transformers'
(``tests/fixtures/minilm_vectors.json``). What the word vectors' and
topics' forms move is measured on the scores, by ``flask evaluate``
(README, "Size"). For a version written by ``flask models repack``, each
artifact's size before and after. The float16 and float32 rows are the
earlier forms: on a repacked version they hold already rounded numbers,
so run it on the version before (``git worktree add /tmp/old f2376ba`` for
20261201-040356). About 30 seconds.

    .venv/bin/python benchmarks/artifact_size.py [--models DIR] [--version V]
"""

import argparse
import json
import lzma
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import provenance  # noqa: E402

from moderation.learning.artifacts import (  # noqa: E402
    current_version,
    load_pipelines,
    read_manifest,
)
from moderation.learning.storage import HalfPlanes, int8_rows  # noqa: E402

MATRICES = ("q", "k", "v", "out", "up", "down")


def megabytes(*arrays) -> float:
    return sum(len(lzma.compress(np.ascontiguousarray(a).tobytes())) for a in arrays) / 1e6


def int8_columns(matrix, group: int | None = None):
    """int8 with a scale per column (per ``group`` rows of each column)."""
    rows, columns = matrix.shape
    group = group or rows
    blocks = matrix.reshape(rows // group, group, columns)
    scale = np.abs(blocks).max(axis=1, keepdims=True) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float16).astype(np.float32)
    values = np.round(blocks / scale).astype(np.int8)
    return values, (values * scale).reshape(rows, columns)


def smallest_cosine(left, right) -> float:
    left = left / np.linalg.norm(left, axis=1, keepdims=True)
    right = right / np.linalg.norm(right, axis=1, keepdims=True)
    return float(np.sum(left * right, axis=1).min())


def main() -> None:
    meta = provenance.machine()
    print(provenance.describe(meta))
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--version", help="default: the one CURRENT names")
    args = parser.parse_args()
    models = args.models
    version = args.version or current_version(models)
    pipelines = load_pipelines(models, version)
    encoder = pipelines["second_stage"].encoder
    reference = json.loads((ROOT / "tests" / "fixtures" / "minilm_vectors.json").read_text())
    upstream = np.array(reference["vectors"])
    names = [n for n in encoder._float32 if n.split(".")[-1] in MATRICES]
    layers = {n: encoder._float32[n] for n in names}

    def fidelity(replaced: dict) -> float:
        return smallest_cosine(encoder.with_layers(replaced).encode(reference["texts"]), upstream)

    print(f"\nmodel {version}\n")
    print("| array | form | MB (lzma) | fidelity |")
    print("|---|---|---|---|")
    half = [layers[n].astype(np.float16) for n in names]
    print(f"| encoder layers | float16 | {megabytes(*half):.2f} | {fidelity(layers):.6f} |")
    planes = [HalfPlanes(a).planes for a in half]
    print(f"| encoder layers | float16 byte planes (shipped) | {megabytes(*planes):.2f} | same |")
    for group, label in ((None, "per column"), (32, "per 32 rows of a column")):
        quantised = {n: int8_columns(layers[n], group) for n in names}
        size = megabytes(*(values for values, _ in quantised.values()))
        cosine = fidelity({n: back for n, (_, back) in quantised.items()})
        print(f"| encoder layers | int8, a scale {label} | {size:.2f} | {cosine:.6f} |")
    features = pipelines["on_topic"].named_steps["features"]
    vectors = features.word_vectors_.matrix
    values, scale = int8_rows(vectors)
    topics = features.topics_
    rows = [
        (f"word vectors {vectors.shape}", "float16", megabytes(vectors.astype(np.float16))),
        ("word vectors", "int8 rows (shipped)", megabytes(values, scale)),
        (f"LSA topics {topics.shape}", "float32", megabytes(topics.astype(np.float32))),
        ("LSA topics", "float16 byte planes (shipped)", megabytes(HalfPlanes(topics).planes)),
    ]
    for array, form, size in rows:
        print(f"| {array} | {form} | {size:.2f} | |")
    manifest = read_manifest(models, version)
    if "repacked_from" in manifest:
        before = manifest["repacked_from"]["artifacts"]
        print(f"\n| artifact | {manifest['repacked_from']['version']} MB | {version} MB |")
        print("|---|---|---|")
        for name, entry in manifest["artifacts"].items():
            print(f"| {name} | {before[name]['bytes'] / 1e6:.1f} | {entry['bytes'] / 1e6:.1f} |")
    print("\nfidelity of the encoder: smallest cosine of its sentence vectors to upstream's")
    print(f"load average at the end: {provenance.finished(meta)['load_average_end']}")


if __name__ == "__main__":
    main()
