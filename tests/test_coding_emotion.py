"""The shipped emotion model: loads offline from package data, reads obvious sentences, maps to
codebooks (the default one by hand, others by name) and leaves unknown emotions to the rules."""

import math

import numpy as np
import pytest

from cjm_research.codebook import load_codebook
from cjm_research.coding.emotion import (
    DEFAULT_MAPPING,
    EKMAN,
    LABELS,
    MODEL_PATH,
    EmotionModel,
    codebook_mapping,
    ngrams,
    shipped_model,
)
from cjm_research.coding.rules import RulesCoder
from cjm_research.model import Code, Codebook
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

OBVIOUS = {
    "Thank you so much, I absolutely love it!": "joy",
    "I am furious, this is outrageous and I hate them.": "anger",
    "I'm really scared and nervous about the surgery tomorrow.": "fear",
    "I'm so sad, my dog died last night.": "sadness",
    "Wow, I did not expect that at all, what a surprise!": "surprise",
    "The meeting is on Tuesday at three.": "neutral",
}


@pytest.fixture(scope="module")
def model():
    return shipped_model()


def test_weights_ship_inside_the_package_and_are_small():
    assert MODEL_PATH.parent.parent.name == "coding"
    assert MODEL_PATH.stat().st_size < 5_000_000
    model = EmotionModel(MODEL_PATH)
    assert model.weights.shape == (len(model.index), len(LABELS))


def test_obvious_sentences_get_their_ekman_class(model):
    texts = list(OBVIOUS)
    classes = [list(EKMAN)[k] for k in model.ekman(model.probabilities(texts))]
    assert classes == list(OBVIOUS.values())


def test_predictions_carry_label_confidence_valence_and_all_scores(model):
    love, furious, *_ = model.predict(list(OBVIOUS))
    assert love.emotion in EKMAN["joy"] and furious.emotion in ("anger", "annoyance")
    assert love.valence > 0.5 and furious.valence < -0.5
    assert set(love.scores) == set(LABELS)
    assert sum(love.scores.values()) == pytest.approx(1.0, abs=0.01)
    assert love.confidence == pytest.approx(max(love.scores.values()), abs=1e-3)


def test_negation_and_empty_texts(model):
    happy, unhappy = model.predict(["I was happy with it.", "I was not happy with it at all."])
    assert happy.valence > 0 > unhappy.valence
    empty = model.probabilities(["", "!!!"])
    assert np.allclose(empty.sum(axis=1), 1.0)


def test_default_codebook_gets_the_hand_made_mapping(model):
    mapping = codebook_mapping(load_codebook())
    assert dict(zip(LABELS, mapping.targets, strict=True)) == DEFAULT_MAPPING
    assert set(mapping.emotions) == {c.id for c in load_codebook().emotions}
    [nervous] = model.read(["I was so nervous and worried about it."], mapping)
    assert (nervous.emotion, nervous.label) == ("anxiety", "nervousness")
    assert nervous.valence < 0 and 0.5 < nervous.confidence <= 1
    [relief] = model.probabilities(["Phew, what a relief, it finally arrived."])
    relief[LABELS.index("neutral")] = 0.0
    assert mapping.targets[int(relief.argmax())] == "relief"


def _book(*emotions: Code) -> Codebook:
    return Codebook("t", "1", stages=(), touchpoints=(), emotions=emotions)


def test_other_codebooks_map_by_label_then_ekman_group_else_nowhere(model):
    book = _book(
        Code("happy", "Gratitude", valence=0.6),  # matched by its label
        Code("anger", "Anger", valence=-0.8),  # an Ekman group name
        Code("calm", "Calm", valence=0.0),  # matches nothing
    )
    mapping = codebook_mapping(book)
    targets = dict(zip(LABELS, mapping.targets, strict=True))
    assert targets["gratitude"] == "happy"
    assert targets["annoyance"] == targets["disgust"] == "anger"  # disgust: default target anger
    assert targets["fear"] == targets["neutral"] == ""
    assert mapping.emotions == ("happy", "anger")
    [scared] = model.read(["I'm really scared and nervous about the surgery tomorrow."], mapping)
    assert scared.emotion == "" and scared.confidence == 0.0


def test_rules_coder_leaves_unmapped_emotions_to_keywords(model):
    book = _book(
        Code("calm", "Calm", valence=0.0, keywords=("calm",)),
        Code("dread", "Dread", valence=-0.7, keywords=("dread*",)),
    )
    coder = RulesCoder(book)
    scared = coder.emotion_codes("I'm really scared and nervous about the surgery tomorrow.")
    dreading = coder.emotion_codes("I was dreading the call, honestly.")
    # No label maps to this codebook's emotions: no model emotion, only its valence.
    assert scared["emotion"] == "dread" and "nearest to the valence" in scared["evidence"]
    assert dreading["emotion"] == "dread" and "'dreading'" in dreading["evidence"]
    assert coder.emotion_codes("The meeting is on Tuesday.")["emotion"] == "calm"


def test_rules_coder_uses_the_model_when_no_keyword_names_a_feeling():
    coder = RulesCoder(load_codebook())
    codes = coder.emotion_codes("Honestly I was fuming, they lied to my face about the price.")
    assert codes["emotion"] in ("anger", "frustration")
    assert "emotion model" in codes["evidence"] and codes["valence"] < 0
    # The model leans neutral here; keywords name the feeling and neutral cannot erase it.
    relief = coder.emotion_codes("Phew, what a relief, it finally arrived.")
    assert relief["emotion"] == "relief" and relief["valence"] > 0


def plain_logits(model: EmotionModel, texts: list[str]) -> np.ndarray:
    """The classifier's scores computed the plain way: a text at a time, terms added one by one."""
    out = np.tile(model.bias, (len(texts), 1))
    for row, text in enumerate(texts):
        found = [model.index[t] for t in ngrams(text) if t in model.index]
        cols, counts = np.unique(np.array(found, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * model.idf[cols]
        values = values / math.sqrt(sum(v * v for v in values.tolist()))  # summed in order
        for col, value in zip(cols, values, strict=True):
            out[row] += np.float32(value) * model.weights[col]
    return out


def test_batched_scores_are_the_plain_scores_bit_for_bit(model):
    # Interview turns, a long one, empty and unknown-word texts: the batching, lookup tables and
    # row sums are exact, so codes never change with the batch a turn is read in.
    study = load_study(example_study_dir())
    texts = [turn.text for tr in study.transcripts[:3] for turn in tr.turns]
    texts += ["", "zzqx qqzx", "!!", " ".join(texts), "Not happy. NOT happy?!"]
    assert np.array_equal(model.logits(texts), plain_logits(model, texts))
    assert np.array_equal(model.logits(texts[5:9]), plain_logits(model, texts[5:9]))
