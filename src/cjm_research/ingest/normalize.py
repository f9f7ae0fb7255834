"""Decode transcript bytes and normalise text to the one canonical form every reader returns.

Canonical text is UTF-8-decodable Python ``str`` with ``\\n`` line ends, no control characters
but ``\\n``, no zero-width characters, in Unicode NFC. Offsets into transcripts are counted in
this form, so every reader must pass its text through :func:`normalize_text` exactly once.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from cjm_research.exceptions import CJMInputError
from cjm_research.iorw import decode_text

#: Transcripts larger than this are refused: a 20 MB plain-text interview is ~50 hours of talk,
#: so anything bigger is almost surely the wrong file, and reading it would stall every step.
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# Every C0/C1 control but "\n" (tab is mapped to a space before this runs).
# Lone surrogates (from a broken decoder or a crafted .docx) cannot be written as UTF-8 or XML.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH}]")
# Controls that plain text legitimately carries; anything else in quantity means binary.
_BENIGN_CONTROLS = frozenset("\t\n\r\x0c")
_MAX_CONTROL_RATIO = 0.05
_SAMPLE = 65536


def read_text_file(path: Path) -> tuple[str, list[str]]:
    """Read, size-check and decode a text file; return its (un-normalised) text and warnings."""
    try:
        size = path.stat().st_size
        if size > MAX_TRANSCRIPT_BYTES:
            raise CJMInputError(
                f"file is {size / 1e6:.0f} MB, more than the "
                f"{MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MB limit for a transcript",
                path,
                hint="split the transcript or check that this is the right file",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise CJMInputError(f"cannot read file ({exc.strerror})", path) from exc
    return decode_bytes(data, path)


def decode_bytes(data: bytes, path: Path | str | None = None) -> tuple[str, list[str]]:
    """Decode bytes in a fixed order: BOM, strict UTF-8, UTF-16 without BOM, cp1252 (warned).

    Charset sniffers guess wrong on short interview text, so the order is deterministic. Raises
    :class:`CJMInputError` when the result looks binary (NULs, or many control characters).
    """
    text, warnings = decode_text(data)
    _reject_binary(text, path)
    return text, warnings


def _reject_binary(text: str, path: Path | str | None) -> None:
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if ch < " " and ch not in _BENIGN_CONTROLS)
    if "\x00" in text or (sample and controls / len(sample) > _MAX_CONTROL_RATIO):
        raise CJMInputError(
            "file looks binary, not text",
            path,
            hint="export the transcript as plain text (.txt), .vtt, .srt or .docx",
        )


def normalize_text(text: str) -> str:
    """Canonical text: ``\\n`` line ends, tab → space, NFC; no controls, zero-widths, surrogates."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = _ZERO_WIDTH_RE.sub("", text)
    return unicodedata.normalize("NFC", text)
