"""The report layer on the example study: context, HTML sections, snapshot, limitations."""

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from cjm_research.analysis import build_journey, quote_of
from cjm_research.model import Code
from cjm_research.report import persona as report
from cjm_research.report.coding import coding_overview
from cjm_research.report.render.html import esc
from cjm_research.report.sections import (
    PRIORITY_RULE,
    agreement_display,
    figure_alts,
    methodology,
    priority_rule,
    quote_attribution,
    stage_definition,
    stage_intro,
    stage_mix,
    team_items,
)
from cjm_research.report.summary import evidence_cautions, split_pain, summarise
from cjm_research.resources import example_study_dir
from cjm_research.run.batch import code_study
from cjm_research.segments import write as write_segments
from cjm_research.study import load_study
from journey_data import make_codebook, make_journey
from test_analysis import BOOK, row


@pytest.fixture(scope="module")
def study_and_table(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    study = root / "study"
    shutil.copytree(example_study_dir(), study)
    table = write_segments(code_study(load_study(study), "rules").segments, root / "seg.parquet")
    return study, table


@pytest.fixture(scope="module")
def ctx(study_and_table):
    study, table = study_and_table
    return report.load_context(study, "busy-parent", table)


def test_title_names_persona_period_and_counts(ctx):
    title = report.title_html(ctx)
    assert "Customer journey: Alex, the time-poor parent" in title
    assert "Interviews 3–10 March 2026" in title
    assert "3 interviews · 3 participants" in title
    assert 'href="#priorities"' in title and 'href="#stage-support"' in title


def test_every_section_heading_is_worded_once_and_linked_from_the_contents(ctx):
    from cjm_research.report.headings import SECTIONS

    # What the persona notebook wrote by hand before it asked the library.
    assert report.heading_html("journey-map") == '<h2 id="journey-map">Journey map</h2>'
    assert report.heading_html("emotion") == '<h2 id="emotion">Emotion across the journey</h2>'
    title = report.title_html(ctx)
    links = [title.index(f'<a href="#{a}">{esc(h)}</a>') for a, h in SECTIONS.items()]
    assert links == sorted(links) and title.index('href="#stage-') < links[-1]
    assert report.summary_html(ctx).startswith(report.heading_html("summary"))


def test_summary_says_in_html_what_the_word_report_says(ctx, tmp_path):
    section = report.summary_html(ctx)
    figures = report.make_figures(ctx, tmp_path)
    path = report.write_docx(ctx, figures, tmp_path / "r.docx")
    paragraphs = [p.text for p in Document(str(path)).paragraphs]
    start = paragraphs.index("Executive summary")
    end = paragraphs.index("Changes since the last report")
    said = [t for t in paragraphs[start + 1 : end] if t]
    assert "Top pain points" in said and any(" during " in t for t in said)
    shown = re.sub(r"<[^>]+>", "", section)  # a caution's label is bold in both formats
    for sentence in said:
        assert esc(sentence) in shown, sentence
    cautions = [t for t in said if t.startswith("Caution: ")]
    assert cautions and section.count('<p class="cjm-warning" role="note">') == len(cautions)


def test_curated_insights_show_their_quotes_and_generated_ones_are_labelled(ctx):
    page = report.insights_html(ctx)
    assert "A delivery “window” that takes the whole day" in page or "window" in page
    assert "Curated" in page and "Generated from recurring pain points" in page
    assert "Seven till seven isn&#x27;t a slot" in page  # the cited segment, escaped
    assert page.count('class="cjm-quote"') >= 3


def test_priorities_rank_pain_points_with_teams_and_the_funnel(ctx):
    page = report.priorities_html(ctx)
    assert "What to fix first" in page and "Stages participants spoke about" in page
    assert "not a conversion funnel" in page
    # the example study uses the packaged codebook: its owners are said to be defaults
    assert "default codebook&#x27;s owners" in page or "default codebook's owners" in page
    assert priority_rule(make_codebook()) == PRIORITY_RULE
    assert "`" not in priority_rule(ctx.codebook)
    # a copy of the packaged codebook keeps its owners, and the caveat; one re-routed, none
    copy = replace(ctx.codebook, path=None)
    assert priority_rule(copy) == priority_rule(ctx.codebook) != PRIORITY_RULE
    routed = replace(copy, touchpoints=(replace(copy.touchpoints[0], owner="ours"),))
    assert priority_rule(routed) == PRIORITY_RULE
    rows = report.priority_rows(ctx)
    assert list(rows["#"]) == [str(n) for n in range(1, len(rows) + 1)]
    scores = [float(v) for v in rows["Priority"]]
    assert scores == sorted(scores, reverse=True)
    assert set(team_items(ctx.journey, ctx.codebook)) <= {
        "web", "mobile", "retail", "support", "marketing", "logistics", "finance", "community",
        "product", "unassigned",
    }  # fmt: skip
    assert list(team_items(ctx.journey, ctx.codebook))[-1:] in ([], ["unassigned"])


def test_changes_first_run_then_nothing_moved(ctx, study_and_table, tmp_path):
    assert "first report" in report.changes_html(ctx)
    report.write_snapshot(ctx, tmp_path)
    study, table = study_and_table
    again = report.load_context(study, "busy-parent", table, previous_dir=tmp_path)
    assert again.changes == []
    assert "Nothing moved" in report.changes_html(again)
    # An interviewer's question edited (the re-check's case): its answers may be coded again,
    # and the change log must name the edited interview.
    coded = pd.read_parquet(table)
    asked = coded.index[(coded["role"] == "interviewer") & (coded["persona_id"] == "busy-parent")]
    coded.loc[asked[0], "text"] = "And what did you make of the delivery slot they gave you?"
    edited = write_segments(coded, tmp_path / "edited.parquet")
    after = report.load_context(study, "busy-parent", edited, previous_dir=tmp_path)
    assert after.changes and after.changes[0].startswith("Edited since: Interview")


def test_a_report_after_a_no_redact_run_names_no_interview_file(study_and_table, tmp_path):
    # The snapshot a --no-redact run leaves names interviews by file: the next report listed
    # "Interviews no longer included: p04-mark, …" and every transcript as edited.
    study, table = study_and_table
    raw = report.load_context(study, "busy-parent", table, redact=False)
    report.write_snapshot(raw, tmp_path)
    assert "p04-mark" in (tmp_path / "busy-parent.snapshot.json").read_text(encoding="utf-8")
    again = report.load_context(study, "busy-parent", table, previous_dir=tmp_path)
    assert again.changes == []
    assert "p04-mark" not in report.changes_html(again)


def test_limitations_carry_this_reports_numbers(ctx):
    said = report.limitations(ctx)
    assert said[0].startswith("100% of the segments were coded by machine")
    assert "No turn of this study has been reviewed" in said[1]
    # The rules coder's calibrated stage confidences, averaged over this persona's segments.
    segments = ctx.journey.segments
    mean = segments.loc[segments["role"] == "participant", "stage_confidence"].mean()
    assert f"right on about {mean:.0%} of the" in said[2]
    assert "3 participants" in said[3]
    assert "Limitations" in report.methodology_html(ctx)


def test_stage_sections_use_whole_numbers(ctx):
    page = report.stage_html(ctx, "support")
    assert ".0 coded segments" not in page and "coded segments from" in page


def test_methodology_shows_agreement_once_a_person_has_coded(tmp_path):
    import pandas as pd

    from cjm_research.coding.human import append_human_codes

    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    coded = code_study(load_study(study), "rules")
    table = write_segments(coded.segments, tmp_path / "segments.parquet")
    write_segments(coded.machine, tmp_path / "segments.machine.parquet")
    assert report.load_context(study, "busy-parent", table).agreement.empty
    mine = coded.machine[coded.machine["role"] == "participant"].head(30)
    edits = mine[["segment_id", "stage", "touchpoints", "emotion"]].copy()
    edits.loc[edits.index[:10], "stage"] = "support"  # disagree on a third
    append_human_codes(study, "Maya", edits)
    ctx = report.load_context(study, "busy-parent", table)
    assert isinstance(ctx.agreement, pd.DataFrame) and len(ctx.agreement) == 3
    page = report.methodology_html(ctx)
    assert "Agreement between coders" in page and "Alpha" in page


def test_appendix_lists_applied_codes_and_telling_pairs(ctx):
    applied, pairs = ctx.code_tables()
    assert (applied["Segments"] > 0).all() and "Purchase" in set(applied["Code"])
    assert not pairs.empty and "Neutral" not in set(pairs["Code"]) | set(pairs["Together with"])
    assert list(pairs["Segments"]) == sorted(pairs["Segments"], reverse=True)
    page = report.methodology_html(ctx)
    assert "Code frequencies" in page and "Codes that occur together" in page


def test_the_coding_overview_escapes_names_and_ranks_by_stage_and_touchpoint_confidence():
    from dataclasses import replace

    from cjm_research.coding import code_transcripts, get_coder
    from cjm_research.resources import example_study_dir
    from cjm_research.study import load_study

    study = load_study(example_study_dir())
    study.codebook = replace(study.codebook, name="<script>alert(1)</script> book")
    segments = code_transcripts(study.transcripts[:2], get_coder("rules", study.codebook))
    segments.loc[segments.index[1], "emotion_confidence"] = 0.0  # emotion: not calibrated
    overview = coding_overview(study, segments, redact=True, review=5)
    assert "<script>" not in overview.intro and "&lt;script&gt;" in overview.intro
    shown = overview.review_first
    participants = segments[segments["role"] == "participant"]
    floor = participants[["stage_confidence", "touchpoint_confidence"]].min(axis=1)
    assert list(shown["confidence"]) == sorted(floor.nsmallest(5))
    assert set(overview.frequencies) == {"stages", "touchpoints", "emotions"}
    assert "Dana" not in " ".join(shown["text"])


def test_data_tables_hold_numbers_and_pseudonyms(ctx):
    tables = report.data_tables(ctx)
    assert set(tables) == {"actions", "segments", "pain_points", "priorities", "quotes"}
    actions = tables["actions"]
    said = ctx.journey.segments
    texts = dict(zip(said["segment_id"], said["text"], strict=True))
    assert len(actions) >= 8  # the example persona reports what it did in most stages
    # Every action phrase is the participant's own words, in the turn it names.
    assert all(
        p in texts[sid] for p, sid in zip(actions["phrase"], actions["segment_id"], strict=True)
    )
    priorities = tables["priorities"]
    if len(priorities):
        assert priorities["share"].between(0, 1).all()
        assert priorities["mean_valence"].dtype.kind == "f"
    segments = tables["segments"]
    assert len(segments) == ctx.journey.n_segments
    assert set(segments["participant"]) <= set(ctx.participant_labels.values()) | set(
        ctx.journey.segments["participant_id"]
    )


def test_a_notebook_run_by_hand_writes_into_a_scratch_folder(capsys):
    from cjm_research.report.persona import output_folder

    scratch = output_folder("", "first-home")
    assert scratch.is_dir() and scratch.name.startswith("cjm-first-home-")
    assert str(scratch) in capsys.readouterr().out
    scratch.rmdir()
    assert output_folder("somewhere/given", "x") == Path("somewhere/given")


def test_the_interview_period_reads_iso_dates_only():
    # 12/03/2026 is 12 March to a British researcher and 3 December to pandas: neither is guessed.
    both = report.interview_period([["2026-03-02"], ["2026-03-12"]])
    assert both == report.interview_period([["2026-03-02", "12/03/2026"], ["2026-03-12"]])
    assert report.interview_period([["12/03/2026"], ["15/03/2026"]]) == ""
    assert both == "Interviews 2–12 March 2026"


def test_the_interview_period_counts_the_interviews_it_has_no_date_for():
    # a new user's study: Excel wrote participants.csv's dates as 03/11/2026, one transcript
    # had an ISO date in its front matter, and the title page said all four were on that day
    dates = [["03/11/2026"], ["05/11/2026"], ["2026-11-12", "12/11/2026"], ["10/11/2026"] * 3]
    assert report.interview_period(dates) == "Interviews on 12 November 2026 (3 of 4 undated)"
    assert report.interview_period([["2026-11-12", ""], ["2026-11-03"]]) == (
        "Interviews 3–12 November 2026"
    )


def test_the_summary_never_calls_a_stage_that_reads_fine_the_low_point():
    journey = make_journey()
    curve = journey.emotion_curve.copy()
    means = {"awareness": 0.25, "consideration": 0.10, "purchase": 0.2, "support": 0.3}
    means["onboarding"] = -0.6  # on 2 segments: too few to name
    for stage, mean in means.items():  # the intervals move with their means
        shift = mean - curve.loc[stage, "mean_valence"]
        curve.loc[stage, ["mean_valence", "ci_low", "ci_high"]] += shift
    low = summarise(replace(journey, emotion_curve=curve), str).lowest
    assert low.startswith(
        "No stage with at least 3 segments is clearly negative; the lowest is Consideration: "
        "mean valence +0.10 (neutral) over 5 segments"
    )
    assert low.endswith(" Onboarding reads lower (−0.60) on only 2 segments.")
    assert summarise(journey, str).lowest.startswith("The journey is at its lowest in Support")


def test_the_low_point_is_the_stage_surely_lowest_not_a_thin_one_reaching_neutral():
    journey = make_journey()
    curve = journey.emotion_curve.copy()
    curve.loc["onboarding", ["n", "mean_valence", "ci_low", "ci_high"]] = [5, -0.60, -1.0, 0.02]
    curve.loc["support", ["n", "mean_valence", "ci_low", "ci_high"]] = [81, -0.48, -0.6, -0.36]
    thin = replace(journey, emotion_curve=curve)
    assert thin.lowest_stage == "support"
    low = summarise(thin, str).lowest
    assert low.startswith("The journey is at its lowest in Support: mean valence −0.48 (negative)")
    assert low.endswith(
        " Onboarding reads lower (−0.60) on 5 segments from 2 participants, less surely: its "
        "95 % interval reaches +0.02, against −0.36 here."
    )


def test_the_summary_says_how_many_segments_the_stage_counts_leave_out():
    journey = make_journey()
    counts = summarise(journey, str).counts
    assert counts.startswith("This report rests on 24 coded segments from 5 participants")
    assert counts.endswith(
        "(23 of them in a journey stage, 1 in none: introductions, closing talk and other turns "
        "coded as not about the journey)."
    )
    assert int(journey.coverage["segments"].sum()) == 23  # what the stage sections add up to


def test_a_stage_section_defines_the_stage_without_the_coders_rules(ctx):
    definition = stage_definition(ctx.codebook, "awareness")
    assert definition.startswith("The moment the customer first hears of")
    assert definition.endswith("walking past a shop.") and "Code here" not in definition
    section = report.stage_html(ctx, "awareness")
    assert esc(definition) in section and "Code here only" not in section


def test_an_interviews_own_date_counts_in_the_period(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    aisha = study / "busy-parent" / "p05-aisha.txt"  # a follow-up, dated in its front matter
    aisha.write_text(
        aisha.read_text(encoding="utf-8").replace("date: 2026-03-05", "date: 2026-04-20"),
        encoding="utf-8",
    )
    table = write_segments(code_study(load_study(study), "rules").segments, tmp_path / "s.parquet")
    ctx = report.load_context(study, "busy-parent", table)
    assert "Interviews 3 Mar 2026 – 20 Apr 2026" in report.title_html(ctx)


def test_an_unreadable_participants_file_does_not_stop_the_report(study_and_table, tmp_path):
    source, table = study_and_table
    study = tmp_path / "study"
    shutil.copytree(source, study)
    (study / "participants.csv").write_bytes("participant_id,name\nP01,José\n".encode("cp1252"))
    ctx = report.load_context(study, "busy-parent", table)
    assert ctx.journey.n_participants == 3


def test_an_interval_as_wide_as_the_scale_is_not_printed_as_one():
    journey = make_journey()
    curve = journey.emotion_curve.copy()
    curve.loc["onboarding", ["ci_low", "ci_high"]] = [-1.0, 1.0]
    sentence, _ = stage_intro(replace(journey, emotion_curve=curve), "onboarding")
    assert "too few participants for a 95 % interval narrower than the whole scale" in sentence
    assert "interval −1.00 to +1.00" not in sentence


def test_a_delight_that_is_also_a_pain_point_says_so():
    table = pd.DataFrame(
        [
            row("a:1", "P1", "help", "phone", -0.6, "On hold for an hour and nobody helped."),
            row("b:1", "P2", "help", "phone", 0.7, "They rang back the same day, brilliant."),
            row("c:1", "P3", "buy", "web", 0.7, "The checkout was lovely and so quick."),
        ]
    )
    summary = summarise(build_journey(table, BOOK, "p"), str)
    assert summary.delights[0].endswith("— also a pain point: experiences differed")
    assert not summary.delights[1].endswith("experiences differed")
    # one person on both sides: no two experiences to tell apart
    table.loc[1, "participant_id"] = "P1"
    summary = summarise(build_journey(table, BOOK, "p"), str)
    assert summary.delights[0].endswith(
        "— also a pain point, for the same participant: mixed feelings"
    )
    # the audit's case: the one who praised it is among more who complained of it
    more = pd.DataFrame(
        [
            *table.to_dict("records"),
            row("d:1", "P4", "help", "phone", -0.7, "Hours on hold again and no answer."),
        ]
    )
    summary = summarise(build_journey(more, BOOK, "p"), str)
    assert summary.delights[0].endswith(
        "— also a pain point, for more participants, among them everyone who praised it: mixed "
        "feelings"
    )


def test_a_quote_shows_its_emotion_only_when_the_machine_is_sure_of_it():
    said = row("a:1", "P1", "help", "phone", -0.6, "On hold for an hour and nobody helped.")
    sure = quote_of(pd.Series({**said, "emotion_confidence": 0.8}))
    doubted = quote_of(pd.Series({**said, "emotion_confidence": 0.3}))
    assert quote_attribution(sure, BOOK).endswith("· Anger")
    assert quote_attribution(doubted, BOOK) == "P1 · i-P1 · line 3"


def test_the_maps_alt_text_names_the_summarys_low_point():
    journey = make_journey()
    curve = journey.emotion_curve.copy()
    curve.loc["onboarding", "mean_valence"] = -0.9  # lower, on 2 segments
    alt = figure_alts(replace(journey, emotion_curve=curve), make_codebook(), "Alex")
    assert (
        "The low point is Support (−0.48, n = 6); Onboarding's mean is lower (−0.90, n = 2, low "
        "evidence) on less sure evidence; the highest mean is in Advocacy (+0.80, n = 1, low "
        "evidence)." in alt["journey_map"]
    )


def test_a_turn_quoted_under_an_insight_is_not_quoted_again_in_its_stage(ctx):
    quoted = {q.segment_id for insight in ctx.insights for q in insight.evidence}
    assert quoted  # the example study has curated and generated insights with quotes
    staged = {q.segment_id for quotes in ctx.journey.quotes.values() for q in quotes}
    assert staged and not quoted & staged
    # without the insights the stage sections would have quoted some of the same turns
    untouched = build_journey(
        ctx.journey.segments, ctx.codebook, "busy-parent", participant_labels=ctx.participant_labels
    )
    assert quoted & {q.segment_id for qs in untouched.quotes.values() for q in qs}


def test_a_stage_without_touchpoints_says_so_in_its_mix_table():
    journey = make_journey()
    touchpoints = journey.touchpoint_stage.copy()
    touchpoints["support"] = 0
    mix = stage_mix(replace(journey, touchpoint_stage=touchpoints), make_codebook(), "support")
    assert list(mix.iloc[:, 0]) == ["No touchpoint named"] + [""] * (len(mix) - 1)
    support = journey.segments[journey.segments["stage"] == "support"]
    assert mix.iloc[0, 1] == str(len(support))  # every segment of the stage names none
    assert mix.iloc[0, 2]  # the emotions are still listed beside it


def test_a_stage_whose_mean_and_emotions_point_different_ways_says_so():
    journey = make_journey()
    curve = journey.emotion_curve.copy()
    curve.loc["support", ["mean_valence", "negative_share", "positive_share"]] = [0.06, 0.5, 0.08]
    said, _ = stage_intro(replace(journey, emotion_curve=curve), "support")
    assert "Mean valence +0.06, " in said and "50 % of them with a negative emotion" in said
    assert said.endswith("The emotions and the valence disagree here: read the quotes.")
    assert "disagree" not in stage_intro(journey, "support")[0]


def test_the_summary_does_not_call_a_removed_stages_turns_small_talk():
    """Turns a researcher coded with a stage since removed from the codebook are said apart."""
    journey = make_journey()
    stages = journey.segments["stage"].copy()
    stages.iloc[:2] = "onboarding-old"
    counts = summarise(replace(journey, segments=journey.segments.assign(stage=stages)), str)
    assert counts.counts.endswith(
        "(21 of them in a journey stage, 1 in none: introductions, closing talk and other turns "
        "coded as not about the journey, 2 coded with a stage no longer in the codebook, left out)."
    )


def test_both_formats_show_the_agreement_table_with_the_same_numbers():
    table = pd.DataFrame(
        {
            "Dimension": ["Stage (nominal)"], "Coders": ["2"], "Units": [40], "Excluded": [3],
            "Agreement (%)": [77.5], "Kappa": [0.7412], "Alpha": [-0.0451],
            "Weakest codes": ["Onboarding (-0.37), Store (0.00)"],
        }
    )  # fmt: skip
    shown = agreement_display(table).iloc[0].to_dict()
    assert shown == {
        "Dimension": "Stage (nominal)", "Coders": "2", "Units": "40", "Excluded": "3",
        "Agreement": "77.5 %", "Kappa": "0.74", "Alpha": "−0.05",
        "Weakest codes": "Onboarding (−0.37), Store (0.00)",
    }  # fmt: skip


def test_the_methodology_names_the_study_codebooks_own_emotions():
    """A study codebook of its own emotions: the measures name those, not the default's."""
    codebook = make_codebook()
    emotions = (
        Code("annoyed", "Annoyed", valence=-0.7),
        Code("puzzled", "Puzzled", valence=-0.3),
        Code("calm", "Calm", valence=0.0),
        Code("pleased", "Pleased", valence=0.6),
    )
    words = " ".join(
        methodology(make_journey(), replace(codebook, emotions=emotions), "P").measures
    )
    assert (
        "negative emotion (such as annoyed or puzzled) or a positive one (such as pleased)" in words
    )
    assert "frustration" not in words and "joy" not in words
    none = " ".join(methodology(make_journey(), replace(codebook, emotions=()), "P").measures)
    assert "negative emotion or a positive one." in none


def test_the_summary_cautions_a_small_persona_and_a_thin_interview_first():
    journey = make_journey()
    two = replace(journey, n_participants=2)
    cautions = evidence_cautions(two)
    assert cautions[0].startswith(
        "This persona rests on 2 participants: a count such as “2 of 2” means these people, not "
        "everyone"
    )
    assert summarise(two, str).cautions.startswith("This persona rests on 2 participants")
    # the appendix says the persona's size its own way; its stage cautions are the same
    assert evidence_cautions(two, persona=False) == cautions[1:]
    rows = journey.segments.copy()
    few = rows["interview_id"] == rows["interview_id"].iloc[0]
    rows.loc[few, "stage"] = ""  # one interview of small talk only
    thin = replace(journey, segments=rows)
    said = " ".join(evidence_cautions(thin))
    assert said.startswith(
        f"{rows['interview_id'].iloc[0]} has no segment in a journey stage (fewer than 5), yet "
        "counts as a participant in every count of participants."
    )


def test_a_theme_split_by_touchpoint_is_added_up_in_the_summary_and_what_to_fix_first():
    said = "They put the price up after my claim, which felt unfair."
    rows = [
        row(f"{p}:1", p, "help", touchpoint, -0.6, said)
        for p, touchpoint in zip(
            ("P1", "P2", "P3", "P4"), ("phone", "phone", "web", ""), strict=True
        )
    ]
    rows += [row(f"{p}:1", p, "buy", "web", -0.9, said) for p in ("P5", "P6", "P7")]
    journey = build_journey(pd.DataFrame(rows), BOOK, "p")
    assert split_pain(journey) == (
        "Counting every touchpoint, more participants voiced a pain point than any one row "
        "shows in Help, 4 of 7 participants (the largest row 2)."
    )
    # the summary's top rows reach 3, 2 and 1: Help's 4 is hidden there, so it is said
    assert summarise(journey, str).pain_by_stage == split_pain(journey)
    assert summarise(journey, str, top=1).pain_by_stage == split_pain(journey, 3)


def test_a_persona_note_built_on_a_participant_names_nobody(study_and_table, tmp_path):
    # Persona notes were printed as written: a participant's name and phone number with them.
    study, table = study_and_table
    copy = tmp_path / "study"
    shutil.copytree(study, copy, ignore=shutil.ignore_patterns(".cjm", "reports"))
    note = copy / "personas" / "busy-parent.md"
    text = note.read_text(encoding="utf-8").replace(
        'summary: "', 'summary: "Like Aisha Bello (07700 900123), '
    )
    note.write_text(text + "\nMark Jensen put it best.\n", encoding="utf-8")
    ctx = report.load_context(copy, "busy-parent", table)
    figures = report.make_figures(ctx, tmp_path)
    document = Document(report.write_docx(ctx, figures, tmp_path / "a.docx"))
    for said in (report.profile_html(ctx), "\n".join(p.text for p in document.paragraphs)):
        assert "Like Participant 05 ([phone]), A working parent" in said
        assert "Participant 04 put it best." in said
        assert "Price matters because children wear things out" in said  # a word, kept
        assert not any(word in said for word in ("Aisha", "Bello", "Jensen", "07700"))


def test_the_profile_tells_the_personas_story(ctx, tmp_path):
    # The persona note's narrative was dropped from the profile.
    profile = report.profile_html(ctx)
    assert "Alex is somewhere between their mid-thirties" in profile
    assert "<p>Alex, the time-poor parent</p>" not in profile  # the heading repeating the name
    figures = report.make_figures(ctx, tmp_path)
    document = Document(report.write_docx(ctx, figures, tmp_path / "a.docx"))
    said = "\n".join(p.text for p in document.paragraphs)
    assert "Alex is somewhere between their mid-thirties" in said


def test_a_persona_with_an_empty_note_says_so_in_both_formats(ctx, tmp_path):
    # The Word profile said "No persona notes were found"; the HTML showed a bare heading.
    from dataclasses import replace

    empty = replace(ctx.persona, summary="", goals=[], needs=[], pain_points=[], quote="", body="")
    bare = replace(ctx, persona=empty)
    figures = report.make_figures(bare, tmp_path)
    document = Document(report.write_docx(bare, figures, tmp_path / "a.docx"))
    said = "No persona notes were found for “busy-parent”."
    assert said in report.profile_html(bare)
    assert said in [p.text for p in document.paragraphs]
    # a note with only its narrative has notes: both formats print the story
    story = replace(empty, body="Alex buys for a family of five.")
    assert "Alex buys for a family of five." in report.profile_html(replace(ctx, persona=story))


def test_the_coding_overview_shows_a_turns_question_redacted_as_the_turns_are():
    from cjm_research.coding import code_transcripts, get_coder
    from cjm_research.resources import example_study_dir
    from cjm_research.study import load_study

    study = load_study(example_study_dir())
    dana = [t for t in study.transcripts if t.interview_id == "p01-dana"]
    segments = code_transcripts(dana, get_coder("rules", study.codebook))
    every = len(segments)
    shown = coding_overview(study, segments, redact=True, review=every).review_first
    asked = [q for q in shown["question"] if q]
    # "Thanks for making time today, Dana. To start, …" before "Sure, um, so I moved …"
    assert any("Participant 01" in q for q in asked) and len(asked) >= 10
    assert not [q for q in asked if "Dana" in q or "Maya" in q]
    plain = coding_overview(study, segments, redact=False, review=every).review_first
    assert any("Dana" in q for q in plain["question"])


def test_a_question_is_printed_before_its_quote_alike_in_both_formats(ctx, tmp_path):
    # The insights come before the stage sections in both formats.
    quotes = [q for insight in ctx.insights for q in insight.evidence]
    quotes += [q for stage in ctx.journey.stages for q in ctx.journey.quotes.get(stage, [])]
    asked = [q for q in quotes if q.shown_question]
    assert 0 < len(asked) < len(quotes)  # some answers stand alone
    path = report.write_docx(ctx, report.make_figures(ctx, tmp_path), tmp_path / "r.docx")
    paragraphs = [(p.text, p.style.name) for p in Document(str(path)).paragraphs]
    word = [
        (text, style, paragraphs[i + 1][0])
        for i, (text, style) in enumerate(paragraphs)
        if text.startswith("Asked: ")
    ]
    # each just before its quote, in the report's order, in the muted style
    assert [(t, after) for t, _, after in word] == [
        (f"Asked: {q.shown_question}", f"“{q.text}”") for q in asked
    ]
    assert {style for _, style, _ in word} == {"Question"}
    html = report.insights_html(ctx) + "".join(
        report.stage_html(ctx, s) for s in ctx.journey.stages
    )
    blocks = [
        f'<p class="cjm-question">{esc(f"Asked: {q.shown_question}")}</p>'
        f'<blockquote class="cjm-quote">“{esc(q.text)}”</blockquote>'
        for q in asked
    ]
    at = [html.index(block) for block in blocks]
    assert at == sorted(at) and html.count('class="cjm-question"') == len(asked)


def test_a_name_said_in_a_question_is_redacted_as_in_the_quotes(tmp_path):
    """The interviewer names the participant and another one in the question a short answer
    needs: the question is printed, and neither name, in either format."""
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    with open(study / "first-home" / "p01-dana.txt", "a", encoding="utf-8") as f:
        f.write(
            "\nMaya: Luis Ortega said his refund took twelve days. How long did yours take, "
            "Dana?\nDana: About two weeks. Far too long.\n"
        )
    [dana] = [t for t in load_study(study).transcripts if t.interview_id == "p01-dana"]
    cited = f"p01-dana:{dana.turns[-1].index}"
    (study / "insights.yaml").write_text(
        f"insights:\n  - title: Refunds\n    persona: first-home\n    segments: ['{cited}']\n",
        encoding="utf-8",
    )
    table = write_segments(code_study(load_study(study), "rules").segments, tmp_path / "s.parquet")
    ctx = report.load_context(study, "first-home", table)
    [quote] = ctx.insights[0].evidence
    assert quote.shown_question == (
        "[name] said his refund took twelve days. How long did yours take, Participant 01?"
    )
    path = report.write_docx(ctx, report.make_figures(ctx, tmp_path), tmp_path / "r.docx")
    word = "\n".join(p.text for p in Document(str(path)).paragraphs)
    html = report.insights_html(ctx)
    for said in (word, html):
        assert "How long did yours take, Participant 01?" in said
        assert not [n for n in ("Luis", "Ortega", "Dana", "Maya") if n in said]
    plain = report.load_context(study, "first-home", table, redact=False)
    assert "Luis Ortega" in plain.insights[0].evidence[0].shown_question


def test_a_persona_whose_note_has_a_yaml_slip_is_reported_with_a_caution(study_and_table, tmp_path):
    study, table = study_and_table
    broken = tmp_path / "study"
    shutil.copytree(study, broken)
    note = broken / "personas" / "busy-parent.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace('quote: "I don', "quote: He said: I don", 1), encoding="utf-8")
    ctx = report.load_context(broken, "busy-parent", table)
    assert (ctx.persona.id, ctx.persona.name) == ("busy-parent", "Alex, the time-poor parent")
    profile = report.profile_html(ctx)
    assert (
        '<p class="cjm-warning" role="note"><strong>Caution:</strong> The persona notes' in profile
    )
    assert "personas/busy-parent.md, line 8: front matter is not valid YAML" in profile
    # none of the note's words, read or not: the summary and narrative are left out
    assert "working parent" not in profile and "school gates" not in profile
    # the rest of the report is the interviews' as usual
    assert len(ctx.journey.segments) == len(
        report.load_context(study, "busy-parent", table).journey.segments
    )


def test_a_broken_insights_file_costs_the_curated_insights_not_the_report(
    study_and_table, tmp_path
):
    study, table = study_and_table
    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    # a tab indent: YAML refuses the whole file (every persona's report failed on it)
    (copy / "insights.yaml").write_text("insights:\n\t- title: X\n", encoding="utf-8")
    ctx = report.load_context(copy, "busy-parent", table)
    assert ctx.insights and {i.kind for i in ctx.insights} == {"generated"}
    assert "costs parents a day off" not in report.insights_html(ctx)
