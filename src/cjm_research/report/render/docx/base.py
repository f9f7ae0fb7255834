"""What both Word reports share: the reference document, styles, tables, figures, saving.

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

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from cjm_research.exceptions import CJMInputError
from cjm_research.iorw import reproducible_zip, write_bytes
from cjm_research.model import Codebook
from cjm_research.report.render import CAUTION, KEEP_TOGETHER_ROWS

#: Every style the writer uses; the reference document must define them all.
REQUIRED_STYLES: tuple[str, ...] = (
    "Normal",
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "Heading 3",
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
#: Styles the packaged reference defines and the writer uses when a reference has them, another
#: one of ``REQUIRED_STYLES`` when not (a study's own reference.docx made before they existed).
OPTIONAL_STYLES: dict[str, str] = {"Question": "Provenance"}
#: Document dates are fixed so that reports of the same inputs are identical.
FIXED_DATE = datetime(2000, 1, 1)
AUTHOR = "cjm-research"

# XML 1.0 forbids these characters; python-docx raises on them (and on lone surrogates).
_MAP_MARGIN = Cm(1.27)  # a landscape map page: narrow margins, the most picture
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_for_word(text: str) -> str:
    """``text`` without the characters Word's XML cannot hold (controls, U+FFFE/F, surrogates)."""
    if not isinstance(text, str):
        text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return _NOT_XML.sub("", text)


# ------------------------------------------------------------------------------------ writing


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


class Writer:
    """The document being written with what every section needs; numbers figures as it goes."""

    def __init__(self, doc: DocxDocument, codebook: Codebook, figures: dict[str, Path]) -> None:
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
        """A paragraph of ``text`` (cleaned for Word) in ``style``, on a new page if asked."""
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

    def style_or(self, style: str) -> str:
        """``style`` when the reference defines it, else its stand-in (``OPTIONAL_STYLES``)."""
        if style not in self._style_ids:
            found = style in {s.name for s in self.doc.styles}
            self._style_ids[style] = (
                self.doc.styles.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH) if found else None
            )
        return style if self._style_ids[style] is not None else OPTIONAL_STYLES[style]

    def warning(self, text: str) -> Paragraph:
        """A caution in the "Evidence Warning" style, labelled as one in bold (``CAUTION``), as
        the HTML report labels it: its colour is lost in black and white."""
        paragraph = self.para(style="Evidence Warning")
        paragraph.add_run(CAUTION).bold = True
        paragraph.add_run(" " + clean_for_word(text))
        return paragraph

    def heading(self, text: str, level: int = 1) -> Paragraph:
        """A heading paragraph of ``level`` (the reference's "Heading N" style)."""
        return self.para(text, f"Heading {level}")

    def bullets(self, items: Iterable[str]) -> None:
        """One "List Bullet" paragraph per item."""
        for item in items:
            self.para(item, "List Bullet")

    def stage(self, stage: str) -> str:
        """A stage's label (the codebook's; a writer with a journey may know it better)."""
        return self.codebook.label("stages", stage) if stage else ""

    def touchpoint(self, code: str) -> str:
        """A touchpoint's codebook label ("" for none)."""
        return self.codebook.label("touchpoints", code) if code else ""

    def emotion(self, code: str) -> str:
        """An emotion's codebook label ("no emotion" for none)."""
        return self.codebook.label("emotions", code) if code else "no emotion"


def add_table(report: Writer, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A table in the reference's table style whose header row repeats on every page; a short
    one is kept on one page."""
    table = report.doc.add_table(rows=1, cols=len(header))
    table.style = "CJM Table"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        add_cell_text(report, cell, text, "Table Heading")
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            add_cell_text(report, cell, text, "Table Text")
    if len(rows) <= KEEP_TOGETHER_ROWS:
        for row in table.rows[:-1]:  # each row keeps with the next: Word's way to hold a table
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
    return table


def add_cell_text(report: Writer, cell: _Cell, text: str, style: str) -> None:
    """``text`` (cleaned for Word) as ``cell``'s paragraph, in the paragraph style ``style``."""
    # Cell text gets a paragraph style of its own: in Word, Normal's spacing and size would
    # otherwise override the table style's, and LibreOffice ignores a table style's run formatting.
    paragraph = cell.paragraphs[0]
    report.set_style(paragraph, style)
    paragraph.add_run(clean_for_word(text))


def set_widths(table: Table, widths: Sequence[Length]) -> None:
    """Fix the width of every column of ``table``, one width per column."""
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    # Cell widths alone are ignored by LibreOffice, which lays a table out from its grid.
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def usable_size(report: Writer) -> tuple[Length, Length]:
    """Width and height inside the margins of the current (last) section."""
    section = report.doc.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    return Length(width), Length(height)


def add_figure(report: Writer, key: str, caption: str, alt: str, *, reserve: Length) -> None:
    """The picture ``figures[key]`` at text width, its alt text, and a numbered caption.

    ``reserve`` is the page height kept free for the heading and caption around the picture.
    """
    path = report.figures.get(key)
    if path is None or not Path(path).is_file():
        report.para(f"The figure “{caption}” was not produced for this report.")
        return
    width, height = usable_size(report)
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


def new_section(report: Writer, *, landscape: bool) -> None:
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
