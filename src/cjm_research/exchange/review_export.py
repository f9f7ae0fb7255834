"""The review sheet: the machine's and the researchers' codes out to a spreadsheet to check.

``export_review`` writes one row per participant segment with its current codes (human over
machine), confidences, evidence and the interviewer's question as context; in XLSX the code
columns carry drop-down lists built from the codebook (a second sheet, ``codebook``). The values
as exported are kept in hidden columns (visible trailing columns in CSV), so that
``review_import`` can tell what the reviewer changed.

CSV is written as UTF-8 with a byte-order mark, which Excel needs to read UTF-8 and every other
tool ignores.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cjm_research import segments
from cjm_research.analysis.quotes import prompts, reply_shown, replying
from cjm_research.coding.context import (  # the coder's flag becomes "check"
    LOW_CONFIDENCE,
    REVIEW_FLAG,
)
from cjm_research.coding.human import (
    apply_human_codes,
    read_human_codes,
    text_sha,
)
from cjm_research.exceptions import CJMInputError
from cjm_research.iorw import atomic_path, reproducible_zip, write_bytes
from cjm_research.model import INTERVIEWER, Code, Codebook

REVIEW_SHEET = "review"
CODEBOOK_SHEET = "codebook"
CHECK = "check"
#: What a reviewer writes in the ``review`` cell of a row whose codes they checked (changed or not).
DONE = "done"

#: What the researcher may change; everything else is context and is ignored on import.
EDITABLE = ("stage", "touchpoints", "emotion", "valence", "note")
CONFIDENCES = ("stage_confidence", "touchpoint_confidence", "emotion_confidence")
#: The confidences a coder flags for review (emotion's are calibrated only with the heads).
_FLAGGING = ("stage_confidence", "touchpoint_confidence")
#: The values as exported, the baseline an import compares against (hidden in XLSX).
EXPORTED = ("exported_stage", "exported_touchpoints", "exported_emotion", "exported_valence")
COLUMNS: tuple[str, ...] = (
    "segment_id",
    "participant",
    "persona",
    "interview",
    "time",
    "line",
    "before",
    "question",
    "text",
    "after",
    *EDITABLE,
    "review",
    "coder",
    *CONFIDENCES,
    "evidence",
    *EXPORTED,
    "text_sha",
)
_HIDDEN = (*EXPORTED, "text_sha")
_WIDTHS = {
    "before": 30,
    "question": 40,
    "text": 60,
    "after": 30,
    "touchpoints": 24,
    "note": 30,
    "evidence": 50,
}
_WRAPPED = ("before", "question", "text", "after", "note", "evidence")
# Display-only text a spreadsheet could mistake for a formula when it opens a CSV; never read back.
_DISPLAY_TEXT = (
    "participant",
    "persona",
    "interview",
    "before",
    "question",
    "text",
    "after",
    "coder",
    "evidence",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FIXED_DATE = datetime(2000, 1, 1)
DIMENSIONS = {"stage": "stages", "emotion": "emotions", "touchpoints": "touchpoints"}

_BOLD = Font(bold=True)
_HEADER_EDIT = PatternFill("solid", fgColor="DDEBF7")
_HEADER_READ = PatternFill("solid", fgColor="D9D9D9")
_READ_ONLY = PatternFill("solid", fgColor="F2F2F2")
_FLAG = PatternFill("solid", fgColor="FFD966")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


# --- export ------------------------------------------------------------------------------------


def review_table(segments: pd.DataFrame) -> pd.DataFrame:
    """One row per participant segment in :data:`COLUMNS` order, sorted by interview and turn.

    ``segments`` is a coded segments table with human codes already laid over the machine's;
    its interviewer turns supply each row's ``question`` and are not rows themselves.
    """
    table = segments.sort_values(["interview_id", "turn", "start"], kind="stable")
    by_interview = table["interview_id"]
    # The question the reports print with an answer (asked_before: a nudge such as "Right." is
    # no question; in a group, "Replying to P02: …" before a turn that answers another
    # participant's), carried on over the turns in which the participant goes on answering it.
    asked = prompts(table)
    said = pd.Series(
        [
            replying(who, reply_shown(turn)) if who else turn
            for who, turn in zip(asked["replying_to"], asked["question"], strict=True)
        ],
        index=table.index,
        dtype=object,
    )
    question = said.where(said != "").groupby(by_interview, sort=False).ffill().fillna("")
    # Context, so the reviewer needs no transcript: the turn before the question, the turn after.
    spoken = table["speaker"].astype(str) + ": " + table["text"].astype(str)
    follows = (table["role"] == INTERVIEWER).groupby(by_interview, sort=False).shift(1)
    after = spoken.groupby(by_interview, sort=False).shift(-1).fillna("")
    before = spoken.groupby(by_interview, sort=False).shift(1)
    before = before.where(
        ~follows.fillna(False).astype(bool), spoken.groupby(by_interview, sort=False).shift(2)
    )
    keep = table["role"] != INTERVIEWER
    rows, question = table[keep], question[keep]
    before, after = before[keep].fillna(""), after[keep]
    confidence = rows[list(CONFIDENCES)].astype("float64").round(2)
    valence = rows["valence"].astype("float64").round(2)
    out = pd.DataFrame(
        {
            "segment_id": rows["segment_id"],
            "participant": rows["participant_id"].where(
                rows["participant_id"] != "", rows["speaker"]
            ),
            "persona": rows["persona_id"],
            "interview": rows["interview_id"],
            "time": rows["time_start"].map(_clock),
            "line": rows["line"],
            "before": before,
            "question": question,
            "text": rows["text"],
            "after": after,
            "stage": rows["stage"],
            "touchpoints": rows["touchpoints"],
            "emotion": rows["emotion"],
            "valence": valence,
            "note": "",
            # The coder's own flag: stage and touchpoint codes below LOW_CONFIDENCE (emotion
            # confidences are calibrated only with the interview heads, so they raise none).
            "review": rows["evidence"]
            .fillna("")
            .str.contains(REVIEW_FLAG, regex=False)
            .map({True: CHECK, False: ""}),
            "coder": rows["coder"],
            **{c: confidence[c] for c in CONFIDENCES},
            "evidence": rows["evidence"],
            "exported_stage": rows["stage"],
            "exported_touchpoints": rows["touchpoints"],
            "exported_emotion": rows["emotion"],
            "exported_valence": valence,
            "text_sha": rows["text"].map(text_sha),
        }
    )
    return out.reset_index(drop=True)


def export_review(
    path: Path | str,
    segments: pd.DataFrame,
    codebook: Codebook,
    *,
    title: str = "Code review",
    only: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Write the review sheet for ``segments`` to ``path`` (``.xlsx`` or ``.csv``, atomically).

    ``only``: just these segments, in this order (``--next``; the context columns still come
    from the whole table). Returns the table written (see :func:`review_table`).
    """
    path = Path(path)
    table = review_table(segments)
    if only is not None:
        table = table.set_index("segment_id").loc[list(only)].reset_index()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_bytes(path, _xlsx_bytes(table, codebook, title))
    elif suffix == ".csv":
        _write_csv(path, table)
    else:
        raise CJMInputError(
            f"cannot write a review sheet as {path.suffix or 'a file without suffix'}",
            path,
            hint="name it .xlsx (drop-down lists) or .csv",
        )
    return table


def current_codes(table: pd.DataFrame, study_root: Path | str, codebook: Codebook) -> pd.DataFrame:
    """``table`` with the study's latest human codes laid over it (as ``cjm code`` does)."""
    merged, _ = apply_human_codes(table, read_human_codes(study_root), codebook.valences)
    return merged


def read_segments(path: Path | str) -> pd.DataFrame:
    """Read a coded segments table written by ``cjm code --out`` (.parquet, .csv or .xlsx)."""
    table = segments.read(path)
    missing = [c for c in ("segment_id", "interview_id", "text") if c not in table.columns]
    if missing:
        raise CJMInputError(
            f"segments table lacks column(s) {', '.join(missing)}",
            path,
            1,
            "write it with `cjm code --out FILE`",
        )
    return segments.typed(table.reindex(columns=list(segments.COLUMNS)))


def _clock(seconds: float) -> str:
    if seconds is None or pd.isna(seconds):
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _xlsx_bytes(table: pd.DataFrame, codebook: Codebook, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = REVIEW_SHEET
    _fill_review(sheet, table, codebook)
    lists = _fill_codebook(workbook.create_sheet(CODEBOOK_SHEET), codebook)
    _add_validations(sheet, len(table), lists, codebook)
    props = workbook.properties
    props.title, props.subject = title, "cjm-research review sheet"
    props.creator = props.lastModifiedBy = "cjm-research"
    props.created = props.modified = _FIXED_DATE
    return _save(workbook)


def _cell_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value.item() if hasattr(value, "item") else value


def _fill_review(sheet: Worksheet, table: pd.DataFrame, codebook: Codebook) -> None:
    widths = _column_widths(table, codebook)
    for col, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(1, col, name)
        cell.font = _BOLD
        # "review" is read on import too ("done"): its header is an editable one
        cell.fill = _HEADER_EDIT if name in EDITABLE or name == "review" else _HEADER_READ
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = widths[name]
        sheet.column_dimensions[letter].hidden = name in _HIDDEN
    for r, values in enumerate(table.itertuples(index=False, name=None), start=2):
        lines = 1
        for col, (name, raw) in enumerate(zip(COLUMNS, values, strict=True), start=1):
            cell = sheet.cell(r, col, _cell_value(raw))
            if cell.data_type == "f":  # text that starts with "=" is words, not a formula
                cell.data_type = "s"
            cell.alignment = _WRAP if name in _WRAPPED else _TOP
            if name not in EDITABLE and name != "review":
                cell.fill = _READ_ONLY
            if name in _WRAPPED and isinstance(raw, str):
                lines = max(lines, _lines(raw, widths[name]))
        # Spreadsheets other than Excel do not grow a row to its wrapped text on their own.
        sheet.row_dimensions[r].height = min(409, 15 * lines)
    _flag_rules(sheet, len(table))
    sheet.freeze_panes = "B2"
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as it takes, one page wide
    sheet.print_title_rows = "1:1"  # the header on every printed page
    visible = get_column_letter(COLUMNS.index(_HIDDEN[0]))
    sheet.auto_filter.ref = f"A1:{visible}{len(table) + 1}"


def _column_widths(table: pd.DataFrame, codebook: Codebook) -> dict[str, float]:
    """Fixed widths for the long texts; the code columns as wide as their longest code or value."""
    widths: dict[str, float] = {}
    for name in COLUMNS:
        if name in _WIDTHS:
            widths[name] = _WIDTHS[name]
            continue
        longest = len(name)
        if name in DIMENSIONS:
            longest = max(
                [longest, *(len(choice(c)) for c in codebook.dimension(DIMENSIONS[name]))]
            )
        if name in table and len(table):
            values = table[name].map(lambda v: 0 if v is None or v is pd.NA else len(str(v)))
            longest = max(longest, int(values.max()))
        widths[name] = min(40, max(8, longest + 2))
    return widths


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide (a generous guess)."""
    per_line = max(1, int(width * 1.1))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _flag_rules(sheet: Worksheet, rows: int) -> None:
    """ "check" highlighted only while it matters: it clears once the row is marked done or any
    of its codes differs from what was exported (conditional formatting, not a fixed fill)."""
    if rows == 0:
        return

    def letter(name: str) -> str:
        return get_column_letter(COLUMNS.index(name) + 1)

    unchanged = ",".join(
        f'${letter(n)}2&""=${letter("exported_" + n)}2&""'
        for n in ("stage", "touchpoints", "emotion", "valence")
    )
    still = f'AND(${letter("review")}2="{CHECK}",{unchanged})'
    area = f"{letter('review')}2:{letter('review')}{rows + 1}"
    sheet.conditional_formatting.add(area, FormulaRule(formula=[still], fill=_FLAG))
    for name in _FLAGGING:
        column = letter(name)
        low = f"AND({still},ISNUMBER(${column}2),${column}2<{LOW_CONFIDENCE})"
        sheet.conditional_formatting.add(
            f"{column}2:{column}{rows + 1}", FormulaRule(formula=[low], fill=_FLAG)
        )


def _fill_codebook(sheet: Worksheet, codebook: Codebook) -> dict[str, str]:
    """Write every code; return each dimension's id range, which the drop-down lists reference."""
    header = ("dimension", "id", "label", "description", "valence", "owner", "choice")
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = _BOLD
    ranges: dict[str, str] = {}
    for dimension in ("stages", "touchpoints", "emotions"):
        first = sheet.max_row + 1
        for code in codebook.dimension(dimension):
            sheet.append(
                [
                    dimension,
                    code.id,
                    code.label,
                    code.description,
                    code.valence,
                    code.owner,
                    choice(code),
                ]
            )
        if sheet.max_row >= first:
            # The drop-downs offer "Label (id)": the words researchers know, the id kept visible.
            ranges[dimension] = f"{CODEBOOK_SHEET}!$G${first}:$G${sheet.max_row}"
    for letter, width in zip("ABCDEFG", (12, 18, 22, 90, 8, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP
    sheet.freeze_panes = "A2"
    return ranges


def choice(code: Code) -> str:
    """What a drop-down offers for ``code``: "Consideration (consideration)"."""
    return code.id if code.label == code.id else f"{code.label} ({code.id})"


def _add_validations(
    sheet: Worksheet, rows: int, lists: dict[str, str], codebook: Codebook
) -> None:
    if rows == 0:
        return

    def column(name: str) -> str:
        letter = get_column_letter(COLUMNS.index(name) + 1)
        return f"{letter}2:{letter}{rows + 1}"

    for name in ("stage", "emotion"):
        dimension = DIMENSIONS[name]
        if dimension not in lists:
            continue
        check = DataValidation(
            type="list",
            formula1=lists[dimension],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Unknown {name}",
            error=f"Choose {'an' if name[0] in 'aeiou' else 'a'} {name} from the list (sheet "
            f"{CODEBOOK_SHEET!r}) or leave it empty.",
        )
        check.add(column(name))
        sheet.add_data_validation(check)
    ids = ", ".join(c.id for c in codebook.touchpoints)
    touchpoints = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle="Touchpoints (several allowed)",
        prompt=_shorten(f"Separate with ; or , — ids: {ids}", 255),
    )
    touchpoints.add(column("touchpoints"))
    valence = DataValidation(
        type="decimal",
        operator="between",
        formula1="-1",
        formula2="1",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Valence",
        error="A number from -1 (very negative) to 1 (very positive), or empty.",
    )
    valence.add(column("valence"))
    review = DataValidation(  # a drop-down, but any text stays allowed ("Done", a note)
        type="list",
        formula1=f'"{DONE},{CHECK}"',
        allow_blank=True,
        showErrorMessage=False,
        showInputMessage=True,
        promptTitle="Checked this row?",
        prompt=f"Set {DONE} when you have checked the row, changed or not: import records it "
        "as your code.",
    )
    review.add(column("review"))
    for check in (touchpoints, valence, review):
        sheet.add_data_validation(check)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _save(workbook: Workbook) -> bytes:
    # openpyxl's save() stamps the modification time and every zip entry with "now"; writing
    # through ExcelWriter and fixing the entry dates makes the same inputs give the same bytes.
    raw = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return reproducible_zip(raw.getvalue())


def _write_csv(path: Path, table: pd.DataFrame) -> None:
    def value(name: str, raw: object) -> str:
        if raw is None or raw is pd.NA or (isinstance(raw, float) and math.isnan(raw)):
            return ""
        text = str(raw)
        if name in _DISPLAY_TEXT and text.startswith(_FORMULA_START):
            return "'" + text
        return text

    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for values in table.itertuples(index=False, name=None):
            writer.writerow([value(n, v) for n, v in zip(COLUMNS, values, strict=True)])
