"""Atomic file writes (every report and table goes through here), text decoded as Windows
editors save it (``decode_text``), and CSV files read as spreadsheets save them
(``read_csv_table``: comma, semicolon or tab).

A write goes to a temp file in the destination folder, is fsynced, then ``os.replace``d over the
target, so a crash or a kill leaves either the previous file or the new one — never half of one.
"""

from __future__ import annotations

import codecs
import io
import os
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cjm_research.exceptions import CJMInputError

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


def writable_folder(folder: Path | str, what: str = "folder", hint: str = "") -> Path:
    """``folder``, made if missing, once a file could be written in it and removed again: a
    folder nobody may write (read-only, a file of that name, a full disk) is a
    :class:`CJMInputError` before any work starts, not an internal error at the end of it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = _new_temp(folder / ".cjm-write-check")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CJMInputError(f"cannot write the {what}: {reason}", folder, hint=hint) from exc
    return folder


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


# BOMs in the order they must be tested: the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes in a fixed order: BOM, strict UTF-8, UTF-16 without BOM, cp1252 (warned), as
    Windows editors save text (Notepad's "Unicode" is UTF-16, "ANSI" and Excel's plain "CSV"
    Windows-1252); return the text and what to warn about. Charset sniffers guess wrong on short
    text, so the order is deterministic."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), []
            except UnicodeDecodeError:
                break  # a BOM followed by garbage: fall through to the heuristics
    # ASCII-range UTF-16 without a BOM is valid UTF-8 full of NULs, so NULs disqualify UTF-8.
    if b"\x00" not in data:
        try:
            return data.decode("utf-8"), []
        except UnicodeDecodeError:
            pass
    utf16 = _guess_utf16(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            return text, [f"no byte-order mark; decoded as {utf16.upper()}"]
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps them to (removed) C1 controls.
        text = data.decode("latin-1")
    return text, ["file is not UTF-8; decoded as Windows-1252 (cp1252) — save it as UTF-8"]


def _guess_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NULs sit almost only at odd/even byte positions."""
    pairs = len(data) // 2
    if pairs == 0:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    # Mostly-Latin text in UTF-16 has a NUL in the high byte of nearly every code unit.
    if odd_nuls >= 0.3 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.3 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def csv_delimiter(text: str) -> str:
    """The separator of a CSV file whose text starts with ``text``: comma, semicolon (Excel in
    much of Europe) or tab, whichever its header line holds most."""
    return max(",;\t", key=text.split("\n", 1)[0].count)


def read_csv_table(path: Path | str) -> pd.DataFrame:
    """A CSV file as text cells ("" when empty), in any encoding :func:`decode_text` reads (a
    spreadsheet saved as plain "CSV" on Windows is not UTF-8), its separator found by
    :func:`csv_delimiter`."""
    import pandas as pd  # here: a re-run with nothing to do never loads pandas

    text, _ = decode_text(Path(path).read_bytes())
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=csv_delimiter(text))
