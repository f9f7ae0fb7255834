"""The interview heads: their text part, saving and loading, fine-tuning."""

import numpy as np
import pytest

from cjm_research.coding.emotion import Tfidf, ngrams
from cjm_research.coding.heads import (
    Heads,
    Linear,
    Targets,
    TextTerms,
    fine_tune,
    save_heads,
    shipped_heads,
)


def test_tfidf_weighs_terms_as_scikit_learn_does():
    sklearn = pytest.importorskip("sklearn.feature_extraction.text", reason="train extra")
    texts = ["It came two days late.", "Nobody told me, nobody!", "late late late and nobody"]
    vectorizer = sklearn.TfidfVectorizer(analyzer=ngrams, sublinear_tf=True).fit(texts)
    expected = vectorizer.transform(["late and nobody told me", "nothing known here"]).toarray()
    tfidf = Tfidf.build(vectorizer.get_feature_names_out().tolist(), vectorizer.idf_)
    identity = np.eye(len(vectorizer.idf_), dtype=np.float32)
    got = tfidf.logits(
        [["late", "and", "nobody", "told", "me"], ["nothing", "known", "here"]],
        identity,
        np.zeros(len(identity)),
    )
    np.testing.assert_allclose(got, expected, atol=1e-6)


def small_heads() -> Heads:
    rng = np.random.default_rng(0)
    vocabulary = ["late", "nobody", "nobody told", "told", "lovely"]
    text = TextTerms(
        Tfidf.build(vocabulary, np.ones(5)),
        rng.normal(size=(5, 2)).astype(np.float32),
        np.array([[-1.0], [-0.5], [-0.5], [0.0], [1.0]], dtype=np.float32),
    )

    def linear(classes):
        k = len(classes)
        return Linear(classes, rng.normal(size=(3, k)).astype(np.float32), np.zeros(k))

    return Heads(
        linear(("a", "b")), linear(("t",)), linear(("joy", "anger")), linear(("valence",)),
        "t", text,
    )  # fmt: skip


def test_words_move_the_emotion_and_valence_and_survive_saving(tmp_path):
    heads = small_heads()
    x = np.zeros((2, 3), dtype=np.float32)
    emotions, valence = heads.emotion_and_valence(x, ["Nobody told me it was late", "Lovely"])
    assert valence[0] < 0 < valence[1]
    assert emotions.shape == (2, 2) and np.allclose(emotions.sum(axis=1), 1)
    save_heads(heads, tmp_path / "heads.npz")
    loaded = shipped_heads.__wrapped__(tmp_path / "heads.npz")
    again = loaded.emotion_and_valence(x, ["Nobody told me it was late", "Lovely"])
    np.testing.assert_allclose(again[0], emotions, atol=1e-6)
    np.testing.assert_allclose(again[1], valence, atol=1e-6)
    # Fine-tuning bends the feature weights with the words' part held as trained.
    targets = Targets(
        np.full((1, 2), np.nan), np.full((1, 1), np.nan), np.array([[0.0, 1.0]]), np.ones((1, 1))
    )
    tuned = fine_tune(heads, np.ones((1, 3), dtype=np.float32), targets, ["lovely"])
    assert tuned.text is heads.text
    before = heads.emotion_and_valence(np.ones((1, 3)), ["lovely"])[0][0, 1]
    assert tuned.emotion_and_valence(np.ones((1, 3)), ["lovely"])[0][0, 1] > before


def test_the_shipped_heads_hear_complaints_told_as_facts():
    heads = shipped_heads()
    if heads is None:
        pytest.skip("this build ships no interview heads")
    assert heads.text is not None
    zero = np.zeros((2, heads.valence.weights.shape[0]), dtype=np.float32)
    _, valence = heads.emotion_and_valence(
        zero, ["It came two days late and nobody told me.", "The fitter was lovely and quick."]
    )
    assert valence[0] < 0 < valence[1]
