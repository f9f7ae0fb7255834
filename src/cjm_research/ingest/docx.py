"""Word transcripts (``.docx``): speaker paragraphs and speaker tables, in document order.

The zip is checked before python-docx sees it: python-docx happily expands a zip bomb and turns
an XXE attempt into silent empty text, so oversized, over-compressed or DOCTYPE-bearing files are
refused. ``line`` numbers are 1-based paragraph/table-row ordinals in the document body.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest.build import ReaderResult
from cjm_research.ingest.labels import is_speaker_label
from cjm_research.ingest.normalize import MAX_TRANSCRIPT_BYTES
from cjm_research.ingest.text import parse_lines, parse_timestamp
from cjm_research.model import RawTurn

#: Refuse a .docx whose parts expand to more than this in total.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: Refuse a .docx compressed more than this (uncompressed/compressed) — typical Word XML is ~10.
MAX_COMPRESSION_RATIO = 100
# A tiny file cannot hurt whatever its ratio; the ratio test starts above this size.
_RATIO_FLOOR_BYTES = 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Subtrees whose text is not part of the paragraph as a reader sees it (deleted revisions,
# duplicate fallback renderings, nested text boxes).
_SKIP = frozenset({f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent", _MC_FALLBACK})
_PREAMBLE_STYLES = re.compile(r"^(?:title|subtitle|heading\b)", re.IGNORECASE)
_SPEAKER_COLS = frozenset({"speaker", "speaker name"})
# Only beside a named text column (Name | Dialogue): a Name | Age table is not a transcript.
_NAME_COLS = frozenset({"name", "who"})
_TIME_COLS = frozenset({"time", "timestamp", "start", "time start", "timecode"})
_TEXT_COLS = frozenset({"text", "utterance", "transcript", "content", "dialogue", "said"})
_NOT_WORD = "not a Word file"
_NOT_WORD_HINT = "save it from Word as .docx, or export the transcript as .txt"


def check_docx_zip(path: Path) -> None:
    """Refuse files that are not zips, expand too much, or carry a ``<!DOCTYPE`` (XXE) in XML."""
    try:
        if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
            raise CJMInputError(
                f"file is larger than {MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MB",
                path,
                hint="remove embedded images or export the transcript as .txt",
            )
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_sizes(path, infos)
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels")):
                    _check_doctype(path, info.filename, archive.read(info))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise CJMInputError(_NOT_WORD, path, hint=_NOT_WORD_HINT) from exc
    except OSError as exc:
        raise CJMInputError(f"cannot read file ({exc.strerror or exc})", path) from exc


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    expanded = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    bomb_hint = "this may be a zip bomb; re-save the document from Word"
    if expanded > MAX_UNCOMPRESSED_BYTES:
        raise CJMInputError(
            f"Word file expands to {expanded / 1e6:.0f} MB (limit "
            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB)",
            path,
            hint=bomb_hint,
        )
    if expanded > _RATIO_FLOOR_BYTES and expanded > MAX_COMPRESSION_RATIO * max(packed, 1):
        raise CJMInputError(
            f"Word file is compressed {expanded // max(packed, 1)}:1 "
            f"(limit {MAX_COMPRESSION_RATIO}:1)",
            path,
            hint=bomb_hint,
        )


def _check_doctype(path: Path, name: str, data: bytes) -> None:
    lowered = data.lower()
    if b"<!doctype" in lowered or "<!doctype".encode("utf-16-le") in lowered:
        raise CJMInputError(
            f"Word file part {name!r} contains a <!DOCTYPE> declaration; refused for safety",
            path,
            hint="Word never writes one; re-save the document from Word",
        )


def _element_text(element: Any) -> str:
    """Visible text of a paragraph: inserted revisions in, deleted ones out; breaks as newlines."""
    parts: list[str] = []
    stack = [element]
    while stack:
        node = stack.pop()
        tag = node.tag
        if tag in _SKIP:
            continue
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append(" ")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        stack.extend(reversed(list(node)))
    return "".join(parts)


def _style_name(paragraph: Any) -> str:
    try:
        style = paragraph.style
    except (KeyError, ValueError):
        return ""
    return style.name if style is not None and style.name else ""


def _column(headers: list[str], names: frozenset[str]) -> int | None:
    return next((n for n, h in enumerate(headers) if h in names), None)


class _Body:
    """Walks the document body, numbering paragraphs and table rows in document order."""

    def __init__(self) -> None:
        self.ordinal = 0
        self.lines: list[tuple[int, str]] = []
        self.preamble: list[tuple[int, str]] = []
        self.table_turns: list[tuple[int, RawTurn]] = []
        self.warnings: list[str] = []
        self.bold_labels: list[tuple[int, str]] = []  # (index in lines, name)

    def paragraph(self, paragraph: Any) -> None:
        """Add a paragraph: headings go to the preamble, other text to the line stream."""
        self.ordinal += 1
        text = _element_text(paragraph._p)
        if _PREAMBLE_STYLES.match(_style_name(paragraph)):
            if text.strip():
                self.preamble.append((self.ordinal, " ".join(text.split())))
            return
        name = text.strip().rstrip(":").strip()
        if name and "\n" not in name and _bold_only(paragraph) and is_speaker_label(name):
            # A bold name alone on its line, its words in the next paragraph(s): a label if the
            # document uses it so more than once (read_docx decides; one bold line is a heading).
            self.bold_labels.append((len(self.lines), name))
        # A paragraph is a paragraph: the blank separator makes continuation paragraphs "\n".
        self.lines.extend((self.ordinal, line) for line in text.split("\n"))
        self.lines.append((self.ordinal, ""))

    def table(self, table: Any) -> None:
        """Add a table: with a Speaker header column, one turn per row; else ignore it."""
        rows = [[" ".join(_element_text(c._tc).split()) for c in row.cells] for row in table.rows]
        first = self.ordinal + 1
        self.ordinal += len(rows)
        headers = [h.casefold().rstrip(":") for h in rows[0]] if rows else []
        speaker_col = _column(headers, _SPEAKER_COLS)
        if speaker_col is None and _column(headers, _TEXT_COLS) is not None:
            speaker_col = _column(headers, _NAME_COLS)
        if speaker_col is None:
            self.warnings.append(f"line {first}: table without a 'Speaker' column ignored")
            return
        time_col = _column(headers, _TIME_COLS)
        text_col = _column(headers, _TEXT_COLS)
        if text_col is None:  # no named text column: the last column that is neither
            others = [n for n in range(len(headers)) if n not in (speaker_col, time_col)]
            text_col = others[-1] if others else None
        if text_col is None:
            self.warnings.append(f"line {first}: table without a text column ignored")
            return
        for n, cells in enumerate(rows[1:], first + 1):
            self._row(n, cells, speaker_col, time_col, text_col)

    def _row(self, line: int, cells: list[str], spk: int, tcol: int | None, text: int) -> None:
        speaker, words = cells[spk].rstrip(":").strip(), cells[text]
        time = None
        if tcol is not None and cells[tcol]:
            time = parse_timestamp(cells[tcol])
            if time is None:
                self.warnings.append(f"line {line}: time {cells[tcol]!r} is not mm:ss or hh:mm:ss")
        if not speaker and self.table_turns:
            # A row without a speaker continues the previous row's turn.
            at, prev = self.table_turns[-1]
            joined = f"{prev.text}\n{words}" if words else prev.text
            self.table_turns[-1] = (at, RawTurn(prev.speaker, joined, prev.line, prev.time_start))
        elif speaker:
            self.table_turns.append((line, RawTurn(speaker, words, line, time)))


def _bold_only(paragraph: Any) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs)


def _mark_bold_labels(body: _Body) -> None:
    """Turn bold-only name paragraphs into ``Name:`` lines when a name recurs as one."""
    counts: dict[str, int] = {}
    for _, name in body.bold_labels:
        counts[name] = counts.get(name, 0) + 1
    for index, name in body.bold_labels:
        if counts[name] >= 2:
            body.lines[index] = (body.lines[index][0], f"{name}:")


def _iter_body(document: Any) -> Iterator[tuple[str, Any]]:
    from docx.table import Table

    for block in document.iter_inner_content():
        yield ("table" if isinstance(block, Table) else "paragraph", block)


def read_docx(path: Path) -> ReaderResult:
    """Read a Word transcript: ``Name: text`` paragraphs and Speaker/Time/Text tables."""
    check_docx_zip(path)
    import docx  # deferred: python-docx costs ~0.2 s to import and most studies have no .docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types on malformed packages
        raise CJMInputError(
            f"cannot read Word file ({type(exc).__name__})", path, hint=_NOT_WORD_HINT
        ) from exc
    body = _Body()
    for kind, block in _iter_body(document):
        getattr(body, kind)(block)
    _mark_bold_labels(body)
    # Speaker tables are labelled turns, so unlabelled paragraphs beside them are preamble. A
    # Word transcript usually opens with a title and an intro: keep those in meta, unwarned.
    parsed = parse_lines(body.lines, fallback=not body.table_turns, warn_preamble=False)
    numbered = [(t.line, t) for t in parsed.raw_turns] + body.table_turns
    turns = [turn for _, turn in sorted(numbered, key=lambda pair: pair[0])]
    preamble = [text for _, text in sorted(body.preamble + parsed.preamble)]
    meta: dict[str, Any] = {"preamble": preamble} if preamble else {}
    return ReaderResult(turns, meta, body.warnings + parsed.warnings)
