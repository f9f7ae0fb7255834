"""End to end: `cjm reports` on a copy of the example study, then open what it wrote.

One session-wide run (about 20 s) feeds every assertion here, so the suite stays fast.
"""

import html as html_lib
import json
import re
import shutil
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from docx import Document

from cjm_research.analysis import build_journey
from cjm_research.cli import main
from cjm_research.report.sections import figure_captions
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

PERSONAS = ["busy-parent", "design-lover", "first-home"]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    study = root / "study"
    shutil.copytree(example_study_dir(), study)
    out = root / "reports"
    status = main(["reports", "--study", str(study), "--out", str(out), "--jobs", "2"])
    return status, study, out


def test_the_run_succeeds_and_writes_every_report(built):
    status, study, out = built
    assert status == 0
    for pid in PERSONAS:
        for suffix in (".docx", ".html", ".ipynb"):
            assert (out / pid / f"{pid}{suffix}").stat().st_size > 10_000, (pid, suffix)
        assert not list((out / pid).glob(".build-*")), "build folders must be cleaned up"
    assert (out / "coding.ipynb").exists()
    manifest = json.loads((study / ".cjm" / "manifest.json").read_text())
    assert [p["status"] for p in manifest["personas"]] == ["ok"] * 3
    assert len(manifest["inputs"]) == 9


def test_a_rerun_with_nothing_changed_loads_neither_pandas_nor_the_coders(built):
    import subprocess
    import sys

    _, study, out = built
    args = ["reports", "--study", str(study), "--out", str(out)]
    code = (
        f"import sys; from cjm_research.cli import main; status = main({args!r}); "
        "print(status, sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'onnxruntime') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "nothing changed since the last run" in done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout


def test_segments_table_codes_every_participant_turn(built):
    _, study, _ = built
    table = pd.read_parquet(study / ".cjm" / "segments.parquet")
    participants = table[table["role"] == "participant"]
    assert len(participants) >= 200
    assert set(participants["persona_id"]) == set(PERSONAS)
    assert participants["coder"].str.startswith("auto:").all()
    # Every turn is coded; one without a stage says why (the gold file leaves 22 of 224 turns,
    # introductions and closing thanks, without one).
    staged = participants["stage"] != ""
    assert staged.mean() > 0.8
    assert participants.loc[~staged, "evidence"].str.contains("no stage|review").all()
    interviewer = table[table["role"] == "interviewer"]
    assert (interviewer["stage"] == "").all() and len(interviewer) >= 200


def _docx_text(path: Path) -> tuple[list[str], str]:
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    body = "\n".join(p.text for p in doc.paragraphs)
    return headings, body


def test_word_report_has_stage_sections_figures_and_quotes(built):
    _, study, out = built
    path = out / "busy-parent" / "busy-parent.docx"
    headings, body = _docx_text(path)
    for stage in ("Awareness", "Consideration", "Purchase", "Onboarding", "Usage", "Support",
                  "Retention", "Advocacy"):  # fmt: skip
        assert any(h == f"Stage: {stage}" for h in headings), stage
    assert "Executive summary" in headings and "Journey map" in headings
    doc = Document(str(path))
    assert len(doc.inline_shapes) >= 3
    alt = re.findall(r'descr="([^"]+)"', doc.element.body.xml)
    assert any("journey" in a.lower() for a in alt)
    # New pages start at a heading (pageBreakBefore): a break paragraph that falls at the top of
    # a page leaves a blank page behind it.
    assert 'w:type="page"' not in doc.element.body.xml
    assert doc.element.body.xml.count("<w:pageBreakBefore/>") >= 4
    # Quotes are real participant words with their provenance.
    table = pd.read_parquet(study / ".cjm" / "segments.parquet")
    mark = table[(table["participant_id"] == "P04") & (table["role"] == "participant")]
    quoted = [t for t in mark["text"] if len(t) > 40 and t[:40] in body]
    assert quoted, "expected at least one of P04's turns quoted in the report"
    assert "Participant 04" in body  # provenance under the pseudonym …
    assert "p04-mark" not in body and "Mark Jensen" not in body  # … never the name
    assert "Alex, the time-poor parent" in body
    # What customers did, in their words and with where they said it (the map's actions lane).
    assert "What customers did" in headings
    did = [line for line in body.splitlines() if line.startswith("“") and "” — Participant" in line]
    said = " ".join(table.loc[table["role"] == "participant", "text"])
    assert did and all(line[1 : line.index("”")] in said for line in did)


def test_html_report_has_no_code_and_loads_nothing_from_the_network(built):
    _, _, out = built
    page = (out / "first-home" / "first-home.html").read_text(encoding="utf-8")
    assert "Stage: Support" in page and "Customer journey" in page
    assert "cjm-quote" in page
    assert 'class="jp-InputArea' not in page, "code cells must be hidden"
    assert "import report" not in page and "persona_id =" not in page
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "<script src=" not in page
    assert page.count("data:image/png;base64") >= 4


def test_executed_notebook_is_kept_and_index_links_everything(built):
    _, _, out = built
    nb = nbformat.read(out / "design-lover" / "design-lover.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    # The data behind the report, for a researcher: DataFrames and a figure drawn in the kernel,
    # kept out of the HTML report.
    explore = [c for c in nb.cells if "explore" in c.metadata.get("tags", [])]
    outputs = [o for c in explore if c.cell_type == "code" for o in c.outputs]
    assert any("<table" in o.get("data", {}).get("text/html", "") for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    html = (out / "design-lover" / "design-lover.html").read_text(encoding="utf-8")
    assert "The data behind this report" not in html
    index = (out / "index.html").read_text(encoding="utf-8")
    for pid in PERSONAS:
        assert f'href="{pid}/{pid}.html"' in index and f'href="{pid}/{pid}.docx"' in index
        assert f'src="{pid}/{pid}-journey_map.png"' in index


def test_a_failing_persona_is_reported_and_the_others_still_finish(built, tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from cjm_research.run import batch, notebooks
    from cjm_research.study import load_study

    _, study_dir, _ = built
    out = tmp_path / "reports"
    original = batch.run_persona

    def breaks_first_home(task):
        if task.persona_id == "first-home":  # its notebook cannot find the coded table
            task = notebooks.PersonaTask(
                **{**task.__dict__, "segments_path": str(tmp_path / "gone.parquet")}
            )
        return original(task)

    monkeypatch.setattr(batch, "run_persona", breaks_first_home)
    with ThreadPoolExecutor(2) as pool:  # any concurrent.futures.Executor runs the batch
        result = batch.run_reports(
            load_study(study_dir), out, personas=["first-home", "busy-parent"], executor=pool
        )
    assert not result.ok
    status = {r.persona_id: r for r in result.results}
    assert status["busy-parent"].status == "ok"
    assert status["first-home"].status == "failed"
    assert "segments table not found" in status["first-home"].error
    assert (out / "busy-parent" / "busy-parent.docx").exists()
    assert not (out / "first-home" / "first-home.docx").exists()
    assert (study_dir / ".cjm" / "logs" / "first-home.failed.ipynb").exists()
    assert not list(out.rglob("*failed*")), "a failure log may quote raw data: not in reports/"
    assert "Failed: CJMInputError" in (out / "index.html").read_text(encoding="utf-8")


def test_cross_persona_report_is_built_and_linked_first_in_the_index(built):
    _, _, out = built
    for suffix in (".docx", ".html", ".ipynb"):
        assert (out / f"cross-persona{suffix}").stat().st_size > 10_000, suffix
    assert not list(out.glob(".build-*")), "build folders must be cleaned up"
    headings = [
        p.text
        for p in Document(str(out / "cross-persona.docx")).paragraphs
        if p.style.name == "Heading 1"
    ]
    assert headings[:2] == ["Summary", "Emotion across the journeys"]
    index = (out / "index.html").read_text(encoding="utf-8")
    first = index.index('href="busy-parent/busy-parent.html"')
    assert index.index('href="cross-persona.html"') < first
    assert 'src="cross-persona-persona_curves.png"' in index


def test_a_failed_cross_persona_run_keeps_the_last_report(built, tmp_path):
    from cjm_research.report import compare as report_compare
    from cjm_research.run import notebooks

    _, study_dir, out = built
    assert notebooks.CROSS_PERSONA == report_compare.FILE_STEM
    for path in out.glob("cross-persona*"):
        shutil.copy(path, tmp_path / path.name)
    segments = study_dir / ".cjm" / "segments.parquet"
    kept = notebooks.run_cross_persona(study_dir, segments, tmp_path, PERSONAS,
                                   rebuild=False)  # fmt: skip
    assert kept.status == "unchanged"
    assert {Path(p).name for p in kept.outputs} >= {"cross-persona.docx", "cross-persona.html"}
    before = (tmp_path / "cross-persona.docx").read_bytes()
    failed = notebooks.run_cross_persona(study_dir, tmp_path / "gone.parquet", tmp_path, PERSONAS)
    assert failed.status == "failed" and "segments table not found" in failed.error
    assert (tmp_path / "cross-persona.docx").read_bytes() == before
    assert failed.log == str(tmp_path / "cross-persona.failed.ipynb")
    assert not list(tmp_path.glob(".build-*"))


def test_report_pages_show_no_stray_return_values(built):
    _, _, out = built
    for pid in PERSONAS:
        page = (out / pid / f"{pid}.html").read_text(encoding="utf-8")
        assert "PosixPath(" not in page and ".build-" not in page, pid


def test_both_formats_give_the_figures_the_same_captions_with_the_neutral_band(built):
    _, study, out = built
    table = pd.read_parquet(study / ".cjm" / "segments.parquet")
    journey = build_journey(table, load_study(study).codebook, "busy-parent")
    captions = figure_captions(journey)
    assert f"±{journey.neutral_band:g}" in captions["emotion_curve"]
    _, body = _docx_text(out / "busy-parent" / "busy-parent.docx")
    page = html_lib.unescape((out / "busy-parent" / "busy-parent.html").read_text("utf-8"))
    for text in captions.values():
        assert text in body and text in page, text


def _sentences(units: list[str]) -> set[str]:
    out = set()
    for unit in units:
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(unit.replace("\u00a0", " ").split())):
            if len(sentence) > 3:
                out.add(sentence)
    return out


def _html_units(path: Path) -> list[str]:
    """Text blocks of an HTML report; its navigation (contents) and page title are not content."""
    page = path.read_text("utf-8")
    page = re.sub(r"<(script|style|nav|title)[^>]*>.*?</\1>", " ", page, flags=re.S)
    parts = re.split(r"<(?:p|td|th|li|h[1-6]|blockquote|div|caption|figcaption)[^>]*>", page)
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", p)).split()) for p in parts]


def _docx_units(path: Path) -> list[str]:
    doc = Document(str(path))
    units = [p.text for p in doc.paragraphs]
    return units + [c.text for t in doc.tables for r in t.rows for c in r.cells]


def _unsaid(units: list[str], other: list[str]) -> list[str]:
    """Sentences and cells of ``units`` that the other format does not say."""
    text = " ".join(" ".join(u.replace("\u00a0", " ").split()) for u in other)
    return sorted(s for s in _sentences(units) if s not in text)


@pytest.mark.parametrize(
    "report", ["busy-parent/busy-parent", "first-home/first-home", "design-lover/design-lover",
               "cross-persona"],
)  # fmt: skip
def test_the_word_and_html_reports_say_the_same(built, report):
    """Every sentence and table cell of one format is in the other: the content is computed once
    (``analysis``: summary, stage intros and tables, quote attributions, reach, teams, captions,
    alt texts, methodology, title; ``compare`` for the cross-persona report) and the two
    renderers only lay it out."""
    _, _, out = built
    word = _docx_units(out / f"{report}.docx")
    page = _html_units(out / f"{report}.html")
    assert _unsaid(word, page) == []
    assert _unsaid(page, word) == []
    # Headings in the same order (levels may differ): a stakeholder switching formats finds
    # each section where it was.
    assert _docx_sections(out / f"{report}.docx") == _html_sections(out / f"{report}.html")


def _docx_sections(path: Path) -> list[str]:
    doc = Document(str(path))
    return [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]


def _html_sections(path: Path) -> list[str]:
    page = re.sub(r"<nav[^>]*>.*?</nav>", " ", path.read_text("utf-8"), flags=re.S)
    found = re.findall(r"<h[2-6][^>]*>(.*?)</h[2-6]>", page, flags=re.S)  # h1: the title
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", h)).split()) for h in found]


class _Page(HTMLParser):
    """What a browser, a screen reader and a mail client meet in a report: its tags in order
    with their attributes, each link's text and each heading's level."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.links: list[tuple[str, str]] = []
        self._link: list[str] | None = None
        self.text = text
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "a":
            self._link = []

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append((self.tags[-1][1].get("href", ""), "".join(self._link).strip()))
            self._link = None

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


REPORTS = [f"{pid}/{pid}" for pid in PERSONAS] + ["cross-persona"]


@pytest.mark.parametrize("report", REPORTS)
def test_a_report_is_one_file_that_works_when_e_mailed(built, report):
    """Nothing is fetched: every image and stylesheet picture is inside the file, and every
    link points into the page itself."""
    _, _, out = built
    text = (out / f"{report}.html").read_text(encoding="utf-8")
    page = _Page(text)
    sources = [a["src"] for tag in ("img", "script", "iframe") for a in page.all(tag) if "src" in a]
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not page.all("link"), "no stylesheet or font is loaded from beside the file"
    assert all(u.startswith("data:") for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", text))
    assert "@import" not in text
    ids = {a["id"] for _, a in page.tags if "id" in a}
    assert page.links and all(h.startswith("#") and h[1:] in ids for h, _ in page.links)


@pytest.mark.parametrize("report", REPORTS)
def test_a_screen_reader_finds_the_structure_of_a_report(built, report):
    _, _, out = built
    page = _Page((out / f"{report}.html").read_text(encoding="utf-8"))
    assert page.all("html")[0].get("lang") == "en"
    assert re.search(r"<title>\w[^<]+</title>", page.text)
    assert len(page.all("main")) == 1 and len(page.all("h1")) == 1
    assert [a.get("aria-label") for a in page.all("nav")] == ["Contents"]
    levels = [int(tag[1]) for tag, _ in page.tags if re.fullmatch(r"h[1-6]", tag)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels)), levels
    tables = page.all("table")
    assert tables and all(t.get("aria-label") for t in tables)
    assert all(th.get("scope") in {"col", "row"} for th in page.all("th"))
    assert all(text and text not in {"here", "link", "click here"} for _, text in page.links)
    cautions = [p for p in page.all("p") if p.get("class") == "cjm-warning"]
    assert all(p.get("role") == "note" for p in cautions)
    # Tab goes through the links alone: no output is a tab stop, nor a box that does not scroll
    assert not [a for _, a in page.tags if "tabindex" in a], "the page's script sets them"
    assert page.text.count('role="note"><strong>Caution:</strong> ') == len(cautions)


@pytest.mark.parametrize("report", REPORTS)
def test_every_figure_says_in_html_what_it_says_in_word(built, report):
    """The alt text of each figure is a description, not a file name, and the Word report's."""
    _, _, out = built
    page = _Page((out / f"{report}.html").read_text(encoding="utf-8"))
    alts = [a.get("alt", "") for a in page.all("img")]
    xml = Document(str(out / f"{report}.docx")).element.body.xml
    word = [html_lib.unescape(d) for d in re.findall(r'descr="([^"]*)"', xml)]
    assert alts == word and len(alts) >= 3
    assert all(len(a) > 40 and not re.search(r"\.(png|jpe?g|svg)\b", a) for a in alts)


def test_the_journey_map_scrolls_on_a_phone_and_prints_landscape(built):
    _, _, out = built
    text = (out / "busy-parent" / "busy-parent.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="([^"]+)">', text)
    assert figures == ["cjm-figure cjm-wide", "cjm-figure", "cjm-figure", "cjm-figure"]
    wide = text[text.index('class="cjm-figure cjm-wide"') :]
    assert wide.index('class="cjm-scroll"') < wide.index("<img")
    assert '<meta content="width=device-width, initial-scale=1.0" name="viewport"/>' in text
    assert "@page map { size: landscape;" in text and "{ page: map; }" in text
