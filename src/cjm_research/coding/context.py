"""Journey context: a turn's stage follows the conversation, not just its own words.

Every coder scores each participant turn against the ordered stage list from the turn's own words
(an *emission*: a probability per stage, flat when the turn says nothing about stages). Here those
scores meet three kinds of context:

* the interviewer's question that prompted the turn pulls the answer towards the question's stage;
* the turn's place in the interview: guides walk the journey in order, so early turns lean to
  early stages (a broad prior, ``POSITION_SIGMA`` stages wide);
* a hidden-Markov prior over the ORDERED stages: a participant mostly stays in a stage or moves
  on to the next, and rarely goes back;
* neighbouring turns, both before and after, through that prior (forward-backward);
* optionally, *off-journey* talk outside the order (introductions, closing thanks): a coder
  that can tell such talk apart passes it as one extra last column, and turns that end there get
  no stage. It is two states, before the journey and after it: small talk opens or closes an
  interview, so a turn between two journey turns always keeps a stage, however chatty it sounds.

The most likely stage sequence is found with Viterbi; each turn's confidence is the posterior
probability of its stage (forward-backward), so a turn the context decided for gets the context's
certainty, not a made-up constant. A turn whose own evidence is strong keeps its own stage.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cjm_research.model import INTERVIEWER, Turn

#: Codes below this confidence are flagged for review (``review: low confidence`` in evidence).
LOW_CONFIDENCE = 0.5
#: How the evidence of a turn with a flagged code says so (``review_flag``); the review sheet's
#: ``check`` column reads it, so the table and the sheet flag the same turns.
REVIEW_FLAG = "review: low confidence"
#: Probability that the next participant turn is in the same stage / a later / an earlier one.
#: Set on the example study; the coded interview corpus agrees within 0.04 (``python
#: tools/corpus.py transitions``: 0.67, 0.21, 0.12 over 6,479 pairs of staged turns), and its
#: values (or a stay falling with interview length: the corpus makes about 13 stage changes per
#: interview, whatever its length) did no better on the example study, before or after review.
STAY, FORWARD, BACK = 0.70, 0.22, 0.08
#: How much of an answer's stage evidence the interviewer's question supplies, at most.
QUESTION_WEIGHT = 0.7
#: Interview guides walk the journey in order: turn t of T is expected near stage (t / T) * K,
#: give or take this many stages (a Gaussian prior on the emission, never on a strong turn).
#: A study's own prior instead (stage by eighth of the interview, counted from a first pass of
#: its machine codes, mixed in at 0.5 or 0.8) did nothing on the corpus's held-out industries
#: (stage macro-F1 0.700 -> 0.700 / 0.698); even counted from the example study's gold it added
#: only 0.016 there.
POSITION_SIGMA = 3.0
#: A stage whose posterior is below this many times chance (1/K) is left empty: nothing in the
#: turn or around it points anywhere (small talk before the journey begins, say).
MIN_STAGE_FACTOR = 1.5
#: ... and never asks more than this: with three stages, 0.45 is well above chance (0.33).
MIN_STAGE_CAP = 0.4
#: An own-evidence probability at or above this is taken as it is: the context cannot overrule it.
STRONG = 0.85
#: Off-journey state: the chance of stepping out of the journey from a stage (a closing
#: "thanks"), and of staying out once there (two introduction turns in a row).
OFF_ENTER, OFF_STAY = 0.15, 0.5


@dataclass(frozen=True)
class Smoothed:
    """The stage of each turn after context: index into the stage list, posterior, and why."""

    labels: np.ndarray  # (T,) int; len(order) is the off-journey state
    confidence: np.ndarray  # (T,) float: posterior probability of the label
    source: tuple[str, ...]  # "own", "question" or "context" per turn

    def stage(self, i: int, order: Sequence[str]) -> tuple[str, float, str]:
        """Turn ``i``'s stage id, confidence and source; no stage when no better than chance.

        A turn in the off-journey state has no stage and source ``"off_journey"``; its
        confidence is how sure the context is that the turn is not about the journey.
        """
        confidence = float(self.confidence[i])
        if int(self.labels[i]) >= len(order):
            return "", confidence, "off_journey"
        if confidence < min(MIN_STAGE_FACTOR / len(order), MIN_STAGE_CAP):
            return "", 0.0, "weak"
        return order[int(self.labels[i])], confidence, self.source[i]


@functools.lru_cache(maxsize=64)
def transition_matrix(n: int) -> np.ndarray:
    """Stage-to-stage probabilities: stay, move on (nearer stages likelier), or go back.

    Built once per size (every transcript of a study uses the same one): read-only.
    """
    matrix = np.zeros((n, n))
    for i in range(n):
        ahead = np.array([0.5**d for d in range(1, n - i)])
        behind = np.array([0.5**d for d in range(i, 0, -1)])
        matrix[i, i] = STAY
        if ahead.size:
            matrix[i, i + 1 :] = FORWARD * ahead / ahead.sum()
        if behind.size:
            matrix[i, :i] = BACK * behind / behind.sum()
        matrix[i] /= matrix[i].sum()
    matrix.flags.writeable = False
    return matrix


@functools.lru_cache(maxsize=64)
def off_journey_matrix(k: int) -> np.ndarray:
    """:func:`transition_matrix` of ``k`` stages with the off-journey states added (read-only)."""
    matrix = with_off_journey(transition_matrix(k))
    matrix.flags.writeable = False
    return matrix


def with_off_journey(matrix: np.ndarray) -> np.ndarray:
    """The stage transitions plus the two off-journey states, *before* and *after* the journey.

    Small talk comes before the journey (introductions) or after it (closing thanks), never in
    the middle: *before* leads into any stage, a stage may end in *after*, and *after* is
    final. So a mid-interview turn that merely sounds like small talk keeps a stage. Closing
    talk is short: each further turn in *after* costs OFF_STAY, as staying in *before* does
    (the row sums to OFF_STAY; were it 1, drifting out of the journey early would cost nothing).
    """
    k = len(matrix)
    extended = np.zeros((k + 2, k + 2))
    extended[:k, :k] = (1 - OFF_ENTER) * matrix
    extended[:k, k + 1] = OFF_ENTER
    extended[k, :k] = (1 - OFF_STAY) / k
    extended[k, k] = OFF_STAY
    extended[k + 1, k + 1] = OFF_STAY
    return extended


def position_prior(t_len: int, k: int) -> np.ndarray:
    """(T, K): how likely each stage is at each turn's place in the interview, before its words."""
    expected = (np.arange(t_len) + 0.5) / t_len * k - 0.5
    # A short exchange says little about where in the journey it is: widen the prior until
    # there is at least one turn per stage.
    sigma = POSITION_SIGMA * max(1.0, k / max(t_len, 1))
    prior = np.exp(-0.5 * ((np.arange(k)[None, :] - expected[:, None]) / sigma) ** 2)
    return prior / prior.sum(axis=1, keepdims=True)


def emissions(own: np.ndarray, question: np.ndarray | None = None) -> np.ndarray:
    """Combine each turn's own stage probabilities with its question's (rows sum to 1).

    ``question`` rows are the stage probabilities of the interviewer turn before each answer
    (flat or zero where there is none); a flat question changes nothing.
    """
    own = _rows(own)
    if question is None:
        return own
    k = own.shape[1]
    question = _rows(np.where(question.sum(axis=1, keepdims=True) > 0, question, 1.0))
    # Flat (1/k) + the question's own peak: an uninformative question adds nothing.
    pull = (1 - QUESTION_WEIGHT) / k + QUESTION_WEIGHT * question
    return _rows(own * pull)


def smooth(
    own: np.ndarray,
    question: np.ndarray | None = None,
    *,
    strong: float = STRONG,
    off_journey: bool = False,
) -> Smoothed:
    """The stage sequence of one transcript's participant turns; see the module docstring.

    ``own`` is (T, K): each turn's stage probabilities from its own words, a row of zeros when it
    has none. ``question`` is (T, K) or None: the prompting question's stage probabilities (zeros
    where there is no question or it names no stage). With ``off_journey`` the last of the K
    columns is the off-journey state, outside the stage order.
    """
    own = np.asarray(own, dtype=float)
    t_len, k = own.shape
    if t_len == 0:
        return Smoothed(np.zeros(0, dtype=int), np.zeros(0), ())
    has_own = own.sum(axis=1) > 0
    has_question = np.zeros(t_len, dtype=bool) if question is None else question.sum(axis=1) > 0
    own = _rows(np.where(has_own[:, None], own, 1.0))
    if off_journey:
        staged = position_prior(t_len, k - 1)
        prior = np.column_stack([staged, staged.mean(axis=1)])
        matrix = off_journey_matrix(k - 1)
    else:
        prior, matrix = position_prior(t_len, k), transition_matrix(k)
    emit = _rows(emissions(own, question) * prior)
    strong_turns = has_own & (own.max(axis=1) >= strong)
    if off_journey:
        # Sounding like small talk never pins a turn: where it falls decides (see above).
        strong_turns &= own.argmax(axis=1) < k - 1
    # A strong turn is pinned to its own stage: the path must pass through it.
    pinned = np.where(strong_turns[:, None], np.eye(k)[own.argmax(axis=1)] + 1e-9, emit)
    if off_journey:
        # One off-journey column, two states (before and after the journey); no path starts
        # after it.
        start = np.append(np.ones(k), 1e-9)
        labels = np.minimum(_viterbi(_off_twice(pinned), matrix, start), k - 1)
        posterior = _posterior(_off_twice(emit), matrix, start)
        posterior = np.column_stack([posterior[:, : k - 1], posterior[:, k - 1 :].sum(axis=1)])
    else:
        labels = _viterbi(pinned, matrix)
        # Posteriors from the unpinned evidence: a neighbour's own uncertainty carries over.
        posterior = _posterior(emit, matrix)
    confidence = posterior[np.arange(t_len), labels]
    confidence = np.where(strong_turns, own.max(axis=1), confidence)
    if not (has_own.any() or has_question.any()):
        confidence = np.zeros(t_len)  # nothing anywhere points to a stage
    source = tuple(
        "own"
        if has_own[t] and own[t].max() >= 1.5 / k and own[t].argmax() == labels[t]
        else "question"
        if has_question[t] and question[t].argmax() == labels[t]
        else "context"
        for t in range(t_len)
    )
    return Smoothed(labels, np.clip(confidence, 0.0, 1.0), source)


def _rows(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-12, None)
    return p / p.sum(axis=1, keepdims=True)


def _off_twice(emit: np.ndarray) -> np.ndarray:
    """Emissions with the last (off-journey) column repeated: before and after the journey."""
    return np.column_stack([emit, emit[:, -1]])


def _start(k: int, start: np.ndarray | None) -> np.ndarray:
    return np.full(k, 1 / k) if start is None else start / start.sum()


def _viterbi(emit: np.ndarray, matrix: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    t_len, k = emit.shape
    with np.errstate(divide="ignore"):
        log_emit, log_a = np.log(emit), np.log(matrix)
    score = log_emit[0] + np.log(_start(k, start))
    back = np.zeros((t_len, k), dtype=int)
    for t in range(1, t_len):
        candidates = score[:, None] + log_a  # from state i (rows) to state j (columns)
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_emit[t]
    path = np.zeros(t_len, dtype=int)
    path[-1] = int(score.argmax())
    for t in range(t_len - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _posterior(emit: np.ndarray, matrix: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    t_len, k = emit.shape
    alpha = np.zeros((t_len, k))
    beta = np.ones((t_len, k))
    alpha[0] = emit[0] * _start(k, start)
    alpha[0] /= alpha[0].sum()
    for t in range(1, t_len):
        alpha[t] = (alpha[t - 1] @ matrix) * emit[t]
        alpha[t] /= alpha[t].sum()
    for t in range(t_len - 2, -1, -1):
        beta[t] = matrix @ (emit[t + 1] * beta[t + 1])
        beta[t] /= beta[t].sum()
    posterior = alpha * beta
    return posterior / posterior.sum(axis=1, keepdims=True)


def review_flag(**confidences: float | None) -> str:
    """``review: low confidence (stage 0.41)`` for the codes below LOW_CONFIDENCE, else ``""``.

    Pass only the dimensions that carry a code; ``None`` skips one.
    """
    low = [
        f"{name} {value:.2f}"
        for name, value in confidences.items()
        if value is not None and value < LOW_CONFIDENCE
    ]
    return f"{REVIEW_FLAG} ({', '.join(low)})" if low else ""


def calibrated(confidence: float, slope: float = 1.0, shift: float = 0.0) -> float:
    """``confidence`` mapped to how often such codes are right: a Platt map,
    sigmoid(slope * logit(confidence) + shift), fitted per coder on a hand-coded study
    (``tools/fit_calibration.py``). The identity with the defaults."""
    if slope == 1.0 and shift == 0.0:
        return confidence
    p = min(max(confidence, 1e-4), 1 - 1e-4)
    return float(1 / (1 + np.exp(-(slope * np.log(p / (1 - p)) + shift))))


def question_of(turns: Sequence[Turn], i: int) -> int | None:
    """The interviewer turn that prompted answer ``i``: the turn right before it or, in a group
    interview, the question before a round of other participants' answers to it. None when the
    same participant was already answering (their answer goes on), nothing was asked, or turn
    ``i`` is the interviewer's own."""
    if turns[i].role == INTERVIEWER:
        return None
    for k in range(i - 1, -1, -1):
        if turns[k].role == INTERVIEWER:
            return k
        if turns[k].speaker == turns[i].speaker:
            return None
    return None


def prompting_questions(turns: Sequence[Turn]) -> list[int]:
    """The interviewer turns that prompted an answer: the only ones that inform a stage."""
    return sorted(
        {
            q
            for i, turn in enumerate(turns)
            if turn.role != INTERVIEWER and (q := question_of(turns, i)) is not None
        }
    )


def smooth_transcript(
    turns: Sequence[Turn],
    own: np.ndarray,
    questions: np.ndarray | None = None,
    *,
    off_journey: bool = False,
) -> Smoothed:
    """Smooth the stages of a transcript's participant turns (in order).

    ``own`` has one row per turn of ``turns``, interviewer turns included: an interviewer row is
    the stage evidence of that question, which pulls the answer right after it. ``questions``,
    when given, replaces those rows as the questions' evidence (one row per turn, read against
    the codebook's guide questions). ``off_journey``: see :func:`smooth`.
    """
    answers = [i for i, turn in enumerate(turns) if turn.role != INTERVIEWER]
    k = own.shape[1] if own.ndim == 2 else 0
    asked = own if questions is None else questions
    prompts = [question_of(turns, i) for i in answers]
    question = np.array([np.zeros(k) if q is None else asked[q] for q in prompts]).reshape(
        len(answers), k
    )
    return smooth(own[answers].reshape(len(answers), k), question, off_journey=off_journey)


def stage_evidence(stage: str, source: str, own_note: str) -> str:
    """The evidence text of a smoothed stage: its own words, or where the context took it from."""
    if source == "off_journey":
        return "no stage: not about the journey (introduction or closing talk)"
    if not stage:
        return "no stage: none stands out from the others in the turn or around it"
    if source == "own":
        return f"stage {stage}: {own_note}"
    why = "from the interviewer's question" if source == "question" else "from neighbouring turns"
    return f"stage {stage}: {why}" + (f" ({own_note})" if own_note else "")
