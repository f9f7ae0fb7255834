"""The machine audited as a coder: its agreement with the researchers on the turns they reviewed,
what its calibrated confidence expects where nobody reviewed, and the reports' sentences of both."""

import math
from dataclasses import replace

import pandas as pd
import pytest

from cjm_research.audit import (
    Audit,
    audit_sentence,
    audit_warning,
    expectation_sentence,
    expected_stage_accuracy,
    machine_audit,
)
from cjm_research.codebook import load_codebook
from cjm_research.coding.human import append_human_codes
from cjm_research.model import NOT_CODED


def test_the_expected_stage_accuracy_counts_only_calibrated_machine_codes():
    segments = pd.DataFrame(
        {
            "role": ["participant"] * 2 + ["interviewer"] + ["participant"] * 3,
            "coder": [
                "auto:semantic+study@14", "auto:rules@3", "", "Maya", "auto:mine@1",
                "auto:semantic@13",
            ],
            "stage_confidence": [0.9, 0.6, None, 1.0, 0.99, 0.98],
        }
    )  # fmt: skip
    # A person's 1.0, an unknown coder's 0.99 and a version before calibration stay out.
    default = load_codebook(None)
    assert expected_stage_accuracy(segments, default) == (2, pytest.approx(0.75))
    assert expected_stage_accuracy(segments.iloc[2:4], default) is None
    # Fitted on the default stages: among a study's own stages it claims nothing.
    own = replace(default, stages=default.stages[:3])
    assert expected_stage_accuracy(segments, own) is None
    said = expectation_sentence((2, 0.75), audited=False)
    assert "right on about 75% of the 2 segments" in said and "within 6 points" in said
    assert "least sure" not in said
    assert "least sure of" in expectation_sentence((2, 0.75), audited=True)
    assert expectation_sentence(None, audited=True) == ""


def test_the_audit_counts_agreement_and_kappa_on_reviewed_turns(tmp_path):
    ids = ["a:2", "a:4", "a:6", "a:8"]
    machine = pd.DataFrame(
        {
            "segment_id": ids,
            "role": "participant",
            "coder": "auto:semantic+study@7",
            "stage": ["purchase", "purchase", "support", "usage"],
            "touchpoints": ["website", "", "chat;email", "app"],
            "emotion": ["joy", "neutral", "anger", "neutral"],
        }
    )
    human = pd.DataFrame(
        {
            "segment_id": ids,
            "stage": ["purchase", "support", "support", "usage"],
            "touchpoints": ["website", "", "email;chat", ""],
            "emotion": ["joy", "neutral", "frustration", "neutral"],
        }
    )
    append_human_codes(tmp_path, "Ana", human)
    stage, touchpoints, emotion = machine_audit(tmp_path, machine)
    assert (stage.reviewed, stage.agreed) == (4, 3)
    # kappa by hand: observed 3/4; expected from the margins (machine p,p,s,u; human p,s,s,u)
    expected = (2 * 1 + 1 * 2 + 1 * 1) / 16
    assert stage.kappa == pytest.approx((0.75 - expected) / (1 - expected))
    assert (touchpoints.agreed, emotion.agreed) == (3, 3) and math.isnan(touchpoints.kappa)
    sentence = audit_sentence([stage, touchpoints, emotion])
    assert "3 of 4 reviewed stages (κ 0.64)" in sentence and "3 of 4 reviewed emotions" in sentence
    assert "Only 4 turns" in audit_warning([stage, touchpoints, emotion])
    assert "No turn of this study has been reviewed" in audit_sentence([])


def test_the_summary_warns_when_the_machine_reads_emotions_unlike_the_researcher():
    # A new user's study: stages agreed (κ 0.67), emotions 13 of 42 (κ 0.18), and no warning,
    # while every pain point rests on emotions.
    stage, emotion = Audit("stage", 42, 30, 0.67), Audit("emotion", 42, 13, 0.18)
    assert audit_warning([stage, emotion]) == (
        "The machine agreed with the researchers on emotions with κ 0.18 (13 of 42 reviewed "
        "turns; below 0.4): the pain points, delights and low point rest on emotions, so read "
        "them as leads until more turns are reviewed."
    )
    assert audit_warning([stage, Audit("emotion", 42, 30, 0.55)]) == ""
    both = audit_warning([Audit("stage", 42, 20, 0.4), emotion])
    assert both.startswith("The machine agreed with the researchers on stages with κ 0.40")
    assert " On emotions it agreed with κ 0.18 (13 of 42" in both


def test_the_summary_warning_reads_well_before_any_review():
    assert audit_warning([]).startswith("No turn of this study has been reviewed by a researcher")
    assert "not yet known." in audit_warning([])
    # With calibrated machine codes the warning gives the machine's own expectation.
    said = audit_warning([], (76, 0.774))
    assert "not yet known; its own calibrated confidence expects about 77% of its stage" in said


def test_the_audit_compares_codes_on_the_words_they_were_given_to(tmp_path):
    """A turn added above the reviewed ones shifts their numbers: the audit must still compare
    each human code with the machine's code of the same words."""
    from cjm_research.coding.human import text_sha

    said = ["I saw an advert.", "It broke."]
    machine = pd.DataFrame(
        {
            "segment_id": ["a:1", "a:2", "a:3"],
            "interview_id": "a",
            "text": ["Hello again.", *said],  # one turn added on top since the review
            "role": "participant",
            "coder": "auto:semantic+study@7",
            "stage": ["", "awareness", "support"],
            "touchpoints": "",
            "emotion": "neutral",
        }
    )
    human = pd.DataFrame(
        {
            "segment_id": ["a:1", "a:2"],
            "stage": ["awareness", "support"],
            "emotion": "neutral",
            "text_sha": [text_sha(t) for t in said],
        }
    )
    append_human_codes(tmp_path, "Ana", human)
    stage, _, _ = machine_audit(tmp_path, machine)
    assert (stage.reviewed, stage.agreed) == (2, 2)


def test_the_audit_leaves_out_what_no_researcher_coded(tmp_path):
    machine = pd.DataFrame(
        {
            "segment_id": ["a:2", "a:4"],
            "role": "participant",
            "coder": "auto:semantic+study@7",
            "stage": ["purchase", "support"],
            "touchpoints": ["website", "chat"],
            "emotion": ["joy", "anger"],
        }
    )
    coded = {"stage": "purchase", "touchpoints": "website", "emotion": "joy"}
    append_human_codes(tmp_path, "Ana", pd.DataFrame([{"segment_id": "a:2", **coded}]))
    # Luc coded touchpoints only, later: Ana's stage and emotion of a:2 still count
    luc = {"stage": NOT_CODED, "touchpoints": "email", "emotion": NOT_CODED}
    append_human_codes(
        tmp_path, "Luc", pd.DataFrame([{"segment_id": s, **luc} for s in ("a:2", "a:4")])
    )
    stage, touchpoints, emotion = machine_audit(tmp_path, machine)
    assert (stage.reviewed, stage.agreed) == (1, 1) and (emotion.reviewed, emotion.agreed) == (1, 1)
    assert (touchpoints.reviewed, touchpoints.agreed) == (2, 0)
    assert "1 of 1 reviewed stages" in audit_sentence([stage, touchpoints, emotion])


def test_the_agreement_table_and_the_audit_compare_the_same_machine_codes(tmp_path):
    """Both read the machine's codes from before it learned from each reviewed turn; they differ
    only in a turn left without a code (a researcher's "no stage"), and the report says so."""
    from cjm_research.agreement import agreement_table
    from cjm_research.report.sections import AGREEMENT_GUIDE

    ids = ["a:2", "a:4", "a:6"]
    machine = pd.DataFrame(
        {
            "segment_id": ids,
            "role": "participant",
            "coder": "auto:semantic+study@16",
            "stage": ["booking", "booking", "billing_dispute"],
            "touchpoints": ["phone_line", "", "invoice"],
            "emotion": ["neutral", "neutral", "anger"],
        }
    )
    human = machine[["segment_id", "stage", "touchpoints", "emotion"]].assign(
        stage=["", "booking", "billing_dispute"]  # an introduction: no stage, said so
    )
    append_human_codes(tmp_path, "Maya L.", human)
    [stage, *_] = machine_audit(tmp_path, machine)
    row = agreement_table(tmp_path, machine).iloc[0]
    assert (stage.reviewed, stage.agreed) == (3, 2)
    assert (row["Units"], row["Excluded"], row["Agreement (%)"]) == (2, 1, 100.0)
    assert "same codes as in the machine audit" in AGREEMENT_GUIDE
    assert "no stage against the machine's stage is not counted" in AGREEMENT_GUIDE
    assert "as it codes now" not in AGREEMENT_GUIDE
