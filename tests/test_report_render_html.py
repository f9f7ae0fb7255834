"""HTML fragments and the index page: escaped, self-contained, every report linked, accessible
(named tables, labelled cautions, contrast computed from the template's CSS)."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd

from cjm_research.report.render import KEEP_TOGETHER_ROWS, html
from cjm_research.resources import templates_dir


def _entry(pid: str, name: str, status: str = "ok", error: str = "") -> html.IndexEntry:
    return html.IndexEntry(
        persona_id=pid,
        name=name,
        interviews=3,
        participants=3,
        segments=70,
        status=status,
        error=error,
        files=[f"{pid}/{pid}.html", f"{pid}/{pid}.docx", f"{pid}/{pid}-journey_map.png"],
    )


def _overview(status: str = "ok", error: str = "") -> html.IndexEntry:
    return html.IndexEntry(
        persona_id="cross-persona",
        name="Cross-persona comparison",
        interviews=9,
        participants=9,
        segments=224,
        status=status,
        error=error,
        files=[
            "cross-persona.ipynb",
            "cross-persona.docx",
            "cross-persona.html",
            "cross-persona-divergence.png",
            "cross-persona-persona_curves.png",
        ],
    )


def test_index_links_the_cross_persona_report_first():
    page = html.index_page("study", [_entry("a", "Ann")], _overview())
    overview = page.index('<section class="card overview">')
    assert overview < page.index("<h2>Ann</h2>")
    block = page[overview : page.index("</section>", overview)]
    # A screen reader lists links out of context: each says whose report it opens.
    assert '<a href="cross-persona.html" aria-label="HTML: Cross-persona comparison">HTML</a>' in (
        block
    )
    assert '<a href="cross-persona.docx" aria-label="Word: Cross-persona comparison">Word</a>' in (
        block
    )
    assert block.index(">HTML<") < block.index(">Word<")
    assert '<img src="cross-persona-persona_curves.png" alt="Emotion curves of every persona">' in (
        block
    )
    assert "9 interviews · 9 participants · 224 coded segments" in block
    assert "Failed" not in block


def test_index_reports_a_failed_comparison_and_keeps_unchanged_ones_quiet():
    failed = html.index_page("s", [], _overview("failed", "KeyError: <persona>"))
    assert '<p class="failed">Failed: KeyError: &lt;persona&gt;</p>' in failed
    assert "Failed" not in html.index_page("s", [], _overview("unchanged"))


def test_index_says_which_reports_an_interrupt_left_as_they_were_or_unbuilt():
    kept = _entry("a", "Ann", "interrupted")
    new = html.IndexEntry("b", "Bo", 0, 0, 0, "interrupted")
    page = html.index_page("s", [kept, new], _overview("interrupted"))
    said = (
        '<p class="failed">Not rebuilt: the last run was interrupted; the links are to the report '
        "built before it (run cjm reports again to finish)</p>"
    )
    assert page.count(said) == 2 and '<a href="a/a.html" aria-label="HTML: Ann">HTML</a>' in page
    assert (
        '<p class="failed">Not built yet: the last run was interrupted (run cjm reports again to '
        "finish)</p>"
    ) in page


def test_index_without_a_comparison_has_no_overview_block():
    page = html.index_page("study", [_entry("a", "Ann")])
    assert "overview" not in page.split("</style>")[1]
    assert '<a href="a/a.html" aria-label="HTML: Ann">HTML</a>' in page
    assert "<main><h1>" in page


def test_figure_embeds_the_png_with_escaped_alt_text_and_caption(tmp_path):
    png = tmp_path / "f.png"
    # The header of a 1000 x 500 pixel PNG: drawn at 200 dpi, shown 600 CSS pixels wide.
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (1000).to_bytes(4, "big")
    png.write_bytes(header + (500).to_bytes(4, "big") + b"rest")
    fragment = html.figure(png, 'Chart of "A" <b>', "Figure 1. <i>x</i>")
    data = base64.b64encode(png.read_bytes()).decode()
    assert fragment == (
        '<figure class="cjm-figure"><div class="cjm-scroll">'
        f'<img src="data:image/png;base64,{data}" width="600" '
        'alt="Chart of &quot;A&quot; &lt;b&gt;"></div>'
        '<figcaption class="cjm-figcaption">Figure 1. &lt;i&gt;x&lt;/i&gt;</figcaption></figure>'
    )
    assert '<figure class="cjm-figure cjm-wide">' in html.figure(png, "map", wide=True)


def test_a_table_is_named_its_headers_scoped_and_it_scrolls_in_its_own_box():
    frame = pd.DataFrame({"Stage": ["Support <b>"], "Segments": [3]})
    fragment = html.table(frame, 'What "to" fix')
    assert fragment.startswith(
        '<div class="cjm-table" role="region" aria-label="What &quot;to&quot; fix">'
        '<table aria-label="What &quot;to&quot; fix" class="dataframe">'
    )
    assert '<th scope="col">Stage</th>' in fragment and '<th scope="col">Segments</th>' in fragment
    assert "<th>" not in fragment and "text-align: right" not in fragment
    assert "<td>Support &lt;b&gt;</td>" in fragment
    indexed = html.table(frame.set_index("Stage"), "t", index=True)
    assert '<th scope="row">Support &lt;b&gt;</th>' in indexed


def test_a_table_longer_than_a_printed_page_may_break_between_rows():
    short = pd.DataFrame({"n": range(KEEP_TOGETHER_ROWS)})
    long = pd.DataFrame({"n": range(KEEP_TOGETHER_ROWS + 1)})
    assert html.table(short, "s").startswith('<div class="cjm-table" ')
    assert html.table(long, "l").startswith('<div class="cjm-table cjm-long" ')
    css = _template_css()
    assert re.search(r"@media print \{[^@]*\.cjm-long table \{ break-inside: auto; \}", css)
    assert re.search(r"@media print \{[^@]*thead \{ display: table-header-group; \}", css)


def test_a_caution_is_a_labelled_note_not_a_colour():
    fragment = html.warning("Only 2 participants <here>.")
    assert fragment == (
        '<p class="cjm-warning" role="note"><strong>Caution:</strong> '
        "Only 2 participants &lt;here&gt;.</p>"
    )


def test_the_contents_are_a_named_navigation_landmark():
    fragment = html.toc([("summary", "Executive summary")])
    assert fragment.startswith('<nav class="cjm-toc" aria-label="Contents">')
    assert '<a href="#summary">Executive summary</a>' in fragment


def _template_css() -> str:
    page = (templates_dir() / "html" / "index.html.j2").read_text(encoding="utf-8")
    return page[page.index("<style") : page.index("</style>")]


def _contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_muted_text_and_cautions_meet_wcag_aa_contrast():
    css = _template_css()
    colour = dict(re.findall(r"--cjm-([a-z-]+): (#[0-9a-f]{6})", css))
    muted, warn = colour["muted"], colour["warn"]
    # muted text sits on white, the contents' tint and a quote's; a caution on its own tint
    for background in ("#ffffff", colour["tint"], "#f7f9f9"):
        assert _contrast(muted, background) >= 4.5, (muted, background)
    assert _contrast(warn, colour["warn-fill"]) >= 4.5
    assert _contrast(warn, "#ffffff") >= 4.5
    assert "color: var(--cjm-muted)" in css and "color: var(--cjm-warn)" in css


def test_index_page_fits_a_phone():
    page = html.index_page("study", [_entry("a", "Ann")], _overview())
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert ".overview img { max-width: min(640px, 100%); }" in page


class _TabStops(HTMLParser):
    """The elements of a page that Tab stops on, without a script, in document order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.stops: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        focusable = (tag == "a" and "href" in found) or tag in {"button", "input", "select"}
        tabindex = found.get("tabindex")
        if (focusable and tabindex is None) or (tabindex and not tabindex.startswith("-")):
            self.stops.append(f"{tag} {found.get('href') or found.get('class', '')}")


def test_the_exported_report_stops_tab_on_its_links_not_on_every_output(tmp_path: Path):
    """nbconvert's lab export made each output a tab stop (~20 blank stops in a report); a
    table's box is one only while it scrolls, which the page's script decides."""
    outputs = [
        html.toc([("summary", "Executive summary"), ("map", "Journey map")]),
        html.heading("Executive summary", 2, "summary") + html.paragraph("Fine."),
        html.heading("Journey map", 2, "map")
        + html.table(pd.DataFrame({"Stage": ["Support"], "Segments": [3]}), "Stages"),
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "report.show()",
            outputs=[nbformat.v4.new_output("display_data", data={"text/html": fragment})],
        )
        for fragment in outputs
    ]
    source = tmp_path / "report.ipynb"
    nbformat.write(notebook, source)
    page = html.export_html(source, tmp_path / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<div class=\"[^\"]*\bjp-OutputArea-output\b", page)) == len(outputs)
    assert _TabStops(page).stops == ["a #summary", "a #map"]
    assert 'if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");' in page


def test_a_reply_in_a_group_interview_is_printed_under_the_turn_it_replies_to():
    from cjm_research.analysis import Quote
    from cjm_research.report.sections import quote_question

    reply = Quote(
        segment_id="Interview 04:19", text="That's awful. Can you not get a bigger bin?",
        participant="Sorter 04", interview_id="Interview 04", source="", line=None,
        time_start=217.0, stage="onboarding", emotion="frustration", valence=-0.61,
        question="Yes, a warning letter, about side waste. It says you can get a fine.",
        replying_to="Sorter 05",
    )  # fmt: skip
    block = html.quote_block(reply, question=quote_question(reply))
    assert block.startswith(
        '<p class="cjm-question">Replying to Sorter 05: Yes, a warning letter, about side waste. '
        "It says you can get a fine.</p>"
        '<blockquote class="cjm-quote">“That&#x27;s awful.'
    )
    # an answer to the moderator keeps "Asked:"
    asked = html.quote_block(reply, question=quote_question(replace(reply, replying_to="")))
    assert '<p class="cjm-question">Asked: Yes, a warning letter' in asked
