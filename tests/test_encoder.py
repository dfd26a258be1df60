"""The numpy sentence encoder: BERT's tokenisation, a forward pass that
padding cannot change, and the shipped encoder's agreement with upstream."""

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.learning import encoder, encoder_build
from moderation.learning.artifacts import current_version, load_pipelines
from moderation.learning.encoder import MAX_TOKENS, SentenceEncoder
from moderation.learning.encoder_build import from_upstream
from moderation.learning.shared_layers import SharedLayers
from moderation.learning.wordpiece import basic_words, unicode_basic_words
from tests.encoders import VOCABULARY, tiny_encoder

ROOT = Path(__file__).resolve().parent.parent
# Sentence vectors computed by sentence-transformers 6.2.0 with the upstream
# all-MiniLM-L6-v2 (see the file's "command").
UPSTREAM_VECTORS = Path(__file__).parent / "fixtures" / "minilm_vectors.json"


def pieces(encoder, text):
    return [encoder.vocabulary[i] for i in encoder.token_ids(text)]


def test_words_are_lowercased_unaccented_and_split_at_punctuation():
    assert basic_words("Café, NAÏVE!don't\u200b 東京") == [
        "cafe",
        ",",
        "naive",
        "!",
        "don",
        "'",
        "t",
        "東",
        "京",
    ]


def test_wordpiece_takes_the_longest_pieces_and_marks_the_rest_unknown():
    encoder = tiny_encoder()
    assert pieces(encoder, "Unaffable, hello!") == [
        "[CLS]",
        "un",
        "##aff",
        "##able",
        ",",
        "hello",
        "!",
        "[SEP]",
    ]
    assert pieces(encoder, "votes unknowable") == ["[CLS]", "vote", "##s", "[UNK]", "[SEP]"]


def test_long_texts_are_cut_to_the_models_length():
    ids = tiny_encoder().token_ids("hello " * 1000)
    assert len(ids) == MAX_TOKENS
    assert ids[-1] == VOCABULARY.index("[SEP]")


def test_a_limit_past_the_models_positions_reads_as_many_as_it_has():
    assert len(tiny_encoder().token_ids("hello " * 1000, limit=10 * MAX_TOKENS)) == MAX_TOKENS


def test_a_shorter_limit_reads_only_the_opening_pieces():
    encoder = tiny_encoder()
    text = "the budget vote " * 10 + "buy cheap now " * 10
    ids = encoder.token_ids(text, limit=12)
    assert ids == encoder.token_ids("the budget vote " * 10, limit=12)
    assert len(ids) == 12 and ids[-1] == VOCABULARY.index("[SEP]")
    assert np.allclose(
        encoder.encode([text], limit=12), encoder.encode(["the budget vote " * 3 + "the"])
    )


def test_vectors_are_unit_length_and_do_not_depend_on_their_batch():
    encoder = tiny_encoder()
    alone = encoder.encode(["the budget vote"])
    batched = encoder.encode(["the budget vote", "hello world " * 30, "buy cheap now"])
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    # Padding to the longest text in the batch must not change a vector.
    assert np.allclose(alone[0], batched[0], atol=1e-5)
    assert not np.allclose(batched[0], batched[2], atol=1e-2)


def test_a_text_given_twice_is_read_once_and_gets_the_same_vector(monkeypatch):
    encoder = tiny_encoder()
    forward = encoder.pooled_batch
    rows_read = []
    monkeypatch.setattr(
        encoder,
        "pooled_batch",
        lambda batch, shared: rows_read.append(len(batch)) or forward(batch, shared),
    )
    vectors = encoder.encode(["spam spam", "the council vote", "spam spam"])
    assert sum(rows_read) == 2
    assert np.array_equal(vectors[0], vectors[2])
    assert np.allclose(vectors[1], encoder.encode(["the council vote"])[0], atol=1e-6)


def test_a_tuned_copy_and_its_base_run_the_layers_they_share_once_per_text(monkeypatch):
    base = tiny_encoder(layers=3)
    other = tiny_encoder(seed=1, layers=3).stored_weights()
    tuned = base.with_layers({name: w for name, w in other.items() if name.startswith("2.")})
    # The base reads one text the tuned copy did not, and reads them in
    # one batch: the batch is split, not recomputed whole.
    texts, more = ["the council vote", "buy cheap now", "hello world " * 5], ["the tax"]
    apart = tuned.pooled(texts), base.pooled(texts + more)
    layers_run = []
    apply = encoder._apply_layer
    monkeypatch.setattr(encoder, "_apply_layer", lambda *args: layers_run.append(1) or apply(*args))

    def both(shared):
        layers_run.clear()
        vectors = tuned.pooled(texts, shared=shared), base.pooled(texts + more, shared=shared)
        return vectors, len(layers_run)

    (tuned_vectors, base_vectors), runs = both(SharedLayers.between(tuned, base))
    # Three layers for the tuned copy; for the base, its top layer on the
    # texts the copy read, all three on the new one.
    assert runs == 3 + 1 + 3
    assert np.allclose(tuned_vectors, apart[0], atol=1e-6)
    assert np.allclose(base_vectors, apart[1], atol=1e-6)
    assert not np.allclose(tuned_vectors, base_vectors[:3], atol=1e-3)
    # With no room to keep states, the base runs every layer, on its four
    # texts in one batch.
    assert both(SharedLayers.between(tuned, base, budget=0))[1] == 3 + 3
    # Only the reader starts from kept states: the writer reading again, or
    # an encoder with other layers, runs them all.
    shared = SharedLayers.between(tuned, base)
    tuned.pooled(texts, shared=shared)
    layers_run.clear()
    tuned.pooled(texts, shared=shared)
    assert len(layers_run) == 3
    assert SharedLayers.between(tuned, tiny_encoder(layers=3)) is None


def test_saved_encoder_gives_the_same_vectors(tmp_path):
    encoder = tiny_encoder()
    encoder.save(tmp_path / "encoder.npz")
    loaded = SentenceEncoder.load(tmp_path / "encoder.npz")
    texts = ["the council vote", "spam spam"]
    assert np.array_equal(encoder.encode(texts), loaded.encode(texts))


def test_weights_that_are_not_the_published_model_are_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 64)
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(ValueError, match="not the published"):
        from_upstream(tmp_path)


def test_safetensors_are_read_without_pytorch(tmp_path):
    tensor = np.arange(6, dtype=np.float32).reshape(2, 3)
    header = json.dumps(
        {"bert.x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, tensor.nbytes]}}
    ).encode()
    path = tmp_path / "t.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + tensor.tobytes())
    assert np.array_equal(encoder_build._read_safetensors(path)["x"], tensor)


def test_shipped_encoder_agrees_with_upstream_sentence_transformers():
    models = ROOT / "models"
    pipelines = load_pipelines(models, current_version(models))
    if "second_stage" not in pipelines:
        pytest.skip("the shipped model has no second stage")
    reference = json.loads(UPSTREAM_VECTORS.read_text())
    ours = pipelines["second_stage"].encoder.encode(reference["texts"])
    cosine = np.sum(ours * np.array(reference["vectors"]), axis=1)
    assert cosine.min() > 0.9999


def test_a_pickled_encoder_gives_the_same_vectors_and_older_pickles_still_load():
    encoder = tiny_encoder()
    texts = ["the council vote", "spam spam"]
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(encoder)).encode(texts), encoder.encode(texts)
    )
    # Artifacts saved before the byte planes hold the float16 arrays as they are.
    older = SentenceEncoder.__new__(SentenceEncoder)
    older.__setstate__({"vocabulary": encoder.vocabulary, "weights": encoder.stored_weights()})
    np.testing.assert_array_equal(older.encode(texts), encoder.encode(texts))


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_text_splits_as_the_character_by_character_rules_split_it(text):
    assert basic_words(text) == unicode_basic_words(text)


def test_every_ascii_character_and_pair_splits_as_the_character_rules_split_it():
    characters = [chr(code) for code in range(128)]
    texts = characters + [a + b for a in characters for b in characters]
    assert [basic_words(t) for t in texts] == [unicode_basic_words(t) for t in texts]
