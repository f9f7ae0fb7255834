"""Code frequency and co-occurrence tables, counted by hand on a small coded table."""

import pandas as pd

from cjm_research.codebook import load_codebook
from cjm_research.tables import code_cooccurrence, code_frequency_table


def segments():
    rows = [
        # persona, participant, interview, role, stage, touchpoints, emotion
        ("a", "P1", "i1", "participant", "purchase", "website;billing", "frustration"),
        ("a", "P1", "i1", "participant", "purchase", "website", "joy"),
        ("a", "P2", "i2", "participant", "support", "chat;billing", "frustration"),
        ("a", "", "i2", "interviewer", "purchase", "website", "neutral"),  # never counted
        ("b", "P3", "i3", "participant", "purchase", "store", "joy"),
        ("b", "P3", "i3", "participant", "", "", ""),
    ]
    columns = [
        "persona_id",
        "participant_id",
        "interview_id",
        "role",
        "stage",
        "touchpoints",
        "emotion",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_frequencies_count_segments_participants_and_interviews():
    table = code_frequency_table(segments(), load_codebook(), "a").set_index("code")
    assert table.loc["purchase", ["segments", "participants", "interviews"]].tolist() == [2, 1, 1]
    assert table.loc["billing", ["segments", "participants", "interviews"]].tolist() == [2, 2, 2]
    assert table.loc["purchase", "share"] == 2 / 3
    assert table.loc["store", "segments"] == 0  # persona b's code
    assert table.loc["purchase", "label"] == "Purchase"
    everyone = code_frequency_table(segments(), load_codebook()).set_index("code")
    assert everyone.loc["purchase", "segments"] == 3 and everyone.loc["joy", "participants"] == 2


def test_cooccurrence_is_symmetric_with_frequencies_on_the_diagonal():
    table = code_cooccurrence(segments(), load_codebook(), "a")
    assert (table.to_numpy() == table.to_numpy().T).all()
    assert table.loc[("stages", "purchase"), ("touchpoints", "website")] == 2
    assert table.loc[("touchpoints", "billing"), ("emotions", "frustration")] == 2
    assert table.loc[("stages", "support"), ("stages", "purchase")] == 0
    assert table.loc[("touchpoints", "website"), ("touchpoints", "website")] == 2
    assert ("touchpoints", "store") not in table.index  # unused codes are dropped
    full = code_cooccurrence(segments(), load_codebook(), "a", drop_unused=False)
    assert ("touchpoints", "store") in full.index and full.shape[0] == full.shape[1] > table.shape[
        0
    ]
