"""Reading a review sheet back: what the reviewer changed or confirmed becomes their code.

Rows the reviewer changed, and rows whose review cell reads ``done``, are appended to
``STUDY/coding/<coder>.csv`` (append-only, see :mod:`cjm_research.coding.human`). Importing is
all-or-nothing: one unknown code anywhere and nothing is recorded, with the sheet row named. A row
this coder already recorded with the same values is not recorded again, so importing the same
sheet twice is harmless. CSV may be comma-, semicolon- or tab-separated, with or without a BOM.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from cjm_research.analysis.curve import NEUTRAL_BANDS
from cjm_research.coding.human import (
    append_human_codes,
    coder_file,
    is_human,
    latest_human_codes,
    read_human_codes,
    text_sha,
)
from cjm_research.exceptions import CJMInputError
from cjm_research.exchange.review_export import (
    DIMENSIONS,
    DONE,
    EXPORTED,
    REVIEW_SHEET,
)
from cjm_research.iorw import csv_delimiter, decode_text
from cjm_research.model import CODE_SEPARATORS, TYPED_NUMBER, Codebook
from cjm_research.segments import code_set

#: A reviewer's codes are read with the semantic coder's neutral band, as reports read them.
NEUTRAL_BAND = NEUTRAL_BANDS["semantic"]


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
    #: Of ``unknown_segments``, the rows the reviewer changed or marked done: work not recorded.
    unknown_edited: list[str] = field(default_factory=list)
    #: Recorded rows whose words differ from the study's turn of that id (a sheet of another
    #: study, or exported before the transcript changed): their codes follow their words.
    reworded: list[str] = field(default_factory=list)
    #: Confirmed rows recorded at their emotion's codebook valence, the sheet's not reading as
    #: the emotion: "id (frustration −0.03 → −0.6)", said, never silent.
    revalued: list[str] = field(default_factory=list)


def read_review(path: Path | str) -> pd.DataFrame:
    """The rows of a review sheet as text, keyed by header name, with ``_row`` (sheet row number).

    XLSX: the ``review`` sheet (else the first); CSV: comma, semicolon or tab separated. Entirely
    empty rows are dropped.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise CJMInputError(
            "review sheet not found", path, hint="give the path of the sheet you edited"
        )
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
    # Excel saves a plain "CSV" in the Windows code page and "Unicode text" as UTF-16.
    text = decode_text(path.read_bytes())[0]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text)))
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
    parsed = _recover_ids(parsed, known)
    in_study = parsed["segment_id"].isin(known.index)
    unknown = parsed.loc[~in_study, "segment_id"].tolist()
    unknown_edited = _edited_ids(parsed[~in_study], sheet)
    parsed = parsed[in_study]
    diff = _changes(parsed, _baseline(sheet.loc[parsed.index], known))
    changed = parsed[diff.any(axis=1) | parsed["done"]]
    current = changed["segment_id"].map(lambda sid: text_sha(known.at[sid, "text"]))
    # A done row keeps the valence the sheet shows, unless the reviewer changed the emotion and
    # left the valence alone: then the new emotion's codebook valence applies (left empty here,
    # filled in where the codes are merged), as for a changed row. A valence the reviewer left
    # alone that does not read as the emotion they kept (frustration at −0.03) becomes that
    # emotion's, and the import says so: a confirmed frustration is a pain.
    valences: list[str] = []
    revalued: dict[str, str] = {}  # segment id → what the import says of it
    for sid, v, moved, done, felt, emotion in zip(
        changed["segment_id"], changed["valence"], diff.loc[changed.index, "valence"],
        changed["done"], diff.loc[changed.index, "emotion"], changed["emotion"], strict=True,
    ):  # fmt: skip
        valence = _number(v) if moved else ""
        if done and not felt and not moved:
            valence = _kept_valence(v, emotion, codebook)
            if valence != _number(v):
                revalued[sid] = f"{sid} ({emotion} {_number(v)} → {valence})"
        valences.append(valence)
    records = pd.DataFrame(
        {
            "segment_id": changed["segment_id"],
            "interview_id": changed["segment_id"].map(known["interview_id"]),
            "stage": changed["stage"],
            "touchpoints": changed["touchpoints"],
            "emotion": changed["emotion"],
            "valence": valences,
            "text_sha": changed["text_sha"].where(changed["text_sha"] != "", current),
            "speaker": changed["segment_id"].map(known["speaker"]) if "speaker" in known else "",
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
    reworded = records.loc[records["text_sha"] != current[records.index], "segment_id"].tolist()
    return ReviewImport(
        path=path,
        rows=len(sheet),
        recorded=records.reset_index(drop=True),
        changed=counts,
        already_recorded=int((~fresh).sum()),
        unknown_segments=unknown,
        coder_file=written or coder_file(study_root, coder),
        confirmed=confirmed,
        revalued=[revalued[sid] for sid in records["segment_id"] if sid in revalued],
        unknown_edited=unknown_edited,
        reworded=reworded,
    )


def _changes(parsed: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """Per row and dimension, whether the reviewer changed the code from ``baseline`` (a note
    counts as a change)."""
    touchpoints = parsed["touchpoints"].map(code_set) != baseline["touchpoints"].map(code_set)
    return pd.DataFrame(
        {
            "stage": parsed["stage"] != baseline["stage"],
            "touchpoints": touchpoints,
            "emotion": parsed["emotion"] != baseline["emotion"],
            "valence": [
                _differs(a, b) for a, b in zip(parsed["valence"], baseline["valence"], strict=True)
            ],
            "note": parsed["note"] != "",
        },
        index=parsed.index,
    )


def _edited_ids(parsed: pd.DataFrame, sheet: pd.DataFrame) -> list[str]:
    """The ids of ``parsed`` rows (segments the study lacks) the reviewer changed from the
    sheet's hidden exported codes or marked done; without those columns, every row (nothing
    says it was untouched)."""
    if parsed.empty:
        return []
    if not all(c in sheet.columns for c in EXPORTED):
        return parsed["segment_id"].tolist()
    exported = _baseline(sheet.loc[parsed.index], pd.DataFrame())
    edited = _changes(parsed, exported).any(axis=1) | parsed["done"]
    return parsed.loc[edited, "segment_id"].tolist()


def _recover_ids(parsed: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """A row whose segment_id is not in the study (a spreadsheet turned ``01:2`` into the time
    ``01:02:00``) is matched back by its ``text_sha`` when exactly one segment has that text."""
    unknown = ~parsed["segment_id"].isin(known.index) & (parsed["text_sha"].astype(str) != "")
    if not unknown.any():
        return parsed
    owners: dict[str, list[str]] = {}
    for sid, text in known["text"].fillna("").astype(str).items():
        owners.setdefault(text_sha(text), []).append(str(sid))
    taken = set(parsed["segment_id"])
    fixed = parsed["segment_id"].copy()
    for index in parsed.index[unknown]:
        found = owners.get(str(parsed.at[index, "text_sha"]), [])
        if len(found) == 1 and found[0] not in taken:
            fixed[index] = found[0]
            taken.add(found[0])
    return parsed.assign(segment_id=fixed)


def _parse(sheet: pd.DataFrame, codebook: Codebook, path: Path) -> pd.DataFrame:
    """Validated, normalised codes per row; raises on the first bad cell, naming how many more."""
    lookups = {name: codebook.lookup(dim) for name, dim in DIMENSIONS.items()}
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
        # A code the codebook has since lost, exported and left as it was on a row not marked
        # done, is someone's earlier code, not this reviewer's: it must not block the import.
        stale = {
            name: not parsed["done"] and row.get(name) == row.get(f"exported_{name}")
            for name in ("stage", "emotion", "touchpoints")
        }
        for name in ("stage", "emotion"):
            value = row.get(name, "")
            parsed[name] = lookups[name].get(value.lower(), "") if value else ""
            if value and not parsed[name]:
                if stale[name]:
                    parsed[name] = value
                else:
                    errors.append((number, f"unknown {name} {value!r}", _valid(codebook, name)))
        touchpoints = [t.strip() for t in CODE_SEPARATORS.split(row.get("touchpoints", ""))]
        bad = [t for t in touchpoints if t and t.lower() not in lookups["touchpoints"]]
        if bad and stale["touchpoints"]:
            parsed["touchpoints"] = row.get("touchpoints", "")
        else:
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


def _valid(codebook: Codebook, name: str) -> str:
    ids = ", ".join(c.id for c in codebook.dimension(DIMENSIONS[name]))
    extra = " (several allowed, separated by ; or ,)" if name == "touchpoints" else ""
    return f"valid {name} ids{extra}: {ids}; or leave it empty"


def _kept_valence(shown: float | None, emotion: object, codebook: Codebook) -> str:
    """The valence a confirmed row records when its reviewer left valence and emotion alone:
    the one the sheet shows, unless it does not read as the emotion kept (a negative or positive
    emotion's valence inside the neutral band or of the other sign): then the emotion's codebook
    valence. A neutral emotion keeps any valence: "fine, quite good really" is both."""
    expected = codebook.valences.get(str(emotion))
    if not expected or shown is None or pd.isna(shown):
        return _number(shown)
    reads = shown * expected > 0 and abs(shown) > NEUTRAL_BAND
    return _number(shown if reads else expected)


def _valence(value: str) -> tuple[float | None, str]:
    if not value:
        return None, ""
    try:
        number = float(value.translate(TYPED_NUMBER))
    except ValueError:
        return None, f"valence {value!r} is not a number"
    if not -1.0 <= number <= 1.0:
        return None, f"valence {value!r} is outside -1..1"
    return number, ""


def _baseline(sheet: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
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
            and code_set(last["touchpoints"]) == code_set(record["touchpoints"])
            and last["emotion"] == record["emotion"]
            and last["note"] == record["note"]
            and not _differs(_valence(last["valence"])[0], _valence(record["valence"])[0])
        )

    return same
