"""Atomic file writes (every report and table goes through here), and CSV files read as
spreadsheets save them (``read_csv_table``: comma, semicolon or tab).

A write goes to a temp file in the destination folder, is fsynced, then ``os.replace``d over the
target, so a crash or a kill leaves either the previous file or the new one — never half of one.
"""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FIXED_ZIP_DATE = (2000, 1, 1, 0, 0, 0)


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temp path to write; on success it replaces ``path``, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temp(path)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _new_temp(path: Path) -> Path:
    # Created with mode 0o666 so the OS applies the process umask, as for any file the user
    # makes (mkstemp's 0600 would hide reports from a shared folder; reading the umask means
    # setting it, which races with other threads).
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp


def reproducible_zip(data: bytes) -> bytes:
    """``data`` (a zip: .docx, .xlsx) rewritten with fixed entry dates and attributes.

    Office writers stamp every entry with the current time; a fixed one makes the same inputs
    give the same bytes, so outputs can be compared and committed.
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def write_text(path: Path | str, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write bytes atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def csv_delimiter(text: str) -> str:
    """The separator of a CSV file whose text starts with ``text``: comma, semicolon (Excel in
    much of Europe) or tab, whichever its header line holds most."""
    return max(",;\t", key=text.split("\n", 1)[0].count)


def read_csv_table(path: Path | str) -> pd.DataFrame:
    """A CSV file as text cells ("" when empty), UTF-8 with or without a BOM, its separator
    found by :func:`csv_delimiter`."""
    import pandas as pd  # here: a re-run with nothing to do never loads pandas

    with open(path, encoding="utf-8-sig") as file:
        delimiter = csv_delimiter(file.readline())
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=delimiter)
