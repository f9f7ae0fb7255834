"""HTML fragments and the index page: escaped, self-contained, every report linked."""

from __future__ import annotations

import base64

from cjm_research.report.render import html


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
    assert '<a href="cross-persona.html">HTML</a>' in block
    assert '<a href="cross-persona.docx">Word</a>' in block
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
    assert page.count(said) == 2 and '<a href="a/a.html">HTML</a>' in page
    assert (
        '<p class="failed">Not built yet: the last run was interrupted (run cjm reports again to '
        "finish)</p>"
    ) in page


def test_index_without_a_comparison_has_no_overview_block():
    page = html.index_page("study", [_entry("a", "Ann")])
    assert "overview" not in page.split("</style>")[1]
    assert '<a href="a/a.html">HTML</a>' in page


def test_figure_embeds_the_png_with_escaped_alt_text_and_caption(tmp_path):
    png = tmp_path / "f.png"
    # The header of a 1000 x 500 pixel PNG: drawn at 200 dpi, shown 600 CSS pixels wide.
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (1000).to_bytes(4, "big")
    png.write_bytes(header + (500).to_bytes(4, "big") + b"rest")
    fragment = html.figure(png, 'Chart of "A" <b>', "Figure 1. <i>x</i>")
    data = base64.b64encode(png.read_bytes()).decode()
    assert fragment == (
        f'<figure class="cjm-figure"><img src="data:image/png;base64,{data}" width="600" '
        'alt="Chart of &quot;A&quot; &lt;b&gt;">'
        '<figcaption class="cjm-figcaption">Figure 1. &lt;i&gt;x&lt;/i&gt;</figcaption></figure>'
    )
