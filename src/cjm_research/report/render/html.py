"""HTML: escaped report fragments for notebook outputs, and the notebook-to-HTML export.

Every piece of researcher- or participant-supplied text passes through :func:`html.escape` here,
so a transcript containing ``<script>`` shows that text in the report and never runs.
"""

from __future__ import annotations

import base64
import html
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cjm_research.analysis import Quote, plural
from cjm_research.iorw import write_text
from cjm_research.report.render import CAUTION, KEEP_TOGETHER_ROWS
from cjm_research.resources import templates_dir

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

esc = html.escape


def heading(text: str, level: int = 2, anchor: str = "") -> str:
    """An escaped heading, with an id so the table of contents can link to it."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def paragraph(text: str, css: str = "") -> str:
    """An escaped paragraph."""
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{esc(text)}</p>"


def warning(text: str) -> str:
    """A caution the reader must not miss: a note labelled as one, not told by its colour alone
    (the Word report prints the same label)."""
    return f'<p class="cjm-warning" role="note"><strong>{CAUTION}</strong> {esc(text)}</p>'


def bullets(items: Iterable[str]) -> str:
    """An escaped bullet list (empty string when there are no items)."""
    items = list(items)
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def quote_block(quote: Quote, attribution: str = "", question: str = "") -> str:
    """A participant quote with its provenance (or a fuller ``attribution``) underneath, and
    the ``question`` it answers above it when given (muted: the interviewer's words)."""
    asked = f'<p class="cjm-question">{esc(question)}</p>' if question else ""
    return (
        asked + f'<blockquote class="cjm-quote">“{esc(quote.text)}”</blockquote>'
        f'<p class="cjm-provenance">— {esc(attribution or quote.provenance)}</p>'
    )


def table(frame: pd.DataFrame, label: str, *, index: bool = False) -> str:
    """A DataFrame as an escaped HTML table (pandas escapes cell text by default) named
    ``label`` for a screen reader, its header cells scoped, in a box of its own that scrolls
    sideways when the table is wider than the screen, so that the page itself never does (the
    report page makes the box a tab stop while it scrolls: ``templates/html/index.html.j2``).

    Printed, a short table is kept on one page and a long one (``cjm-long``) breaks between
    rows, as the Word report's tables do (``KEEP_TOGETHER_ROWS``).
    """
    body = frame.to_html(index=index, escape=True, border=0, na_rep="–")
    head, rows = body.split("</thead>", 1)
    head = head.replace("<th>", '<th scope="col">').replace(' style="text-align: right;"', "")
    rows = rows.replace("<th>", '<th scope="row">')  # the index, when shown, heads its row
    name = esc(label)
    css = "cjm-table cjm-long" if len(frame) > KEEP_TOGETHER_ROWS else "cjm-table"
    named = head.replace("<table ", f'<table aria-label="{name}" ', 1)
    return f'<div class="{css}" role="region" aria-label="{name}">{named}</thead>{rows}</div>'


def figure(
    path: Path | str, alt: str, caption: str = "", *, dpi: int = 200, wide: bool = False
) -> str:
    """A PNG embedded as a data URI with its alt text and an optional caption, self-contained.

    Notebook image outputs carry no alt text into the HTML export; this keeps the description
    that the Word report gives the same figure. The image is shown a little above its print size
    (``dpi`` is the resolution it was saved at), so a narrow chart is not blown up to page width.
    A ``wide`` figure (the journey map) keeps a readable size on a phone, scrolling sideways in
    its own box, and is printed on a landscape page, as the Word report prints it.
    """
    raw = Path(path).read_bytes()
    width = round(int.from_bytes(raw[16:20], "big") / dpi * 120)  # the PNG header's pixel width
    data = base64.b64encode(raw).decode("ascii")
    below = f'<figcaption class="cjm-figcaption">{esc(caption)}</figcaption>' if caption else ""
    css = "cjm-figure cjm-wide" if wide else "cjm-figure"
    return (
        f'<figure class="{css}"><div class="cjm-scroll">'
        f'<img src="data:image/png;base64,{data}" width="{width}" alt="{esc(alt)}"></div>'
        f"{below}</figure>"
    )


def toc(entries: Iterable[tuple[str, str]]) -> str:
    """A table of contents from ``(anchor, title)`` pairs; works without any script."""
    links = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in entries)
    return (
        f'<nav class="cjm-toc" aria-label="Contents"><strong>Contents</strong><ol>{links}</ol>'
        "</nav>"
    )


def export_html(notebook_path: Path, out_path: Path, *, title: str = "") -> Path:
    """Export an executed report notebook to one self-contained HTML file, atomically.

    Code cells, prompts, the papermill parameters cell and the notebook's own markdown (notes for
    whoever opens it in JupyterLab) are left out: the report is the cells' outputs. Images
    are embedded as data URIs by the notebook outputs themselves, and the template loads nothing
    from the network.
    """
    # Deferred: nbformat's schema validation costs most of a second to import (jsonschema's
    # format checkers), and `cjm reports` with nothing to rebuild must not pay it.
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    # The parameter cells show nothing, and papermill gives the injected one a random id: left
    # in, the same report would differ byte for byte from one run to the next. Cells tagged
    # "explore" are the notebook's data for a researcher, not part of the report.
    parameters = {"parameters", "injected-parameters", "explore"}
    notebook.cells = [
        c for c in notebook.cells if not parameters & set(c.get("metadata", {}).get("tags", []))
    ]
    if title:
        notebook.metadata["title"] = title
    body, _ = exporter().from_notebook_node(notebook)
    return write_text(out_path, _OUTPUT_TAG.sub(_no_tab_stop, body))


# nbconvert's lab export makes every output (and input) a tab stop, for JupyterLab's outputs that
# scroll. A report's never do (a wide table or the map scrolls in a box of its own), so Tab
# stopped on some twenty blank boxes between the contents' links.
_OUTPUT_TAG = re.compile(r"<div [^>]*\btabindex=\"0\"[^>]*>")
_LAB_FOCUSABLE = re.compile(r'\bclass="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b')


def _no_tab_stop(match: re.Match[str]) -> str:
    tag = match[0]
    return tag.replace(' tabindex="0"', "") if _LAB_FOCUSABLE.search(tag) else tag


_EXPORTERS = threading.local()


def exporter() -> HTMLExporter:
    """This thread's report exporter, built on first use and reused.

    Building one compiles its Jinja templates, which costs more than an export; a worker exports
    every persona it builds.
    """
    built = getattr(_EXPORTERS, "exporter", None)
    if built is None:
        from nbconvert import HTMLExporter

        # sanitize_html would strip the report's own classes; safety comes from escaping every
        # piece of user text where the fragments are built (this module) and from code cells
        # emitting no raw user HTML.
        built = _EXPORTERS.exporter = HTMLExporter(
            extra_template_basedirs=[str(templates_dir())],
            template_name="html",
            exclude_input=True,
            exclude_markdown=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            sanitize_html=False,
        )
    return built


@dataclass
class IndexEntry:
    """One persona's line on the index page."""

    persona_id: str
    name: str
    interviews: int
    participants: int
    segments: int
    status: str
    error: str = ""
    files: list[str] = field(default_factory=list)


#: The formats an index links, in the order a stakeholder wants them (the notebook is last: it
#: is the researcher's).
_LINKED = {".html": "HTML", ".docx": "Word", ".ipynb": "Notebook"}


def _links(files: Iterable[str], name: str) -> str:
    """Links to a report's HTML, Word and notebook files, labelled by format, in that order.

    A screen reader's list of links reads each one alone: its name says whose report it is.
    """
    order = list(_LINKED)
    shown = sorted(
        (f for f in files if Path(f).suffix in _LINKED), key=lambda f: order.index(Path(f).suffix)
    )
    return " · ".join(
        f'<a href="{esc(f)}" aria-label="{_LINKED[Path(f).suffix]}: {esc(name)}">'
        f"{_LINKED[Path(f).suffix]}</a>"
        for f in shown
    )


def index_page(
    study_name: str, entries: Iterable[IndexEntry], overview: IndexEntry | None = None
) -> str:
    """``reports/index.html``: opens from disk, links every report, shows each small journey map.

    ``overview`` is the cross-persona report, shown first when there is one.
    """
    cards = [_overview_card(overview)] if overview is not None else []
    for e in entries:
        links = _links(e.files, e.name)
        thumb = next((f for f in e.files if f.endswith("-journey_map.png")), "")
        image = f'<img src="{esc(thumb)}" alt="Journey map of {esc(e.name)}">' if thumb else ""
        cards.append(
            f'<section class="card"><h2>{esc(e.name)}</h2>'
            f'<p class="meta">{esc(e.persona_id)} · {_counts(e)}</p>'
            f"{_state(e)}<p>{links}</p>{image}</section>"
        )
    return _INDEX.format(title=esc(study_name), cards="\n".join(cards))


def _counts(e: IndexEntry) -> str:
    return (
        f"{plural(e.interviews, 'interview')} · {plural(e.participants, 'participant')} · "
        f"{plural(e.segments, 'coded segment')}"
    )


def _overview_card(e: IndexEntry) -> str:
    """The cross-persona report's block: its links and the small chart of every emotion curve."""
    thumb = next((f for f in e.files if f.endswith("-persona_curves.png")), "")
    image = f'<img src="{esc(thumb)}" alt="Emotion curves of every persona">' if thumb else ""
    return (
        f'<section class="card overview"><h2>{esc(e.name)}</h2>'
        f'<p class="meta">Every persona side by side: {_counts(e)}</p>'
        f"{_state(e)}<p>{_links(e.files, e.name)}</p>{image}</section>"
    )


def _state(e: IndexEntry) -> str:
    """A failed, skipped or interrupted run says why; "unchanged" (the last report kept) is as
    good as "ok"."""
    if e.status == "failed":
        return f'<p class="failed">Failed: {esc(e.error)}</p>'
    if e.status == "skipped":
        kept = "; the links are to the last report built" if e.files else ""
        return f'<p class="failed">Not rebuilt: {esc(e.error)}{kept}</p>'
    if e.status == "interrupted":  # the run was stopped before it rebuilt this report
        done = "Not rebuilt" if e.files else "Not built yet"
        kept = "; the links are to the report built before it" if e.files else ""
        return (
            f'<p class="failed">{done}: the last run was interrupted{kept} (run cjm reports '
            "again to finish)</p>"
        )
    return ""


_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Journey reports: {title}</title>
<style>
body {{ font-family: "Liberation Sans", Arial, sans-serif; margin: 32px auto; max-width: 1100px;
       color: #1d2528; padding: 0 24px; }}
h1 {{ color: #0f5257; border-bottom: 3px solid #0f5257; }}
.card {{ border: 1px solid #d5dede; border-radius: 8px; padding: 8px 20px 16px; margin: 20px 0; }}
.card h2 {{ color: #0f5257; margin-bottom: 4px; }}
.meta {{ color: #5b6770; margin-top: 0; }}
.failed {{ color: #b30000; font-weight: bold; }}
.card img {{ max-width: 100%; border: 1px solid #eee; }}
.overview {{ background: #f3f6f6; }}
.overview img {{ max-width: min(640px, 100%); }}
a {{ color: #0f5257; font-weight: bold; }}
</style></head>
<body><main><h1>Journey reports: {title}</h1>
{cards}
</main></body></html>
"""
