"""How far can stages go on the semantic coder's features? A supervised ceiling on the gold file.

The semantic coder learns nothing from the gold file. This tool asks what it would gain if it
did, with the best training data there could be, the example study's own hand-coded turns:
a logistic head over the features the coder already has (the answer's word vectors, the
interviewer's question as a sentence vector, the turn's place in the interview) is trained
leave-one-interview-out, so every interview is scored by a head that never saw it. It prints the
head's stage macro-F1 alone, then with its probabilities as one more expert inside the coder
(multiplied into each answer's own reading before the journey context). If even that stays well
below the issue's 0.80, the bound is the features, not the method around them.

    .venv/bin/python -m pip install -e '.[train,semantic]'
    .venv/bin/python tools/stage_ceiling.py

Nothing here ships: it is a measurement, and it reads the gold labels on purpose.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from cjm_research.coding import context, semantic
from cjm_research.coding.semantic import SemanticCoder
from cjm_research.evaluate import evaluate, label_scores, read_gold
from cjm_research.model import INTERVIEWER, Transcript, Turn
from cjm_research.resources import example_study_dir
from cjm_research.segments import frame as segments_frame
from cjm_research.study import load_study

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold" / "example-gold.csv"
HELD_OUT = r"p0[789]-"  # as benchmarks/bench_semantic.py splits the gold
C = 10.0  # inverse regularisation; 3-100 give macro-F1 within 0.02 of each other


def features(coder: SemanticCoder, transcript: Transcript) -> tuple[np.ndarray, list[int]]:
    """Per participant turn: answer word vectors, question sentence vector, place (and squared)."""
    turns = transcript.turns
    answers = [i for i, t in enumerate(turns) if t.role != INTERVIEWER]
    prompts = [context.question_of(turns, i) for i in answers]
    asked = ["" if q is None else turns[q].text for q in prompts]
    place = np.arange(len(answers))[:, None] / max(len(answers), 1)
    return (
        np.hstack(
            [
                coder.words.embedder.encode([turns[i].text for i in answers]),
                coder.embedder.encode(asked),
                place,
                place**2,
            ]
        ),
        answers,
    )


def with_head(probabilities: np.ndarray, answers: list[int]) -> Callable[..., context.Smoothed]:
    """``context.smooth_transcript`` with the head's probabilities multiplied into the answers."""
    smooth = context.smooth_transcript

    def smooth_with_head(
        turns: Sequence[Turn],
        own: np.ndarray,
        questions: np.ndarray | None = None,
        *,
        off_journey: bool = False,
    ) -> context.Smoothed:
        own = own.copy()
        own[answers] = own[answers] * probabilities
        own[answers] /= own[answers].sum(axis=1, keepdims=True)
        return smooth(turns, own, questions, off_journey=off_journey)

    return smooth_with_head


def main() -> None:
    study = load_study(example_study_dir())
    gold = read_gold(GOLD)
    stage_of = gold.set_index("segment_id")["stage"].fillna("")
    coder = SemanticCoder(study.codebook)
    codes = coder.sentences.stages.codes  # the stages, then off-journey talk
    off = codes[-1]
    data = {}
    for transcript in study.transcripts:
        x, answers = features(coder, transcript)
        ids = [transcript.segment_id(transcript.turns[i]) for i in answers]
        y = np.array([codes.index(stage_of[s] or off) for s in ids])
        data[transcript.interview_id] = (x, y, answers)

    head: dict[str, np.ndarray] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, (x, _, _) in data.items():
            rest = [d for other, d in data.items() if other != name]
            model = LogisticRegression(C=C, max_iter=3000)
            model.fit(np.vstack([d[0] for d in rest]), np.concatenate([d[1] for d in rest]))
            probabilities = np.full((len(x), len(codes)), 1e-3)
            probabilities[:, model.classes_] = model.predict_proba(x)
            head[name] = probabilities

    truth = pd.Series([c for d in data.values() for c in d[1]]).map(lambda k: codes[k])
    alone = pd.Series([int(k) for p in head.values() for k in p.argmax(axis=1)])
    alone = alone.map(lambda k: codes[k])
    print(f"{len(truth)} turns, {len(data)} interviews, each scored by a head trained on the rest")
    alone_f1 = label_scores(truth.replace(off, ""), alone.replace(off, "")).macro_f1
    print(f"logistic head alone: stage macro-F1 {alone_f1:.3f}")

    rows: list[dict[str, object]] = []
    for transcript in study.transcripts:
        with mock.patch.object(
            semantic.context,
            "smooth_transcript",
            with_head(head[transcript.interview_id], data[transcript.interview_id][2]),
        ):
            rows += coder(transcript)
    coded = segments_frame(rows)
    plain = segments_frame([r for t in study.transcripts for r in coder(t)])
    held_out = gold["segment_id"].str.match(HELD_OUT)
    print(f"{'coder':<32}{'all':>8}{'p01-p06':>10}{'p07-p09':>10}")
    for name, table in (("semantic coder", plain), ("semantic coder + the head", coded)):
        scores = [
            evaluate(part, table).stage.macro_f1  # type: ignore[union-attr]
            for part in (gold, gold[~held_out], gold[held_out])
        ]
        print(
            f"{name:<32}"
            + "".join(f"{s:>10.3f}" if i else f"{s:>8.3f}" for i, s in enumerate(scores))
        )


if __name__ == "__main__":
    main()
