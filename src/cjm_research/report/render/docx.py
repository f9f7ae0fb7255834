"""The per-persona Word report, built with python-docx on ``templates/reference.docx``.

Every paragraph, table and caption uses a style of the reference document and no direct
formatting, so an organisation rebrands every report by replacing that one file. All text passes
through :func:`clean_for_word`, and the file is written atomically with fixed metadata and zip
timestamps: the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from cjm_research.analysis import (
    INSIGHT_SOURCES,
    MIN_EVIDENCE,
    PERSONA_QUOTE,
    PERSONA_SECTIONS,
    PRIORITY_RULE,
    TOP_PRIORITIES,
    Journey,
    Quote,
    figure_alts,
    figure_captions,
    methodology,
    quote_attribution,
    reach_table,
    signed,
    stage_doing_lines,
    stage_intro,
    stage_mix,
    summarise,
    team_items,
    title_lines,
)
from cjm_research.compare import (
    GUIDES,
    Comparison,
    alt_texts,
    persona_totals,
    stage_table,
    summary_sentences,
    touchpoint_table,
)
from cjm_research.compare import methodology as compare_methodology
from cjm_research.compare import title_lines as compare_title_lines
from cjm_research.exceptions import CJMInputError
from cjm_research.insights import Insight
from cjm_research.iorw import reproducible_zip, write_bytes
from cjm_research.model import Codebook, Persona
from cjm_research.resources import templates_dir

#: Every style the writer uses; the reference document must define them all.
REQUIRED_STYLES: tuple[str, ...] = (
    "Normal",
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "List Bullet",
    "Caption",
    "Quote",
    "Provenance",
    "Evidence Warning",
    "Figure",
    "CJM Table",
    "Table Heading",
    "Table Text",
)
#: Document dates are fixed so that reports of the same inputs are identical.
FIXED_DATE = datetime(2000, 1, 1)
AUTHOR = "cjm-research"

# XML 1.0 forbids these characters; python-docx raises on them (and on lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# The journey map is designed for A4 landscape; narrow margins print it close to design size.
_MAP_MARGIN = Cm(1.27)


def clean_for_word(text: str) -> str:
    """``text`` without the characters Word's XML cannot hold (controls, U+FFFE/F, surrogates)."""
    if not isinstance(text, str):
        text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return _NOT_XML.sub("", text)


# ------------------------------------------------------------------------------------ writing


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
    place and ``limitations`` are the methodology's caveats (see ``report.limitations``);
    ``warnings`` close the executive summary (see ``report.review_warnings``).

    ``figures`` maps ``journey_map``, ``emotion_curve``, ``touchpoint_heatmap`` and optionally
    ``emotion_heatmap`` to image files (see :func:`cjm_research.report.charts.save_journey_figures`); a
    missing one is noted in the report instead of failing it.
    """
    reference = Path(reference) if reference is not None else templates_dir() / "reference.docx"
    doc = open_reference(reference)
    name = persona.name if persona is not None and persona.name else journey.persona_id
    report = _Report(doc, journey, codebook, figures)
    _title_page(report, name, study_name, period)
    _executive_summary(report, warnings)
    _changes(report, changes)
    _persona_profile(report, persona)
    _figures(report, name)
    report.new_page()
    _priorities(report)
    _insights(report, insights)
    report.new_page()
    for stage in journey.stages:
        _stage_section(report, stage)
    _methodology(report, name, limitations, agreement, code_tables)
    title = f"Customer journey: {name}"
    subject = " · ".join(p for p in (study_name, f"persona {journey.persona_id}") if p)
    set_core_properties(doc, title=title, subject=subject)
    return save_docx(doc, Path(out_path))


def open_reference(reference: Path) -> DocxDocument:
    """The reference document with an empty body, its styles, sections and footers kept."""
    if not reference.is_file():
        raise CJMInputError(
            "Word reference document not found",
            reference,
            hint="run tools/make_reference_docx.py or pass another reference.docx",
        )
    try:
        doc = Document(str(reference))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise CJMInputError(f"not a Word document ({exc})", reference) from exc
    present = {style.name for style in doc.styles}
    missing = [name for name in REQUIRED_STYLES if name not in present]
    if missing:
        raise CJMInputError(
            f"reference document lacks the style(s) {', '.join(missing)}",
            reference,
            hint="start from templates/reference.docx and restyle it instead of replacing styles",
        )
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def set_core_properties(doc: DocxDocument, *, title: str, subject: str) -> None:
    """Title, subject and a fixed author and dates, so metadata never makes two runs differ."""
    props = doc.core_properties
    props.title = clean_for_word(title)
    props.subject = clean_for_word(subject)
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    props.revision = 1
    props.comments = ""
    props.keywords = "customer journey"
    props.category = "cjm-research report"


def save_docx(doc: DocxDocument, path: Path) -> Path:
    """Save ``doc`` atomically and reproducibly: fixed zip dates, temp file, fsync, replace."""
    buffer = io.BytesIO()
    doc.save(buffer)  # in memory first: a failing save never touches the target
    return write_bytes(path, reproducible_zip(buffer.getvalue()))


def add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """Append a Word field (``PAGE``, ``SEQ Figure``...) with ``shown`` as its current result."""

    def run_with(child: OxmlElement) -> None:
        run = paragraph.add_run()
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(clean_for_word(shown))
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


# ------------------------------------------------------------------------------ small helpers


class _Report:
    """The document being written with what every section needs; numbers figures as it goes."""

    def __init__(
        self, doc: DocxDocument, journey: Journey, codebook: Codebook, figures: dict[str, Path]
    ) -> None:
        self._begin(doc, codebook, figures)
        self.journey = journey

    def _begin(self, doc: DocxDocument, codebook: Codebook, figures: dict[str, Path]) -> None:
        """What every report document starts with (the persona and the comparison report)."""
        self.doc = doc
        self.codebook = codebook
        self.figures = figures
        self.figure_count = 0
        self._style_ids: dict[str, str | None] = {}
        self._new_page = False

    def new_page(self) -> None:
        """Start the next paragraph on a new page. A paragraph's page_break_before, not a break
        paragraph: a break that lands at the top of a page leaves that page blank."""
        self._new_page = True

    def para(self, text: str = "", style: str = "Normal") -> Paragraph:
        paragraph = self.doc.add_paragraph(clean_for_word(text))
        self.set_style(paragraph, style)
        if self._new_page:
            paragraph.paragraph_format.page_break_before = True
            self._new_page = False
        return paragraph

    def set_style(self, paragraph: Paragraph, style: str) -> None:
        """What ``paragraph.style = style`` does, with each name looked up once per report.

        python-docx resolves the name on every assignment by scanning every style of the
        reference twice (~2 ms); a report sets several hundred, most of its writing time.
        """
        if style not in self._style_ids:
            self._style_ids[style] = self.doc.styles.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        paragraph._p.style = self._style_ids[style]

    def heading(self, text: str, level: int = 1) -> Paragraph:
        return self.para(text, f"Heading {level}")

    def bullets(self, items: Iterable[str]) -> None:
        for item in items:
            self.para(item, "List Bullet")

    def stage(self, stage: str) -> str:
        return self.journey.stage_labels.get(stage, stage)

    def touchpoint(self, code: str) -> str:
        return self.codebook.label("touchpoints", code) if code else ""

    def emotion(self, code: str) -> str:
        return self.codebook.label("emotions", code) if code else "no emotion"


def _table(report: _Report, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A table in the reference's table style whose header row repeats on every page."""
    table = report.doc.add_table(rows=1, cols=len(header))
    table.style = "CJM Table"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(report, cell, text, "Table Heading")
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            _cell(report, cell, text, "Table Text")
    return table


def _cell(report: _Report, cell: _Cell, text: str, style: str) -> None:
    # Cell text gets a paragraph style of its own: in Word, Normal's spacing and size would
    # otherwise override the table style's, and LibreOffice ignores a table style's run formatting.
    paragraph = cell.paragraphs[0]
    report.set_style(paragraph, style)
    paragraph.add_run(clean_for_word(text))


def _set_widths(table: Table, widths: Sequence[Length]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    # Cell widths alone are ignored by LibreOffice, which lays a table out from its grid.
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def _usable(report: _Report) -> tuple[Length, Length]:
    """Width and height inside the margins of the current (last) section."""
    section = report.doc.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    return Length(width), Length(height)


def _figure(report: _Report, key: str, caption: str, alt: str, *, reserve: Length) -> None:
    """The picture ``figures[key]`` at text width, its alt text, and a numbered caption.

    ``reserve`` is the page height kept free for the heading and caption around the picture.
    """
    path = report.figures.get(key)
    if path is None or not Path(path).is_file():
        report.para(f"The figure “{caption}” was not produced for this report.")
        return
    width, height = _usable(report)
    run = report.para(style="Figure").add_run()
    shape = run.add_picture(str(path), width=width)
    room = height - reserve
    if shape.height > room:  # a tall figure keeps its aspect and fits the page
        shape.width = Length(int(shape.width * room / shape.height))
        shape.height = Length(room)
    shape._inline.docPr.set("descr", clean_for_word(alt))
    report.figure_count += 1
    paragraph = report.para(style="Caption")
    paragraph.add_run("Figure ")
    add_field(paragraph, "SEQ Figure \\* ARABIC", str(report.figure_count))
    paragraph.add_run(clean_for_word(f". {caption}"))


def _new_section(report: _Report, *, landscape: bool) -> None:
    """Start a new page in a portrait or landscape section (footers carry over)."""
    before = report.doc.sections[-1]
    section = report.doc.add_section(WD_SECTION.NEW_PAGE)
    short, long_ = sorted((before.page_width, before.page_height))
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = long_, short
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, min(getattr(before, side), _MAP_MARGIN))
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = short, long_
        first = report.doc.sections[0]
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, getattr(first, side))


# ----------------------------------------------------------------------------------- sections


def _title_page(report: _Report, name: str, study_name: str, period: str = "") -> None:
    title, *lines = title_lines(report.journey, name, study_name, period)
    report.para(title, "Title")
    for line in lines:
        report.para(line, "Subtitle")
    report.new_page()


def _executive_summary(report: _Report, warnings: Sequence[str] = ()) -> None:
    summary = summarise(report.journey, report.touchpoint)
    report.heading("Executive summary")
    report.para(summary.counts)
    report.para(summary.lowest)
    for title, items, none in (
        ("Top pain points", summary.pain_points, summary.no_pain_points),
        ("Top delights", summary.delights, summary.no_delights),
    ):
        report.heading(title, 2)
        if items:
            report.bullets(items)
        else:
            report.para(none)
    if summary.low_evidence:
        report.para(summary.low_evidence, "Evidence Warning")
    for warning in warnings:
        report.para(warning, "Evidence Warning")


def _persona_profile(report: _Report, persona: Persona | None) -> None:
    report.heading("Persona profile")
    noted = persona is not None and any(
        (persona.summary, persona.goals, persona.needs, persona.pain_points, persona.quote)
    )
    if persona is None or not noted:
        report.para(f"No persona notes were found for “{report.journey.persona_id}”.")
        return
    if persona.summary:
        report.para(persona.summary)
    for title, items in zip(
        PERSONA_SECTIONS, (persona.goals, persona.needs, persona.pain_points), strict=True
    ):
        if items:
            report.heading(title, 2)
            report.bullets(items)
    if persona.quote:
        report.para(f"“{persona.quote}”", "Quote")
        report.para(f"— {PERSONA_QUOTE}", "Provenance")


def _figures(report: _Report, name: str) -> None:
    journey = report.journey
    captions, alts = figure_captions(journey), figure_alts(journey, report.codebook, name)
    _new_section(report, landscape=True)
    report.heading("Journey map")
    _figure(
        report,
        "journey_map",
        f"Journey map of {name}. {captions['journey_map']}",
        alts["journey_map"],
        reserve=Cm(3.2),
    )
    _new_section(report, landscape=False)
    report.heading("Emotion across the journey")
    _figure(
        report,
        "emotion_curve",
        captions["emotion_curve"],
        alts["emotion_curve"],
        reserve=Cm(4),
    )
    if "emotion_heatmap" in report.figures:
        _figure(
            report,
            "emotion_heatmap",
            captions["emotion_heatmap"],
            alts["emotion_heatmap"],
            reserve=Cm(4),
        )
    report.heading("Touchpoints by stage")
    _figure(
        report,
        "touchpoint_heatmap",
        captions["touchpoint_heatmap"],
        alts["touchpoint_heatmap"],
        reserve=Cm(4),
    )


def _stage_section(report: _Report, stage: str) -> None:
    journey = report.journey
    report.heading(f"Stage: {report.stage(stage)}")
    for code in report.codebook.stages:
        if code.id == stage and code.description:
            report.para(code.description).paragraph_format.keep_with_next = True
    sentence, warning = stage_intro(journey, stage)
    intro = [report.para(sentence)]
    if warning:
        intro.append(report.para(warning, "Evidence Warning"))
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


def _stage_table(report: _Report, stage: str) -> None:
    mix = stage_mix(report.journey, report.codebook, stage)
    if mix.empty:
        return
    table = _table(report, list(mix.columns), mix.to_numpy().tolist())
    _set_widths(table, [Cm(5.5), Cm(2.5), Cm(5.5), Cm(2.5)])
    report.para()  # breathing room: Word glues a following paragraph to the table otherwise


def _quote(report: _Report, quote: Quote) -> None:
    report.para(f"“{quote.text}”", "Quote")
    report.para(f"— {quote_attribution(quote, report.codebook)}", "Provenance")


def _methodology(
    report: _Report,
    name: str,
    limitations: Sequence[str] = (),
    agreement: pd.DataFrame | None = None,
    code_tables: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> None:
    content = methodology(report.journey, report.codebook, name)
    report.new_page()
    report.heading("Appendix: Methodology")
    report.heading("Sources", 2)
    report.para(content.sources)
    report.heading("Coders", 2)
    report.bullets(content.coders)
    report.para(content.coder_rule)
    report.heading("Measures", 2)
    report.bullets(content.measures)
    if agreement is not None and not agreement.empty:
        report.heading("Agreement between coders", 2)
        report.para(
            "Krippendorff's alpha and Cohen's kappa over the segments coded by more than one "
            "coder (the machine counts as one); units a coder left uncoded are excluded."
        )
        grid = _table(
            report,
            ["Dimension", "Coders", "Units", "Agreement", "Kappa", "Alpha", "Weakest codes"],
            [
                (str(r["Dimension"]), str(r["Coders"]), str(r["Units"]),
                 f"{r['Agreement (%)']}%", str(r["Kappa"]), str(r["Alpha"]),
                 str(r["Weakest codes"]))
                for _, r in agreement.iterrows()
            ],
        )  # fmt: skip
        _set_widths(grid, [Cm(3.0), Cm(3.0), Cm(1.4), Cm(2.0), Cm(1.5), Cm(1.5), Cm(4.6)])
    if code_tables is not None:
        applied, pairs = code_tables
        report.heading("Code frequencies", 2)
        grid = _table(report, list(applied.columns), applied.astype(str).to_numpy().tolist())
        _set_widths(grid, [Cm(3.5), Cm(6.5), Cm(3.0), Cm(3.0)])
        if not pairs.empty:
            report.heading("Codes that occur together", 2)
            grid = _table(report, list(pairs.columns), pairs.astype(str).to_numpy().tolist())
            _set_widths(grid, [Cm(6.5), Cm(6.5), Cm(3.0)])
    if limitations:
        report.heading("Limitations", 2)
        report.bullets(limitations)
    report.heading("Codebook", 2)
    report.para(content.codebook)
    table = _table(
        report, list(content.definitions.columns), content.definitions.to_numpy().tolist()
    )
    _set_widths(table, [Cm(4), Cm(13)])


def _changes(report: _Report, changes: Sequence[str] | None) -> None:
    report.heading("Changes since the last report", 2)
    if changes is None:
        report.para("This is the first report for this persona in this folder.")
    elif not changes:
        report.para("Nothing moved since the last report.")
    else:
        report.bullets(changes)


def _priorities(report: _Report) -> None:
    journey = report.journey
    report.heading("What to fix first")
    table = journey.priorities.head(TOP_PRIORITIES)
    if table.empty:
        report.para("No pain points were coded for this persona.")
    else:
        report.para(PRIORITY_RULE)
        rows = [
            (
                str(r.rank),
                report.stage(r.stage),
                report.touchpoint(r.touchpoint) or "—",
                r.owner,
                f"{r.participants} of {journey.n_participants}",
                signed(r.mean_valence),
                f"{r.score:.2f}",
            )
            for r in table.itertuples(index=False)
        ]
        grid = _table(
            report,
            ["#", "Stage", "Touchpoint", "Team", "Participants", "Valence", "Priority"],
            rows,
        )
        _set_widths(grid, [Cm(0.8), Cm(2.8), Cm(3.2), Cm(2.4), Cm(2.6), Cm(2.2), Cm(2.0)])
    report.heading("How far journeys reach", 2)
    reach = reach_table(journey)
    grid = _table(report, list(reach.columns), reach.to_numpy().tolist())
    _set_widths(grid, [Cm(5), Cm(7), Cm(4)])
    teams = team_items(journey, report.codebook)
    if teams:
        report.heading("By team", 2)
        for team, items in teams.items():
            report.para(team.capitalize(), "Heading 3")
            report.bullets(items)


def _insights(report: _Report, insights: Sequence[Insight]) -> None:
    report.heading("Insights and opportunities")
    if not insights:
        report.para("No insights yet: add curated ones to insights.yaml (see the README).")
    for insight in insights:
        report.heading(insight.title, 2)
        report.para(INSIGHT_SOURCES[insight.kind], "Provenance")
        if insight.detail:
            report.para(insight.detail)
        if insight.opportunity:
            report.para(f"Opportunity: {insight.opportunity}")
        for quote in insight.evidence:
            _quote(report, quote)


# ------------------------------------------------------------------------ cross-persona report


#: The cross-persona figures by the key ``figures`` holds them under, with their captions.
CROSS_PERSONA_CAPTIONS: dict[str, str] = {
    "persona_curves": "Mean valence by stage for every persona (−1 negative to +1 positive) with "
    f"95 % intervals; hollow markers and grey counts flag fewer than {MIN_EVIDENCE} segments.",
    "divergence": "Spread of mean valence across personas per stage, widest first; a dark bar "
    "means the 95 % intervals of the lowest and highest persona do not overlap.",
    "touchpoint_personas": "Share of each persona's segments that mention each touchpoint, "
    "largest difference first.",
}


class _CompareReport(_Report):
    """The cross-persona document: the same helpers, drawn from a :class:`Comparison`."""

    def __init__(
        self,
        doc: DocxDocument,
        comparison: Comparison,
        codebook: Codebook,
        figures: dict[str, Path],
    ) -> None:
        self._begin(doc, codebook, figures)
        self.comparison = comparison
        self.alts = alt_texts(comparison, codebook)

    def stage(self, stage: str) -> str:
        return self.comparison.stage_labels.get(stage, stage)


def _fixed_table(
    report: _Report, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[Length]
) -> Table:
    """A :func:`_table` with column widths LibreOffice honours too, rows never split by a page."""
    table = _table(report, header, rows)
    _set_widths(table, widths)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return table


def write_cross_persona_docx(
    comparison: Comparison,
    *,
    codebook: Codebook,
    figures: dict[str, Path],
    out_path: Path,
    study_name: str = "",
    reference: Path | None = None,
) -> Path:
    """Write the Word report comparing every persona's journey to ``out_path``; return the path.

    ``figures`` maps ``persona_curves``, ``divergence`` and ``touchpoint_personas`` to image files
    (see :mod:`cjm_research.report.compare`); a missing one is noted instead of failing the report.
    """
    reference = Path(reference) if reference is not None else templates_dir() / "reference.docx"
    doc = open_reference(reference)
    report = _CompareReport(doc, comparison, codebook, figures)
    _compare_title(report, study_name)
    report.heading("Summary")
    report.bullets(summary_sentences(comparison, codebook))
    _compare_emotion(report)
    _compare_touchpoints(report)
    _compare_stages(report)
    _compare_methodology(report)
    subject = " · ".join(p for p in (study_name, f"{len(comparison.personas)} personas") if p)
    set_core_properties(doc, title="Cross-persona comparison", subject=subject)
    return save_docx(doc, Path(out_path))


def _compare_title(report: _CompareReport, study_name: str) -> None:
    title, *lines = compare_title_lines(report.comparison, study_name)
    report.para(title, "Title")
    for line in lines:
        report.para(line, "Subtitle")
    totals = persona_totals(report.comparison)
    rows = totals.to_numpy().tolist()
    _fixed_table(report, list(totals.columns), rows, [Cm(8), Cm(3), Cm(3), Cm(3)])
    report.new_page()


def _compare_emotion(report: _CompareReport) -> None:
    report.heading("Emotion across the journeys")
    _figure(
        report,
        "persona_curves",
        CROSS_PERSONA_CAPTIONS["persona_curves"],
        report.alts["persona_curves"],
        reserve=Cm(5),
    )
    report.heading("Where the journeys diverge", 2)
    report.para(GUIDES["divergence"]).paragraph_format.keep_with_next = True
    _figure(
        report,
        "divergence",
        CROSS_PERSONA_CAPTIONS["divergence"],
        report.alts["divergence"],
        reserve=Cm(5),
    )


def _compare_touchpoints(report: _CompareReport) -> None:
    text = touchpoint_table(report.comparison, report.codebook)
    report.heading("Touchpoints that set the personas apart")
    report.para(GUIDES["touchpoints"])
    if text.empty:
        report.para(GUIDES["no_touchpoints"], "Evidence Warning")
    else:
        rows = list(text.itertuples(index=False, name=None))
        widths = [Cm(3), Cm(5), Cm(5), Cm(2.3), Cm(1.7)]
        _fixed_table(report, list(text.columns), rows, widths)
        report.para()
    _figure(
        report,
        "touchpoint_personas",
        CROSS_PERSONA_CAPTIONS["touchpoint_personas"],
        report.alts["touchpoint_personas"],
        reserve=Cm(5),
    )


def _compare_stages(report: _CompareReport) -> None:
    c = report.comparison
    report.new_page()
    report.heading("Stage by stage")
    report.para(GUIDES["stages"])
    text = stage_table(c)
    width, _ = _usable(report)
    persona_width = Length(int((width - Cm(3) - Cm(1.8)) / max(1, len(c.personas))))
    _fixed_table(
        report,
        list(text.columns),
        list(text.itertuples(index=False, name=None)),
        [Cm(3), *([persona_width] * len(c.personas)), Cm(1.8)],
    )


def _compare_methodology(report: _CompareReport) -> None:
    sources, measures, codebook = compare_methodology(report.comparison, report.codebook)
    report.new_page()
    report.heading("Appendix: Methodology")
    report.heading("Sources", 2)
    report.bullets(sources)
    report.heading("Measures", 2)
    report.bullets(measures)
    report.heading("Codebook", 2)
    report.para(codebook)
