"""Generate templates/reference.docx: the styles, page setup and footer of every Word report.

Run ``.venv/bin/python tools/make_reference_docx.py [OUT]``. The output is byte-for-byte the same
on every run, so the committed file only changes when this script does.

An organisation rebrands the reports by editing the styles of the generated file in Word (or by
changing the constants below and re-running); the writer uses no direct formatting, only the
styles listed in ``cjm_research.report.render.docx.REQUIRED_STYLES`` (and ``OPTIONAL_STYLES``,
which a reference may lack).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import BaseStyle

from cjm_research.report.render.docx.base import (
    OPTIONAL_STYLES,
    REQUIRED_STYLES,
    add_field,
    save_docx,
    set_core_properties,
)

FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
ACCENT = "1F4E5A"  # dark teal
TEXT = "222222"
MUTED = "5F6B6D"
WARN = "8A3B00"
WARN_FILL = "FFF4E5"
RULE = "BFC8CA"
HEADER_FILL = "DDE9EB"  # pale teal
OUT = Path(__file__).resolve().parents[1] / "templates" / "reference.docx"


def main(argv: list[str]) -> int:
    """Write the reference document to ``argv[0]`` or templates/reference.docx."""
    out = Path(argv[0]) if argv else OUT
    doc = Document()
    _drop_stale_parts(doc)
    _defaults(doc)
    _paragraph_styles(doc)
    _table_style(doc)
    _page(doc)
    set_core_properties(doc, title="cjm-research reference document", subject="Report styles")
    wanted = [*REQUIRED_STYLES, *OPTIONAL_STYLES]
    missing = [name for name in wanted if name not in {s.name for s in doc.styles}]
    if missing:
        raise SystemExit(f"reference.docx would lack styles: {', '.join(missing)}")
    save_docx(doc, out)
    print(out)
    return 0


def _drop_stale_parts(doc: DocxDocument) -> None:
    # The default template carries a thumbnail of another document and a second copy of the
    # styles (stylesWithEffects) that would not see our changes; drop both.
    for rels in (doc.part.package.rels, doc.part.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.endswith(("/thumbnail", "/stylesWithEffects")):
                rels.pop(r_id)


def _font(
    style: BaseStyle,
    *,
    size: float | None = None,
    color: str | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
) -> None:
    """Set an explicit font on ``style``, removing the theme font and colour it may inherit."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), FONT)
    font = style.font
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if color is not None:
        font.color.rgb = RGBColor.from_string(color)
        element = rpr.find(qn("w:color"))
        for attr in ("themeColor", "themeShade", "themeTint"):
            element.attrib.pop(qn(f"w:{attr}"), None)


def _spacing(
    style: BaseStyle, before: float, after: float, line: float | None = None, keep: bool = False
) -> None:
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if line is not None:
        fmt.line_spacing = line
    if keep:
        fmt.keep_with_next = True


def _border(style: BaseStyle, side: str, color: str, size: int, space: int = 4) -> None:
    ppr = style.element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    borders.append(
        parse_xml(
            f'<w:{side} {nsdecls("w")} w:val="single" w:sz="{size}" w:space="{space}" '
            f'w:color="{color}"/>'
        )
    )
    _reorder_ppr(ppr)


def _shade(style: BaseStyle, fill: str) -> None:
    ppr = style.element.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))
    _reorder_ppr(ppr)


# Schema order of the pPr children this script may write (Word rejects out-of-order XML).
_PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "widowControl", "numPr", "pBdr", "shd",
    "spacing", "ind", "contextualSpacing", "jc", "outlineLvl",
]  # fmt: skip


def _reorder_ppr(ppr: OxmlElement) -> None:
    known = {qn(f"w:{name}"): i for i, name in enumerate(_PPR_ORDER)}
    children = list(ppr)
    for child in children:
        ppr.remove(child)
    for child in sorted(children, key=lambda c: known.get(c.tag, len(known))):
        ppr.append(child)


def _defaults(doc: DocxDocument) -> None:
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), FONT)
    rpr.find(qn("w:lang")).set(qn("w:val"), "en-GB")


def _paragraph_styles(doc: DocxDocument) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    _font(normal, size=10.5, color=TEXT)
    _spacing(normal, 0, 6, 1.15)
    normal.paragraph_format.widow_control = True

    title = styles["Title"]
    title.element.get_or_add_pPr().remove_all("w:pBdr")
    _font(title, size=28, color=ACCENT, bold=True)
    _spacing(title, 120, 12, 1.0)
    title.font.element.rPr.remove_all("w:kern", "w:spacing")

    subtitle = styles["Subtitle"]
    _font(subtitle, size=14, color=MUTED, italic=False)
    _spacing(subtitle, 0, 6, 1.1)
    subtitle.font.element.rPr.remove_all("w:spacing")

    for level, size, before, after, color in (
        (1, 17, 18, 8, ACCENT),
        (2, 13, 12, 4, ACCENT),
        (3, 11, 10, 2, TEXT),
    ):
        heading = styles[f"Heading {level}"]
        _font(heading, size=size, color=color, bold=True, italic=False)
        _spacing(heading, before, after, 1.0, keep=True)
    _border(styles["Heading 1"], "bottom", RULE, 6, space=2)

    bullet = styles["List Bullet"]
    _font(bullet, size=10.5, color=TEXT)
    _spacing(bullet, 0, 3)

    caption = styles["Caption"]
    _font(caption, size=9, color=MUTED, bold=False, italic=True)
    _spacing(caption, 2, 14, 1.0)

    quote = styles["Quote"]
    _font(quote, size=10.5, color=TEXT, italic=True)
    _spacing(quote, 8, 0, 1.15, keep=True)
    quote.paragraph_format.left_indent = Cm(0.6)
    quote.paragraph_format.right_indent = Cm(0.6)
    _border(quote, "left", ACCENT, 18, space=8)

    # The interviewer's question a quote answers: muted, above the quote and on its bar (the
    # quote's indents, so that Word and LibreOffice draw one bar for both), apart from the
    # quote before it.
    question = _add(doc, "Question", "Normal")
    _font(question, size=8.5, color=MUTED)
    _spacing(question, 12, 0, 1.0, keep=True)
    question.paragraph_format.left_indent = Cm(0.6)
    question.paragraph_format.right_indent = Cm(0.6)
    _border(question, "left", ACCENT, 18, space=8)

    provenance = _add(doc, "Provenance", "Normal")
    _font(provenance, size=8.5, color=MUTED)
    _spacing(provenance, 1, 8, 1.0)
    provenance.paragraph_format.left_indent = Cm(0.6)
    _border(provenance, "left", ACCENT, 18, space=8)

    warning = _add(doc, "Evidence Warning", "Normal")
    _font(warning, size=9.5, color=WARN)
    _spacing(warning, 4, 8, 1.1)
    warning.paragraph_format.left_indent = Cm(0.2)
    _border(warning, "left", "D55E00", 18, space=6)
    _shade(warning, WARN_FILL)

    figure = _add(doc, "Figure", "Normal")
    _spacing(figure, 6, 2, 1.0, keep=True)
    figure.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    table_text = _add(doc, "Table Text", "Normal")
    _font(table_text, size=9.5, color=TEXT)
    _spacing(table_text, 1, 1, 1.0)

    table_heading = _add(doc, "Table Heading", "Table Text")
    _font(table_heading, size=9.5, color=ACCENT, bold=True)
    table_heading.paragraph_format.keep_with_next = True

    footer = styles["Footer"]
    _font(footer, size=8.5, color=MUTED)
    footer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _add(doc: DocxDocument, name: str, base: str) -> BaseStyle:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.next_paragraph_style = doc.styles["Normal"]
    style.quick_style = True
    return style


def _table_style(doc: DocxDocument) -> None:
    """The "CJM Table" style: teal rules, a pale teal header row that repeats on every page.

    Cell text takes its look from the "Table Text" and "Table Heading" paragraph styles.
    """
    xml = f"""
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="CJMTable">
  <w:name w:val="CJM Table"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="{ACCENT}"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="{ACCENT}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="57" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>
      <w:bottom w:w="57" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:tblPr/>
    <w:trPr><w:tblHeader/></w:trPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr>
  </w:tblStylePr>
</w:style>"""
    doc.styles.element.append(parse_xml(xml))


def _page(doc: DocxDocument) -> None:
    """A4 portrait, 2 cm margins, "Page N of M" centred in the footer."""
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    section.header_distance = section.footer_distance = Cm(1)
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles["Footer"]
    paragraph.add_run("Page ")
    add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" of ")
    add_field(paragraph, "NUMPAGES", "1")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
