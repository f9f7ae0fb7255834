from dataclasses import replace

import pandas as pd
import pytest

from cjm_research.analysis import build_journey, emotion_curve
from cjm_research.exceptions import CJMInputError
from cjm_research.insights import (
    CURATED,
    GENERATED,
    changes,
    insights_for,
    interview_words,
    load_insights,
    opportunities_by_stage,
    short_opportunity,
    snapshot,
)
from test_analysis import BOOK, row


@pytest.fixture
def journey():
    table = pd.DataFrame(
        [
            row("a:2", "P1", "help", "phone", -0.8, "On hold for an hour, no refund yet."),
            row("b:2", "P2", "help", "phone", -0.6, "I was on hold forever, it was awful."),
            row("c:3", "P3", "tell", "", 0.9, "I would recommend them."),
        ]
    )
    return build_journey(table, BOOK, "p")


def write(tmp_path, text):
    (tmp_path / "insights.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_curated_insights_carry_their_evidence_then_generated_ones(tmp_path, journey):
    study = write(
        tmp_path,
        "insights:\n  - title: Holds hurt\n    stage: help\n    touchpoint: phone\n"
        "    opportunity: Call back (support)\n    segments: [a:2, zz:9]\n",
    )
    found = insights_for(journey, load_insights(study, BOOK), BOOK, {"P1": "Participant 01"})
    curated, generated = found[0], found[1]
    assert (curated.kind, curated.title, curated.owner) == (CURATED, "Holds hurt", "support")
    assert [q.segment_id for q in curated.evidence] == ["a:2"]
    assert curated.evidence[0].participant == "Participant 01"
    assert generated.kind == GENERATED
    assert generated.title == "Recurring pain point: Phone during Help"
    assert generated.opportunity == (
        "Read the quotes with the support team and decide what would help"
    )
    assert generated.participants == 2 and generated.evidence
    assert opportunities_by_stage(found, ["help", "tell"])["help"][0] == "Call back"


def test_an_insight_for_another_persona_is_left_out(tmp_path, journey):
    study = write(tmp_path, "insights:\n  - title: Other\n    persona: q\n    segments: [a:2]\n")
    assert all(i.kind == GENERATED for i in insights_for(journey, load_insights(study, BOOK), BOOK))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("insights: {}", "list under 'insights:'"),
        ("insights:\n  - stage: help\n", "needs a 'title'"),
        ("insights:\n  - title: x\n    stage: helpp\n", "unknown stage 'helpp'"),
        ("insights: [\n", "not valid YAML"),
    ],
)
def test_bad_insights_files_are_input_errors(tmp_path, text, message):
    with pytest.raises(CJMInputError, match=message):
        load_insights(write(tmp_path, text), BOOK)


def test_no_file_means_no_curated_insights(tmp_path):
    assert load_insights(tmp_path, BOOK) == []


def test_changes_name_new_interviews_shifts_and_new_pain_points(journey):
    now = snapshot(journey)
    assert changes(None, now, BOOK) == []
    assert changes(now, now, BOOK) == []
    before = {
        "interviews": ["a-P1"],
        "stages": {"help": {"mean_valence": 0.2, "n": 5}},
        "pain_points": [],
    }
    now["stages"]["help"]["n"] = 4  # enough evidence on both sides
    said = changes(before, now, BOOK)
    assert any(s.startswith("New interviews: i-P1") for s in said)
    assert (  # the reports' minus sign
        "Emotion in Help now reads −0.70 (was +0.20), with the interviews added or removed: a "
        "different sample, not a change in the same people's experience." in said
    )
    before["interviews"] = now["interviews"]
    assert "the same interviews, coded differently" in " ".join(changes(before, now, BOOK))
    assert "New pain point: Phone during Help." in said


def test_changes_tell_an_edited_transcript_from_a_recoding(journey):
    # The audit's run: one answer edited, nothing reviewed, the coder unchanged; the change log
    # called it "the same interviews, coded differently".
    then = snapshot(journey, interview_words(journey.segments))
    edited = journey.segments.copy()
    first = edited.index[edited["interview_id"] == "i-P1"][0]
    edited.loc[first, "text"] = "Actually it was fine, the app sorted it in a minute."
    edited.loc[edited["stage"] == "help", "valence"] = 0.3
    then["stages"]["help"]["n"] = now_n = 4
    curve = emotion_curve(edited, journey.stages)
    now = snapshot(replace(journey, segments=edited, emotion_curve=curve), interview_words(edited))
    now["stages"]["help"]["n"] = now_n
    said = changes(then, now, BOOK)
    assert "Edited since: i-P1 (the transcript's words changed)." in said
    assert any("with the words of edited transcripts: changed evidence" in s for s in said)
    assert not any("coded differently" in s for s in said)
    # The same words recoded stay "coded differently"; a snapshot from before the fingerprints
    # (or of other fingerprints) is not compared: an upgrade is no edit.
    words = interview_words(journey.segments)
    recoded = snapshot(replace(journey, emotion_curve=curve), words)
    recoded["stages"]["help"]["n"] = now_n
    assert any("coded differently" in s for s in changes(then, recoded, BOOK))
    then["words"] = then.pop("transcript_words")
    assert not any(s.startswith("Edited since") for s in changes(then, now, BOOK))


def test_short_opportunity_keeps_the_first_clause():
    assert short_opportunity("Offer paid slots and texts (logistics).") == "Offer paid slots"


def test_generated_insights_quote_each_participant_once_and_never_repeat_a_quote():
    table = pd.DataFrame(
        [
            row("a:2", "P1", "help", "phone;web", -0.9, "On hold for an hour, then the form died."),
            row("b:2", "P2", "help", "phone", -0.6, "I was on hold forever, it was awful."),
            row("b:3", "P2", "help", "phone", -0.5, "And then on hold again the next day too."),
            row("c:2", "P3", "help", "web", -0.5, "The refund form on the site would not load."),
        ]
    )
    journey = build_journey(table, BOOK, "p")
    web, phone = insights_for(journey, [], BOOK)  # 2 x 0.70 before 2 x 0.67
    assert (web.title, phone.title) == (
        "Recurring pain point: Website during Help",
        "Recurring pain point: Phone during Help",
    )
    assert [q.segment_id for q in web.evidence] == ["a:2", "c:2"]  # one per participant
    assert [q.segment_id for q in phone.evidence] == ["b:2"]  # a:2 is quoted above already


def test_generated_insights_quote_what_two_participants_said_alike_once():
    said = "On hold for forty minutes and then the call just dropped."
    table = pd.DataFrame(
        [
            row("a:2", "P1", "help", "phone", -0.9, said),
            row("b:2", "P2", "help", "phone", -0.8, said.upper().replace(".", "!")),
            row("c:2", "P3", "help", "phone", -0.5, "Nobody rang me back, though they promised."),
        ]
    )
    (phone,) = insights_for(build_journey(table, BOOK, "p"), [], BOOK)
    assert [q.text for q in phone.evidence] == [said, "Nobody rang me back, though they promised."]
    # nor the words a curated insight of the section quotes, from another participant
    curated = [{"title": "Holds", "segments": ["b:2"]}]
    _, generated = insights_for(build_journey(table, BOOK, "p"), curated, BOOK)
    assert [q.segment_id for q in generated.evidence] == ["c:2"]


def test_a_generated_insight_without_a_channel_says_the_event_itself_may_hurt():
    table = pd.DataFrame(
        [
            row("a:2", "P1", "help", "", -0.8, "The pipe burst and I stood there in my socks."),
            row("b:2", "P2", "help", "", -0.7, "The crash, my neck, the kids crying in the back."),
        ]
    )
    (insight,) = insights_for(build_journey(table, BOOK, "p"), [], BOOK)
    assert insight.title == "Recurring pain point: Help, no touchpoint named"
    assert insight.opportunity.startswith("Read the quotes first: they name no channel")
    # A moment naming a channel comes first though it ranks lower: a team can act on it.
    said = "On hold for forty minutes and nobody called me back."
    phone = [row(f"{p}:3", p, "buy", "phone", -0.3, said) for p in ("P1", "P2")]
    both = pd.concat([table, pd.DataFrame(phone)], ignore_index=True)
    titles = [i.title for i in insights_for(build_journey(both, BOOK, "p"), [], BOOK)]
    assert titles == [
        "Recurring pain point: Phone during Buy",
        "Recurring pain point: Help, no touchpoint named",
    ]


def test_a_generated_insight_does_not_repeat_a_curated_insights_quote(tmp_path, journey):
    study = write(tmp_path, "insights:\n  - title: Holds hurt\n    segments: [a:2]\n")
    curated, generated = insights_for(journey, load_insights(study, BOOK), BOOK)
    assert [q.segment_id for q in curated.evidence] == ["a:2"]
    assert [q.segment_id for q in generated.evidence] == ["b:2"]


def test_a_pain_point_a_curated_insight_quotes_whole_is_not_generated_again(tmp_path, journey):
    study = write(tmp_path, "insights:\n  - title: Holds hurt\n    segments: [a:2, b:2]\n")
    assert [i.kind for i in insights_for(journey, load_insights(study, BOOK), BOOK)] == [CURATED]


def test_changes_see_a_split_moment_as_no_news_and_say_what_went_and_moved(journey):
    now = snapshot(journey)
    before = {
        **now,
        "pain_points": ["help/phone;web", "tell/"],
        "lowest": "tell",
    }
    now = {**now, "pain_points": ["help/phone", "help/web"], "lowest": "help"}
    said = changes(before, now, BOOK)
    assert not any(s.startswith("New pain point") for s in said)  # the same two, split
    assert "No longer a pain point: Tell, no touchpoint named." in said
    assert "The journey's low point moved: Tell → Help." in said


def test_the_map_shows_the_research_teams_opportunities_only(journey):
    generated = insights_for(journey, [], BOOK)
    assert generated and all(i.kind == GENERATED for i in generated)
    assert opportunities_by_stage(generated, ["help", "tell"]) == {"help": [], "tell": []}


def test_a_pain_point_gone_with_its_code_is_not_reported_as_a_finding(journey):
    now = snapshot(journey)
    before = {
        **now,
        "pain_points": [*now["pain_points"], "onboard/", "help/store", "tell/phone;web"],
    }
    said = changes(before, now, BOOK)
    assert said == [
        "No longer a pain point: onboard, no touchpoint named (its code is no longer in the "
        "codebook).",
        "No longer a pain point: store during Help (its code is no longer in the codebook).",
        # two known touchpoints: gone because customers stopped, not because of the codebook
        "No longer a pain point: Phone and Website during Tell.",
    ]


def test_changes_name_a_turned_verdict_and_a_top_pain_points_wider_reach(journey):
    now = snapshot(journey)
    stage = "help"
    now["stages"][stage]["n"] = 4  # enough evidence on both sides
    point = now["stages"][stage]
    top = now["pain_points"][0]
    before = {
        **now,
        "stages": {stage: {**point, "mean_valence": point["mean_valence"] + 0.05,
                           "reading": "neutral" if point["reading"] != "neutral" else "negative"}},
        "pain_participants": {top: now["pain_participants"][top] + 1},
    }  # fmt: skip
    said = " ".join(changes(before, now, BOOK))
    label = BOOK.label("stages", stage)
    verdict = point["reading"].replace("leans ", "leaning ")
    assert f"Emotion in {label} now reads −0.70, {verdict} (was −0.65, neutral)" in said
    assert "the same interviews, coded differently" in said
    assert f"(was {now['pain_participants'][top] + 1})." in said
    assert changes(now, now, BOOK) == []


def test_a_verdict_only_more_or_less_sure_is_no_news(journey):
    now = snapshot(journey)
    now["stages"]["help"].update(n=4, reading="leans negative")
    point = now["stages"]["help"]
    before = {**now, "stages": {"help": {**point, "reading": "negative"}}}
    assert changes(before, now, BOOK) == []


def test_changes_say_when_another_moment_leads_what_to_fix_first(journey):
    now = snapshot(journey)
    before = {**now, "pain_points": ["tell/web", *now["pain_points"]]}
    assert "The top pain point is now Phone during Help (was Website during Tell)." in changes(
        before, now, BOOK
    )
    split = {**now, "pain_points": ["help/phone;web"]}  # the same moment, split: no news
    assert not any(s.startswith("The top pain point") for s in changes(split, now, BOOK))


def test_changes_count_the_turns_the_machine_recoded_after_learning_from_a_review(journey):
    """Reviewing 8 turns moved a pain point from 1 participant to 4: the machine learned from the
    review and recoded turns nobody reviewed; the change log says so, not only '8 reviewed'."""
    then = snapshot(journey)
    rows = journey.segments.copy()
    machine = rows.index[rows["coder"].str.startswith("auto:")]
    rows.loc[machine[:1], "coder"] = "Maya"
    learned = rows.loc[machine[1:], "emotion"].map(lambda e: "joy" if e != "joy" else "anger")
    rows.loc[machine[1:], "emotion"] = learned  # on turns nobody reviewed
    now = snapshot(replace(journey, segments=rows))
    said = changes(then, now, BOOK)
    assert said[0] == (
        "Since the last report: 1 more turn reviewed by researchers; the machine, learning from "
        "it, recoded 2 turns nobody reviewed."
    )
    assert "Maya" not in str(now["machine_codes"]) and "help" not in str(now["machine_codes"])
    older = {k: v for k, v in then.items() if k != "machine_codes"}  # a snapshot from before
    assert changes(older, now, BOOK)[0] == (
        "Since the last report: 1 more turn reviewed by researchers."
    )


def test_changes_name_delights_that_came_or_went(journey):
    now = {**snapshot(journey), "delights": ["tell/"]}
    before = {**now, "delights": ["help/web"]}
    said = changes(before, now, BOOK)
    assert "New delight: Tell, no touchpoint named." in said
    assert "No longer a delight: Website during Help." in said
    older = {k: v for k, v in now.items() if k != "delights"}  # a snapshot from before
    assert not any("delight" in s for s in changes(older, now, BOOK))


def test_changes_say_whether_reviews_or_a_coder_update_recoded_the_same_words(journey):
    # A new user's three review rounds each read "(a review or a coder update)".
    then = snapshot(journey)
    then["stages"]["help"]["n"] = 4
    rows = journey.segments.copy()
    reviewed = rows.index[rows["stage"] == "help"][:2]
    rows.loc[reviewed, "coder"] = "Maya"
    rows.loc[rows["stage"] == "help", "valence"] = 0.3
    rows.loc[rows["coder"].str.startswith("auto:"), "coder"] = "auto:semantic+study@16"
    curve = emotion_curve(rows, journey.stages)
    now = snapshot(replace(journey, segments=rows, emotion_curve=curve))
    now["stages"]["help"]["n"] = 4
    said = " ".join(changes(then, now, BOOK))
    assert (
        "the same interviews, coded differently (2 more turns reviewed by researchers; the "
        "machine coder now auto:semantic+study@16)" in said
    )
    # said once first too: the low point, pain points and delights moved for the same reason
    assert said.startswith(
        "Since the last report: 2 more turns reviewed by researchers; the machine coder now "
        "auto:semantic+study@16."
    )
    del then["reviewed"]  # a snapshot from before: either
    assert "coded differently (a review or a coder update)" in " ".join(changes(then, now, BOOK))
