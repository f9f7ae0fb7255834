"""A small emotion and valence model trained on GoEmotions, run with numpy alone.

The weights ship in ``coding/data/emotion-model.npz`` and are rebuilt by ``tools/train_emotion.py``
(which reads the GoEmotions train split and tunes on dev). The model is a linear classifier over
TF-IDF word uni- and bigrams that scores GoEmotions' 27 emotions + neutral; a second small linear
model turns those scores plus VADER-lexicon sums into valence (negative / neutral / positive).

The 28 GoEmotions labels map onto a codebook's emotions by id or label (``codebook_mapping``):
the default codebook's eleven emotions have a hand-made mapping (``DEFAULT_MAPPING``); a study
codebook with other emotions maps a GoEmotions label, then its Ekman group, by name; labels that
match nothing are left to the rules coder's keywords.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from cjm_research.model import Codebook

MODEL_PATH = Path(__file__).resolve().parent / "data" / "emotion-model.npz"

#: GoEmotions' labels in the corpus' id order (``labels.txt``).
LABELS = (
    "admiration amusement anger annoyance approval caring confusion curiosity desire "
    "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy love "
    "nervousness optimism pride realization relief remorse sadness surprise neutral"
).split()

#: The corpus authors' grouping of the labels into Ekman's six basic emotions + neutral
#: (``ekman_mapping.json`` in the GoEmotions repository).
EKMAN = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": (
        "joy amusement approval excitement gratitude love optimism relief pride admiration "
        "desire caring"
    ).split(),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}

#: The corpus authors' sentiment grouping (``sentiment_mapping.json``); "ambiguous" labels
#: (surprise, realization, confusion, curiosity) are neither positive nor negative.
SENTIMENT = {
    "positive": (
        "amusement excitement joy love desire optimism caring pride admiration gratitude "
        "relief approval"
    ).split(),
    "negative": (
        "fear nervousness remorse embarrassment disappointment sadness grief disgust anger "
        "annoyance disapproval"
    ).split(),
    "ambiguous": ("realization", "surprise", "curiosity", "confusion"),
}

#: Valence classes, in the order of the valence model's outputs.
VALENCE_CLASSES = ("negative", "neutral", "positive")

#: GoEmotions label → emotion id of the default codebook (templates/codebook.yaml). Approval,
#: caring and optimism read as settled confidence in interviews ("they were good about it"), so
#: Trust; curiosity is not knowing, so Confusion; disgust is moral outrage, so Anger. Remorse is
#: an apology in interview talk ("Sorry, that's a tangent", "sorry for my English"), not sadness:
#: Neutral (2026-12-07, the corpus's held-out industries: sadness F1 0.444 -> 0.450, emotion
#: macro-F1 0.473 -> 0.474; both gold studies unchanged).
DEFAULT_MAPPING = {
    "admiration": "joy",
    "amusement": "joy",
    "excitement": "joy",
    "joy": "joy",
    "love": "joy",
    "gratitude": "joy",
    "pride": "joy",
    "desire": "joy",
    "approval": "trust",
    "caring": "trust",
    "optimism": "trust",
    "relief": "relief",
    "surprise": "surprise",
    "realization": "surprise",
    "confusion": "confusion",
    "curiosity": "confusion",
    "fear": "anxiety",
    "nervousness": "anxiety",
    "annoyance": "frustration",
    "disapproval": "frustration",
    "anger": "anger",
    "disgust": "anger",
    "disappointment": "disappointment",
    "sadness": "sadness",
    "grief": "sadness",
    "remorse": "neutral",
    "embarrassment": "sadness",
    "neutral": "neutral",
}

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")
_NEGATIONS = frozenset(
    "not no never without hardly barely nothing nobody isn't wasn't aren't weren't don't doesn't "
    "didn't can't couldn't won't wouldn't shouldn't haven't hasn't hadn't cannot".split()
)
#: VADER's factor for a negated lexicon word and its normalisation constant.
_NEGATION_SCALAR, _ALPHA = -0.74, 15.0


def words(text: str) -> list[str]:
    """Lower-case word tokens plus ``!`` and ``?`` (they carry feeling); curly quotes straight."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def ngrams(text: str) -> list[str]:
    """The model's features of ``text``: word unigrams and bigrams (bigrams keep "not happy")."""
    tokens = words(text)
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


@cache
def _vader_lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


def lexicon_features(texts: list[str]) -> np.ndarray:
    """Per text: normalised sums of VADER-lexicon positive and negative word scores, negation-aware.

    A cheap stand-in for a VADER call (one dict lookup per word): it gives the valence model
    VADER's prior knowledge of words that are rare on Reddit but common in interviews.
    """
    return _lexicon_features([words(text) for text in texts])


def _lexicon_features(tokenised: list[list[str]]) -> np.ndarray:
    lexicon = _vader_lexicon()
    out = np.zeros((len(tokenised), 2))
    for row, tokens in enumerate(tokenised):
        values = list(map(lexicon.get, tokens))
        pos = neg = 0.0
        # Only the lexicon's words (most tokens are not): compress skips None, and a 0.0 score
        # would add nothing either way.
        for i in itertools.compress(range(len(tokens)), values):
            value = values[i]
            if not _NEGATIONS.isdisjoint(tokens[max(0, i - 3) : i]):
                value *= _NEGATION_SCALAR
            if value > 0:
                pos += value
            else:
                neg -= value
        out[row] = pos, neg
    return out / np.sqrt(out * out + _ALPHA)


@dataclass(frozen=True)
class EmotionPrediction:
    """The model's reading of one text.

    ``emotion`` is the top GoEmotions label and ``confidence`` its probability; ``valence`` is
    P(positive) - P(negative) in [-1, 1]; ``scores`` maps every GoEmotions label to its probability.
    """

    emotion: str
    confidence: float
    valence: float
    scores: dict[str, float]


@dataclass(frozen=True)
class CodebookReading:
    """The model's reading of one text in a codebook's terms.

    ``emotion`` is the codebook emotion with the most probability mass ("" when the likeliest
    GoEmotions label maps to no emotion of the codebook), ``confidence`` that mass, ``label`` the
    GoEmotions label that contributed most to it, ``valence`` P(positive) - P(negative).
    ``keyword_pull``: whether an emotion named by a codebook keyword may pull ``valence`` towards
    its codebook valence (off once the interview heads read the valence: they count the keyword
    matches among their features, and pulling again counted them twice).
    """

    emotion: str
    confidence: float
    valence: float
    label: str
    keyword_pull: bool = True


@dataclass(frozen=True)
class EmotionMapping:
    """Which codebook emotion each GoEmotions label counts towards ("" = none: left to rules)."""

    targets: tuple[str, ...]  # per GoEmotions label, in LABELS order
    emotions: tuple[str, ...]  # the codebook emotion ids that receive at least one label
    matrix: np.ndarray  # (28, len(emotions)) 0/1: label → codebook emotion

    def scores(self, probabilities: np.ndarray) -> np.ndarray:
        """(n, 28) label probabilities → (n, len(emotions)) codebook emotion probabilities."""
        return probabilities @ self.matrix


def codebook_mapping(codebook: Codebook) -> EmotionMapping:
    """Map the 28 GoEmotions labels onto ``codebook``'s emotions (see the module docstring).

    A label goes to, in order: its ``DEFAULT_MAPPING`` target if the codebook has that emotion;
    else a codebook emotion whose id or label is the GoEmotions label; else one named after the
    label's Ekman group; else nowhere.
    """
    by_name: dict[str, str] = {}
    for code in codebook.emotions:
        by_name.setdefault(code.id.lower(), code.id)
        by_name.setdefault(code.label.lower(), code.id)
    ekman_of = {label: group for group, labels in EKMAN.items() for label in labels}
    targets = tuple(
        by_name.get(DEFAULT_MAPPING[label])
        or by_name.get(label)
        or by_name.get(ekman_of[label])
        or ""
        for label in LABELS
    )
    emotions = tuple(c.id for c in codebook.emotions if c.id in targets)
    matrix = np.zeros((len(LABELS), len(emotions)))
    for row, target in enumerate(targets):
        if target:
            matrix[row, emotions.index(target)] = 1.0
    return EmotionMapping(targets, emotions, matrix)


class EmotionModel:
    """The shipped emotion + valence model; ``predict`` for readable results, ``probabilities``
    and ``valence_probabilities`` for the arrays a coder works with."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as data:
            vocabulary = [str(v) for v in data["vocabulary"]]
            self.idf = data["idf"].astype(np.float32)
            self.weights = data["weights"].astype(np.float32)  # (V, 28)
            self.bias = data["bias"].astype(np.float32)
            self.temperature = float(data["temperature"])
            self.ekman_offsets = data["ekman_offsets"].astype(np.float64)
            self.valence_weights = data["valence_weights"].astype(np.float64)  # (k, 3)
            self.valence_bias = data["valence_bias"].astype(np.float64)
        self.tfidf = Tfidf.build(vocabulary, self.idf)
        self.index = self.tfidf.index
        self._sentiment = np.array(
            [
                [label in SENTIMENT["negative"] for label in LABELS],
                [label not in SENTIMENT["negative"] + SENTIMENT["positive"] for label in LABELS],
                [label in SENTIMENT["positive"] for label in LABELS],
            ],
            dtype=np.float64,
        ).T  # (28, 3): label → negative / other / positive

    def logits(self, texts: list[str]) -> np.ndarray:
        """(n, 28) raw label scores: sublinear TF-IDF, L2-normalised, times the weights."""
        return self._logits([words(text) for text in texts])

    def _logits(self, tokenised: list[list[str]]) -> np.ndarray:
        return self.tfidf.logits(tokenised, self.weights, self.bias)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(n, 28) calibrated probabilities of the GoEmotions labels (LABELS order)."""
        return self._probabilities(self.logits(texts))

    def _probabilities(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits.astype(np.float64) / self.temperature)

    def valence_probabilities(
        self, texts: list[str], probabilities: np.ndarray | None = None
    ) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive (VALENCE_CLASSES)."""
        if probabilities is None:
            probabilities = self.probabilities(texts)
        return self._valence(probabilities, lexicon_features(texts))

    def _valence(self, probabilities: np.ndarray, lexicon: np.ndarray) -> np.ndarray:
        features = np.hstack([np.log(probabilities @ self._sentiment + 1e-6), lexicon])
        return softmax(features @ self.valence_weights + self.valence_bias)

    def ekman(self, probabilities: np.ndarray) -> np.ndarray:
        """Ekman class index (EKMAN order) per text, with the per-class offsets tuned on dev."""
        groups = np.array([[label in members for members in EKMAN.values()] for label in LABELS])
        return (np.log(probabilities @ groups + 1e-9) + self.ekman_offsets).argmax(axis=1)

    def predict(self, texts: list[str]) -> list[EmotionPrediction]:
        """The top GoEmotions label, its probability, valence and all label scores per text."""
        probabilities = self.probabilities(texts)
        valence = self.valence_probabilities(texts, probabilities)
        return [
            EmotionPrediction(
                emotion=LABELS[int(p.argmax())],
                confidence=float(p.max()),
                valence=float(v[2] - v[0]),
                scores=dict(zip(LABELS, p.round(4).tolist(), strict=True)),
            )
            for p, v in zip(probabilities, valence, strict=True)
        ]

    def read(self, texts: list[str], mapping: EmotionMapping) -> list[CodebookReading]:
        """Codebook emotion, its probability, the main GoEmotions label and valence per text."""
        if not texts:
            return []
        tokenised = [words(text) for text in texts]  # once, for the classifier and the lexicon
        probabilities = self._probabilities(self._logits(tokenised))
        valence = self._valence(probabilities, _lexicon_features(tokenised))
        if not mapping.emotions:
            return [CodebookReading("", 0.0, float(v[2] - v[0]), "") for v in valence]
        scores = mapping.scores(probabilities)
        top = scores.argmax(axis=1)
        # The label behind the chosen emotion: the likeliest of the labels mapped to it.
        behind = (probabilities * mapping.matrix[:, top].T).argmax(axis=1)
        # When the likeliest label maps to nothing in this codebook, the model has no say.
        named = np.array([bool(t) for t in mapping.targets])[probabilities.argmax(axis=1)]
        chosen = scores[np.arange(len(top)), top].tolist()
        valences = (valence[:, 2] - valence[:, 0]).tolist()
        return [
            CodebookReading(mapping.emotions[k], p, v, LABELS[b])
            if known
            else CodebookReading("", 0.0, v, "")
            for k, p, v, b, known in zip(
                top.tolist(), chosen, valences, behind.tolist(), named.tolist(), strict=True
            )
        ]


@dataclass(frozen=True)
class Tfidf:
    """Word uni- and bigrams (:func:`ngrams`) as scikit-learn's
    ``TfidfVectorizer(analyzer=ngrams, sublinear_tf=True)`` weighs them (L2-normalised), times a
    linear model's weights: the text part of the emotion model and of the interview heads."""

    index: dict[str, int]  # term -> column
    idf: np.ndarray
    lookup: _TermLookup

    @classmethod
    def build(cls, vocabulary: list[str], idf: np.ndarray) -> Tfidf:
        """From the vectorizer's terms (in column order) and idf."""
        index = {term: i for i, term in enumerate(vocabulary)}
        return cls(index, idf.astype(np.float32), _TermLookup.build(index))

    @property
    def size(self) -> int:
        """Terms in the vocabulary."""
        return len(self.index)

    def logits(
        self, tokenised: list[list[str]], weights: np.ndarray, bias: np.ndarray
    ) -> np.ndarray:
        """(texts, classes) ``bias`` + TF-IDF of each text's :func:`words` times ``weights``."""
        rows, cols = self._terms(tokenised)
        out = np.tile(bias.astype(np.float32), (len(tokenised), 1))
        if not cols.size:
            return out
        # Count repeated (row, term) pairs once each, with sublinear tf as sklearn computes it.
        keys, counts = np.unique(rows * self.size + cols, return_counts=True)
        row_ids, col_ids = np.divmod(keys, self.size)
        values = (1.0 + np.log(counts)) * self.idf[col_ids]
        norms = np.sqrt(np.bincount(row_ids, values * values, minlength=len(tokenised)))
        values = values / norms[row_ids]
        terms = values[:, None].astype(np.float32) * weights[col_ids]
        return _sum_rows(out, row_ids, terms)

    def _terms(self, tokenised: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(text, vocabulary index) of every known unigram and bigram (``ngrams``) of the texts."""
        flat = list(itertools.chain.from_iterable(tokenised))
        lengths = np.fromiter(map(len, tokenised), np.int64, len(tokenised))
        text_of = np.repeat(np.arange(len(tokenised), dtype=np.int64), lengths)
        unigrams, bigrams = self.lookup.find(flat)
        bigrams[text_of[:-1] != text_of[1:]] = -1  # a pair spanning two texts is no bigram
        rows = np.concatenate([text_of, text_of[:-1]])
        cols = np.concatenate([unigrams, bigrams])
        known = cols >= 0
        return rows[known], cols[known]


@dataclass(frozen=True)
class _TermLookup:
    """Vocabulary indices of many tokens' unigrams and bigrams at once.

    Every word of the vocabulary (alone or in a bigram) has a word id from 1 (0: unknown): one
    dict lookup per token, by C-level ``map``. A bigram is then the integer
    ``id(a) * stride + id(b)``, computed for all pairs by numpy and looked up in an int-keyed
    dict: no strings or tuples are built per pair.
    """

    word_ids: dict[str, int]
    unigram: np.ndarray  # word id -> vocabulary index of the word alone; -1 if none (and at 0)
    stride: int
    bigram: dict[int, int]  # id(a) * stride + id(b) -> vocabulary index of the bigram "a b"

    @classmethod
    def build(cls, index: dict[str, int]) -> _TermLookup:
        """The lookup of a vocabulary (term → index; a bigram is two words and a space)."""
        words = sorted({word for term in index for word in term.split(" ")})
        word_ids = {word: i for i, word in enumerate(words, 1)}
        unigram = np.array([-1] + [index.get(word, -1) for word in words], dtype=np.int64)
        stride = len(words) + 1
        bigram = {
            word_ids[a] * stride + word_ids[b]: i
            for (a, b), i in ((term.split(" "), i) for term, i in index.items() if " " in term)
        }
        return cls(word_ids, unigram, stride, bigram)

    def find(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per token its unigram's index, per adjacent pair its bigram's index (-1: unknown)."""
        ids = np.fromiter(
            map(self.word_ids.get, tokens, itertools.repeat(0)), np.int64, len(tokens)
        )
        # An unknown word (0) makes a key no bigram has: every known key has both ids >= 1.
        keys = (ids[:-1] * self.stride + ids[1:]).tolist()
        bigrams = map(self.bigram.get, keys, itertools.repeat(-1))
        return self.unigram[ids], np.fromiter(bigrams, np.int64, len(keys))


@cache
def shipped_model() -> EmotionModel:
    """The packaged model, loaded once per process."""
    return EmotionModel()


def _sum_rows(out: np.ndarray, rows: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """``out[r] + terms[i] + terms[j] + ...`` for each row ``r``, term by term in order.

    The same float32 sums as ``np.add.at(out, rows, terms)`` bit for bit (so the scores stay the
    ones the model was tuned with), three times faster. ``rows`` is sorted, so the terms are laid
    out as (row, k-th term of the row) after ``out``, zero-padded, and summed along k.
    """
    starts = np.searchsorted(rows, np.arange(len(out) + 1))
    position = np.arange(len(rows)) - starts[rows]
    for first in range(0, len(out), _SUM_CHUNK):  # bounds the padding in big batches
        last = min(first + _SUM_CHUNK, len(out))
        part = slice(starts[first], starts[last])
        longest = int(position[part].max(initial=-1)) + 1
        laid = np.zeros((last - first, longest + 1, out.shape[1]), out.dtype)
        laid[:, 0] = out[first:last]
        laid[rows[part] - first, position[part] + 1] = terms[part]
        # Reducing the middle axis adds whole (k-th term) slices in order, not pairwise.
        out[first:last] = np.add.reduce(laid, axis=1)
    return out


#: Rows summed together in ``_sum_rows``.
_SUM_CHUNK = 256


def softmax(z: np.ndarray) -> np.ndarray:
    """Rows of scores as probabilities (each row sums to 1)."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
