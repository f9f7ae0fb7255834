"""The ``semantic`` coder: sentence embeddings against the codebook's own descriptions and examples.

Each code is represented by what the codebook says about it (its examples, and its label with the
first sentence of its description), embedded with the offline MiniLM of ``embeddings.py``. A turn
scores a code by the blend of its similarity to the nearest of those sentences and to their
centroid, so a study's own codebook works without any training. Scores become probabilities with
a temperature (stages, single label) or a logistic curve (touchpoints, each on its own) fitted on
the codebook's examples leave-one-out when the coder is built. The rules coder's keyword matches
count as extra evidence; stages then go through the journey context (``context.py``).

Two readings, one pass each (a cascade): every answer is read first with the model's word
vectors (``WordVectors``, a hundred times faster), and the interviewer's questions — short, and
what the stages hang on — with the sentence model. Answers whose stage the context then leaves
unsure (posterior below ``REREAD_BELOW``) are read again with the sentence model, the two
readings multiplied, and the context runs once more. On the example study this reads a tenth of
the answers with the model, at the stage and touchpoint quality of reading them all
(``benchmarks/bench_semantic.py``).

Emotions and valence are the rules coder's (``RulesCoder.emotion_codes``): the one place where
the emotion model plugs in, for both coders. Their confidences are not calibrated here, so only
stage and touchpoint codes are flagged for review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import INTERVIEWER, Code, Codebook, Transcript, Turn
from . import context
from .embeddings import Embedder, WordVectors
from .emotion import CodebookReading
from .heads import (
    NO_STAGE,
    Heads,
    Targets,
    TurnContext,
    code_matrix,
    features,
    fine_tune,
    positions,
    shipped_heads,
    targets,
    turn_context,
)
from .rules import ASKED_CONFIDENCE, Matches, RulesCoder, phrases

VERSION = "7"
#: Weight of the nearest example against the centroid in a code's similarity score. Chosen by
#: leave-one-out accuracy on the default codebook's examples (stages / touchpoints): 0 gives
#: 0.41 / 0.59, 0.5 gives 0.31 / 0.52, 1 gives 0.25 / 0.42 — the centroid generalises best.
NEAREST_WEIGHT = 0.0
#: The flattest stage softmax allowed: a 0.1 lead in similarity still multiplies the odds by e.
MAX_TEMPERATURE = 0.1
#: A touchpoint is coded when its probability reaches this (each touchpoint on its own). The
#: threshold with the best held-out F1 on the codebook's examples (0.25) coded too much in real
#: interviews (example study gold: touchpoint micro-F1 0.63 against 0.72 at 0.5).
TOUCHPOINT_THRESHOLD = 0.5
#: Softmax temperature of a question's similarity to the guide questions' centroids: a 0.05
#: lead multiplies the odds by e (questions are short and formulaic, so similarities are sharp).
QUESTION_TEMPERATURE = 0.05
#: An answer whose stage posterior (after the context) is below this, read with the word vectors,
#: is read again with the sentence model. Chosen on the gold file's p01-p06: 0.4 / 0.5 / 0.6 gave
#: stage macro-F1 within 0.01 of each other, re-reading 7 / 14 / 24 % of the answers.
REREAD_BELOW = 0.5
#: How much the interview heads (``heads.py``) count: the stage head's probabilities are an
#: expert multiplied in with this power; the touchpoint head's probability is averaged with the
#: similarity with this weight; valence is this mix of the head and the emotion model; the head's
#: emotion wins when its probability beats the model's confidence times EMOTION_EDGE. Chosen on
#: the example study (the development gold) with the heads trained on the whole corpus: edge 1.0
#: / 0.7 gave emotion macro-F1 0.362 / 0.382, valence weight 0.7 / 0.9 valence r 0.477 / 0.484;
#: the touchpoint weight 0.3 / 0.5 / 0.8 gave micro-F1 0.806 / 0.810 / lower. Checked again when
#: the emotion and valence heads learned to read words (heads v2): edge 0.5 / 0.7 / 1.0 gave
#: emotion 0.409 / 0.422 / 0.420, valence weight 0.9 / 1.0 valence r 0.549 / 0.555; and when the
#: touchpoint head did (heads v3, held-out-industry micro-F1 0.50 -> 0.62 on the corpus): weight
#: 0.3 / 0.5 / 0.7 / 1.0 gave touchpoint micro-F1 0.799 / 0.801 / 0.805 / 0.762.
#: Heads v4 (``Heads.blended``) give the touchpoints' final probability themselves (the keyword
#: matches weighed in by a blend fitted on the corpus): HEAD_TOUCHPOINT_WEIGHT and the keyword
#: rule below then serve only touchpoints the heads do not know.
HEAD_STAGE_WEIGHT = 1.0
HEAD_TOUCHPOINT_WEIGHT = 0.7
HEAD_VALENCE_WEIGHT = 0.9
HEAD_EMOTION_EDGE = 0.7
#: Learning from the researcher's codes of the study (``SemanticCoder.teach``): a reviewed turn's
#: stage is clamped with this probability in the journey context, so it pulls its neighbours (the
#: turns between two reviewed support answers are most likely support too); an unreviewed turn
#: hears its KNN nearest reviewed turns that are near-duplicates (word-vector cosine at least
#: KNN_MIN), weighted by exp(cosine / KNN_TEMPERATURE), as one more expert with power KNN_WEIGHT;
#: their touchpoints, emotion and valence are blended in with the weight they carry, up to
#: KNN_BLEND. Chosen on the example study's simulated review (benchmarks/bench_review.py): looser
#: neighbours (cosine 0.4-0.7) lowered stage macro-F1 at 10-20 % reviewed; clamping did the work.
CLAMP = 0.9
KNN = 5
KNN_MIN = 0.8
KNN_TEMPERATURE = 0.05
KNN_WEIGHT = 1.0
KNN_BLEND = 0.6
#: The guide-question prototype of the codebook's open questions (``Codebook.open_questions``).
OPEN = "(open question)"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_EMBEDDERS: dict[str, Embedder] = {}
#: What turns text into unit vectors: the sentence model, or its word vectors.
Encoder = Embedder | WordVectors
_WORD_VECTORS: list[WordVectors] = []


def shared_embedder(cache_dir: Path | str | None = None) -> Embedder:
    """One embedder per cache folder and process: the model loads once however many coders."""
    key = str(cache_dir or "")
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = Embedder(cache_dir)
    return _EMBEDDERS[key]


def shared_word_vectors() -> WordVectors:
    """The process's word vectors (their table is the machine's, in the user cache)."""
    if not _WORD_VECTORS:
        _WORD_VECTORS.append(WordVectors())
    return _WORD_VECTORS[0]


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


class SemanticCoder:
    """Codes transcripts by sentence similarity to the codebook; see the module docstring."""

    name = "semantic"
    version = VERSION

    def __init__(
        self,
        codebook: Codebook,
        *,
        cache_dir: Path | str | None = None,
        embedder: Embedder | None = None,
        word_vectors: WordVectors | None = None,
        heads: Heads | bool | None = True,
    ) -> None:
        self.codebook = codebook
        # True: the shipped heads (None when this build has none); False or None: no heads.
        self.base_heads = shipped_heads() if heads is True else (heads or None)
        self.heads = self.base_heads
        self.embedder = embedder or shared_embedder(cache_dir)
        self.rules = RulesCoder(codebook)
        # Off-journey talk is one more code beside the stages when the codebook describes it.
        self.off_journey = bool(codebook.off_journey.examples)
        stage_codes = codebook.stages + ((codebook.off_journey,) if self.off_journey else ())
        self.sentences = Reading.build("sentence", codebook, stage_codes, self.embedder)
        # Questions are read with the sentence model only (word vectors lost 0.03 F1 on them).
        self.words = Reading.build(
            "word-vector",
            codebook,
            stage_codes,
            word_vectors or shared_word_vectors(),
            reads_questions=False,
        )
        self._touchpoint_has_keywords = np.array([bool(c.keywords) for c in codebook.touchpoints])
        self.examples: Examples | None = None
        self.holdout = ""  # an interview whose reviewed turns are set aside (``audit``)

    @property
    def coder_id(self) -> str:
        """The value written to the table's ``coder`` column (``+study`` once it learned)."""
        learned = "+study" if self.examples is not None else ""
        return f"auto:{self.name}{learned}@{self.version}"

    def teach(self, reviewed: pd.DataFrame, transcripts: Sequence[Transcript] = ()) -> None:
        """Learn from the researchers' codes of this study: ``reviewed`` has one row per
        human-coded participant turn (``segment_id``, ``interview_id``, ``text``, ``stage``,
        ``touchpoints``, ``emotion``, ``valence``). With the study's ``transcripts`` the interview
        heads are also fine-tuned on those turns. Empty: forget, and code as before."""
        self.heads = self.base_heads
        if reviewed.empty:
            self.examples = None
            return
        rows = reviewed.reset_index(drop=True)
        x, target, surround = self._head_examples(rows, transcripts)
        self.examples = Examples(
            rows=rows,
            vectors=self.words.embedder.encode(list(rows["text"].astype(str))),
            stages=self._stage_matrix(rows["stage"]),
            touchpoints=code_matrix(
                rows["touchpoints"], tuple(c.id for c in self.codebook.touchpoints)
            ),
            valence=pd.to_numeric(rows["valence"], errors="coerce").fillna(0.0).to_numpy(),
            features=x,
            targets=target,
            context=surround,
        )
        self.heads = self._tuned()

    def _tuned(self, leave_out: str = "") -> Heads | None:
        """The heads fine-tuned on the reviewed turns, those of ``leave_out`` set aside."""
        ex = self.examples
        if self.base_heads is None or ex is None or ex.features is None or ex.targets is None:
            return self.base_heads
        keep = (ex.rows["interview_id"] != leave_out).to_numpy()
        if not keep.any():
            return self.base_heads
        t = ex.targets
        kept = Targets(t.stage[keep], t.touchpoints[keep], t.emotion[keep], t.valence[keep])
        texts = list(ex.rows["text"].astype(str).to_numpy()[keep])
        surround = None if ex.context is None else ex.context.subset(keep)
        return fine_tune(self.base_heads, ex.features[keep], kept, texts, surround)

    def _head_examples(
        self, rows: pd.DataFrame, transcripts: Sequence[Transcript]
    ) -> tuple[np.ndarray | None, Targets | None, TurnContext | None]:
        """The heads' features of the reviewed turns (read as ``__call__`` reads them), their
        codes as targets and their context; None without the transcripts or the heads."""
        if self.base_heads is None or not transcripts:
            return None, None, None
        where = {
            f"{t.interview_id}:{turn.index}": (t, n)
            for t in transcripts
            for n, turn in enumerate(t.turns)
        }
        found = [where.get(str(s)) for s in rows["segment_id"]]
        if any(f is None for f in found):
            return None, None, None
        answers = [t.turns[n].text for t, n in found]  # type: ignore[misc]
        asked = [
            t.turns[n - 1].text if context.follows_question(t.turns, n) else ""  # type: ignore[misc]
            for t, n in found  # type: ignore[misc]
        ]
        vectors = self.words.embedder.encode(answers)
        questions = np.zeros_like(vectors)
        have = [i for i, q in enumerate(asked) if q]
        if have:
            questions[have] = self.sentences.embedder.encode([asked[i] for i in have])
        x = features(
            vectors,
            questions,
            np.array([positions(np.array([n]), len(t.turns))[0] for t, n in found]),  # type: ignore[misc]
            np.array([len(a.split()) for a in answers]),
        )
        by_transcript: dict[str, list[int]] = {}
        for r, (t, _) in enumerate(found):  # type: ignore[misc]
            by_transcript.setdefault(t.interview_id, []).append(r)
        parts, order = [], []
        for rs in by_transcript.values():
            turns = found[rs[0]][0].turns  # type: ignore[index]
            rows_n = [found[r][1] for r in rs]  # type: ignore[index]
            parts.append(turn_context(self.base_heads.classes, self.rules, turns, rows_n))
            order += rs
        surround = TurnContext.concat(parts).subset(np.argsort(order))
        target = targets(
            self.base_heads,
            list(rows["stage"].fillna("").astype(str)),
            list(rows["touchpoints"].fillna("").astype(str)),
            list(rows["emotion"].fillna("").astype(str)),
            list(pd.to_numeric(rows["valence"], errors="coerce").fillna(0.0)),
        )
        return x, target, surround

    def _stage_matrix(self, stages: pd.Series) -> np.ndarray:
        """One-hot rows in the coder's stage columns; "no stage" is the off-journey column (or
        an even spread when the codebook has none)."""
        columns = list(self.sentences.stages.codes)
        out = np.zeros((len(stages), len(columns)))
        for n, stage in enumerate(stages.fillna("").astype(str)):
            if stage in columns:
                out[n, columns.index(stage)] = 1.0
            elif self.off_journey:
                out[n, -1] = 1.0
            else:
                out[n] = 1.0 / len(columns)
        return out

    def audit(self, transcript: Transcript) -> list[dict[str, object]]:
        """Code ``transcript`` as if its own reviewed turns were not yet reviewed (learning from
        the other interviews only): the machine's honest code for them, to audit it as a coder."""
        self.holdout = transcript.interview_id
        tuned, self.heads = self.heads, self._tuned(leave_out=transcript.interview_id)
        try:
            return self(transcript)
        finally:
            self.holdout, self.heads = "", tuned

    def prepare(self, transcripts: list[Transcript]) -> None:
        """Read every question of ``transcripts`` with the sentence model, in one batch.

        Sorted by length across the whole study, questions pad less and the model runs in
        fewer, fuller batches than interview by interview (about a fifth faster).
        """
        self.embedder.encode(
            sorted({t.turns[i].text for t in transcripts for i in _questions(t.turns)})
        )

    def __call__(self, transcript: Transcript) -> list[dict[str, object]]:
        """Code every participant turn; interviewer turns are kept uncoded, as context."""
        turns = transcript.turns
        texts = [t.text for t in turns]
        answers = [i for i, t in enumerate(turns) if t.role != INTERVIEWER]
        asked = _questions(turns)
        found = [self.rules.keywords(t.text, question=t.role == INTERVIEWER) for t in turns]
        keyword = [self.rules.stage_evidence(stages) for stages, _, _ in found]
        k = len(self.sentences.stages.codes)
        extra = k - len(self.codebook.stages)  # the off-journey column
        own = np.zeros((len(turns), k))
        scores = np.zeros((len(turns), k))
        nearest = np.zeros((len(turns), k), dtype=int)
        vectors: dict[int, np.ndarray] = {}
        reading: dict[int, Reading] = {}

        def read(rows: list[int], by: Reading) -> None:
            if not rows:
                return
            vecs = by.embedder.encode([texts[i] for i in rows])
            raw, near = by.stages.scores(vecs)
            probabilities = by.stage_probabilities(_centre(raw))
            for j, i in enumerate(rows):
                if i in reading:
                    # A second reading: the two are experts to multiply (the keywords are in
                    # the first already). Gold p01-p06: stage macro-F1 0.766 against 0.763 with
                    # the sentence model's reading alone; 0.700 against 0.687 on all nine.
                    own[i] = _agree(own[i], probabilities[j])
                else:
                    own[i] = _combine(probabilities[j], np.pad(keyword[i][0], (0, extra)))
                scores[i], nearest[i], vectors[i], reading[i] = raw[j], near[j], vecs[j], by

        read(asked, self.sentences)
        read(answers, self.words)
        head = self._read_heads(turns, answers, vectors, found)
        if head is not None:
            for j, i in enumerate(answers):
                own[i] = _agree(own[i], head.stage[j] ** HEAD_STAGE_WEIGHT)
        learned = self._learned(transcript, answers, vectors)
        if learned is not None:
            for j, i in enumerate(answers):
                if learned.clamped[j] is not None:
                    own[i] = CLAMP * learned.clamped[j] + (1 - CLAMP) / k
                elif learned.weight[j] > 0:
                    own[i] = _agree(own[i], learned.stage[j] ** KNN_WEIGHT)
        questions = None
        if asked and self.sentences.questions is not None:
            questions = np.zeros((len(turns), k))
            asked_vectors = np.stack([vectors[i] for i in asked])
            questions[asked] = self.sentences.question_probabilities(asked_vectors)

        def smooth() -> context.Smoothed:
            return context.smooth_transcript(turns, own, questions, off_journey=self.off_journey)

        smoothed = smooth()
        unsure = [i for j, i in enumerate(answers) if smoothed.confidence[j] < REREAD_BELOW]
        if unsure:
            read(unsure, self.sentences)
            smoothed = smooth()

        touchpoint_scores = {
            i: (score, near)
            for by in (self.words, self.sentences)
            for i, score, near in self._touchpoint_scores(
                [i for i in answers if reading[i] is by], vectors, by
            )
        }
        rows = [self.rules.row(transcript, turn, {}) for turn in turns]
        readings = self.rules.read_emotions([texts[i] for i in answers])  # one batch: fast
        if head is not None:
            readings = [head.reading(j, r) for j, r in enumerate(readings)]
        if learned is not None:
            readings = [learned.reading(j, r) for j, r in enumerate(readings)]
        for j, i in enumerate(answers):
            stage, confidence, source = smoothed.stage(j, self.codebook.stage_ids)
            by = reading[i]
            notes = []
            if stage:
                c = by.stages.codes.index(stage)
                own_note = by.note(by.stages, scores[i, c], nearest[i, c])
                matched = phrases(keyword[i][1], stage)
                if matched:
                    own_note += f", keywords {matched}"
                notes.append(context.stage_evidence(stage, source, own_note))
            else:
                notes.append(context.stage_evidence(stage, source, ""))
            if learned is not None and learned.nearest[j]:
                notes.append(learned.nearest[j])
            asked = found[i - 1][1] if context.follows_question(turns, i) else []
            codes = self._touchpoint_codes(
                found[i][1],
                *touchpoint_scores[i],
                by,
                asked,
                None if head is None else head.touchpoints[j],
                None if learned is None else learned.touchpoint_share(j),
            )
            notes.append(str(codes.pop("evidence")))
            codes.update(
                self.rules.emotion_codes(texts[i], reading=readings[j], matches=found[i][2])
            )
            notes.append(str(codes.pop("evidence")))
            flag = context.review_flag(
                stage=confidence if stage else None,
                touchpoints=float(codes["touchpoint_confidence"]),
            )
            codes.update(
                stage=stage,
                stage_confidence=round(confidence, 3),
                evidence="; ".join(filter(None, [*notes, flag])),
            )
            rows[i] = self.rules.row(transcript, turns[i], codes)
            rows[i]["coder"] = self.coder_id
        return rows

    def _learned(
        self, transcript: Transcript, answers: list[int], vectors: dict[int, np.ndarray]
    ) -> Learned | None:
        """What the study's reviewed turns say about this transcript's answers."""
        ex = self.examples
        if ex is None or not answers:
            return None
        usable = (ex.rows["interview_id"] != self.holdout).to_numpy()
        own_ids = {
            f"{transcript.interview_id}:{transcript.turns[i].index}": j
            for j, i in enumerate(answers)
        }
        position = {sid: n for n, sid in enumerate(ex.rows["segment_id"])}
        answer_vectors = np.stack([vectors[i] for i in answers])
        similarity = answer_vectors @ ex.vectors.T
        n, k = len(answers), ex.stages.shape[1]
        learned = Learned(
            clamped=[None] * n,
            stage=np.ones((n, k)),
            weight=np.zeros(n),
            touchpoints=np.zeros((n, ex.touchpoints.shape[1])),
            valence=np.zeros(n),
            emotion=[""] * n,
            nearest=[""] * n,
        )
        for sid, j in own_ids.items():
            if sid in position and usable[position[sid]]:
                p = position[sid]
                learned.clamped[j] = ex.stages[p]
                learned.touchpoints[j] = ex.touchpoints[p]
                learned.valence[j] = ex.valence[p]
                learned.emotion[j] = str(ex.rows.at[p, "emotion"])
                learned.weight[j] = 1.0
                similarity[j, p] = -1.0
        for j in range(n):
            if learned.clamped[j] is not None:
                continue
            row = np.where(usable, similarity[j], -1.0)
            top = np.argsort(-row, kind="stable")[:KNN]
            top = top[row[top] >= KNN_MIN]
            if not top.size:
                continue
            w = np.exp((row[top] - 1) / KNN_TEMPERATURE)
            share = w / w.sum()
            stage = share @ ex.stages[top]
            learned.stage[j] = stage + 1.0 / k  # never rules a stage out on its own
            learned.weight[j] = KNN_BLEND * min(1.0, w.sum())
            learned.touchpoints[j] = share @ ex.touchpoints[top]
            learned.valence[j] = float(share @ ex.valence[top])
            emotions = ex.rows["emotion"].to_numpy()[top]
            votes = pd.Series(share, index=emotions).groupby(level=0).sum()
            learned.emotion[j] = str(votes.idxmax()) if votes.max() >= 0.5 else ""
            best = top[0]
            code = str(ex.rows.at[best, "stage"]) or "no stage"
            learned.nearest[j] = f"nearest reviewed turn {ex.rows.at[best, 'segment_id']}, {code}"
        return learned

    def _read_heads(
        self,
        turns: list[Turn],
        answers: list[int],
        vectors: dict[int, np.ndarray],
        found: list | None = None,
    ) -> HeadReading | None:
        """The heads' reading of the answers, from the vectors the coder already has."""
        if self.heads is None or not answers:
            return None
        dimension = vectors[answers[0]].shape[0]
        asked = [
            vectors[i - 1] if context.follows_question(turns, i) and i - 1 in vectors
            else np.zeros(dimension, dtype=np.float32)
            for i in answers
        ]  # fmt: skip
        x = features(
            np.stack([vectors[i] for i in answers]),
            np.stack(asked),
            positions(np.array(answers), len(turns)),
            np.array([len(turns[i].text.split()) for i in answers]),
        )
        h = self.heads
        columns = (*self.codebook.stage_ids, *((NO_STAGE,) if self.off_journey else ()))
        stage = h.stage.columns(columns, h.stage.softmax(x))
        # A stage the head does not know gets the mean of the known ones (no opinion about it);
        # a codebook the head knows nothing of gets no stage opinion at all.
        known = ~np.isnan(stage)
        if not known.any():
            stage = np.ones_like(stage)
        else:
            mean = np.nansum(stage, axis=1, keepdims=True) / known.sum(axis=1, keepdims=True)
            stage = np.where(known, stage, mean)
        emotion_ids = tuple(c.id for c in self.codebook.emotions)
        surround = turn_context(h.classes, self.rules, turns, answers, found)
        touchpoints, emotions, valence = h.read(x, [turns[i].text for i in answers], surround)
        return HeadReading(
            stage=stage,
            touchpoints=h.touchpoints.columns(
                tuple(c.id for c in self.codebook.touchpoints), touchpoints
            ),
            emotions=h.emotion.columns(emotion_ids, emotions),
            valence=valence,
            emotion_ids=emotion_ids,
        )

    @staticmethod
    def _touchpoint_scores(
        rows: list[int], vectors: dict[int, np.ndarray], by: Reading
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Touchpoint similarities of the turns ``rows`` read by ``by``: one product for all."""
        if not rows:
            return []
        scores, nearest = by.touchpoints.scores(np.stack([vectors[i] for i in rows]))
        return list(zip(rows, scores, nearest, strict=True))

    def _touchpoint_codes(
        self,
        matches: Matches,
        scores: np.ndarray,
        nearest: np.ndarray,
        by: Reading,
        asked_matches: Matches,
        head: np.ndarray | None = None,
        learned: tuple[np.ndarray, float] | None = None,
    ) -> dict[str, object]:
        """A turn's touchpoints from its keyword ``matches``, the question's, similarity and the
        touchpoint head (``head``: its probability per touchpoint, NaN where it has none)."""
        a, b = by.platt
        keyword, hits = self.rules.touchpoint_keywords(matches)
        asked = [h for h, _ in asked_matches]
        # A named channel decides on its own, as in the rules coder; so does one the question
        # names, more weakly; similarity adds the rest.
        named = np.array(
            [
                min(0.95, 0.55 + 0.15 * keyword[c])
                if c in keyword
                else ASKED_CONFIDENCE * any(h.code == c for h in asked)
                for c in by.touchpoints.codes
            ]
        )
        similar = 1 / (1 + np.exp(-(a * scores + b)))
        if by is self.words:
            # Word vectors add no touchpoint a keyword does not name (example study gold: micro-F1
            # 0.74 with them, 0.79 without, at any threshold): they decide only codes that have
            # no keywords.
            similar = np.where(self._touchpoint_has_keywords, 0.0, similar)
        known = np.zeros(len(named), dtype=bool) if head is None else ~np.isnan(head)
        final = known & (self.heads is not None and self.heads.blended)
        if head is not None:
            blend = (1 - HEAD_TOUCHPOINT_WEIGHT) * similar + HEAD_TOUCHPOINT_WEIGHT * head
            # Heads that weigh the keywords in (heads v4) give the final probability.
            similar = np.where(final, head, np.where(known, blend, similar))
        if learned is not None:
            share, weight = learned
            similar = (1 - weight) * similar + weight * share
        probability = np.where(final, similar, np.maximum(similar, named))
        chosen = np.flatnonzero(probability >= TOUCHPOINT_THRESHOLD)
        notes = []
        for c in chosen:
            code = by.touchpoints.codes[c]
            found = []
            if final[c]:  # the heads' blend: what it read, with the keywords it weighed
                found.append(f"interview heads {probability[c]:.2f}")
            elif similar[c] >= TOUCHPOINT_THRESHOLD:
                found.append(by.note(by.touchpoints, scores[c], nearest[c]))
            if code in keyword:
                found.append(f"keywords {phrases(hits, code)}")
            elif (
                any(h.code == code for h in asked)
                if final[c]
                else similar[c] < TOUCHPOINT_THRESHOLD
            ):
                found.append(f"asked about {phrases(asked, code)}")
            notes.append(f"touchpoint {code}: {', '.join(found)}")
        # With none chosen, the confidence is that there is none: 1 - the likeliest touchpoint.
        confidence = probability[chosen].min() if chosen.size else 1 - probability.max()
        return {
            "touchpoints": ";".join(by.touchpoints.codes[c] for c in chosen),
            "touchpoint_confidence": round(float(confidence), 3),
            "evidence": "; ".join(notes),
        }


@dataclass
class HeadReading:
    """The interview heads' reading of one transcript's answers, in the codebook's columns."""

    stage: np.ndarray  # answers × the coder's stage columns (stages, then off-journey)
    touchpoints: np.ndarray  # answers × codebook touchpoints; NaN where the head has none
    emotions: np.ndarray  # answers × codebook emotions; NaN where the head has none
    valence: np.ndarray  # per answer
    emotion_ids: tuple[str, ...]

    def reading(self, j: int, model: CodebookReading) -> CodebookReading:
        """Answer ``j``'s emotion reading: the emotion model's, with the head mixed in."""
        valence = (1 - HEAD_VALENCE_WEIGHT) * model.valence + HEAD_VALENCE_WEIGHT * self.valence[j]
        row = self.emotions[j]
        if np.isnan(row).all():
            return CodebookReading(model.emotion, model.confidence, valence, model.label)
        best = int(np.nanargmax(row))
        if row[best] >= HEAD_EMOTION_EDGE * model.confidence:
            return CodebookReading(self.emotion_ids[best], float(row[best]), valence, "interview")
        return CodebookReading(model.emotion, model.confidence, valence, model.label)


@dataclass
class Examples:
    """The study's reviewed turns, as the coder learns from them (``SemanticCoder.teach``)."""

    rows: pd.DataFrame  # segment_id, interview_id, text, stage, touchpoints, emotion, valence
    vectors: np.ndarray  # word vectors of the texts
    stages: np.ndarray  # one-hot in the coder's stage columns
    touchpoints: np.ndarray  # 0/1 per codebook touchpoint
    valence: np.ndarray
    features: np.ndarray | None = None  # the heads' features of the reviewed turns
    targets: Targets | None = None  # their codes in the heads' classes
    context: TurnContext | None = None  # what surrounds them (the heads' context part)


@dataclass
class Learned:
    """What the reviewed turns say about one transcript's answers."""

    clamped: list[np.ndarray | None]  # a reviewed answer's own stage row (None: not reviewed)
    stage: np.ndarray  # answers × stage columns: the nearest reviewed turns' stages
    weight: np.ndarray  # per answer, 0..KNN_BLEND: how much the neighbours count
    touchpoints: np.ndarray  # answers × touchpoints: the neighbours' (or own) touchpoints
    valence: np.ndarray
    emotion: list[str]
    nearest: list[str]  # evidence: the reviewed turn that weighed most

    def touchpoint_share(self, j: int) -> tuple[np.ndarray, float]:
        """Answer ``j``'s touchpoints as the reviewed turns see them, and how much to trust it."""
        return self.touchpoints[j], float(self.weight[j])

    def reading(self, j: int, model: CodebookReading) -> CodebookReading:
        """Answer ``j``'s emotion reading with the neighbours' (or its own reviewed) codes in."""
        w = float(self.weight[j])
        if w <= 0:
            return model
        valence = (1 - w) * model.valence + w * float(self.valence[j])
        emotion = self.emotion[j] if self.emotion[j] and w >= KNN_BLEND / 2 else model.emotion
        label = "reviewed" if emotion != model.emotion else model.label
        return CodebookReading(emotion, max(model.confidence, w), valence, label)


def _questions(turns: list[Turn]) -> list[int]:
    """The interviewer turns right before an answer: the only ones that inform a stage."""
    return [
        i - 1
        for i, turn in enumerate(turns)
        if turn.role != INTERVIEWER and context.follows_question(turns, i)
    ]


def _centre(scores: np.ndarray, prior_turns: float = 10.0) -> np.ndarray:
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


def _agree(own: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Two experts' stage probabilities multiplied and renormalised (``own`` when they share
    no mass at all)."""
    both = own * other
    total = both.sum()
    return both / total if total > 0 else own


def _combine(semantic: np.ndarray, keyword: np.ndarray) -> np.ndarray:
    """Keyword evidence as a likelihood ratio on the semantic probabilities (zeros: none)."""
    if keyword.sum() == 0:
        return semantic
    combined = semantic * (1.0 / len(keyword) + keyword)
    return combined / combined.sum()
