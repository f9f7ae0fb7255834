"""The coded segments table, the contract between coding and everything after it.

One row per transcript turn, in the columns ``COLUMNS`` (README: The coded segments table). This
module owns the columns, their dtypes, ``split_codes`` for the multi-code cells, and the table's
one reader and one writer: parquet, CSV or XLSX by suffix, every id read as text (a persona or
participant id like ``0012`` must not become ``12``).
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cjm_research.exceptions import CJMInputError
from cjm_research.iorw import atomic_path, read_csv_table
from cjm_research.model import CODE_SEPARATORS

#: Columns of the coded segments table, in order (the README's "The coded segments table").
COLUMNS: tuple[str, ...] = (
    "segment_id",
    "interview_id",
    "participant_id",
    "persona_id",
    "speaker",
    "role",
    "turn",
    "line",
    "source",
    "text",
    "start",
    "end",
    "time_start",
    "time_end",
    "stage",
    "touchpoints",
    "emotion",
    "valence",
    "intensity",
    "stage_confidence",
    "touchpoint_confidence",
    "emotion_confidence",
    "coder",
    "evidence",
)
INT_COLUMNS = ("start", "end", "turn", "line")
FLOAT_COLUMNS = (
    "time_start",
    "time_end",
    "valence",
    "intensity",
    "stage_confidence",
    "touchpoint_confidence",
    "emotion_confidence",
)
TEXT_COLUMNS = tuple(c for c in COLUMNS if c not in INT_COLUMNS + FLOAT_COLUMNS)
SUFFIXES = (".parquet", ".csv", ".xlsx")


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A segments table from row dicts, in the stable column order and dtypes, even when empty."""
    return typed(pd.DataFrame(rows, columns=list(COLUMNS)))


def typed(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the contract's dtypes on the columns it has (others kept as they are):
    nullable integers, floats, and text (missing text as "")."""
    table = table.copy()
    for column in INT_COLUMNS:
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    for column in FLOAT_COLUMNS:
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    text = [c for c in TEXT_COLUMNS if c in table]
    table[text] = table[text].astype(object).fillna("").astype(str)
    return table


def read(
    path: Path | str, *, persona_id: str | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read a coded segments table (``cjm code --out``, ``STUDY/.cjm/segments.parquet``) by suffix.

    CSV and XLSX are read as text and then typed, so ids keep their leading zeros; parquet keeps
    the types it was written with. ``persona_id`` keeps that persona's rows only and ``columns``
    those columns (with ``segment_id``); from parquet, nothing else is read, which is what lets a
    persona's report at 1,000 interviews load in a fraction of the time and memory. Raises
    ``CJMInputError`` naming the file for a missing file, an unknown suffix, an unreadable file or
    a table without ``segment_id``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CJMInputError(
            f"unsupported segments table format {suffix!r}",
            path,
            hint="use a .parquet, .csv or .xlsx table written by cjm code --out",
        )
    if not path.is_file():
        raise CJMInputError("segments table not found", path, hint="run cjm code --out FILE first")
    try:
        if suffix == ".parquet":
            table = _read_parquet(path, persona_id, columns)
        elif suffix == ".csv":
            table = read_csv_table(path)
        else:
            table = pd.read_excel(path, dtype=str).fillna("")
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise CJMInputError(f"cannot read segments table: {exc}", path) from exc
    if "segment_id" not in table.columns:
        raise CJMInputError(
            "segments table lacks a segment_id column", path, 1, "write it with `cjm code --out`"
        )
    if suffix != ".parquet":  # parquet was read filtered; text formats are filtered here
        if persona_id is not None and "persona_id" in table:
            table = table[table["persona_id"].astype(str) == persona_id]
        if columns is not None:
            table = table[_kept(table.columns, columns)]
    return typed(table)


def _kept(names: Sequence[str], columns: Sequence[str]) -> list[str]:
    """``columns`` among ``names``, in the table's order, with ``segment_id`` always."""
    return [c for c in names if c == "segment_id" or c in columns]


def _read_parquet(
    path: Path, persona_id: str | None, columns: Sequence[str] | None
) -> pd.DataFrame:
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    if "segment_id" not in names:
        return pd.DataFrame(columns=names)  # refused by the caller, naming the file
    wanted = None if columns is None else _kept(names, columns)
    if persona_id is None or "persona_id" not in names:
        return pd.read_parquet(path, columns=wanted)
    return pd.read_parquet(path, columns=wanted, filters=[("persona_id", "==", persona_id)])


def write(table: pd.DataFrame, path: Path | str) -> Path:
    """Write a segments table atomically, as parquet, CSV or XLSX by suffix."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise CJMInputError(
            f"unsupported table format {path.suffix!r}",
            path,
            hint="end the file name in .parquet, .csv or .xlsx",
        )
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".parquet":
            table.to_parquet(tmp, index=False)
        elif path.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_excel(tmp, index=False)
    return path


def split_codes(value: object) -> list[str]:
    """The codes of a multi-code cell (``"a;b"``), tolerant of NaN, lists and blanks."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return [part for part in str(value).split(";") if part]


def code_set(value: object) -> frozenset[str]:
    """A touchpoints cell as a set of codes. People separate them with ``;`` or ``,``
    (``model.CODE_SEPARATORS``: a review sheet, a gold file); NaN, lists and blanks as
    :func:`split_codes` takes them."""
    codes = (c.strip() for part in split_codes(value) for c in CODE_SEPARATORS.split(part))
    return frozenset(c for c in codes if c)
