"""The Word journey report: structure, figures with alt text, quotes with provenance, safety."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from cjm_research.analysis import Journey, Quote, build_journey
from cjm_research.exceptions import CJMInputError
from cjm_research.report.render.docx import REQUIRED_STYLES, clean_for_word, write_journey_docx
from cjm_research.resources import templates_dir
from journey_data import (
    PERSONA_ID,
    make_codebook,
    make_journey,
    make_persona,
    make_segments,
    save_journey_figures,
)

ROOT = Path(__file__).resolve().parents[1]


def _first_quote_as(**changes: str) -> tuple[Journey, Quote]:
    """The test journey with its first stage quote changed (its words, question …)."""
    journey = make_journey()
    stage = next(s for s, quotes in journey.quotes.items() if quotes)
    quote = replace(journey.quotes[stage][0], **changes)
    journey.quotes[stage] = [quote, *journey.quotes[stage][1:]]
    return journey, quote


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    return save_journey_figures(make_journey(), make_codebook(), folder, dpi=60)


def _write(tmp_path, figures, journey=None, **kwargs):
    options = {
        "codebook": make_codebook(),
        "persona": make_persona(),
        "figures": figures,
        "out_path": tmp_path / "report.docx",
        "study_name": "Grocery delivery study",
    }
    options.update(kwargs)
    return write_journey_docx(journey or make_journey(), **options)


@pytest.fixture(scope="module")
def report(tmp_path_factory, figures):
    return _write(tmp_path_factory.mktemp("report"), figures)


@pytest.fixture(scope="module")
def document(report):
    return docx.Document(str(report))


def _styled(document, style):
    return [p.text for p in document.paragraphs if p.style.name == style]


def _sections(document):
    """Paragraphs grouped under the Heading 1 they follow: {heading: [(style, text), ...]}."""
    groups, current = {}, None
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            current = p.text
            groups[current] = []
        elif current is not None:
            groups[current].append((p.style.name, p.text))
    return groups


def test_title_page(document):
    assert _styled(document, "Title") == ["Customer journey: Busy parent"]
    assert _styled(document, "Subtitle") == [
        "Study: Grocery delivery study",
        "5 interviews · 5 participants · 24 coded segments",
    ]


def test_sections_in_order_with_one_per_stage(document):
    stages = [f"Stage: {c.label}" for c in make_codebook().stages]
    assert _styled(document, "Heading 1") == [
        "Executive summary",
        "Persona profile",
        "Journey map",
        "What to fix first",
        "Insights and opportunities",
        "Emotion across the journey",
        "Touchpoints by stage",
        *stages,
        "Appendix: Methodology",
    ]


def test_executive_summary(document):
    summary = _sections(document)["Executive summary"]
    text = "\n".join(t for _, t in summary)
    assert (
        "The journey is at its lowest in Support: mean valence −0.48 (leans negative) over 6 "
        "segments from 5 participants, 83 % of them with a negative emotion, 17 % with a "
        "positive one." in text
    )
    bullets = [t for style, t in summary if style == "List Bullet"]
    assert len(bullets) == 6  # three pain points, three delights
    assert bullets[0] == (
        "Phone support during Support: 3 participants, 3 segments (mean valence −0.80)"
    )
    assert any(t.startswith("Word of mouth during Awareness: 2 participants") for t in bullets)
    warnings = [t for style, t in summary if style == "Evidence Warning"]
    # nobody spoke of Usage: no evidence, apart from the stages on few segments
    assert warnings == [
        "Caution: No evidence for Usage: no participant segment was coded with this stage. "
        "Low evidence (fewer than 3 coded segments) for Onboarding, Advocacy: read what this "
        "report says about these stages as indicative only."
    ]
    # The label reads as one in black and white, as the HTML report's does.
    labelled = [p for p in document.paragraphs if p.style.name == "Evidence Warning"]
    assert all(p.runs[0].text == "Caution:" and p.runs[0].bold for p in labelled)


def test_persona_profile(document):
    profile = _sections(document)["Persona profile"]
    assert ("List Bullet", "Reliable delivery slots after 6 pm") in profile
    assert ("Quote", "“If it saves me an hour on Saturday, it's worth every penny.”") in profile


def test_figures_are_inline_with_alt_text_and_numbered_captions(document):
    shapes = document.inline_shapes
    assert len(shapes) == 4
    alts = [shape._inline.docPr.get("descr") for shape in shapes]
    assert all(alt and len(alt) > 20 for alt in alts)
    assert alts[0].startswith("Journey map of Busy parent across 7 stages")
    assert "The low point is Support (−0.48, n = 6)" in alts[0]
    assert "Usage no data" in alts[1]
    captions = _styled(document, "Caption")
    assert [c.split(".")[0] for c in captions] == ["Figure 1", "Figure 2", "Figure 3", "Figure 4"]
    assert captions[0].startswith("Figure 1. Journey map of Busy parent.")
    # Figure numbers are SEQ fields, so Word can build a list of figures
    body = document.element.body.xml
    assert body.count("SEQ Figure") == 4


def test_journey_map_sits_on_a_landscape_page(document):
    orientations = [s.page_width > s.page_height for s in document.sections]
    assert orientations == [False, True, False]
    landscape = document.sections[1]
    usable = landscape.page_width - landscape.left_margin - landscape.right_margin
    assert document.inline_shapes[0].width <= usable


def test_stage_sections_have_evidence_tables_and_quotes(document):
    journey = make_journey()
    sections = _sections(document)
    support = sections["Stage: Support"]
    assert ("Normal", "Asks for help when something goes wrong.") in support
    assert any(
        t.startswith(
            "6 coded segments from 5 of 5 participants (5 interviews). Mean valence −0.48, "
            "leans negative (95 % interval"
        )
        for _, t in support
    )
    for stage in journey.stages:
        paragraphs = sections[f"Stage: {journey.stage_labels[stage]}"]
        quotes = journey.quotes[stage]
        for quote in quotes:
            index = paragraphs.index(("Quote", f"“{quote.text}”"))
            style, provenance = paragraphs[index + 1]
            assert style == "Provenance" and quote.provenance in provenance
        warned = any(style == "Evidence Warning" for style, _ in paragraphs)
        assert warned == (stage in journey.low_evidence), stage
    assert "No participant segment was coded with this stage." in [
        t for _, t in sections["Stage: Usage"]
    ]


def test_timed_and_untimed_provenance(document):
    provenance = _styled(document, "Provenance")
    assert any("p02-interview · 00:" in p for p in provenance)  # a subtitle-timed source
    assert any("Alex · p01-interview · line " in p for p in provenance)  # pseudonym and line


def test_tables_repeat_their_header_row(document):
    tables = document.tables
    # the priority table, the funnel, six stages with codes, the stage definitions
    assert len(tables) == 2 + 6 + 1
    for table in tables:
        assert table.style.name == "CJM Table"
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
        assert table.rows[0].cells[0].paragraphs[0].style.name == "Table Heading"
    support = tables[2 + 4]
    assert [c.text for c in support.rows[0].cells] == [
        "Top touchpoints",
        "Segments",
        "Top emotions",
        "Segments",
    ]
    assert [c.text for c in support.rows[1].cells] == ["Phone support", "3", "Frustration", "3"]


def test_methodology_appendix(document):
    appendix = _sections(document)["Appendix: Methodology"]
    text = "\n".join(t for _, t in appendix)
    assert "5 interviews with 5 participants of the persona Busy parent" in text
    assert ("List Bullet", "auto:rules@1: 19 segments") in appendix
    assert ("List Bullet", "Dana Researcher: 5 segments") in appendix
    assert "Test codebook, version 1+test." in text
    definitions = document.tables[-1]
    rows = [[c.text for c in row.cells] for row in definitions.rows]
    assert rows[0] == ["Stage", "Definition"]
    assert rows[1] == ["Awareness", "First hears of the service."]
    assert len(rows) == 1 + len(make_codebook().stages)


def test_footer_has_page_numbers(document):
    footer = document.sections[0].footer
    assert "Page" in footer.paragraphs[0].text
    instructions = [e.text.strip() for e in footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert all(section.footer.is_linked_to_previous for section in document.sections[1:])


def test_core_properties_are_fixed(document):
    props = document.core_properties
    assert props.title == "Customer journey: Busy parent"
    assert props.subject == f"Grocery delivery study · persona {PERSONA_ID}"
    assert props.author == "cjm-research"
    for stamp in (props.created, props.modified, props.last_printed):
        assert stamp.replace(tzinfo=None) == datetime(2000, 1, 1)


def test_same_inputs_give_identical_bytes(tmp_path, figures, report):
    again = _write(tmp_path, figures)
    assert again.read_bytes() == report.read_bytes()


def test_only_reference_styles_are_used(document):
    used = {p.style.name for p in document.paragraphs}
    used |= {t.style.name for t in document.tables}
    for table in document.tables:
        used |= {p.style.name for cell in table._cells for p in cell.paragraphs}
    assert used <= set(REQUIRED_STYLES)


def test_clean_for_word_removes_what_xml_cannot_hold():
    dirty = "a\x00b\x08c\x0bd\x0ce\x0ef\x1fg\ufffeh\uffffi\ud800j\udfffk"
    assert clean_for_word(dirty) == "abcdefghijk"
    kept = "tab\there, line\nbreak, R&D <team>, émoji 😀, “quotes”"
    assert clean_for_word(kept) == kept


def test_control_characters_in_quotes_do_not_break_the_writer(tmp_path, figures):
    # object columns: arrow-backed strings refuse lone surrogates, a Python str does not
    segments = make_segments().astype({"text": object, "coder": object})
    target = segments["segment_id"] == "p01-interview:10"  # Support's strongest quote
    dirty = "On hold\x0b for \x00forty\ud800 minutes, R&D <team> said\x1f no."
    segments.loc[target, "text"] = dirty
    segments.loc[target, "coder"] = "Dana\x07 Researcher"
    journey = build_journey(segments, make_codebook(), PERSONA_ID)
    path = _write(tmp_path, figures, journey, study_name="Study\x0c one")
    document = docx.Document(str(path))
    quotes = _styled(document, "Quote")
    assert "“On hold for forty minutes, R&D <team> said no.”" in quotes
    assert _styled(document, "Subtitle")[0] == "Study: Study one"


def test_failed_write_leaves_the_previous_report_intact(tmp_path, figures, monkeypatch):
    path = _write(tmp_path, figures)
    before = path.read_bytes()

    def crash(self, target):
        # Like a real crash mid-save: some bytes reach the target, then the write dies.
        if isinstance(target, str | os.PathLike):
            Path(target).write_bytes(b"PK\x03\x04 half a zip")
        else:
            target.write(b"PK\x03\x04 half a zip")
        raise RuntimeError("power cut")

    monkeypatch.setattr(docx.document.Document, "save", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        _write(tmp_path, figures, study_name="Another study")
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["report.docx"]


def test_report_permissions_follow_the_umask(tmp_path, figures):
    old = os.umask(0o022)
    try:
        path = _write(tmp_path, figures)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600


def test_failed_replace_leaves_no_temp_file(tmp_path, figures, monkeypatch):
    path = _write(tmp_path, figures)
    before = path.read_bytes()

    def no_replace(src, dst):
        raise OSError("read-only")

    monkeypatch.setattr(os, "replace", no_replace)
    with pytest.raises(OSError, match="read-only"):
        _write(tmp_path, figures, study_name="Another study")
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["report.docx"]


def test_empty_persona_without_figures_or_notes(tmp_path):
    empty = make_journey("nobody-here")
    path = _write(tmp_path, {}, empty, persona=None, study_name="")
    document = docx.Document(str(path))
    assert _styled(document, "Title") == ["Customer journey: nobody-here"]
    assert _styled(document, "Subtitle") == ["0 interviews · 0 participants · 0 coded segments"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "No persona notes were found for “nobody-here”." in text
    assert "No stage has enough evidence" in text
    assert "was not produced for this report" in text
    assert len(document.inline_shapes) == 0
    assert len(_styled(document, "Heading 1")) == 5 + 2 + 7 + 1


def test_empty_journey_with_its_figures(tmp_path):
    empty = make_journey("nobody-here")
    figures = save_journey_figures(empty, make_codebook(), tmp_path / "fig", dpi=50)
    path = _write(tmp_path, figures, empty)
    assert len(docx.Document(str(path)).inline_shapes) == 4


def test_reference_missing_a_style_is_a_user_error(tmp_path, figures):
    plain = tmp_path / "plain.docx"
    docx.Document().save(str(plain))
    with pytest.raises(CJMInputError, match="Provenance") as info:
        _write(tmp_path, figures, reference=plain)
    assert info.value.path == plain
    with pytest.raises(CJMInputError, match="not found"):
        _write(tmp_path, figures, reference=tmp_path / "missing.docx")


def test_reference_docx_is_what_the_script_generates(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_reference_docx", ROOT / "tools" / "make_reference_docx.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(tmp_path / "reference.docx")]) == 0
    committed = templates_dir() / "reference.docx"
    assert (tmp_path / "reference.docx").read_bytes() == committed.read_bytes(), (
        "templates/reference.docx is stale: run tools/make_reference_docx.py"
    )
    reference = docx.Document(str(committed))
    assert set(REQUIRED_STYLES) <= {s.name for s in reference.styles}
    section = reference.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 2.0
    assert reference.paragraphs == [] or all(not p.text for p in reference.paragraphs)


def test_a_quotes_question_is_muted_and_an_older_reference_still_writes_it(tmp_path, figures):
    journey, _ = _first_quote_as(
        text="Twelve days. Far too long.", question="How long did it take?"
    )

    def question_style(document):
        texts = [(p.text, p.style.name) for p in document.paragraphs]
        [i] = [i for i, (text, _) in enumerate(texts) if text == "Asked: How long did it take?"]
        assert texts[i + 1][0] == "“Twelve days. Far too long.”"  # just before its quote
        return texts[i][1]

    path = _write(tmp_path, figures, journey)
    assert question_style(docx.Document(str(path))) == "Question"
    # A study's reference.docx made before the Question style: the provenance's look, no error.
    older = docx.Document(str(templates_dir() / "reference.docx"))
    style = older.styles["Question"].element
    style.getparent().remove(style)
    older.save(str(tmp_path / "older.docx"))
    path = _write(tmp_path, figures, journey, reference=tmp_path / "older.docx")
    assert question_style(docx.Document(str(path))) == "Provenance"


def test_an_answer_to_the_interviewers_remark_is_printed_under_the_remark(tmp_path, figures):
    # "It is, because you try to do the right thing." took up "That sounds frustrating.":
    # printed as "Asked: That sounds frustrating." a statement read as a misprint.
    journey, _ = _first_quote_as(
        text="It is, because you try to do the right thing.", question="That sounds frustrating."
    )
    texts = [p.text for p in docx.Document(str(_write(tmp_path, figures, journey))).paragraphs]
    [i] = [i for i, text in enumerate(texts) if text == "Interviewer: That sounds frustrating."]
    assert texts[i + 1] == "“It is, because you try to do the right thing.”"
    assert not [text for text in texts if text.startswith("Asked: That")]


def _bold_width_cm(word: str, points: float) -> float:
    """How wide ``word`` prints in bold at ``points``, measured with matplotlib's DejaVu Sans
    (a little wider than Arial, so a word that fits here fits in Word and LibreOffice)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family="DejaVu Sans", weight="bold", size=points)
    width, _, _ = TextToPath().get_text_width_height_descent(word, font, ismath=False)
    return width / 72 * 2.54


def test_the_agreement_tables_headers_do_not_break_inside_a_word(tmp_path, figures):
    """The agreement table's 'Excluded', 'Agreement', 'Kappa', 'Alpha' printed as 'Exclud / ed',
    'Agreeme / nt', 'Kapp / a', 'Alph / a': each header word fits its column."""
    agreement = pd.DataFrame(
        {
            "Dimension": ["Stage (nominal)"], "Coders": ["2"], "Units": [23], "Excluded": [7],
            "Agreement (%)": [100.0], "Kappa": [1.0], "Alpha": [1.0],
            "Weakest codes": ["Booking an appointment (1.00)"],
        }
    )  # fmt: skip
    document = docx.Document(str(_write(tmp_path, figures, agreement=agreement)))
    style = document.styles["Table Heading"]
    points = (style.font.size or document.styles["Normal"].font.size).pt
    margins = 2 * 0.19  # the CJM Table style's cell margins, 108 twips a side
    headers = [t.rows[0].cells for t in document.tables]
    [cells] = [row for row in headers if "Excluded" in [cell.text for cell in row]]
    for cell in cells:
        for word in cell.text.split():
            assert _bold_width_cm(word, points) + margins <= cell.width.cm, word


def test_a_stage_section_quotes_what_two_participants_said_alike_once(tmp_path):
    segments = make_segments()
    support = segments[segments["stage"] == "support"]
    first = support.iloc[0]["text"]  # P01, the strongest: on hold for forty minutes
    assert first.startswith("I was on hold for forty minutes")
    # P05 said the same words, P03 nearly: both would rank next, as padding
    segments.loc[support.index[4], "text"] = first.upper().replace(" and then", ", and then")
    segments.loc[support.index[2], "text"] = first.replace("the call just dropped", "it dropped")
    journey = build_journey(segments, make_codebook(), PERSONA_ID)
    document = docx.Document(str(_write(tmp_path, {}, journey)))
    quotes = [t for style, t in _sections(document)["Stage: Support"] if style == "Quote"]
    assert len(quotes) == 3
    assert sum("forty minutes" in q.lower() for q in quotes) == 1, quotes


def test_a_persona_whose_note_was_not_read_shows_a_caution_not_notes(tmp_path, figures):
    unread = "personas/busy-parent.md, line 5: front matter is not valid YAML"
    persona = replace(make_persona(), unread=unread)
    profile = _sections(docx.Document(str(_write(tmp_path, figures, persona=persona))))[
        "Persona profile"
    ]
    ((style, text),) = [(style, text) for style, text in profile if text]
    assert style == "Evidence Warning" and text.startswith("Caution: The persona notes could not")
    assert unread in text and "Reliable delivery slots" not in text


def test_a_reply_in_a_group_interview_is_printed_under_the_turn_it_replies_to(tmp_path, figures):
    # A focus group: Gwen's "That's awful. …" was printed under "Asked: A letter from the
    # council?", the moderator's question to Abdi, which she never answered.
    journey, reply = _first_quote_as(
        text="That's awful. Can you not get a bigger bin for a big family?",
        question="Yes, a warning letter, about side waste. It says you can get a fine.",
        replying_to="Sorter 05",
    )
    document = docx.Document(str(_write(tmp_path, figures, journey)))
    texts = [(p.text, p.style.name) for p in document.paragraphs]
    said = f"Replying to Sorter 05: {reply.question}"
    [i] = [i for i, (text, _) in enumerate(texts) if text == said]
    assert texts[i + 1][0] == f"“{reply.text}”" and texts[i][1] == "Question"
    assert not [text for text, _ in texts if text.startswith("Asked: Yes, a warning")]
