"""Which turns ``--next`` chooses, on hand-made rows whose order can be checked by hand."""

import pandas as pd

from cjm_research.exchange.selection import next_for_review


def _rows(specs):
    return pd.DataFrame(
        [
            {
                "segment_id": f"i1:{n}", "interview_id": "i1", "turn": n * 10, "persona_id": "p",
                "role": "participant", "coder": "auto:semantic@16", "stage": stage,
                "stage_confidence": sure, "touchpoint_confidence": 0.9,
            }
            for n, (stage, sure) in enumerate(specs)
        ]
    )  # fmt: skip


def test_a_sure_turn_of_a_rare_stage_waits_for_the_doubtful_ones():
    # A new user's round: a closing "Good luck with it" (no stage, rare, 0.97 sure) was chosen
    # over the machine's stage errors at 0.70-0.79.
    rows = _rows([("support", 0.75)] * 6 + [("", 0.97)] + [("support", 0.78)] * 3)
    first = next_for_review(rows, 1)
    assert first["stage"].tolist() == ["support"]  # was the sure "" turn, for its rarity
    # a doubtful turn of a rare stage still comes first
    rows.loc[6, "stage_confidence"] = 0.6
    assert next_for_review(rows, 1)["segment_id"].tolist() == ["i1:6"]
