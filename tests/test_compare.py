"""The cross-persona comparison: numbers checked by hand on a small table."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import pandas as pd
import pytest

from cjm_research.compare import compare_personas, touchpoint_differences, touchpoints_apart
from cjm_research.compare_words import (
    alt_texts,
    methodology,
    stage_table,
    summary_sentences,
    touchpoint_table,
)
from cjm_research.segments import COLUMNS
from journey_data import make_codebook

# persona, participant, stage, touchpoints, valence
_ROWS = [
    ("a", "P1", "awareness", "", 0.2),
    ("a", "P2", "awareness", "", 0.4),
    ("a", "P1", "purchase", "delivery", -0.6),
    ("a", "P2", "purchase", "delivery", -0.4),
    ("a", "P1", "purchase", "delivery;website", -0.5),
    ("a", "P1", "support", "", 0.1),
    ("a", "P2", "support", "", -0.1),
    ("a", "P2", "support", "", 0.0),
    ("b", "P3", "awareness", "", 0.3),
    ("b", "P4", "awareness", "", 0.5),
    ("b", "P3", "awareness", "", 0.1),
    ("b", "P3", "purchase", "website", 0.4),
    ("b", "P4", "purchase", "website", 0.6),
    ("b", "P3", "purchase", "website", 0.5),
    ("b", "P4", "support", "website", 0.2),
    ("b", "P3", "support", "chat", 0.0),
    ("b", "P4", "support", "", 0.1),
]


def _records(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [
            {
                "segment_id": f"{participant.lower()}:{i}",
                "interview_id": participant.lower(),
                "participant_id": participant,
                "persona_id": persona,
                "speaker": participant,
                "role": "participant",
                "text": f"turn {i}",
                "stage": stage,
                "touchpoints": touchpoints,
                "emotion": "neutral",
                "valence": valence,
                "stage_confidence": 0.8,
                "coder": "auto:rules@1",
            }
            for i, (persona, participant, stage, touchpoints, valence) in enumerate(rows)
        ]
    ).reindex(columns=list(COLUMNS))


def make_table() -> pd.DataFrame:
    """Two personas of two participants; an interviewer turn that must be ignored."""
    records = _records(_ROWS)
    noise = {**records.iloc[0].to_dict(), "segment_id": "p1:99", "role": "interviewer"}
    return pd.concat([records, pd.DataFrame([{**noise, "valence": -1.0}])], ignore_index=True)


@pytest.fixture(scope="module")
def comparison():
    return compare_personas(make_table(), make_codebook(), names={"a": "Ann", "b": "Bo"})


def test_every_persona_found_with_its_totals(comparison):
    assert comparison.personas == ["a", "b"]
    assert comparison.totals.to_dict("list") == {
        "persona": ["a", "b"],
        "name": ["Ann", "Bo"],
        "interviews": [2, 2],
        "participants": [2, 2],
        "segments": [8, 9],
    }


def test_curves_are_tidy_in_codebook_order_with_low_evidence_flags(comparison):
    curves = comparison.curves
    stages = make_codebook().stage_ids
    assert list(curves["persona"]) == ["a"] * len(stages) + ["b"] * len(stages)
    assert list(curves["stage"]) == stages * 2
    row = curves.set_index(["persona", "stage"])
    assert row.loc[("a", "purchase"), "mean_valence"] == pytest.approx(-0.5)
    assert row.loc[("a", "purchase"), "n"] == 3
    assert row.loc[("a", "awareness"), "low_evidence"]  # two segments
    assert not row.loc[("b", "awareness"), "low_evidence"]
    assert row.loc[("b", "usage"), "n"] == 0 and math.isnan(row.loc[("b", "usage"), "mean_valence"])
    # P3's two segments and P4's one: two voices, too few for an interval
    assert math.isnan(row.loc[("b", "purchase"), "ci_low"])


def test_divergence_ranks_stages_by_spread_among_personas_with_evidence(comparison):
    d = comparison.divergence
    assert list(d["stage"][:2]) == ["purchase", "support"]
    purchase = d.iloc[0]
    assert purchase["spread"] == pytest.approx(1.0)
    assert (purchase["lowest"], purchase["highest"]) == ("a", "b")
    assert (purchase["lowest_n"], purchase["highest_n"]) == (3, 3)
    # ±0.11 around −0.5 and +0.5 if segments were the units; two people each are two voices,
    # one degree of freedom: the intervals overlap however close each person's segments are
    assert not purchase["separated"]
    support = d.iloc[1]
    assert support["spread"] == pytest.approx(0.1)
    assert not support["separated"]
    # Awareness: Ann has two segments, so only Bo can be compared there; no spread, ranked last.
    rest = d.iloc[2:]
    assert rest["spread"].isna().all()
    assert list(rest["stage"]) == ["awareness", "consideration", "onboarding", "usage", "advocacy"]
    assert d.set_index("stage").loc["awareness", "compared"] == 1


def test_divergence_separates_what_enough_people_say_apart():
    rows = [("a", f"A{n}", "purchase", "", v) for n, v in enumerate((-0.6, -0.4, -0.5, -0.45))]
    rows += [("b", f"B{n}", "purchase", "", v) for n, v in enumerate((0.4, 0.6, 0.5, 0.55))]
    table = make_table()
    table = pd.concat([table.iloc[:0], _records(rows)], ignore_index=True)
    divergence = compare_personas(table, make_codebook()).divergence.set_index("stage")
    assert divergence.loc["purchase", "separated"]


def test_touchpoint_shares_and_differences(comparison):
    shares = comparison.touchpoint_shares.set_index(["touchpoint", "persona"])
    assert shares.loc[("delivery", "a"), "share"] == pytest.approx(3 / 8)
    assert shares.loc[("website", "b"), "segments"] == 4
    assert shares.loc[("website", "b"), "participants"] == 2
    assert set(comparison.touchpoint_shares["touchpoint"]) == {"delivery", "website", "chat"}

    diff = comparison.touchpoint_differences
    assert list(diff["touchpoint"]) == ["delivery", "website", "chat"]
    delivery, website, chat = (diff.iloc[i] for i in range(3))
    assert (delivery["high"], delivery["low"]) == ("a", "b")
    assert delivery["difference"] == pytest.approx(3 / 8) and math.isinf(delivery["ratio"])
    assert (website["high"], website["low"]) == ("b", "a")
    assert website["difference"] == pytest.approx(4 / 9 - 1 / 8)
    assert website["ratio"] == pytest.approx((4 / 9) / (1 / 8))
    assert delivery["enough_evidence"] and website["enough_evidence"]
    # One segment of one participant is an anecdote: listed, but last and not claimed.
    assert not chat["enough_evidence"]


def test_touchpoint_evidence_needs_enough_participants():
    shares = pd.DataFrame(
        {
            "touchpoint": ["email", "email"],
            "persona": ["a", "b"],
            "segments": [5, 0],
            "participants": [1, 0],
            "share": [0.5, 0.0],
        }
    )
    assert not touchpoint_differences(shares, min_participants=2).loc[0, "enough_evidence"]
    assert touchpoint_differences(shares, min_participants=1).loc[0, "enough_evidence"]


def test_summary_names_the_widest_stage_and_touchpoint_with_numbers(comparison):
    sentences = summary_sentences(comparison, make_codebook())
    # two people each side: too few for an interval, however far apart the means
    assert sentences[0] == (
        "The widest gap is in Purchase: Ann at −0.50 (n = 3) against Bo at +0.50 (n = 3), a "
        "spread of 1.00 on the −1 to +1 scale; one side has too few participants for an "
        "interval, so treat the gap as a lead, not a difference."
    )
    # Support's spread (0.10) is narrower than the neutral band (±0.075): no gap at all
    assert "Support: the personas' means spread less than the neutral band's width" in " ".join(
        sentences
    )
    assert not any("also differ" in s or "narrower gap" in s for s in sentences)
    assert (
        "Delivery comes up more often for Ann than for Bo: 38% of their segments mention it "
        "(3 segments from 2 participants) against 0% (0 segments) for Bo, while Bo never "
        "mentions it." in sentences
    )
    assert not any(s.startswith("Chat") for s in sentences)
    assert sentences[-1].startswith("Too little evidence to compare Awareness, Consideration")


def test_text_tables_for_word_and_html(comparison):
    stages = stage_table(comparison).set_index("Stage")
    assert list(stages.columns) == ["Ann", "Bo", "Spread"]
    assert stages.loc["Purchase", "Ann"] == "−0.50 leans negative (n = 3) · 2 of 2 participants"
    assert stages.loc["Awareness", "Ann"].endswith("· low evidence")
    assert stages.loc["Usage", "Bo"] == "—" and stages.loc["Awareness", "Spread"] == "—"
    assert stages.loc["Purchase", "Spread"] == "1.00"
    touch = touchpoint_table(comparison, make_codebook())
    assert list(touch["Touchpoint"]) == ["Delivery", "Website"]
    assert touch.iloc[0].to_dict() == {
        "Touchpoint": "Delivery",
        "Most": "Ann: 38%",
        "Least": "Bo: 0%",
        "Difference": "38 points",
        "Ratio": "—",
    }


def test_a_single_persona_has_nothing_to_compare():
    table = make_table()
    single = compare_personas(table[table["persona_id"] == "a"], make_codebook())
    assert single.personas == ["a"]
    assert single.touchpoint_differences.empty
    assert single.divergence["spread"].isna().all()
    assert summary_sentences(single, make_codebook())[0].startswith("No stage has at least 3")


def test_touchpoint_heatmap_copes_with_forty_personas():
    import pandas as pd

    from cjm_research.compare import compare_personas
    from cjm_research.model import Code, Codebook
    from cjm_research.report import charts

    book = Codebook(
        "t", "1", stages=(Code("s", "S"),),
        touchpoints=(Code("web", "Web"), Code("app", "App")),
        emotions=(Code("n", "N", valence=0.0),),
    )  # fmt: skip
    rows = [
        {"segment_id": f"i{p}-{k}:1", "interview_id": f"i{p}-{k}", "participant_id": f"P{p}-{k}",
         "persona_id": f"persona-{p:02d}", "speaker": "x", "role": "participant", "text": "t",
         "stage": "s", "touchpoints": "web" if (p + k) % 2 else "app", "emotion": "n",
         "valence": 0.1, "stage_confidence": 0.5, "coder": "auto:rules@1", "line": 1,
         "time_start": float("nan")}
        for p in range(40) for k in range(3)
    ]  # fmt: skip
    comparison = compare_personas(pd.DataFrame(rows), book)
    fig = charts.touchpoint_persona_heatmap(comparison, book)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert len(labels) == 40


@pytest.mark.parametrize("n_personas", [3, 40])
def test_persona_charts_keep_room_for_the_plot(n_personas):
    """Legends and thin data never squeeze the plot: matplotlib warns "axes sizes collapsed to
    zero" when constrained layout gives up, and an empty unclipped marker line once left the
    curves an inch tall above a page-high gap."""
    from cjm_research.compare import compare_personas
    from cjm_research.model import Code, Codebook
    from cjm_research.report import charts

    book = Codebook(
        "t", "1", stages=tuple(Code(f"s{k}", f"Stage {k}") for k in range(4)),
        touchpoints=(Code("web", "Web"),), emotions=(Code("n", "N", valence=0.0),),
    )  # fmt: skip
    rows = [
        {"segment_id": f"i{p}-{k}:1", "interview_id": f"i{p}-{k}", "participant_id": f"P{p}-{k}",
         "persona_id": f"persona-{p:02d}", "speaker": "x", "role": "participant", "text": "t",
         "stage": f"s{k % 4}", "touchpoints": "web", "emotion": "n", "valence": (k % 7 - 3) / 4,
         "stage_confidence": 0.5, "coder": "auto:rules@1", "line": 1, "time_start": float("nan")}
        for p in range(n_personas) for k in range(12)
    ]  # fmt: skip
    comparison = compare_personas(pd.DataFrame(rows), book)  # every point solid: none hollow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for figure in (charts.persona_curves_figure, charts.divergence_figure):
            drawn = figure(comparison)
            drawn.canvas.draw()
            plot = drawn.axes[0].get_window_extent()
            assert plot.height > 1.5 * drawn.dpi, figure.__name__  # inches of plot


def test_the_same_count_is_no_difference_to_claim(comparison):
    shares = pd.DataFrame(
        {
            "touchpoint": ["delivery"] * 2,
            "persona": ["a", "b"],
            "segments": [4, 4],
            "participants": [3, 2],
            "share": [4 / 17, 4 / 21],
        }
    )
    same = replace(comparison, touchpoint_differences=touchpoint_differences(shares))
    assert not any("comes up more" in s for s in summary_sentences(same, make_codebook()))
    assert touchpoint_table(same, make_codebook()).empty  # nor a row "setting them apart"
    # The same count in a persona of 50 segments and one of 170 is a difference of shares: the
    # audit's Delivery, in a figure ranked second and missing from the table and summary.
    shares["segments"], shares["share"] = [7, 7], [7 / 50, 7 / 170]
    small = replace(
        comparison, touchpoint_shares=shares, touchpoint_differences=touchpoint_differences(shares)
    )
    said = " ".join(summary_sentences(small, make_codebook()))
    assert "Delivery comes up more often for Ann than for Bo: 14% of their segments" in said
    assert list(touchpoint_table(small, make_codebook())["Touchpoint"]) == ["Delivery"]


def test_touchpoints_apart_are_ordered_by_the_difference_as_printed():
    differences = pd.DataFrame(
        {
            "touchpoint": ["b", "a"],  # b leads unrounded (7.49 points) but prints 7 against 8
            "high_share": [0.0749, 0.126],
            "low_share": [0.0, 0.052],
            "difference": [0.0749, 0.074],
            "ratio": [math.inf, 2.42],
            "high_segments": [6, 9],
            "low_segments": [0, 5],
            "enough_evidence": [True, True],
            "behind": [2, 3],
        }
    )
    assert list(touchpoints_apart(differences)["touchpoint"]) == ["a", "b"]


def test_a_persona_that_names_a_touchpoint_as_often_as_the_highest_is_named_with_it():
    # "c" copies "a" (Delivery in 3 of 8 segments each), so Delivery is not Ann's alone
    table = make_table()
    twin = table[table["persona_id"] == "a"].assign(
        persona_id="c",
        participant_id=lambda t: t["participant_id"] + "c",
        segment_id=lambda t: "c" + t["segment_id"],
        interview_id=lambda t: "c" + t["interview_id"],
    )
    both = pd.concat([table, twin], ignore_index=True)
    c = compare_personas(both, make_codebook(), names={"a": "Ann", "b": "Bo", "c": "Cy"})
    said = " ".join(summary_sentences(c, make_codebook()))
    assert (
        "Delivery comes up more often for Ann and Cy (38% of their segments each) than for Bo"
        in said
    )
    row = touchpoint_table(c, make_codebook()).set_index("Touchpoint").loc["Delivery"]
    assert row["Most"] == "Ann and Cy: 38%" and row["Least"] == "Bo: 0%" and row["Ratio"] == "—"
    # a third persona between the two a sentence compares is given with its share
    twin.loc[twin["touchpoints"] == "delivery", "touchpoints"] = ["", "delivery"]
    c = compare_personas(
        pd.concat([table, twin], ignore_index=True), make_codebook(),
        names={"a": "Ann", "b": "Bo", "c": "Cy"},
    )  # fmt: skip
    delivery = next(s for s in summary_sentences(c, make_codebook()) if s.startswith("Delivery"))
    assert delivery.startswith("Delivery comes up more often for Ann than for Bo")
    assert delivery.endswith("while Bo never mentions it (Cy: 25%).")


def _mentions(persona: str, counts: dict[str, tuple[int, int]]) -> list[tuple]:
    """A persona's rows: per participant, (segments, of them naming Website)."""
    return [
        (persona, who, "purchase", "website" if k < named else "", 0.1)
        for who, (total, named) in counts.items()
        for k in range(total)
    ]


def test_a_gap_of_a_point_or_two_sets_no_persona_apart():
    # the audit's case: 4 % against 3 % (1.5 times as often, 3 segments from 2 participants)
    rows = _mentions("a", {"A1": (26, 2), "A2": (25, 1), "A3": (25, 0)})
    rows += _mentions("b", {"B1": (26, 1), "B2": (26, 1), "B3": (25, 0)})
    c = compare_personas(_records(rows), make_codebook(), names={"a": "Ann", "b": "Bo"})
    (row,) = c.touchpoint_differences.itertuples()
    assert (round(row.high_share * 100), round(row.low_share * 100)) == (4, 3)
    assert row.enough_evidence and row.ratio >= 1.5 and row.behind == 2
    assert touchpoint_table(c, make_codebook()).empty
    said = summary_sentences(c, make_codebook())
    assert not any("comes up more often" in s for s in said)
    assert (
        "No touchpoint sets the personas apart: none comes up at least 1.5 times and 5 points "
        "more often for one persona with 2 participants of it behind the gap." in said
    )
    alt = alt_texts(c, make_codebook())["touchpoint_personas"]
    assert "Largest differences" not in alt and alt.endswith("behind the gap.")


def test_one_talkative_participant_sets_no_persona_apart():
    # Ann's 18 % against Bo's 5 % is one participant's: A1 names Website in half his turns, A2
    # once in 20 (5 %, no more than Bo's participants each); people, not turns, set them apart
    bo = _mentions("b", {"B1": (20, 1), "B2": (20, 1), "B3": (20, 1)})
    rows = _mentions("a", {"A1": (20, 10), "A2": (20, 1), "A3": (20, 0)}) + bo
    c = compare_personas(_records(rows), make_codebook(), names={"a": "Ann", "b": "Bo"})
    (row,) = c.touchpoint_differences.itertuples()
    assert (row.high_participants, row.behind, round(row.difference * 100)) == (2, 1, 13)
    assert touchpoints_apart(c.touchpoint_differences).empty
    # a second participant of Ann's naming it in 3 of her 20 turns: two voices behind the gap
    rows = _mentions("a", {"A1": (20, 10), "A2": (20, 3), "A3": (20, 0)}) + bo
    c = compare_personas(_records(rows), make_codebook(), names={"a": "Ann", "b": "Bo"})
    assert list(touchpoint_table(c, make_codebook())["Difference"]) == ["17 points"]
    assert any(
        s.startswith("Website comes up more often for Ann")
        for s in summary_sentences(c, make_codebook())
    )


def test_the_methodology_states_when_a_touchpoint_sets_personas_apart(comparison):
    _, measures, _ = methodology(comparison, make_codebook())
    assert (
        "A touchpoint sets the personas apart when the persona mentioning it most does so in at "
        "least 3 segments from 2 participants, at least 1.5 times and 5 percentage points as "
        "often as the persona mentioning it least, and at least 2 of its participants each "
        "mention it in a larger share of their own segments than that persona's"
        in " ".join(measures)
    )
