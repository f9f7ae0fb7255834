"""The review round-trip: codes out to a spreadsheet, a researcher's corrections back in.

``export_review`` writes one row per participant segment with its current codes (human over
machine), confidences, evidence and the interviewer's question as context; in XLSX the code
columns carry drop-down lists built from the codebook (a second sheet, ``codebook``). The values
as exported are kept in hidden columns (visible trailing columns in CSV), so ``import_review``
records only the rows the researcher changed, as human codes in ``STUDY/coding/<coder>.csv``
(append-only, see :mod:`cjm_research.coding.human`). Importing is all-or-nothing: one unknown code
anywhere and nothing is recorded. A row this coder already recorded with the same values is not
recorded again, so importing the same sheet twice is harmless.

CSV is written as UTF-8 with a byte-order mark, which Excel needs to read UTF-8 and every other
tool ignores; reading accepts comma-, semicolon- or tab-separated files with or without it.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cjm_research import segments
from cjm_research.coding.context import (  # the coder's flag becomes "check"
    LOW_CONFIDENCE,
    REVIEW_FLAG,
)
from cjm_research.coding.human import (
    append_human_codes,
    apply_human_codes,
    coder_file,
    is_human,
    latest_human_codes,
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
#: The confidences a coder flags for review (emotion confidences are not calibrated).
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
_SEPARATORS = re.compile(r"[;,]")
_FIXED_DATE = datetime(2000, 1, 1)
_DIMENSIONS = {"stage": "stages", "emotion": "emotions", "touchpoints": "touchpoints"}

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
    asked = table["text"].where(table["role"] == INTERVIEWER)
    by_interview = table["interview_id"]
    question = asked.groupby(by_interview, sort=False).ffill().fillna("")
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
            # confidences are not calibrated, so they raise none).
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
    valences = {c.id: c.valence or 0.0 for c in codebook.emotions}
    merged, _ = apply_human_codes(table, read_human_codes(study_root), valences)
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
        cell.fill = _HEADER_EDIT if name in EDITABLE else _HEADER_READ
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
        if name in _DIMENSIONS:
            longest = max(
                [longest, *(len(_choice(c)) for c in codebook.dimension(_DIMENSIONS[name]))]
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
                    _choice(code),
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


def _choice(code: Code) -> str:
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
        dimension = _DIMENSIONS[name]
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
    for check in (touchpoints, valence):
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


# --- import ------------------------------------------------------------------------------------


@dataclass
class ReviewImport:
    """What an import found and recorded."""

    path: Path
    rows: int
    recorded: pd.DataFrame
    changed: dict[str, int] = field(default_factory=dict)
    already_recorded: int = 0
    unknown_segments: list[str] = field(default_factory=list)
    coder_file: Path | None = None
    confirmed: int = 0  # rows marked done with no code changed: the machine's codes, confirmed


def read_review(path: Path | str) -> pd.DataFrame:
    """The rows of a review sheet as text, keyed by header name, with ``_row`` (sheet row number).

    XLSX: the ``review`` sheet (else the first); CSV: comma, semicolon or tab separated. Entirely
    empty rows are dropped.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        header, rows = _xlsx_rows(path)
    elif suffix == ".csv":
        header, rows = _csv_rows(path)
    else:
        raise CJMInputError(
            "not a review sheet", path, hint="import the .xlsx or .csv you exported"
        )
    names = [str(h or "").strip().lower() for h in header]
    missing = [c for c in ("segment_id", "stage", "touchpoints", "emotion") if c not in names]
    if missing:
        raise CJMInputError(
            f"review sheet lacks column(s) {', '.join(missing)}",
            path,
            1,
            "import a sheet written by `cjm review export`, keeping its header row",
        )
    records = []
    for number, values in rows:
        cells = {n: _text(v) for n, v in zip(names, values, strict=False) if n}
        if any(cells.values()):
            records.append(cells | {"_row": number})
    frame = pd.DataFrame(records, columns=[*dict.fromkeys(n for n in names if n), "_row"])
    return frame.fillna("")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _xlsx_rows(path: Path) -> tuple[list[object], list[tuple[int, tuple[object, ...]]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise CJMInputError(
            f"cannot read the workbook: {exc}", path, hint="save it as .xlsx"
        ) from exc
    try:
        sheet = (
            workbook[REVIEW_SHEET]
            if REVIEW_SHEET in workbook.sheetnames
            else workbook.worksheets[0]
        )
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise CJMInputError("the review sheet is empty", path, hint="import the file you exported")
    return list(rows[0]), list(enumerate(rows[1:], start=2))


def _csv_rows(path: Path) -> tuple[list[object], list[tuple[int, tuple[object, ...]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CJMInputError("review sheet is not UTF-8", path, hint="save it as CSV UTF-8") from exc
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise CJMInputError("the review sheet is empty", path, hint="import the file you exported")
    # A spreadsheet shows each CSV record as one row, whatever line breaks its cells hold.
    return list(rows[0]), [(i, tuple(r)) for i, r in enumerate(rows[1:], start=2)]


def import_review(
    path: Path | str,
    segments: pd.DataFrame,
    codebook: Codebook,
    study_root: Path | str,
    coder: str,
) -> ReviewImport:
    """Record the rows of a review sheet that ``coder`` changed or marked ``done``, as their
    human codes: a confirmed code is evidence too (the coder learns from it, and it counts when
    the machine is audited as a coder). A done row records every dimension as the sheet shows it.

    ``segments`` is the study's current coded table (for segment ids, interviews and texts).
    Every code is checked against ``codebook`` first; one bad cell raises
    :class:`CJMInputError` naming the row and the valid ids, and nothing is recorded.
    """
    path = Path(path)
    coder = coder.strip()
    if not is_human(coder):
        raise CJMInputError(
            f"{coder!r} cannot be a reviewer's name",
            hint="pass --coder with your name or initials (not auto:...)",
        )
    sheet = read_review(path)
    parsed = _parse(sheet, codebook, path)
    known = segments.drop_duplicates("segment_id").set_index("segment_id")
    in_study = parsed["segment_id"].isin(known.index)
    unknown = parsed.loc[~in_study, "segment_id"].tolist()
    parsed = parsed[in_study]
    baseline = _baseline(sheet.loc[parsed.index], known, codebook)
    diff = pd.DataFrame(
        {
            "stage": parsed["stage"] != baseline["stage"],
            "touchpoints": parsed["touchpoints"].map(_set) != baseline["touchpoints"].map(_set),
            "emotion": parsed["emotion"] != baseline["emotion"],
            "valence": [
                _differs(a, b) for a, b in zip(parsed["valence"], baseline["valence"], strict=True)
            ],
            "note": parsed["note"] != "",
        },
        index=parsed.index,
    )
    changed = parsed[diff.any(axis=1) | parsed["done"]]
    records = pd.DataFrame(
        {
            "segment_id": changed["segment_id"],
            "interview_id": changed["segment_id"].map(known["interview_id"]),
            "stage": changed["stage"],
            "touchpoints": changed["touchpoints"],
            "emotion": changed["emotion"],
            "valence": [
                _number(v) if moved or done else ""
                for v, moved, done in zip(
                    changed["valence"],
                    diff.loc[changed.index, "valence"],
                    changed["done"],
                    strict=True,
                )
            ],
            "text_sha": [
                sha or text_sha(known.at[sid, "text"])
                for sid, sha in zip(changed["segment_id"], changed["text_sha"], strict=True)
            ],
            "note": changed["note"],
        },
        index=changed.index,
    )
    repeat = _already_recorded(study_root, coder)
    fresh = pd.Series([not repeat(r) for r in records.to_dict("records")], index=records.index)
    records = records[fresh.astype(bool)]
    counts = {name: int(diff.loc[records.index, name].sum()) for name in diff.columns}
    confirmed = int((~diff.loc[records.index].any(axis=1)).sum())
    written = append_human_codes(study_root, coder, records) if len(records) else None
    return ReviewImport(
        path=path,
        rows=len(sheet),
        recorded=records.reset_index(drop=True),
        changed=counts,
        already_recorded=int((~fresh).sum()),
        unknown_segments=unknown,
        coder_file=written or coder_file(study_root, coder),
        confirmed=confirmed,
    )


def _parse(sheet: pd.DataFrame, codebook: Codebook, path: Path) -> pd.DataFrame:
    """Validated, normalised codes per row; raises on the first bad cell, naming how many more."""
    lookups = {name: _lookup(codebook.dimension(dim)) for name, dim in _DIMENSIONS.items()}
    errors: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    out = []
    for row in sheet.to_dict("records"):
        number, segment_id = row["_row"], row["segment_id"]
        if not segment_id:
            errors.append((number, "row has codes but no segment_id", "restore the segment_id"))
        elif segment_id in seen:
            errors.append(
                (number, f"segment {segment_id} also on row {seen[segment_id]}", "keep one row")
            )
        seen.setdefault(segment_id, number)
        parsed = {"segment_id": segment_id, "_row": number, "note": row.get("note", "")}
        parsed["done"] = row.get("review", "").strip().lower() == DONE
        parsed["text_sha"] = row.get("text_sha", "")
        for name in ("stage", "emotion"):
            value = row.get(name, "")
            parsed[name] = lookups[name].get(value.lower(), "") if value else ""
            if value and not parsed[name]:
                errors.append((number, f"unknown {name} {value!r}", _valid(codebook, name)))
        touchpoints = [t.strip() for t in _SEPARATORS.split(row.get("touchpoints", ""))]
        bad = [t for t in touchpoints if t and t.lower() not in lookups["touchpoints"]]
        if bad:
            errors.append(
                (number, f"unknown touchpoint {bad[0]!r}", _valid(codebook, "touchpoints"))
            )
        ids = {lookups["touchpoints"][t.lower()] for t in touchpoints if t and t not in bad}
        parsed["touchpoints"] = ";".join(c.id for c in codebook.touchpoints if c.id in ids)
        parsed["valence"], problem = _valence(row.get("valence", ""))
        if problem:
            errors.append((number, problem, "a number from -1 to 1, or empty"))
        out.append(parsed)
    if errors:
        number, message, hint = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise CJMInputError(
            f"row {number}: {message}{more}; nothing was recorded", path, number, hint
        )
    columns = [
        "segment_id",
        "_row",
        "stage",
        "touchpoints",
        "emotion",
        "valence",
        "note",
        "text_sha",
        "done",
    ]
    return pd.DataFrame(out, columns=columns, index=sheet.index)


def _lookup(codes: tuple[Code, ...]) -> dict[str, str]:
    # The drop-downs offer "Label (id)"; a typed id or label, in any case, is what people mean.
    return (
        {_choice(c).lower(): c.id for c in codes}
        | {c.label.lower(): c.id for c in codes}
        | {c.id.lower(): c.id for c in codes}
    )


def _valid(codebook: Codebook, name: str) -> str:
    ids = ", ".join(c.id for c in codebook.dimension(_DIMENSIONS[name]))
    extra = " (several allowed, separated by ; or ,)" if name == "touchpoints" else ""
    return f"valid {name} ids{extra}: {ids}; or leave it empty"


def _valence(value: str) -> tuple[float | None, str]:
    if not value:
        return None, ""
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None, f"valence {value!r} is not a number"
    if not -1.0 <= number <= 1.0:
        return None, f"valence {value!r} is outside -1..1"
    return number, ""


def _baseline(sheet: pd.DataFrame, known: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The codes each row had when exported: the hidden columns, else the current codes."""
    if all(c in sheet.columns for c in EXPORTED):
        return pd.DataFrame(
            {
                "stage": sheet["exported_stage"],
                "touchpoints": sheet["exported_touchpoints"],
                "emotion": sheet["exported_emotion"],
                "valence": sheet["exported_valence"].map(lambda v: _valence(v)[0]),
            },
            index=sheet.index,
        )
    rows = known.loc[sheet["segment_id"]]
    valence = rows["valence"].astype("float64").round(2)
    return pd.DataFrame(
        {
            "stage": rows["stage"].to_numpy(),
            "touchpoints": rows["touchpoints"].to_numpy(),
            "emotion": rows["emotion"].to_numpy(),
            "valence": [None if pd.isna(v) else float(v) for v in valence],
        },
        index=sheet.index,
    )


def _set(value: str) -> frozenset[str]:
    return frozenset(t.strip() for t in _SEPARATORS.split(value or "") if t.strip())


def _differs(a: float | None, b: float | None) -> bool:
    a = None if a is None or pd.isna(a) else a
    b = None if b is None or pd.isna(b) else b
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > 1e-9


def _number(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value:g}"


def _already_recorded(study_root: Path | str, coder: str) -> Callable[[dict[str, str]], bool]:
    """A record test: does ``coder``'s latest code for the segment already say exactly this?"""
    human = latest_human_codes(read_human_codes(study_root))
    mine = {row["segment_id"]: row for row in human.to_dict("records") if row["coder"] == coder}

    def same(record: dict[str, str]) -> bool:
        last = mine.get(record["segment_id"])
        if last is None:
            return False
        return (
            last["stage"] == record["stage"]
            and _set(last["touchpoints"]) == _set(record["touchpoints"])
            and last["emotion"] == record["emotion"]
            and last["note"] == record["note"]
            and not _differs(_valence(last["valence"])[0], _valence(record["valence"])[0])
        )

    return same
