"""Bending the interview heads towards a study: the researcher's reviewed turns as a few dozen
more examples, with the corpus-trained weights as the prior (``fine_tune``), and their codes in
the heads' classes (``targets``, ``code_matrix``). The semantic coder's ``teach`` calls it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cjm_research.coding.heads import NO_STAGE, Heads, Linear, TurnContext
from cjm_research.model import NOT_CODED

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


def fine_tune(
    heads: Heads,
    x: np.ndarray,
    targets: Targets,
    texts: list[str],
    context: TurnContext | None = None,
) -> Heads:
    """The heads bent towards a study's reviewed turns (``x``: their features, ``texts``: their
    words, ``context``: what surrounds them; the text and context parts stay as trained).
    Deterministic."""
    offsets = heads.offsets(texts, context)
    return Heads(
        # Stages are learned through the journey context (reviewed turns clamped there); tuning
        # the stage head on a few dozen turns as well lowered stage F1 on the example study.
        stage=heads.stage,
        touchpoints=_tune(
            heads.touchpoints, x, targets.touchpoints, "sigmoid", offsets.get("touchpoints")
        ),
        # Emotion and valence tuned on a few dozen turns lowered emotion macro-F1 and valence r
        # on the example study's unreviewed turns (emotion at 20 % reviewed: 0.397 -> 0.372,
        # ``benchmarks/bench_review.py``, against the same turns untaught): the reviewed turns
        # teach emotion through their near-duplicates only. Tuned harder (200 steps of 0.5, prior
        # 0.1) on every other interview's gold, it scored lower still on the interview left out
        # (example 0.510 -> 0.411): a study's review carries no pattern of the machine's emotion
        # mistakes that a shift of the head could learn.
        emotion=heads.emotion,
        valence=heads.valence,
        version=heads.version + "+study",
        text=heads.text,
        context=heads.context,
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

    said = code_matrix(touchpoints, heads.touchpoints.classes)
    # touchpoints a researcher did not code say nothing (a stage or emotion that reads NOT_CODED
    # is no class of its head: its row is NaN already)
    said[[t == NOT_CODED for t in touchpoints]] = np.nan
    return Targets(
        stage=one_hot(heads.stage, [s or NO_STAGE for s in stages]),
        touchpoints=said,
        emotion=one_hot(heads.emotion, emotions),
        valence=np.array(valences, dtype=float).reshape(-1, 1),
    )
