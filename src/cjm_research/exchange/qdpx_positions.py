"""Where a REFI-QDA project's coded selections land in a transcript: selections read as
``\\n`` text whichever way the tool counted CRLF line ends (``offsets_to_lf``), and each turn's
span in the source text (``turn_spans``)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from cjm_research.model import Transcript


@dataclass(frozen=True)
class Selection:
    """A coded text selection read from a project: offsets and its (coder, code GUID, time)s."""

    start: int
    end: int
    codes: tuple[tuple[str, str, str], ...]  # (coder, code guid, coded at)


def lf_text(text: str) -> str:
    """``text`` with CRLF and lone CR line ends turned into ``\\n``."""
    return re.sub(r"\r\n?", "\n", text)


def offsets_to_lf(text: str, selections: list[Selection]) -> tuple[list[Selection], str]:
    """Selections in code points of the ``\\n`` text, and which counting the source used.

    A tool with CRLF source text may count each line end as one code point or two. Both readings
    are tried; the one whose selections start and end on word boundaries more often wins.
    """
    if "\r\n" not in text:
        return selections, "lf"
    lf = lf_text(text)
    pairs = [m.start() for m in re.finditer("\r\n", text)]

    def from_crlf(position: int) -> int:
        return position - bisect.bisect_left(pairs, position)

    as_crlf = [Selection(from_crlf(s.start), from_crlf(s.end), s.codes) for s in selections]
    if _boundary_score(lf, as_crlf) > _boundary_score(lf, selections):
        return as_crlf, "crlf"
    return selections, "lf"


def _boundary_score(text: str, selections: list[Selection]) -> int:
    def cut(i: int) -> bool:
        if i < 0 or i > len(text):
            return False
        return i in (0, len(text)) or not (text[i - 1].isalnum() and text[i].isalnum())

    return sum(int(cut(s.start)) + int(cut(s.end)) - 2 * int(s.end > len(text)) for s in selections)


def turn_spans(text: str, transcript: Transcript) -> list[tuple[int, int]]:
    """Where each turn's words are in ``text`` (``\\n`` text), as (start, end); (-1, -1) if absent.

    Turns are found in order, comparing text with all whitespace removed, so a reader's joining
    of wrapped lines or a tool's different line layout does not matter.
    """
    chars, positions = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(ch)
            positions.append(i)
    skeleton = "".join(chars)
    spans, cursor = [], 0
    for turn in transcript.turns:
        needle = "".join(turn.text.split())
        found = skeleton.find(needle, cursor) if needle else -1
        if found < 0:
            spans.append((-1, -1))
            continue
        cursor = found + len(needle)
        spans.append((positions[found], positions[cursor - 1] + 1))
    return spans
