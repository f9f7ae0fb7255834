"""Learning from the researcher's codes of a study: the reviewed turns as the semantic coder keeps
them (``Examples``, built by ``SemanticCoder.teach``), and what they say about another transcript's
answers (``learned_from_review``): a reviewed answer's own codes, clamped, and for the others the
near-duplicates among the reviewed turns. The heads' fine-tuning on the same turns is
``tuning.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cjm_research.coding.emotion import CodebookReading
from cjm_research.coding.heads import TurnContext
from cjm_research.coding.tuning import Targets
from cjm_research.model import Transcript

#: Learning from the researcher's codes of the study (``SemanticCoder.teach``): a reviewed turn's
#: stage is clamped with this probability in the journey context, so it pulls its neighbours (the
#: turns between two reviewed support answers are most likely support too); an unreviewed turn
#: hears its KNN nearest reviewed turns that are near-duplicates (word-vector cosine at least
#: KNN_MIN), weighted by exp(cosine / KNN_TEMPERATURE), as one more expert with power KNN_WEIGHT;
#: their touchpoints, emotion and valence are blended in with the weight they carry, up to
#: KNN_BLEND. Chosen on the example study's simulated review (``benchmarks/bench_review.py``);
#: KNN_WEIGHT went from 1 to 3 when the stage head's power went to 2 (``HEAD_STAGE_WEIGHT``),
#: so that a reviewed turn with the same words still outweighs the head's own reading.
CLAMP = 0.9
KNN = 5
KNN_MIN = 0.8
KNN_TEMPERATURE = 0.05
KNN_WEIGHT = 3.0
KNN_BLEND = 0.6


@dataclass
class Examples:
    """The study's reviewed turns, as the coder learns from them (``SemanticCoder.teach``)."""

    rows: pd.DataFrame  # segment_id, interview_id, text, stage, touchpoints, emotion, valence
    vectors: np.ndarray  # word vectors of the texts
    stages: np.ndarray  # one-hot in the coder's stage columns
    touchpoints: np.ndarray  # 0/1 per codebook touchpoint
    valence: np.ndarray
    #: reviewed × (stage, touchpoints, emotion): which a researcher coded (a project coded for
    #: touchpoints only says nothing of the turn's stage); None: every one
    coded: np.ndarray | None = None
    features: np.ndarray | None = None  # the heads' features of the reviewed turns
    targets: Targets | None = None  # their codes in the heads' classes
    context: TurnContext | None = None  # what surrounds them (the heads' context part)


@dataclass
class Learned:
    """What the reviewed turns say about one transcript's answers."""

    clamped: list[np.ndarray | None]  # a reviewed answer's own stage row (None: not reviewed)
    stage: np.ndarray  # answers × stage columns: the nearest reviewed turns' stages
    #: per answer and dimension (stage, touchpoints, emotion), 0..KNN_BLEND (1 for an answer's
    #: own reviewed code): how much the reviewed turns count
    weight: np.ndarray
    touchpoints: np.ndarray  # answers × touchpoints: the neighbours' (or own) touchpoints
    valence: np.ndarray
    emotion: list[str]
    nearest: list[str]  # evidence: the reviewed turn that weighed most

    def touchpoint_share(self, j: int) -> tuple[np.ndarray, float]:
        """Answer ``j``'s touchpoints as the reviewed turns see them, and how much to trust it."""
        return self.touchpoints[j], float(self.weight[j, 1])

    def reading(self, j: int, model: CodebookReading) -> CodebookReading:
        """Answer ``j``'s emotion reading with the neighbours' (or its own reviewed) codes in."""
        w = float(self.weight[j, 2])
        if w <= 0:
            return model
        valence = (1 - w) * model.valence + w * float(self.valence[j])
        emotion = self.emotion[j] if self.emotion[j] and w >= KNN_BLEND / 2 else model.emotion
        label = "reviewed" if emotion != model.emotion else model.label
        return replace(
            model,
            emotion=emotion,
            confidence=max(model.confidence, w),
            valence=valence,
            label=label,
        )


def learned_from_review(
    examples: Examples | None,
    transcript: Transcript,
    answers: list[int],
    vectors: dict[int, np.ndarray],
    holdout: str = "",
) -> Learned | None:
    """What the study's reviewed turns (``examples``) say about ``transcript``'s ``answers``
    (their word ``vectors`` by turn index); the turns of interview ``holdout`` are set aside."""
    ex = examples
    if ex is None or not answers:
        return None
    usable = (ex.rows["interview_id"] != holdout).to_numpy()
    own_ids = {transcript.segment_id(transcript.turns[i]): j for j, i in enumerate(answers)}
    answer_vectors = np.stack([vectors[i] for i in answers])
    similarity = answer_vectors @ ex.vectors.T
    n, k = len(answers), ex.stages.shape[1]
    learned = Learned(
        clamped=[None] * n,
        stage=np.ones((n, k)),
        weight=np.zeros((n, 3)),
        touchpoints=np.zeros((n, ex.touchpoints.shape[1])),
        valence=np.zeros(n),
        emotion=[""] * n,
        nearest=[""] * n,
    )
    coded = np.ones((len(ex.rows), 3), dtype=bool) if ex.coded is None else ex.coded
    # Each dimension learns from the reviewed turns a researcher coded in it, its own neighbours.
    for d in range(3):
        _learn_dimension(ex, learned, d, own_ids, similarity.copy(), usable & coded[:, d])
    return learned


def _learn_dimension(
    ex: Examples,
    learned: Learned,
    d: int,
    own_ids: dict[str, int],
    similarity: np.ndarray,
    usable: np.ndarray,
) -> None:
    """Fill ``learned``'s part of dimension ``d`` (0 stage, 1 touchpoints, 2 emotion) from the
    ``usable`` reviewed turns: an answer's own code, else its near-duplicates'."""
    position = {sid: n for n, sid in enumerate(ex.rows["segment_id"])}
    own = set()
    for sid, j in own_ids.items():
        if sid in position:
            similarity[j, position[sid]] = -1.0  # never its own neighbour
            if usable[position[sid]]:
                own.add(j)
                p = position[sid]
                if d == 0:
                    learned.clamped[j] = ex.stages[p]
                elif d == 1:
                    learned.touchpoints[j] = ex.touchpoints[p]
                else:
                    learned.valence[j] = ex.valence[p]
                    learned.emotion[j] = str(ex.rows.at[p, "emotion"])
                learned.weight[j, d] = 1.0
    for j in range(len(similarity)):
        if j in own:
            continue
        row = np.where(usable, similarity[j], -1.0)
        top = np.argsort(-row, kind="stable")[:KNN]
        top = top[row[top] >= KNN_MIN]
        if not top.size:
            continue
        w = np.exp((row[top] - 1) / KNN_TEMPERATURE)
        share = w / w.sum()
        learned.weight[j, d] = KNN_BLEND * min(1.0, w.sum())
        if d == 0:
            # + 1/k: the neighbours never rule a stage out on their own
            learned.stage[j] = share @ ex.stages[top] + 1.0 / ex.stages.shape[1]
            best = top[0]
            code = str(ex.rows.at[best, "stage"]) or "no stage"
            learned.nearest[j] = f"nearest reviewed turn {ex.rows.at[best, 'segment_id']}, {code}"
        elif d == 1:
            learned.touchpoints[j] = share @ ex.touchpoints[top]
        else:
            learned.valence[j] = float(share @ ex.valence[top])
            emotions = ex.rows["emotion"].to_numpy()[top]
            votes = pd.Series(share, index=emotions).groupby(level=0).sum()
            learned.emotion[j] = str(votes.idxmax()) if votes.max() >= 0.5 else ""
