"""What the cross-persona notebook calls: compare every persona's journey, draw it, write it out.

The counterpart of :mod:`report.persona` for ``notebooks/cross_persona.ipynb``. The same figures
and the same summary sentences (:func:`compare_words.summary_sentences`) feed the HTML and the Word
document.
The report shows counts and means only, never participants' words, so it holds no quotes to
pseudonymise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cjm_research import segments as segments_table
from cjm_research.compare import Comparison, compare_personas
from cjm_research.compare_words import (
    GUIDES,
    alt_texts,
    methodology,
    persona_totals,
    stage_table,
    summary_sentences,
    title_lines,
    touchpoint_table,
    touchpoints_note,
)
from cjm_research.model import Codebook
from cjm_research.report import charts
from cjm_research.report.persona import study_reference
from cjm_research.report.render import html
from cjm_research.report.render.docx import CROSS_PERSONA_CAPTIONS, write_cross_persona_docx
from cjm_research.study import study_notes

FILE_STEM = "cross-persona"


@dataclass
class CompareContext:
    """Everything the cross-persona report is drawn from."""

    study_dir: Path
    study_name: str
    codebook: Codebook
    comparison: Comparison


def load_compare_context(
    study_dir: Path | str, segments_path: Path | str, personas: str = ""
) -> CompareContext:
    """Load the codebook, persona names and coded table; compare the personas' journeys.

    ``personas`` is a ``;``-separated list of persona ids (a notebook parameter must be a plain
    string); empty compares every persona in the table.
    """
    study_dir = Path(study_dir)
    codebook, notes = study_notes(study_dir)
    comparison = compare_personas(
        segments_table.read(segments_path),
        codebook,
        [p for p in personas.split(";") if p] or None,
        names={k: p.name for k, p in notes.items()},
    )
    return CompareContext(study_dir, study_dir.resolve().name, codebook, comparison)


def make_figures(ctx: CompareContext, out_dir: Path | str) -> dict[str, Path]:
    """Draw and save the comparison figures as PNG under ``out_dir``; return paths by name."""
    comparison = ctx.comparison
    drawn = {
        "persona_curves": charts.persona_curves_figure(comparison),
        "divergence": charts.divergence_figure(comparison),
        "touchpoint_personas": charts.touchpoint_persona_heatmap(comparison, ctx.codebook),
    }
    return charts.save_figures(drawn, out_dir, FILE_STEM)


def write_docx(ctx: CompareContext, figures: dict[str, Path], out_path: Path | str) -> Path:
    """Write the cross-persona Word report (atomically) on the study's or the packaged styles."""
    return write_cross_persona_docx(
        ctx.comparison,
        codebook=ctx.codebook,
        figures=figures,
        out_path=Path(out_path),
        study_name=ctx.study_name,
        reference=study_reference(ctx.study_dir),
    )


def figure_html(ctx: CompareContext, figures: dict[str, Path], name: str, number: int) -> str:
    """Figure ``name`` embedded with the Word report's alt text and caption, numbered alike."""
    alt = alt_texts(ctx.comparison, ctx.codebook)[name]
    return html.figure(figures[name], alt, f"Figure {number}. {CROSS_PERSONA_CAPTIONS[name]}")


def title_html(ctx: CompareContext) -> str:
    """Title, counts, the personas compared and a table of contents."""
    title, *lines = title_lines(ctx.comparison, ctx.study_name)
    entries = [
        ("summary", "Summary"),
        ("emotion", "Emotion across the journeys"),
        ("divergence", "Where the journeys diverge"),
        ("touchpoints", "Touchpoints that set the personas apart"),
        ("stages", "Stage by stage"),
        ("methodology", "Appendix: Methodology"),
    ]
    return (
        f'<h1 class="cjm-title">{html.esc(title)}</h1>'
        + "".join(html.paragraph(line, "cjm-subtitle") for line in lines)
        + html.table(persona_totals(ctx.comparison), "Personas compared")
        + html.toc(entries)
    )


def summary_html(ctx: CompareContext) -> str:
    """Where the journeys diverge most and which touchpoints differ, in sentences with numbers."""
    return html.heading("Summary", 2, "summary") + html.bullets(
        summary_sentences(ctx.comparison, ctx.codebook)
    )


def emotion_html() -> str:
    """The heading above the emotion curves of all personas."""
    return html.heading("Emotion across the journeys", 2, "emotion")


def divergence_html() -> str:
    """The heading and reading guide above the divergence chart."""
    return html.heading("Where the journeys diverge", 2, "divergence") + html.paragraph(
        GUIDES["divergence"]
    )


def touchpoints_html(ctx: CompareContext) -> str:
    """The touchpoints that matter to one persona more than another, largest difference first."""
    table = touchpoint_table(ctx.comparison, ctx.codebook)
    heading = "Touchpoints that set the personas apart"
    return (
        html.heading(heading, 2, "touchpoints")
        + html.paragraph(GUIDES["touchpoints"])
        + (
            html.table(table, heading)
            if len(table)
            else html.warning(touchpoints_note(ctx.comparison))
        )
    )


def stages_html(ctx: CompareContext) -> str:
    """The per-stage comparison table."""
    return (
        html.heading("Stage by stage", 2, "stages")
        + html.paragraph(GUIDES["stages"])
        + html.table(stage_table(ctx.comparison), "Stage by stage")
    )


def methodology_html(ctx: CompareContext) -> str:
    """How the comparison is computed, and from what, as the Word report has it."""
    sources, measures, codebook = methodology(ctx.comparison, ctx.codebook)
    return (
        html.heading("Appendix: Methodology", 2, "methodology")
        + html.heading("Sources", 3)
        + html.bullets(sources)
        + html.heading("Measures", 3)
        + html.bullets(measures)
        + html.heading("Codebook", 3)
        + html.paragraph(codebook)
    )
