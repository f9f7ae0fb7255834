"""What the codebook says about each code, as sentence vectors, and how a turn's similarity to them
becomes a probability.

Each code is represented by its examples and its label with the first sentence of its description.
A turn scores a code by the blend of its similarity to the nearest of those sentences and to their
centroid, so a study's own codebook works without training. Scores become probabilities with a
temperature (stages, one label) or a logistic curve (touchpoints, each on its own), fitted on the
codebook's examples leave-one-out when the coder is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from cjm_research.coding.embeddings import Embedder, WordVectors
from cjm_research.model import Code, Codebook

#: Weight of the nearest example against the centroid in a code's similarity score: the
#: centroid alone generalises best (leave-one-out on the default codebook's examples).
NEAREST_WEIGHT = 0.0
#: The flattest stage softmax allowed: a 0.1 lead in similarity still multiplies the odds by e.
MAX_TEMPERATURE = 0.1
#: Softmax temperature of a question's similarity to the guide questions' centroids: a 0.05
#: lead multiplies the odds by e (questions are short and formulaic, so similarities are sharp).
QUESTION_TEMPERATURE = 0.05
#: The guide-question prototype of the codebook's open questions (``Codebook.open_questions``).
OPEN = "(open question)"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
#: What turns text into unit vectors: the sentence model, or its word vectors.
Encoder = Embedder | WordVectors


@dataclass
class Prototypes:
    """A dimension's codes as sentence vectors: who owns each vector, and each code's centroid."""

    codes: list[str]
    texts: list[str]
    owner: np.ndarray  # (E,) index of the code each sentence describes
    vectors: np.ndarray  # (E, D)
    centroids: np.ndarray  # (K, D), unit length

    @classmethod
    def build(
        cls, codes: tuple[Code, ...], embedder: Encoder, *, questions: bool = False
    ) -> Prototypes:
        """Embed every code's examples plus its label and first description sentence.

        With ``questions``, embed the codes' interview-guide questions instead.
        """
        texts, owner = [], []
        for k, code in enumerate(codes):
            first = _SENTENCE.split(code.description, maxsplit=1)[0] if code.description else ""
            sentences = (
                code.questions
                if questions
                else (*code.examples, f"{code.label}: {first}".rstrip(": "))
            )
            for text in sentences:
                texts.append(text)
                owner.append(k)
        vectors = embedder.encode(texts)
        owner_array = np.array(owner)
        centroids = np.stack([vectors[owner_array == k].mean(axis=0) for k in range(len(codes))])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        return cls([c.id for c in codes], texts, owner_array, vectors, centroids)

    def scores(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per text and code: the blended similarity, and the index of the nearest sentence."""
        sims = similarity(x, self.vectors)
        # A code's sentences are contiguous (``build`` appends them code by code).
        starts = np.searchsorted(self.owner, np.arange(len(self.codes)))
        ends = np.append(starts[1:], len(self.owner))
        nearest = np.zeros((len(x), len(self.codes)), dtype=int)
        for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
            nearest[:, k] = start + sims[:, start:end].argmax(axis=1)
        best = np.take_along_axis(sims, nearest, axis=1)
        blended = NEAREST_WEIGHT * best + (1 - NEAREST_WEIGHT) * similarity(x, self.centroids)
        return blended, nearest

    def leave_one_out(self, n_examples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Blended scores of each example against the codes built without it, and its code.

        Only examples are scored (``n_examples[k]`` first sentences of code ``k``); the
        description sentence is never held out, as a study's codebook always has it.
        """
        rows, labels = [], []
        sims = similarity(self.vectors, self.vectors)
        for i in range(len(self.texts)):
            k = self.owner[i]
            position = i - np.flatnonzero(self.owner == k)[0]
            if position >= n_examples[k]:
                continue
            row = np.zeros(len(self.codes))
            for j in range(len(self.codes)):
                members = np.flatnonzero((self.owner == j) & (np.arange(len(self.texts)) != i))
                centroid = self.vectors[members].mean(axis=0)
                centroid /= np.linalg.norm(centroid)
                row[j] = NEAREST_WEIGHT * sims[i, members].max() + (1 - NEAREST_WEIGHT) * float(
                    self.vectors[i] @ centroid
                )
            rows.append(row)
            labels.append(k)
        return np.array(rows).reshape(len(rows), len(self.codes)), np.array(labels, dtype=int)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarities of unit rows, (n, d) x (m, d) -> (n, m).

    einsum, not ``@``: these products are small, and a multi-threaded BLAS on a busy 2-core
    machine made them a thousand times slower (threads spinning against each other).
    """
    return np.einsum("id,jd->ij", a, b)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature that makes ``scores`` best predict ``labels`` (least log-loss).

    At most MAX_TEMPERATURE: with two or three examples a code, leave-one-out cannot tell codes
    apart as well as the full codebook will, and an unbounded fit would flatten everything.
    """
    if len(labels) == 0:
        return MAX_TEMPERATURE
    grid = np.geomspace(0.005, MAX_TEMPERATURE, 60)
    losses = [-np.mean(np.log(_softmax(scores / t)[np.arange(len(labels)), labels])) for t in grid]
    return float(grid[int(np.argmin(losses))])


def fit_platt(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Logistic ``(a, b)`` with P(code) = sigmoid(a * score + b), by a few Newton steps."""
    x, y = scores.ravel(), (labels[:, None] == np.arange(scores.shape[1])).ravel().astype(float)
    if not 0 < y.sum() < len(y):
        return 20.0, -10.0
    w = np.zeros(2)
    design = np.column_stack([x, np.ones_like(x)])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(design @ w)))
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + 1e-6 * np.eye(2)
        w -= np.linalg.solve(hessian, design.T @ (p - y))
    return float(w[0]), float(w[1])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Reading:
    """The codebook read in one embedding space: its prototypes and their calibration."""

    name: str  # how the evidence names the space: "sentence", "word-vector"
    embedder: Encoder
    stages: Prototypes  # the stages, then off-journey talk when the codebook describes it
    touchpoints: Prototypes
    questions: Prototypes | None  # the interview-guide questions, when every stage has some
    temperature: float
    strength: np.ndarray  # the held-out examples' similarities to their own code, sorted
    platt: tuple[float, float]

    @classmethod
    def build(
        cls,
        name: str,
        codebook: Codebook,
        stage_codes: tuple[Code, ...],
        embedder: Encoder,
        *,
        reads_questions: bool = True,
    ) -> Reading:
        """Embed the codebook with ``embedder`` and calibrate it leave-one-out on its examples.

        ``reads_questions``: also embed the stages' guide questions (the interviewer's
        questions are read in this space).
        """
        stages = Prototypes.build(stage_codes, embedder)
        touchpoints = Prototypes.build(codebook.touchpoints, embedder)
        held_out, labels = stages.leave_one_out(np.array([len(c.examples) for c in stage_codes]))
        question_codes = stage_codes if codebook.off_journey.questions else codebook.stages
        if codebook.open_questions:
            question_codes += (Code(OPEN, "Open question", questions=codebook.open_questions),)
        guide = (
            Prototypes.build(question_codes, embedder, questions=True)
            if reads_questions and all(c.questions for c in codebook.stages)
            else None
        )
        tp_held_out, tp_labels = touchpoints.leave_one_out(
            np.array([len(c.examples) for c in codebook.touchpoints])
        )
        return cls(
            name=name,
            embedder=embedder,
            stages=stages,
            touchpoints=touchpoints,
            questions=guide,
            temperature=fit_temperature(held_out, labels),
            strength=np.sort(held_out[np.arange(len(labels)), labels]),
            platt=fit_platt(tp_held_out, tp_labels),
        )

    def stage_probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated stage probabilities, flattened as far as the best similarity is weak.

        "Mm, yeah" is nearest to *some* example; how near, against how near the codebook's own
        held-out examples come to their code, says how much that means.
        """
        probabilities = _softmax(scores / self.temperature)
        if not self.strength.size:
            return probabilities
        strength = np.searchsorted(self.strength, scores.max(axis=1)) / self.strength.size
        k = scores.shape[1]
        return strength[:, None] * probabilities + (1 - strength[:, None]) / k

    def question_probabilities(self, vectors: np.ndarray) -> np.ndarray | None:
        """Each text read as an interviewer's question: its stage (and off-journey) probabilities.

        The columns match the stage prototypes'; without guide questions in the codebook, None
        (the questions are then read like any other turn).
        """
        if self.questions is None:
            return None
        probabilities = _softmax(self.questions.scores(vectors)[0] / QUESTION_TEMPERATURE)
        if self.questions.codes[-1] == OPEN:
            # An open question points nowhere: its share goes to every stage alike.
            share = probabilities[:, -1:] / (len(self.questions.codes) - 1)
            probabilities = probabilities[:, :-1] + share
        missing = len(self.stages.codes) - probabilities.shape[1]
        return np.pad(probabilities, ((0, 0), (0, missing)))

    def note(self, prototypes: Prototypes, score: float, nearest: int) -> str:
        """Evidence of a similarity: how strong, in which reading, and the nearest example."""
        text = prototypes.texts[nearest]
        short = text if len(text) <= 60 else text[:57].rstrip() + "…"
        return f"{self.name} similarity {score:.2f}, nearest example '{short}'"


def centre(scores: np.ndarray, prior_turns: float = 10.0) -> np.ndarray:
    """Remove what every turn of the interview shares with a code (its register, its topic).

    Some codes sit near all conversational speech and attract every turn ("hubs"); what a turn
    says about a stage is how much nearer it is than the interview's other turns. Shrunk towards
    no correction for short transcripts, where the mean says little.
    """
    n = len(scores)
    if n == 0:
        return scores
    shift = scores.mean(axis=0) - scores.mean()
    return scores - n / (n + prior_turns) * shift


def agree(own: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Two experts' stage probabilities multiplied and renormalised (``own`` when they share
    no mass at all)."""
    both = own * other
    total = both.sum()
    return both / total if total > 0 else own


def combine(semantic: np.ndarray, keyword: np.ndarray) -> np.ndarray:
    """Keyword evidence as a likelihood ratio on the semantic probabilities (zeros: none)."""
    if keyword.sum() == 0:
        return semantic
    combined = semantic * (1.0 / len(keyword) + keyword)
    return combined / combined.sum()
