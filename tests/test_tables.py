"""Code frequency and co-occurrence tables, counted by hand on a small coded table."""

import pandas as pd

from cjm_research.codebook import load_codebook
from cjm_research.tables import (
    code_cooccurrence,
    code_frequency_table,
    compare_two_personas,
    frequencies_by_persona,
    machine_disagreements,
    segments_with,
    stage_by_touchpoint,
)


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


def test_frequencies_by_persona_count_each_personas_segments():
    table = frequencies_by_persona(segments(), load_codebook(), "touchpoints")
    assert table.loc["Website", ["a", "b", "total"]].tolist() == [2, 0, 2]
    assert table.loc["Billing", "a"] == 2 and table.loc["Store", "b"] == 1
    stages = frequencies_by_persona(segments(), load_codebook())
    assert stages.loc["Purchase", "total"] == 3  # the interviewer's purchase turn is not counted


def test_stage_by_touchpoint_counts_each_pair_once_per_segment():
    table = stage_by_touchpoint(segments(), load_codebook())
    assert table.loc["Website", "Purchase"] == 2
    assert table.loc["Billing", "Purchase"] == 1 and table.loc["Billing", "Support"] == 1
    assert table.to_numpy().sum() == 6  # six touchpoint mentions in participant turns


def test_segments_with_keeps_turns_carrying_every_code():
    both = segments_with(with_text(segments()), "purchase", "frustration")
    assert both["text"].tolist() == ["t0"]
    billing = segments_with(with_text(segments()), "billing")
    assert billing["text"].tolist() == ["t0", "t2"]
    assert segments_with(with_text(segments()), "billing", "joy").empty


def test_segments_with_shows_the_question_an_answer_needs():
    rows = with_text(segments()).assign(turn=[2, 4, 2, 1, 2, 4])
    rows.loc[3, "text"] = "How did paying go?"  # i2's interviewer turn, before P2's answer
    rows.loc[2, "text"] = "Not great. The chat kept dropping and I had to start again."
    shown = segments_with(rows, "billing")
    assert shown["question"].tolist() == ["", "How did paying go?"]


def test_compare_two_personas_gives_shares_and_the_difference():
    table = compare_two_personas(segments(), load_codebook(), "a", "b")
    assert table.loc["Purchase", "a"] == 2 / 3 and table.loc["Purchase", "b"] == 1 / 2
    assert round(table.loc["Support", "difference_pp"], 1) == 33.3
    assert abs(table["difference_pp"].iloc[0]) == abs(table["difference_pp"]).max()


def test_machine_disagreements_list_reviewed_turns_the_machine_coded_otherwise():
    machine = with_text(segments()).assign(
        segment_id=[f"s{i}" for i in range(6)], coder="auto:semantic@7"
    )
    human = machine.copy()
    human.loc[0, ["stage", "coder"]] = ["support", "dana"]  # corrected
    human.loc[1, "coder"] = "dana"  # confirmed: no disagreement
    human.loc[2, ["touchpoints", "coder"]] = ["billing;chat", "dana"]  # same set, other order
    human.loc[4, ["emotion", "coder"]] = ["anxiety", "jo"]
    table = machine_disagreements(human, machine)
    assert table["segment_id"].tolist() == ["s0", "s4"]
    assert table.loc[0, ["stage", "stage_machine"]].tolist() == ["support", "purchase"]
    assert table.loc[1, ["emotion", "emotion_machine", "coder"]].tolist() == [
        "anxiety",
        "joy",
        "jo",
    ]


def with_text(frame):
    return frame.assign(text=[f"t{i}" for i in range(len(frame))], segment_id=range(len(frame)))
