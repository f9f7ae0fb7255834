"""Interview heads: small linear models that read a participant turn the way coders of interview
talk do, trained on the coded interview corpus (``tests/data/corpus``) by ``tools/train_heads.py``.

Each head reads the same features the semantic coder already has for a turn: the answer's word
vectors, the interviewer's question before it (sentence model), where the turn falls in the
interview and how long it is. The touchpoint, emotion and valence heads also read the answer's
words: uni- and bigrams weighed by TF-IDF (``TextTerms``), which carry what averaged word vectors
lose ("nobody told me", "still waiting", "rang them"). The stage head gives one probability per
stage (and "no stage"), the touchpoint head one per touchpoint, the emotion head one per
emotion, the valence head a number in [-1, 1]. Weights ship in
``coding/data/interview-heads.npz`` (numpy only at run time).

The heads know the default codebook's code ids; a study codebook uses them for the codes whose
ids it shares (a renamed or new code is read from the codebook alone, as before).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from cjm_research.coding.emotion import CodebookReading, Tfidf, words

HEADS_PATH = Path(__file__).resolve().parent / "data" / "interview-heads.npz"
#: The "no stage" class of the stage head (introductions, closing talk, life context).
NO_STAGE = "(none)"

#: How much the interview heads count in the semantic coder: the stage head's probabilities are an
#: expert multiplied in with this power; the touchpoint head's probability is averaged with the
#: similarity with this weight; valence is this mix of the head and the emotion model; the head's
#: emotion wins when its probability beats the model's confidence times EMOTION_EDGE. Chosen on
#: the example study (the development gold), never on the test gold (``benchmarks/bench_corpus.py``
#: prints both).
HEAD_STAGE_WEIGHT = 1.0
HEAD_TOUCHPOINT_WEIGHT = 0.7
HEAD_VALENCE_WEIGHT = 0.9
HEAD_EMOTION_EDGE = 0.7


def positions(indices: np.ndarray, turns: int) -> np.ndarray:
    """Where turns fall in an interview of ``turns`` turns: 0 … 1, the middle of a turn's slot
    (a one-turn transcript is all middle, neither opening nor closing talk)."""
    return (np.asarray(indices, dtype=np.float32) + 0.5) / max(1, turns)


def features(
    answers: np.ndarray, questions: np.ndarray, position: np.ndarray, words: np.ndarray
) -> np.ndarray:
    """The heads' input: answer vectors, question vectors (zeros when no question came before),
    the relative position in the interview (:func:`positions`) and log word count."""
    position = np.asarray(position, dtype=np.float32).reshape(-1, 1)
    length = np.log1p(np.asarray(words, dtype=np.float32)).reshape(-1, 1) / 5
    edges = np.hstack([position, position**2, (position < 0.08), (position > 0.92)])
    return np.hstack([answers, questions, edges, length]).astype(np.float32)


@dataclass(frozen=True)
class Linear:
    """One linear head: class names, weights (features × classes) and bias."""

    classes: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw scores, one column per class."""
        return x @ self.weights + self.bias

    def softmax(self, x: np.ndarray) -> np.ndarray:
        """Probabilities over the classes (one label per row)."""
        z = self.logits(x)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def columns(self, wanted: tuple[str, ...], probabilities: np.ndarray) -> np.ndarray:
        """``probabilities`` re-ordered to ``wanted``; a class the head does not know is NaN."""
        index = {c: n for n, c in enumerate(self.classes)}
        out = np.full((len(probabilities), len(wanted)), np.nan)
        for j, code in enumerate(wanted):
            if code in index:
                out[:, j] = probabilities[:, index[code]]
        return out


#: The heads that also read the answer's words (``TextTerms``), in the order their weights stack.
TEXT_HEADS = ("touchpoints", "emotion", "valence")


@dataclass(frozen=True)
class TextTerms:
    """The word n-gram part of the touchpoint, emotion and valence heads: per head, weights over
    the TF-IDF of the answer's uni- and bigrams, added to its weights over the features."""

    tfidf: Tfidf
    weights: dict[str, np.ndarray]  # head name (TEXT_HEADS) -> terms × the head's classes

    def offsets(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Per head, what each text's words add to its logits (texts × classes)."""
        names = [n for n in TEXT_HEADS if n in self.weights]
        stacked = np.hstack([self.weights[n] for n in names])
        tokenised = [words(t) for t in texts]
        out = self.tfidf.logits(tokenised, stacked, np.zeros(stacked.shape[1], dtype=np.float32))
        bounds = np.cumsum([0] + [self.weights[n].shape[1] for n in names])
        return {n: out[:, a:b] for n, a, b in zip(names, bounds[:-1], bounds[1:], strict=True)}


@dataclass(frozen=True)
class Heads:
    """The four heads, as trained together on the corpus."""

    stage: Linear
    touchpoints: Linear
    emotion: Linear
    valence: Linear  # one "class": the valence, a linear regression clipped to [-1, 1]
    version: str
    text: TextTerms | None = None

    def read(self, x: np.ndarray, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the touchpoint head's probabilities, the emotion head's, and the valence in
        [-1, 1], from the features ``x`` and the answers' ``texts``."""
        logits = {n: getattr(self, n).logits(x) for n in TEXT_HEADS}
        if self.text is not None:
            for name, offset in self.text.offsets(texts).items():
                logits[name] = logits[name] + offset
        z = logits["emotion"]
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return (
            1 / (1 + np.exp(-logits["touchpoints"])),
            z / z.sum(axis=1, keepdims=True),
            np.clip(logits["valence"][:, 0], -1.0, 1.0),
        )


def _linear(data: np.lib.npyio.NpzFile, name: str) -> Linear:
    return Linear(
        tuple(str(c) for c in data[f"{name}_classes"]),
        data[f"{name}_weights"].astype(np.float32),
        data[f"{name}_bias"].astype(np.float32),
    )


@cache
def shipped_heads(path: Path = HEADS_PATH) -> Heads | None:
    """The shipped heads, or None when the file is absent (a build without the corpus)."""
    if not Path(path).is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        text = None
        if "text_vocabulary" in data:
            text = TextTerms(
                Tfidf.build([str(t) for t in data["text_vocabulary"]], data["text_idf"]),
                {
                    n: data[f"text_{n}"].astype(np.float32)
                    for n in TEXT_HEADS
                    if f"text_{n}" in data
                },
            )
        return Heads(
            stage=_linear(data, "stage"),
            touchpoints=_linear(data, "touchpoints"),
            emotion=_linear(data, "emotion"),
            valence=_linear(data, "valence"),
            version=str(data["version"]),
            text=text,
        )


def save_heads(heads: Heads, path: Path) -> None:
    """Write ``heads`` as the npz :func:`shipped_heads` reads."""
    arrays: dict[str, np.ndarray] = {"version": np.array(heads.version)}
    for name in ("stage", "touchpoints", "emotion", "valence"):
        head: Linear = getattr(heads, name)
        arrays[f"{name}_classes"] = np.array(head.classes)
        arrays[f"{name}_weights"] = head.weights.astype(np.float32)
        arrays[f"{name}_bias"] = head.bias.astype(np.float32)
    if heads.text is not None:
        vocabulary = sorted(heads.text.tfidf.index, key=heads.text.tfidf.index.__getitem__)
        arrays["text_vocabulary"] = np.array(vocabulary)
        arrays["text_idf"] = heads.text.tfidf.idf.astype(np.float32)
        for name, weights in heads.text.weights.items():
            arrays[f"text_{name}"] = weights.astype(np.float32)
    np.savez_compressed(path, **arrays)


#: Fine-tuning on a study's reviewed turns (``fine_tune``): gradient steps, their size, and how
#: strongly the weights are held to the corpus-trained ones (a handful of reviewed turns must
#: bend the heads towards the study, not replace what the corpus taught). Chosen on the example
#: study's simulated review (``benchmarks/bench_review.py``); more, larger steps overfit.
TUNE_STEPS = 60
TUNE_RATE = 0.1
TUNE_PRIOR = 0.5


@dataclass(frozen=True)
class Targets:
    """What the reviewed turns say, in each head's classes (rows of NaN: not said)."""

    stage: np.ndarray  # one-hot over the stage head's classes
    touchpoints: np.ndarray  # 0/1 over the touchpoint head's classes
    emotion: np.ndarray  # one-hot over the emotion head's classes
    valence: np.ndarray  # one column


def _tune(
    head: Linear, x: np.ndarray, y: np.ndarray, kind: str, offset: np.ndarray | None = None
) -> Linear:
    """Maximum a posteriori: the study's examples, with the corpus weights as the prior mean.
    ``offset``: what the fixed text part adds to each row's logits."""
    rows = ~np.isnan(y).any(axis=1)
    if not rows.any():
        return head
    x, y = x[rows].astype(np.float64), y[rows]
    offset = np.zeros((len(x), 1)) if offset is None else offset[rows].astype(np.float64)
    w0, b0 = head.weights.astype(np.float64), head.bias.astype(np.float64)
    w, b = w0.copy(), b0.copy()
    for _ in range(TUNE_STEPS):
        z = x @ w + b + offset
        if kind == "softmax":
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
        elif kind == "sigmoid":
            p = 1 / (1 + np.exp(-z))
        else:
            p = z
        error = (p - y) / len(x)
        w -= TUNE_RATE * (x.T @ error + TUNE_PRIOR * (w - w0))
        b -= TUNE_RATE * error.sum(axis=0)
    return Linear(head.classes, w.astype(np.float32), b.astype(np.float32))


def fine_tune(heads: Heads, x: np.ndarray, targets: Targets, texts: list[str]) -> Heads:
    """The heads bent towards a study's reviewed turns (``x``: their features, ``texts``: their
    words; the text part stays as trained). Deterministic."""
    offsets = heads.text.offsets(texts) if heads.text is not None else {}
    return Heads(
        # Stages are learned through the journey context (reviewed turns clamped there); tuning
        # the stage head on a few dozen turns as well lowered stage F1 on the example study.
        stage=heads.stage,
        touchpoints=_tune(
            heads.touchpoints, x, targets.touchpoints, "sigmoid", offsets.get("touchpoints")
        ),
        emotion=_tune(heads.emotion, x, targets.emotion, "softmax", offsets.get("emotion")),
        # Valence tuned on a few dozen turns lowered its correlation on the example study.
        valence=heads.valence,
        version=heads.version + "+study",
        text=heads.text,
    )


def code_matrix(cells: Iterable[object], codes: tuple[str, ...]) -> np.ndarray:
    """``;``-joined code cells as a 0/1 matrix over ``codes`` (one row per cell)."""
    rows = [set(str(cell).split(";")) for cell in cells]
    return np.array([[c in row for c in codes] for row in rows], dtype=float).reshape(
        len(rows), len(codes)
    )


def targets(heads: Heads, stages: list[str], touchpoints: list[str], emotions: list[str],
            valences: list[float]) -> Targets:  # fmt: skip
    """Reviewed codes as :class:`Targets` (a code a head does not know leaves its row NaN)."""

    def one_hot(head: Linear, values: list[str]) -> np.ndarray:
        out = np.full((len(values), len(head.classes)), np.nan)
        for n, value in enumerate(values):
            if value in head.classes:
                out[n] = 0.0
                out[n, head.classes.index(value)] = 1.0
        return out

    return Targets(
        stage=one_hot(heads.stage, [s or NO_STAGE for s in stages]),
        touchpoints=code_matrix(touchpoints, heads.touchpoints.classes),
        emotion=one_hot(heads.emotion, emotions),
        valence=np.array(valences, dtype=float).reshape(-1, 1),
    )


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
