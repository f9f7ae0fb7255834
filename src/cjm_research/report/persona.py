"""What the report notebooks call: load one persona's journey, draw it, and write it out.

Notebooks stay thin: each cell is one call here and a ``display``. The same figures feed the HTML
(notebook outputs) and the Word document, and the same summary sentences feed both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from cjm_research import privacy
from cjm_research import segments as segments_table
from cjm_research.agreement import agreement_table
from cjm_research.analysis import (
    Journey,
    build_journey,
    plural,
    stage_quotes,
)
from cjm_research.audit import (
    Audit,
    audit_sentence,
    audit_warning,
    expectation_sentence,
    expected_stage_accuracy,
    machine_audit,
)
from cjm_research.coding.citations import follow_citations, read_citations
from cjm_research.coding.human import study_turns
from cjm_research.insights import (
    Insight,
    changes,
    insights_for,
    interview_words,
    opportunities_by_stage,
    read_snapshot,
    readable_insights,
    snapshot,
)
from cjm_research.iorw import write_text
from cjm_research.model import Codebook, Persona
from cjm_research.report import charts, memo
from cjm_research.report.headings import SECTIONS
from cjm_research.report.render import html
from cjm_research.report.render.docx import write_journey_docx
from cjm_research.report.sections import (
    AGREEMENT_GUIDE,
    CODE_FREQUENCY_GUIDE,
    INSIGHT_SOURCES,
    NO_INSIGHTS,
    PERSONA_QUOTE,
    PERSONA_SECTIONS,
    REACH_GUIDE,
    REACH_HEADING,
    TOP_PRIORITIES,
    agreement_display,
    figure_alts,
    figure_captions,
    interview_period,
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
from cjm_research.report.summary import evidence_cautions, split_pain, summarise
from cjm_research.resources import default_codebook_path
from cjm_research.study import load_study, study_notes
from cjm_research.tables import code_cooccurrence, code_frequency_table, top_pairs


@dataclass
class ReportContext:
    """Everything one persona's report is drawn from."""

    study_dir: Path
    study_name: str
    persona: Persona
    codebook: Codebook
    journey: Journey
    participant_labels: dict[str, str] = field(default_factory=dict)
    insights: list[Insight] = field(default_factory=list)
    changes: list[str] | None = None  # None: no previous run to compare with
    period: str = ""  # when the interviews took place: front-matter and participants.csv dates
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)  # empty: one coder only
    audit: list[Audit] = field(default_factory=list)  # the machine against reviewed turns
    words: dict[str, str] | None = None  # each interview's words, fingerprinted (the snapshot)

    @cached_property
    def expected(self) -> tuple[int, float] | None:
        """What the machine's calibrated stage confidences expect of its codes here (segments,
        share right), as the summary's warning and the limitations both say it."""
        return expected_stage_accuracy(self.journey.segments, self.codebook)

    def code_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """This persona's applied codes (label, segments, participants) and top code pairs."""
        rows = self.journey.segments
        frequency = code_frequency_table(rows, self.codebook)
        used = frequency[frequency["segments"] > 0]
        applied = pd.DataFrame(
            {
                "Dimension": used["dimension"].str.capitalize(),
                "Code": used["label"],
                "Segments": used["segments"],
                "Participants": used["participants"],
            }
        )
        pairs = top_pairs(code_cooccurrence(rows, self.codebook), self.codebook)
        pairs.columns = ["Code", "Together with", "Segments"]
        return applied, pairs


def output_folder(output_dir: Path | str, name: str) -> Path:
    """Where a notebook writes: ``output_dir`` when given (``cjm reports`` gives its build
    folder), else a new scratch folder, so that exploring a notebook by hand never overwrites a
    delivered report (README: Explore in JupyterLab)."""
    if str(output_dir):
        return Path(output_dir)
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix=f"cjm-{name}-"))
    print(f"Exploring: this run writes into {scratch}; the delivered reports are untouched.")
    return scratch


def load_context(
    study_dir: Path | str,
    persona_id: str,
    segments_path: Path | str,
    previous_dir: Path | str = "",
    redact: bool = True,
) -> ReportContext:
    """Load the persona, codebook, participant pseudonyms and coded table; build the journey.

    ``previous_dir`` is where the previous run's reports of this persona are: its snapshot says
    what changed since then. ``redact`` (the default) pseudonymises the table (``privacy``).
    """
    study_dir = Path(study_dir)
    # Every persona of a batch reads the same codebook and notes: a warm kernel keeps them.
    study_state = memo.study_state(study_dir)
    codebook, personas = memo.remember(
        "codebook_and_personas",
        (study_state, memo.files_state([default_codebook_path()])),
        lambda: study_notes(study_dir),
    )
    persona = personas.get(persona_id) or Persona(id=persona_id, name=persona_id)
    # The whole study serves the participants, the dates and the pseudonym key; a warm kernel
    # keeps it (memo.py). An unreadable participants.csv reads as none, as the batch names it.
    study = memo.remember("study", study_state, lambda: load_study(study_dir))
    participants = study.participants
    labels = {pid: p.pseudonym or pid for pid, p in participants.items()}
    segments = segments_table.read(segments_path, persona_id=persona_id)
    # a citation follows its words to the turn they moved to, or is left out when they are gone
    turns = memo.remember("study_turns", study_state, lambda: study_turns(study))
    recorded = read_citations(study_dir)
    curated = follow_citations(readable_insights(study_dir, codebook), turns, recorded).curated
    # Each interview's own (front-matter) date and its participant's, by the real ids.
    mine = segments[segments["persona_id"] == persona_id]
    dated = {t.interview_id: str(t.meta.get("date") or "") for t in study.transcripts}
    dates = [
        [dated.get(i, ""), *(participants[p].date for p in rows.unique() if p in participants)]
        for i, rows in mine.groupby("interview_id")["participant_id"]
    ]
    period = interview_period(dates)
    if redact:
        # The key covers the whole study (stable pseudonyms in every report); only this
        # persona's rows are redacted, which is all the report reads, whichever table it reads
        # (the study's, or one persona's while the batch streams). A table holding turns the
        # study no longer has is keyed with its own rows counted.
        study_key = memo.remember("study_key", study_state, lambda: privacy.study_key(study))

        def table_key() -> privacy.PseudonymKey:
            rows = segments_table.read(segments_path, columns=privacy.KEY_COLUMNS)
            return study_key if study_key.covers(rows) else privacy.study_key(study, rows)

        key = memo.remember(
            "table_key", (study_state, memo.files_state([segments_path])), table_key
        )
        segments, labels = privacy.redact_segments(segments, key), key.labels
        curated = privacy.redact_insights(curated, key)
        persona = privacy.redact_persona(persona, key)
    journey = build_journey(segments, codebook, persona_id, participant_labels=labels)
    agreement, audit = agreement_and_audit(study_dir, segments_path, codebook, study_state)
    previous = read_snapshot(snapshot_path(previous_dir, persona_id)) if previous_dir else None
    if redact and previous is not None:
        previous = privacy.redact_snapshot(previous, key)
    mine = segments["interview_id"].isin(journey.segments["interview_id"])
    words = interview_words(segments[mine])
    insights = insights_for(journey, curated, codebook, labels)
    # A turn quoted under an insight is not quoted again in its stage's section.
    quoted = {q.segment_id for insight in insights for q in insight.evidence}
    journey.quotes = stage_quotes(journey, labels, avoid=quoted)
    return ReportContext(
        study_dir=study_dir,
        study_name=study_dir.resolve().name,
        persona=persona,
        codebook=codebook,
        journey=journey,
        participant_labels=labels,
        insights=insights,
        changes=None if previous is None else changes(previous, snapshot(journey, words), codebook),
        words=words,
        period=period,
        agreement=agreement,
        audit=audit,
    )


def agreement_and_audit(
    study_dir: Path, segments_path: Path | str, codebook: Codebook, study_state: object
) -> tuple[pd.DataFrame | None, list[Audit]]:
    """The study's agreement table and the machine audit: the same in every persona's report, so
    a warm kernel keeps them while the coded tables, human codes and study files
    (``study_state``, ``memo.study_state``) are unchanged."""
    # The machine layer sits beside the merged table (batch writes both); without it, only
    # human coders can be compared and the machine cannot be audited.
    machine_path = Path(segments_path).with_name("segments.machine.parquet")
    coding = study_dir / "coding"
    human = sorted(coding.glob("*.csv")) if coding.is_dir() else []
    state = (study_state, memo.files_state([machine_path, *human]))

    def compute() -> tuple[pd.DataFrame | None, list[Audit]]:
        machine = segments_table.read(machine_path) if machine_path.exists() else None
        return agreement_table(study_dir, machine, codebook), machine_audit(study_dir, machine)

    return memo.remember("agreement_and_audit", state, compute)


def limitations(ctx: ReportContext) -> list[str]:
    """What a reader must keep in mind, in sentences with this report's own numbers."""
    journey = ctx.journey
    coders = journey.segments["coder"].replace("", pd.NA).dropna()
    machine = coders.str.startswith("auto:").mean() if len(coders) else 0.0
    said = [
        f"{machine:.0%} of the segments were coded by machine and {1 - machine:.0%} by people; "
        "machine codes are suggestions to review, not findings.",
        audit_sentence(ctx.audit),
        expectation_sentence(ctx.expected, bool(ctx.audit)),
        f"{plural(journey.n_participants, 'participant')}: counts describe this sample, not a "
        "population. "
        "Read them as signals of how widely something was felt, not as percentages to project.",
        "Valence is estimated from the words of each turn, not from tone of voice; sarcasm and "
        "understatement are easily misread.",
    ]
    said += evidence_cautions(journey, persona=False)
    return [s for s in said if s]


def snapshot_path(folder: Path | str, persona_id: str) -> Path:
    """Where a run leaves the snapshot the next run compares with."""
    return Path(folder) / f"{persona_id}.snapshot.json"


def write_snapshot(ctx: ReportContext, out_dir: Path | str) -> Path:
    """Save this run's snapshot next to the reports (atomically)."""
    data = json.dumps(snapshot(ctx.journey, ctx.words), indent=2, sort_keys=True) + "\n"
    return write_text(snapshot_path(out_dir, ctx.persona.id), data)


def make_figures(ctx: ReportContext, out_dir: Path | str) -> dict[str, Path]:
    """Draw and save every report figure as PNG under ``out_dir``; return their paths by name."""
    journey, codebook = ctx.journey, ctx.codebook
    drawn = {
        "journey_map": charts.journey_map(
            journey,
            codebook,
            title=ctx.persona.name,
            opportunities=opportunities_by_stage(ctx.insights, journey.stages),
        ),
        "emotion_curve": charts.emotion_curve_figure(journey),
        "touchpoint_heatmap": charts.touchpoint_heatmap(journey, codebook),
        "emotion_heatmap": charts.emotion_heatmap(journey, codebook),
    }
    return charts.save_figures(drawn, out_dir, ctx.persona.id)


def study_reference(study_dir: Path) -> Path | None:
    """The study's own ``reference.docx`` (Word styles), or None for the packaged one."""
    reference = study_dir / "reference.docx"
    return reference if reference.exists() else None


def write_docx(ctx: ReportContext, figures: dict[str, Path], out_path: Path | str) -> Path:
    """Write the persona's Word report (atomically) on the study's or the packaged styles."""
    return write_journey_docx(
        ctx.journey,
        codebook=ctx.codebook,
        persona=ctx.persona,
        figures=figures,
        insights=ctx.insights,
        changes=ctx.changes,
        period=ctx.period,
        limitations=limitations(ctx),
        warnings=review_warnings(ctx),
        agreement=ctx.agreement,
        code_tables=ctx.code_tables(),
        out_path=Path(out_path),
        study_name=ctx.study_name,
        reference=study_reference(ctx.study_dir),
    )


def stage_anchor(stage: str) -> str:
    """The HTML anchor of a stage's section."""
    return f"stage-{stage}"


def title_html(ctx: ReportContext) -> str:
    """Title block, counts and a table of contents."""
    journey = ctx.journey
    name = ctx.persona.name or ctx.persona.id
    title, *lines = title_lines(journey, name, ctx.study_name, ctx.period)
    *entries, appendix = SECTIONS.items()  # the stages come before the appendix
    entries += [(stage_anchor(s), f"Stage: {journey.stage_labels[s]}") for s in journey.stages]
    return (
        f'<h1 class="cjm-title">{html.esc(title)}</h1>'
        + "".join(html.paragraph(line, "cjm-subtitle") for line in lines)
        + html.toc([*entries, appendix])
    )


def heading_html(anchor: str) -> str:
    """The heading of the section ``anchor`` (``headings.SECTIONS``), the contents' link target."""
    return html.heading(SECTIONS[anchor], 2, anchor)


def summary_html(ctx: ReportContext) -> str:
    """The executive summary section: the Word report's sentences (``sections.summarise``)."""
    summary = summarise(ctx.journey, lambda code: ctx.codebook.label("touchpoints", code))
    return (
        heading_html("summary")
        + html.paragraph(summary.counts)
        # before any claim: what every figure below must be read with
        + (html.warning(summary.cautions) if summary.cautions else "")
        + html.paragraph(summary.lowest)
        + html.heading("Top pain points", 3)
        + (html.bullets(summary.pain_points) or html.paragraph(summary.no_pain_points))
        + (html.paragraph(summary.pain_by_stage) if summary.pain_by_stage else "")
        + html.heading("Top delights", 3)
        + (html.bullets(summary.delights) or html.paragraph(summary.no_delights))
        + "".join(html.warning(w) for w in review_warnings(ctx))
    )


def review_warnings(ctx: ReportContext) -> list[str]:
    """The executive summary's warnings about how far the machine's codes were checked."""
    warning = audit_warning(ctx.audit, ctx.expected)
    return [warning] if warning else []


def profile_html(ctx: ReportContext) -> str:
    """The persona profile from the persona notes."""
    persona = ctx.persona
    parts = [heading_html("profile")]
    if persona.unread:
        return "".join([*parts, html.warning(unread_notes(persona))])
    if none := no_notes(persona, ctx.journey.persona_id):
        return "".join([*parts, html.paragraph(none)])
    said = [persona.summary, *persona_narrative(persona)]
    parts += [html.paragraph(text) for text in said if text]
    for title, items in zip(
        PERSONA_SECTIONS, (persona.goals, persona.needs, persona.pain_points), strict=True
    ):
        if items:
            parts += [html.heading(title, 3), html.bullets(items)]
    if persona.quote:
        parts.append(f'<blockquote class="cjm-quote">“{html.esc(persona.quote)}”</blockquote>')
        parts.append(html.paragraph(f"— {PERSONA_QUOTE}", "cjm-provenance"))
    return "".join(parts)


def persona_figure(ctx: ReportContext, figures: dict[str, Path], figure: str, number: int) -> str:
    """A persona figure with the alt text and caption the Word report gives it
    (``sections.figure_alts``, ``sections.figure_captions``)."""
    name = ctx.persona.name or ctx.persona.id
    text = figure_captions(ctx.journey)[figure]
    if figure == "journey_map":
        text = f"Journey map of {name}. {text}"
    alt = figure_alts(ctx.journey, ctx.codebook, name)[figure]
    wide = figure == "journey_map"
    return html.figure(figures[figure], alt, f"Figure {number}. {text}", wide=wide)


def stage_html(ctx: ReportContext, stage: str) -> str:
    """One stage's section: evidence, touchpoints, emotions and quotes with provenance."""
    journey = ctx.journey
    parts = [html.heading(f"Stage: {journey.stage_labels[stage]}", 2, stage_anchor(stage))]
    definition = stage_definition(ctx.codebook, stage)
    parts += [html.paragraph(definition)] if definition else []
    sentence, warning = stage_intro(journey, stage)
    parts.append(html.paragraph(sentence))
    if warning:
        parts.append(html.warning(warning))
    mix = stage_mix(journey, ctx.codebook, stage)
    if not mix.empty:
        parts.append(html.table(mix, f"{journey.stage_labels[stage]}: touchpoints and emotions"))
    did = stage_doing_lines(journey, stage)
    if did:
        parts += [html.heading("What customers did", 3), html.bullets(did)]
    quotes = journey.quotes.get(stage, [])
    if quotes:
        parts.append(html.heading("What participants said", 3))
        parts += [
            html.quote_block(q, quote_attribution(q, ctx.codebook), quote_question(q))
            for q in quotes
        ]
    return "".join(parts)


def methodology_html(ctx: ReportContext) -> str:
    """The methodology appendix: sources, coders, measures, agreement, code tables, limitations
    and the codebook, as the Word report has them."""
    content = methodology(ctx.journey, ctx.codebook, ctx.persona.name or ctx.persona.id)
    return (
        heading_html("methodology")
        + html.heading("Sources", 3)
        + html.paragraph(content.sources)
        + html.heading("Coders", 3)
        + html.bullets(content.coders)
        + html.paragraph(content.coder_rule)
        + html.heading("Measures", 3)
        + html.bullets(content.measures)
        + agreement_html(ctx)
        + code_tables_html(ctx)
        + html.heading("Limitations", 3)
        + html.bullets(limitations(ctx))
        + html.heading("Codebook", 3)
        + html.paragraph(content.codebook)
        + html.table(content.definitions, "Codebook")
    )


def changes_html(ctx: ReportContext) -> str:
    """What moved since the previous run of this persona's report."""
    head = heading_html("changes")
    if ctx.changes is None:
        return head + html.paragraph("This is the first report for this persona in this folder.")
    if not ctx.changes:
        return head + html.paragraph("Nothing moved since the last report.")
    return head + html.bullets(ctx.changes)


def priority_rows(ctx: ReportContext, top: int = TOP_PRIORITIES) -> pd.DataFrame:
    """The priority table as shown in the HTML report: labels, reach and strength."""
    return priority_table(ctx.journey, ctx.codebook, top)


def priorities_html(ctx: ReportContext) -> str:
    """What to fix first: ranked pain points, the stages participants spoke about, and each
    team's items."""
    journey = ctx.journey
    parts = [heading_html("priorities")]
    if journey.priorities.empty:
        parts.append(html.paragraph("No pain points were coded for this persona."))
    else:
        parts.append(html.paragraph(priority_rule(ctx.codebook)))
        parts.append(html.table(priority_rows(ctx), SECTIONS["priorities"]))
        if split := split_pain(journey):
            parts.append(html.paragraph(split))
    parts.append(html.heading(REACH_HEADING, 3))
    parts.append(html.paragraph(REACH_GUIDE))
    parts.append(html.table(reach_table(journey), REACH_HEADING))
    teams = team_items(ctx.journey, ctx.codebook)
    if teams:
        parts.append(html.heading("By team", 3))
        for team, items in teams.items():
            parts.append(html.heading(team.capitalize(), 4))  # Word: Heading 3
            parts.append(html.bullets(items))
    return "".join(parts)


def insights_html(ctx: ReportContext) -> str:
    """Curated insights with their evidence, then generated ones, clearly labelled."""
    parts = [heading_html("insights")]
    if not ctx.insights:
        parts.append(html.paragraph(NO_INSIGHTS))
    for insight in ctx.insights:
        parts.append(html.heading(insight.title, 3))
        parts.append(html.paragraph(INSIGHT_SOURCES[insight.kind], "cjm-provenance"))
        if insight.detail:
            parts.append(html.paragraph(insight.detail))
        if insight.opportunity:
            parts.append(html.paragraph(f"Opportunity: {insight.opportunity}"))
        parts += [
            html.quote_block(q, quote_attribution(q, ctx.codebook), quote_question(q))
            for q in insight.evidence
        ]
    return "".join(parts)


def agreement_html(ctx: ReportContext) -> str:
    """The inter-coder agreement table, when the study has more than one coder."""
    if ctx.agreement.empty:
        return ""
    return (
        html.heading("Agreement between coders", 3)
        + html.paragraph(AGREEMENT_GUIDE)
        + html.table(agreement_display(ctx.agreement), "Agreement between coders")
    )


def code_tables_html(ctx: ReportContext) -> str:
    """How often each code was applied, and which codes most often share a segment."""
    applied, pairs = ctx.code_tables()
    guide = html.paragraph(CODE_FREQUENCY_GUIDE)
    parts = [html.heading("Code frequencies", 3), guide, html.table(applied, "Code frequencies")]
    if not pairs.empty:
        together = "Codes that occur together"
        parts += [html.heading(together, 3), html.table(pairs, together)]
    return "".join(parts)


def data_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The data behind a persona's report as numbers, for a researcher exploring the notebook:
    ``segments`` (one row per coded turn, pseudonymised as the report is), ``pain_points``,
    ``priorities`` (reach as participants and share, valence and score as numbers),
    ``quotes`` (every quote the stage sections draw from, with its provenance and the question
    it is printed with, or in a group interview the participant whose turn it is replying to)
    and ``actions``
    (the map's "customer actions" phrases with the turn each was said in)."""
    journey = ctx.journey
    label = ctx.participant_labels
    segments = journey.segments.assign(
        participant=journey.segments["participant_id"].map(lambda p: label.get(p, p))
    )[["segment_id", "participant", "stage", "touchpoints", "emotion", "valence", "text"]]
    priorities = journey.priorities.assign(
        share=journey.priorities["participants"] / max(1, journey.n_participants)
    )
    columns = [
        "stage", "participant", "location", "emotion", "valence", "question", "replying_to", "text"
    ]  # fmt: skip
    quotes = pd.DataFrame(
        [
            {
                "stage": stage,
                "participant": q.participant,
                "location": q.location,
                "emotion": q.emotion,
                "valence": q.valence,
                "question": q.shown_question,
                "replying_to": q.replying_to,
                "text": q.text,
                "segment_id": q.segment_id,
            }
            for stage, quotes in journey.quotes.items()
            for q in quotes
        ],
        columns=[*columns, "segment_id"],
    )
    actions = (
        journey.actions.assign(
            participant=journey.actions["participant_id"].map(lambda p: label.get(p, p))
        ).drop(columns="participant_id")
        if len(journey.actions)
        else journey.actions
    )
    return {
        "actions": actions,
        "segments": segments.reset_index(drop=True),
        "pain_points": journey.pain_points.reset_index(drop=True),
        "priorities": priorities.reset_index(drop=True),
        "quotes": quotes,
    }
