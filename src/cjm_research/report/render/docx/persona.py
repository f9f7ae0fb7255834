"""The per-persona Word journey report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from docx.document import Document as DocxDocument
from docx.shared import Cm, Pt

from cjm_research.analysis import Journey, Quote
from cjm_research.insights import Insight
from cjm_research.model import Codebook, Persona
from cjm_research.report.headings import SECTIONS
from cjm_research.report.render.docx.base import (
    Writer,
    add_figure,
    add_table,
    new_section,
    open_reference,
    save_docx,
    set_core_properties,
    set_widths,
)
from cjm_research.report.sections import (
    AGREEMENT_GUIDE,
    CODE_FREQUENCY_GUIDE,
    INSIGHT_SOURCES,
    NO_INSIGHTS,
    PERSONA_QUOTE,
    PERSONA_SECTIONS,
    REACH_GUIDE,
    REACH_HEADING,
    agreement_display,
    figure_alts,
    figure_captions,
    methodology,
    no_notes,
    persona_narrative,
    priority_rule,
    priority_table,
    quote_attribution,
    quote_question,
    reach_table,
    stage_definition,
    stage_doing_lines,
    stage_intro,
    stage_mix,
    team_items,
    title_lines,
    unread_notes,
)
from cjm_research.report.summary import split_pain, summarise
from cjm_research.resources import templates_dir

# The journey map is designed for A4 landscape; narrow margins print it close to design size.


class PersonaWriter(Writer):
    """The persona report's writer: stage labels come from the persona's journey."""

    def __init__(
        self, doc: DocxDocument, journey: Journey, codebook: Codebook, figures: dict[str, Path]
    ) -> None:
        super().__init__(doc, codebook, figures)
        self.journey = journey

    def stage(self, stage: str) -> str:
        """A stage's label as the persona's journey names it."""
        return self.journey.stage_labels.get(stage, stage)


def write_journey_docx(
    journey: Journey,
    *,
    codebook: Codebook,
    persona: Persona | None,
    figures: dict[str, Path],
    out_path: Path,
    study_name: str = "",
    reference: Path | None = None,
    insights: Sequence[Insight] = (),
    changes: Sequence[str] | None = None,
    period: str = "",
    limitations: Sequence[str] = (),
    agreement: pd.DataFrame | None = None,
    code_tables: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    warnings: Sequence[str] = (),
) -> Path:
    """Write the Word journey report of one persona to ``out_path`` and return the path.

    ``insights`` (curated and generated) and ``changes`` since the previous run (None when there
    was none) come from :mod:`cjm_research.insights`; ``period`` says when the interviews took
    place and ``limitations`` are the methodology's caveats (see ``report.persona.limitations``);
    ``warnings`` close the executive summary (see ``report.persona.review_warnings``).

    ``figures`` maps ``journey_map``, ``emotion_curve``, ``touchpoint_heatmap`` and optionally
    ``emotion_heatmap`` to image files (``report.persona.make_figures``); a missing
    one is noted in the report instead of failing it.
    """
    reference = Path(reference) if reference is not None else templates_dir() / "reference.docx"
    doc = open_reference(reference)
    name = persona.name if persona is not None and persona.name else journey.persona_id
    report = PersonaWriter(doc, journey, codebook, figures)
    _title_page(report, name, study_name, period)
    _executive_summary(report, warnings)
    _changes(report, changes)
    _persona_profile(report, persona)
    # The order of the HTML report (the notebook's cells): the map, what to fix, then the detail.
    _journey_map(report, name)
    _priorities(report)
    _insights(report, insights)
    report.new_page()
    _emotion_and_touchpoints(report, name)
    report.new_page()
    for stage in journey.stages:
        _stage_section(report, stage)
    _methodology(report, name, limitations, agreement, code_tables)
    title = f"Customer journey: {name}"
    subject = " · ".join(p for p in (study_name, f"persona {journey.persona_id}") if p)
    set_core_properties(doc, title=title, subject=subject)
    return save_docx(doc, Path(out_path))


def _title_page(report: PersonaWriter, name: str, study_name: str, period: str = "") -> None:
    title, *lines = title_lines(report.journey, name, study_name, period)
    report.para(title, "Title")
    for line in lines:
        report.para(line, "Subtitle")
    report.new_page()


def _executive_summary(report: PersonaWriter, warnings: Sequence[str] = ()) -> None:
    summary = summarise(report.journey, report.touchpoint)
    report.heading(SECTIONS["summary"])
    report.para(summary.counts)
    if summary.cautions:  # before any claim: what every figure below must be read with
        report.warning(summary.cautions)
    report.para(summary.lowest)
    for title, items, none, after in (
        ("Top pain points", summary.pain_points, summary.no_pain_points, summary.pain_by_stage),
        ("Top delights", summary.delights, summary.no_delights, ""),
    ):
        report.heading(title, 2)
        if items:
            report.bullets(items)
        else:
            report.para(none)
        if after:
            report.para(after)
    for warning in warnings:
        report.warning(warning)


def _persona_profile(report: PersonaWriter, persona: Persona | None) -> None:
    report.heading(SECTIONS["profile"])
    if persona is not None and persona.unread:
        report.warning(unread_notes(persona))
        return
    none = no_notes(persona, report.journey.persona_id)
    if persona is None or none:
        report.para(none)
        return
    for text in [persona.summary, *persona_narrative(persona)]:
        if text:
            report.para(text)
    for title, items in zip(
        PERSONA_SECTIONS, (persona.goals, persona.needs, persona.pain_points), strict=True
    ):
        if items:
            report.heading(title, 2)
            report.bullets(items)
    if persona.quote:
        report.para(f"“{persona.quote}”", "Quote")
        report.para(f"— {PERSONA_QUOTE}", "Provenance")


def _journey_map(report: PersonaWriter, name: str) -> None:
    journey = report.journey
    captions, alts = figure_captions(journey), figure_alts(journey, report.codebook, name)
    new_section(report, landscape=True)
    report.heading(SECTIONS["journey-map"])
    add_figure(
        report,
        "journey_map",
        f"Journey map of {name}. {captions['journey_map']}",
        alts["journey_map"],
        reserve=Cm(3.2),
    )
    new_section(report, landscape=False)


def _emotion_and_touchpoints(report: PersonaWriter, name: str) -> None:
    journey = report.journey
    captions, alts = figure_captions(journey), figure_alts(journey, report.codebook, name)
    report.heading(SECTIONS["emotion"])
    add_figure(
        report,
        "emotion_curve",
        captions["emotion_curve"],
        alts["emotion_curve"],
        reserve=Cm(4),
    )
    if "emotion_heatmap" in report.figures:
        add_figure(
            report,
            "emotion_heatmap",
            captions["emotion_heatmap"],
            alts["emotion_heatmap"],
            reserve=Cm(4),
        )
    report.heading(SECTIONS["touchpoints"])
    add_figure(
        report,
        "touchpoint_heatmap",
        captions["touchpoint_heatmap"],
        alts["touchpoint_heatmap"],
        reserve=Cm(4),
    )


def _stage_section(report: PersonaWriter, stage: str) -> None:
    journey = report.journey
    report.heading(f"Stage: {report.stage(stage)}")
    definition = stage_definition(report.codebook, stage)
    if definition:
        report.para(definition).paragraph_format.keep_with_next = True
    sentence, warning = stage_intro(journey, stage)
    intro = [report.para(sentence)]
    if warning:
        intro.append(report.warning(warning))
    # Pagination, not looks: the stage's figures stay on the page with its heading and table.
    for paragraph in intro:
        paragraph.paragraph_format.keep_with_next = True
    _stage_table(report, stage)
    did = stage_doing_lines(journey, stage)
    if did:
        report.heading("What customers did", 2)
        report.bullets(did)
    quotes = journey.quotes.get(stage, [])
    if quotes:
        report.heading("What participants said", 2)
        for quote in quotes:
            _quote(report, quote)


def _stage_table(report: PersonaWriter, stage: str) -> None:
    mix = stage_mix(report.journey, report.codebook, stage)
    if mix.empty:
        return
    table = add_table(report, list(mix.columns), mix.to_numpy().tolist())
    set_widths(table, [Cm(5.5), Cm(2.5), Cm(5.5), Cm(2.5)])
    report.para()  # breathing room: Word glues a following paragraph to the table otherwise


def _quote(report: PersonaWriter, quote: Quote) -> None:
    if asked := quote_question(quote):
        report.para(asked, report.style_or("Question"))
    report.para(f"“{quote.text}”", "Quote")
    report.para(f"— {quote_attribution(quote, report.codebook)}", "Provenance")


def _methodology(
    report: PersonaWriter,
    name: str,
    limitations: Sequence[str] = (),
    agreement: pd.DataFrame | None = None,
    code_tables: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> None:
    content = methodology(report.journey, report.codebook, name)
    report.new_page()
    report.heading(SECTIONS["methodology"])
    report.heading("Sources", 2)
    report.para(content.sources)
    report.heading("Coders", 2)
    report.bullets(content.coders)
    report.para(content.coder_rule)
    report.heading("Measures", 2)
    report.bullets(content.measures)
    if agreement is not None and not agreement.empty:
        report.heading("Agreement between coders", 2)
        report.para(AGREEMENT_GUIDE)
        shown = agreement_display(agreement)
        grid = add_table(report, list(shown.columns), shown.to_numpy().tolist())
        # each header word on one line: 'Agreement' in 1.9 cm printed as 'Agreeme / nt'
        set_widths(grid, [Cm(2.5), Cm(1.7), Cm(1.4), Cm(2.1), Cm(2.5), Cm(1.6), Cm(1.5), Cm(3.7)])
    if code_tables is not None:
        applied, pairs = code_tables
        report.heading("Code frequencies", 2)
        report.para(CODE_FREQUENCY_GUIDE)
        grid = add_table(report, list(applied.columns), applied.astype(str).to_numpy().tolist())
        set_widths(grid, [Cm(3.5), Cm(6.5), Cm(3.0), Cm(3.0)])
        if not pairs.empty:
            report.heading("Codes that occur together", 2)
            grid = add_table(report, list(pairs.columns), pairs.astype(str).to_numpy().tolist())
            set_widths(grid, [Cm(6.5), Cm(6.5), Cm(3.0)])
    if limitations:
        report.heading("Limitations", 2)
        report.bullets(limitations)
    report.heading("Codebook", 2)
    report.para(content.codebook)
    table = add_table(
        report, list(content.definitions.columns), content.definitions.to_numpy().tolist()
    )
    set_widths(table, [Cm(4), Cm(13)])


def _changes(report: PersonaWriter, changes: Sequence[str] | None) -> None:
    report.heading(SECTIONS["changes"], 2)
    if changes is None:
        report.para("This is the first report for this persona in this folder.")
    elif not changes:
        report.para("Nothing moved since the last report.")
    else:
        report.bullets(changes)


def _priorities(report: PersonaWriter) -> None:
    journey = report.journey
    report.heading(SECTIONS["priorities"])
    table = priority_table(journey, report.codebook)
    if table.empty:
        report.para("No pain points were coded for this persona.")
    else:
        report.para(priority_rule(report.codebook))
        rows = [tuple(map(str, r)) for r in table.itertuples(index=False)]
        grid = add_table(report, list(table.columns), rows)
        set_widths(grid, [Cm(0.8), Cm(2.8), Cm(3.2), Cm(2.4), Cm(2.6), Cm(2.2), Cm(2.0)])
        if split := split_pain(journey):  # set off from the table it adds up
            report.para(split).paragraph_format.space_before = Pt(6)
    report.heading(REACH_HEADING, 2)
    report.para(REACH_GUIDE)
    reach = reach_table(journey)
    grid = add_table(report, list(reach.columns), reach.to_numpy().tolist())
    set_widths(grid, [Cm(5), Cm(7), Cm(4)])
    teams = team_items(journey, report.codebook)
    if teams:
        report.heading("By team", 2)
        for team, items in teams.items():
            report.para(team.capitalize(), "Heading 3")
            report.bullets(items)


def _insights(report: PersonaWriter, insights: Sequence[Insight]) -> None:
    report.heading(SECTIONS["insights"])
    if not insights:
        report.para(NO_INSIGHTS)
    for insight in insights:
        report.heading(insight.title, 2)
        report.para(INSIGHT_SOURCES[insight.kind], "Provenance")
        if insight.detail:
            report.para(insight.detail)
        if insight.opportunity:
            report.para(f"Opportunity: {insight.opportunity}")
        for quote in insight.evidence:
            _quote(report, quote)
