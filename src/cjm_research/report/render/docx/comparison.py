"""The cross-persona Word report: every persona's journey compared, on the same reference."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.shared import Cm, Length
from docx.table import Table

from cjm_research.analysis import (
    MIN_EVIDENCE,
)
from cjm_research.compare import Comparison
from cjm_research.compare_words import (
    GUIDES,
    alt_texts,
    persona_totals,
    stage_table,
    summary_sentences,
    touchpoint_table,
    touchpoints_note,
)
from cjm_research.compare_words import methodology as compare_methodology
from cjm_research.compare_words import title_lines as compare_title_lines
from cjm_research.model import Codebook
from cjm_research.report.render.docx.base import (
    Writer,
    add_figure,
    add_table,
    open_reference,
    save_docx,
    set_core_properties,
    set_widths,
    usable_size,
)
from cjm_research.resources import templates_dir

#: The cross-persona figures by the key ``figures`` holds them under, with their captions.
CROSS_PERSONA_CAPTIONS: dict[str, str] = {
    "persona_curves": "Mean valence by stage for every persona (−1 negative to +1 positive) with "
    f"95 % intervals; hollow markers and grey counts flag fewer than {MIN_EVIDENCE} segments.",
    "divergence": "Spread of mean valence across personas per stage, widest first; a dark bar "
    "means the 95 % intervals of the lowest and highest persona do not overlap.",
    "touchpoint_personas": "Share of each persona's segments that mention each touchpoint, "
    "largest difference first.",
}


class ComparisonWriter(Writer):
    """The cross-persona document: the same helpers, drawn from a :class:`Comparison`."""

    def __init__(
        self,
        doc: DocxDocument,
        comparison: Comparison,
        codebook: Codebook,
        figures: dict[str, Path],
    ) -> None:
        super().__init__(doc, codebook, figures)
        self.comparison = comparison
        self.alts = alt_texts(comparison, codebook)

    def stage(self, stage: str) -> str:
        """A stage's label as the comparison names it."""
        return self.comparison.stage_labels.get(stage, stage)


def _fixed_table(
    report: Writer, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[Length]
) -> Table:
    """An :func:`add_table` with widths LibreOffice honours too; no row split by a page."""
    table = add_table(report, header, rows)
    set_widths(table, widths)
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
    report = ComparisonWriter(doc, comparison, codebook, figures)
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


def _compare_title(report: ComparisonWriter, study_name: str) -> None:
    title, *lines = compare_title_lines(report.comparison, study_name)
    report.para(title, "Title")
    for line in lines:
        report.para(line, "Subtitle")
    totals = persona_totals(report.comparison)
    rows = totals.to_numpy().tolist()
    _fixed_table(report, list(totals.columns), rows, [Cm(8), Cm(3), Cm(3), Cm(3)])
    report.new_page()


def _compare_emotion(report: ComparisonWriter) -> None:
    report.heading("Emotion across the journeys")
    add_figure(
        report,
        "persona_curves",
        CROSS_PERSONA_CAPTIONS["persona_curves"],
        report.alts["persona_curves"],
        reserve=Cm(5),
    )
    report.heading("Where the journeys diverge", 2)
    report.para(GUIDES["divergence"]).paragraph_format.keep_with_next = True
    add_figure(
        report,
        "divergence",
        CROSS_PERSONA_CAPTIONS["divergence"],
        report.alts["divergence"],
        reserve=Cm(5),
    )


def _compare_touchpoints(report: ComparisonWriter) -> None:
    text = touchpoint_table(report.comparison, report.codebook)
    report.heading("Touchpoints that set the personas apart")
    # The guide stays with the table it explains (a table kept whole would leave it stranded).
    report.para(GUIDES["touchpoints"]).paragraph_format.keep_with_next = True
    if text.empty:
        report.warning(touchpoints_note(report.comparison))
    else:
        rows = list(text.itertuples(index=False, name=None))
        widths = [Cm(3), Cm(5), Cm(5), Cm(2.3), Cm(1.7)]
        _fixed_table(report, list(text.columns), rows, widths)
        report.para()
    add_figure(
        report,
        "touchpoint_personas",
        CROSS_PERSONA_CAPTIONS["touchpoint_personas"],
        report.alts["touchpoint_personas"],
        reserve=Cm(5),
    )


def _compare_stages(report: ComparisonWriter) -> None:
    c = report.comparison
    report.new_page()
    report.heading("Stage by stage")
    report.para(GUIDES["stages"]).paragraph_format.keep_with_next = True
    text = stage_table(c)
    width, _ = usable_size(report)
    persona_width = Length(int((width - Cm(3) - Cm(1.8)) / max(1, len(c.personas))))
    _fixed_table(
        report,
        list(text.columns),
        list(text.itertuples(index=False, name=None)),
        [Cm(3), *([persona_width] * len(c.personas)), Cm(1.8)],
    )


def _compare_methodology(report: ComparisonWriter) -> None:
    sources, measures, codebook = compare_methodology(report.comparison, report.codebook)
    report.new_page()
    report.heading("Appendix: Methodology")
    report.heading("Sources", 2)
    report.bullets(sources)
    report.heading("Measures", 2)
    report.bullets(measures)
    report.heading("Codebook", 2)
    report.para(codebook)
