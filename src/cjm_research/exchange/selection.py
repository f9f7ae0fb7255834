"""Which turns to review next (``cjm review export --next N``): those whose human codes would teach
the coder most about this study.

Active learning's usual recipe, made to spread: a turn is worth more the less sure the machine is
of its stage and touchpoints, and the rarer its machine stage is in the study (rare codes are the
ones the coder has least to go on); each pick then makes further turns of the same persona, the
same machine stage and the same stretch of interview worth less, so a short round still covers
every persona and stage. A turn that already has a human code is never chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjm_research.model import PARTICIPANT

#: How much a pick lowers the worth of others: same persona, same machine stage, same interview
#: within NEARBY turns. Chosen to spread a 5 % round over every persona and stage of the example
#: study; they only order the candidates, they never exclude one.
SAME_PERSONA = 0.15
SAME_STAGE = 0.25
NEARBY_TURNS = 3
NEARBY = 0.3
RARE = 0.3
#: How much the machine's doubt about a turn's touchpoints counts beside its doubt about the stage.
#: With heads v7's calibration, on the example study (bench_review, --next): 1.0 gave touchpoints
#: @ 10 % 0.785 -> 0.796 but emotion @ 20 % 0.470 -> 0.448, 0.25 stage @ 10 % 0.812 -> 0.794.
TOUCHPOINT_DOUBT = 0.5
#: A turn the machine is this sure of earns no rarity bonus: a closing "Good luck with it" at 0.97
#: (no stage, rare) was picked over stage errors at 0.70-0.79, a new user found. bench_review,
#: decided on the example study (development): at 20 % stage 0.869 -> 0.874, touchpoints 0.806
#: -> 0.805, emotion 0.426 -> 0.424, valence 0.701 = (0.9: stage 0.859, valence 0.681, not
#: taken); broadband, for information: stage at 20 % 0.838 -> 0.862, the rest within 0.01.
SURE = 0.95


def next_for_review(segments: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` participant rows of ``segments`` (human codes laid over the machine's) to
    review next, in the order chosen; fewer when fewer are still machine-coded."""
    rows = segments[(segments["role"] == PARTICIPANT) & segments["coder"].str.startswith("auto:")]
    rows = rows.sort_values(["interview_id", "turn"], kind="stable").reset_index(drop=True)
    if rows.empty or n <= 0:
        return rows.iloc[:0]
    stage_conf = pd.to_numeric(rows["stage_confidence"], errors="coerce").fillna(0.0).to_numpy()
    tp_conf = pd.to_numeric(rows["touchpoint_confidence"], errors="coerce").fillna(0.0).to_numpy()
    worth = (1 - stage_conf) + TOUCHPOINT_DOUBT * (1 - tp_conf)
    stage = rows["stage"].fillna("").astype(str).to_numpy()
    counts = pd.Series(stage).value_counts()
    rarity = 1 - pd.Series(stage).map(counts).to_numpy() / counts.max()
    worth = worth + RARE * rarity * (stage_conf < SURE)
    persona = rows["persona_id"].astype(str).to_numpy()
    interview = rows["interview_id"].astype(str).to_numpy()
    turn = pd.to_numeric(rows["turn"], errors="coerce").fillna(0).to_numpy()
    chosen: list[int] = []
    available = np.ones(len(rows), dtype=bool)
    for _ in range(min(n, len(rows))):
        score = np.where(available, worth, -np.inf)
        best = int(np.argmax(score))  # ties: the first in interview order (deterministic)
        chosen.append(best)
        available[best] = False
        worth = worth - SAME_PERSONA * (persona == persona[best])
        worth = worth - SAME_STAGE * (stage == stage[best])
        near = (interview == interview[best]) & (np.abs(turn - turn[best]) <= NEARBY_TURNS)
        worth = worth - NEARBY * near
    return rows.iloc[chosen]
