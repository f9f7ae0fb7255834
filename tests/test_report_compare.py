"""The cross-persona report: figures, the Word document and the HTML, from a two-persona study."""

from __future__ import annotations

import re

import docx
import nbformat
import pytest
from docx.oxml.ns import qn

from cjm_research.report import compare as rc
from cjm_research.report.render.html import export_html
from cjm_research.resources import notebooks_dir
from journey_data import PERSONA_ID, make_segments

HOSTILE = 'Night owl <script>alert("x")</script> & co'
OTHER = "night-owl"


def _two_personas():
    """The synthetic busy parent plus a night owl who loves buying and hates being helped."""
    parent = make_segments()
    owl = parent[parent["role"] == "participant"].copy()
    owl["persona_id"] = OTHER
    owl["participant_id"] = "N" + owl["participant_id"]
    owl["interview_id"] = "n-" + owl["interview_id"]
    owl["segment_id"] = "n-" + owl["segment_id"]
    purchase = owl["stage"] == "purchase"
    owl.loc[purchase, "valence"] = owl.loc[purchase, "valence"].abs()
    owl.loc[owl["stage"] == "support", "touchpoints"] = "chat;email"
    return parent, owl


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    import pandas as pd

    root = tmp_path_factory.mktemp("study")
    (root / "personas").mkdir()
    for pid, name in ((PERSONA_ID, "Busy parent"), (OTHER, HOSTILE)):
        quoted = name.replace('"', '\\"')
        (root / "personas" / f"{pid}.md").write_text(
            f'---\nid: {pid}\nname: "{quoted}"\n---\n\nNotes.\n', encoding="utf-8"
        )
    segments = root / "segments.parquet"
    pd.concat(_two_personas(), ignore_index=True).to_parquet(segments, index=False)
    return root, segments


@pytest.fixture(scope="module")
def ctx(study):
    root, segments = study
    return rc.load_compare_context(root, segments)


@pytest.fixture(scope="module")
def figures(ctx, tmp_path_factory):
    return rc.make_figures(ctx, tmp_path_factory.mktemp("figures"))


@pytest.fixture(scope="module")
def document(ctx, figures, tmp_path_factory):
    path = rc.write_docx(ctx, figures, tmp_path_factory.mktemp("docx") / "cross-persona.docx")
    return docx.Document(str(path))


def test_context_compares_both_personas_by_their_names(ctx):
    comparison = ctx.comparison
    assert comparison.personas == [PERSONA_ID, OTHER]
    assert comparison.name(OTHER) == HOSTILE
    purchase = comparison.divergence.set_index("stage").loc["purchase"]
    assert (purchase["lowest"], purchase["highest"]) == (PERSONA_ID, OTHER)
    only = rc.load_compare_context(*_study_args(ctx), personas=OTHER).comparison
    assert only.personas == [OTHER]


def _study_args(ctx):
    return ctx.study_dir, ctx.study_dir / "segments.parquet"


def test_figures_are_pngs_named_for_the_report(figures):
    assert sorted(figures) == ["divergence", "persona_curves", "touchpoint_personas"]
    for name, path in figures.items():
        assert path.name == f"cross-persona-{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_word_report_sections_and_properties(document):
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "Summary",
        "Emotion across the journeys",
        "Touchpoints that set the personas apart",
        "Stage by stage",
        "Appendix: Methodology",
    ]
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [
        "Cross-persona comparison"
    ]
    assert document.core_properties.title == "Cross-persona comparison"
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets[0].startswith("The journeys diverge most in Purchase: Busy parent at −")
    # Researcher-supplied text is kept as text, never interpreted.
    assert any(HOSTILE in b for b in bullets)


def test_word_figures_have_alt_text_and_numbered_captions(document):
    assert len(document.inline_shapes) == 3
    alts = re.findall(r'descr="([^"]*)"', document.element.body.xml)
    assert len(alts) == 3 and all(len(a) > 40 for a in alts)
    assert alts[0].startswith("Line chart of mean valence by stage, one line per persona.")
    assert "Busy parent: Awareness" in alts[0]
    assert "Purchase" in alts[1]
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert [c.split(".")[0] for c in captions] == ["Figure 1", "Figure 2", "Figure 3"]


def test_word_tables_repeat_their_header_rows(document):
    persons, touch, stages = document.tables
    assert [c.text for c in persons.rows[0].cells] == [
        "Persona",
        "Interviews",
        "Participants",
        "Coded segments",
    ]
    assert [c.text for c in stages.rows[0].cells] == ["Stage", "Busy parent", HOSTILE, "Spread"]
    assert len(stages.rows) == 1 + 8  # the default codebook's stages
    purchase = next(r for r in stages.rows if r.cells[0].text == "Purchase")
    assert purchase.cells[1].text == "−0.38 leans negative (n = 5) · 5 of 5 participants"
    assert [c.text for c in touch.rows[0].cells][:3] == ["Touchpoint", "Most", "Least"]
    for table in document.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None


def test_html_fragments_escape_researcher_text(ctx):
    page = rc.title_html(ctx) + rc.summary_html(ctx) + rc.stages_html(ctx)
    assert "<script>" not in page
    assert "Night owl &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert 'href="#divergence"' in page and 'id="divergence"' in rc.divergence_html()


def test_html_figures_carry_the_word_alt_text_and_caption(ctx, figures):
    figure = rc.figure_html(ctx, figures, "divergence", 2)
    assert figure.startswith(
        '<figure class="cjm-figure"><div class="cjm-scroll"><img src="data:image/png;base64,iVBOR'
    )
    assert 'alt="Range bars of mean valence per stage, widest spread first: Purchase' in figure
    assert "Night owl &lt;script&gt;" in figure and "<script>" not in figure
    assert '<figcaption class="cjm-figcaption">Figure 2. Spread of mean valence' in figure


def test_notebook_end_to_end_to_self_contained_html(study, tmp_path):
    from cjm_research.run.kernels import execute

    root, segments = study
    executed = tmp_path / "cross-persona.ipynb"
    parameters = {"study_dir": str(root), "segments_path": str(segments)}
    execute(
        notebooks_dir() / "cross_persona.ipynb",
        executed,
        {**parameters, "output_dir": str(tmp_path), "personas": ""},
        120,
    )
    assert (tmp_path / "cross-persona.docx").stat().st_size > 20_000
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    page = export_html(executed, tmp_path / "cross-persona.html").read_text(encoding="utf-8")
    assert "load_compare_context" not in page, "code cells must not be exported"
    assert str(root) not in page, "the injected parameters must not be exported"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "no network resources"
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    alts = [m[1] for m in re.findall(r"""<img alt=(["'])(.*?)\1""", page)]
    assert len(alts) == 3 and not [a for a in alts if "No description" in a]
    assert alts[0].startswith("Line chart of mean valence by stage, one line per persona.")


def test_both_formats_say_no_touchpoint_sets_alike_personas_apart(tmp_path):
    import pandas as pd

    from cjm_research.compare_words import GUIDES

    parent, owl = _two_personas()
    owl["touchpoints"] = parent.loc[parent["role"] == "participant", "touchpoints"].to_numpy()
    root = tmp_path / "study"
    (root / "personas").mkdir(parents=True)
    pd.concat([parent, owl], ignore_index=True).to_parquet(root / "seg.parquet", index=False)
    ctx = rc.load_compare_context(root, root / "seg.parquet")
    figures = rc.make_figures(ctx, tmp_path / "figures")
    document = docx.Document(str(rc.write_docx(ctx, figures, tmp_path / "cross-persona.docx")))
    words = [p.text for p in document.paragraphs]
    page = rc.touchpoints_html(ctx) + rc.summary_html(ctx) + rc.methodology_html(ctx)
    note = GUIDES["none_apart"]
    assert note.startswith("No touchpoint sets the personas apart")
    # the summary's sentence, and the section's caution in place of the table
    assert words.count(note) == 1 and words.count(f"Caution: {note}") == 1
    assert f"<li>{html_text(note)}</li>" in page
    assert f"<strong>Caution:</strong> {html_text(note)}</p>" in page
    assert len(document.tables) == 2  # personas and stages: no touchpoint table
    rule = next(w for w in words if w.startswith("A touchpoint sets the personas apart when"))
    assert html_text(rule) in page
    alt = re.findall(r'descr="([^"]*)"', document.element.body.xml)[2]
    assert alt.endswith(note) and f'alt="{html_text(alt)}"' in rc.figure_html(
        ctx, figures, "touchpoint_personas", 3
    )


def html_text(text: str) -> str:
    from cjm_research.report.render.html import esc

    return esc(text)
