"""WebVTT (``.vtt``), SubRip (``.srt``) and SubViewer (``.sbv``, Google Meet and YouTube)
transcripts, parsed line by line.

Own parsers rather than webvtt-py/srt: those drop a cue with a comma timestamp or merge a cue
that follows a garbage line into the previous one. Here a garbage line is skipped with a warning,
comma milliseconds are accepted (warned in VTT), speakers come from ``<v Name>`` voice tags, a
``Name:`` prefix or a ``[Name]`` prefix (Descript, Sonix), a cue without a speaker continues the
previous one, a line of sounds alone (``[Music]``, ``(laughs)``, ``♪``) is nobody's words and
is dropped, and consecutive cues of the same speaker merge into one turn. Dialogue dashes
(``- text`` for each voice in a cue) say that the speaker changes, not who speaks: such a file is
read as one participant and the warning says why.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from cjm_research.ingest.build import ReaderResult
from cjm_research.ingest.labels import is_sound_cue, is_speaker_label
from cjm_research.ingest.normalize import normalize_text, read_text_file
from cjm_research.ingest.text import DEFAULT_SPEAKER, NO_LABELS_WARNING
from cjm_research.model import RawTurn

_STAMP = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*(?P<start>{_STAMP})\s*-->\s*(?P<end>{_STAMP})(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+(?P<name>[^>]*))?>", re.IGNORECASE)
_VOICE_END = re.compile(r"</v\s*>", re.IGNORECASE)
# Other markup: <i>, <c.yellow>, <font color=...>, <lang en>, karaoke <00:00:01.000>, {\an8}.
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")
_PREFIX = re.compile(r"^(?:[-–]\s*)?(?P<name>[^:<>]{1,84}?)\s*:\s+(?P<text>.*)$")
# "[Carlos Mendes] I just kept…": Descript's and Sonix's speaker prefix. Text must follow, and
# the sound tags subtitles bracket the same way ("[Music] …") are no speakers.
_BRACKETED = re.compile(r"^\[(?P<name>[^\[\]:<>]{1,84}?)\]\s+(?P<text>\S.*)$")
_DASH = re.compile(r"^[-–]\s+\S")
_VTT_BLOCKS = frozenset({"NOTE", "STYLE", "REGION"})
_SBV_STAMP = r"\d{1,2}:\d{2}:\d{2}\.\d{1,3}"
_SBV_TIMING = re.compile(rf"^\s*(?P<start>{_SBV_STAMP}),(?P<end>{_SBV_STAMP})\s*$")


@dataclass
class Cue:
    """One subtitle cue: its first line in the file, its times in seconds, and its text lines."""

    line: int
    start: float
    end: float
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Piece:
    speaker: str | None  # None: no label here, continue the previous speaker
    text: str
    cue: Cue


def parse_timing(line: str) -> tuple[float, float] | None:
    """``(start, end)`` seconds of a ``00:00:01.000 --> 00:00:02,500`` line, or None."""
    match = _TIMING.match(line)
    return (_seconds(match["start"]), _seconds(match["end"])) if match else None


def _seconds(stamp: str) -> float:
    *hours_minutes, seconds = stamp.replace(",", ".").split(":")
    total = 0
    for part in hours_minutes:
        total = total * 60 + int(part)
    return total * 60 + float(seconds)


def parse_cues(lines: list[str], *, vtt: bool) -> tuple[list[Cue], list[str]]:
    """The cues of a subtitle file given as normalised lines, and warnings.

    A line directly before a timing line is the cue's number (SRT) or id (VTT); any other line
    outside a cue is garbage, skipped with a warning rather than glued to a neighbour.
    """
    warnings: list[str] = []
    cues: list[Cue] = []
    current: Cue | None = None
    i = _skip_vtt_header(lines, warnings) if vtt else 0
    while i < len(lines):
        line = lines[i].strip()
        following = parse_timing(lines[i + 1]) if i + 1 < len(lines) else None
        times = parse_timing(line)
        if times:
            current = Cue(i + 1, *times)
            cues.append(current)
        elif following and line and (line.isdigit() or (vtt and current is None)):
            current = Cue(i + 1, *following)
            cues.append(current)
            i += 1  # the timing line is consumed with its id
        elif not line:
            current = None
        elif current is not None:
            current.lines.append(line)
        elif vtt and line.split()[0] in _VTT_BLOCKS:
            i = _skip_block(lines, i)
            continue
        else:
            end = _skip_block(lines, i)
            warnings.append(f"line {i + 1}: {end - i} line(s) outside any cue skipped: {line!r}")
            i = end
            continue
        i += 1
    return cues, warnings


def _skip_vtt_header(lines: list[str], warnings: list[str]) -> int:
    if lines and lines[0].startswith("WEBVTT"):
        return _skip_block(lines, 0)
    warnings.append("line 1: no 'WEBVTT' header; read as WebVTT anyway")
    return 0


def _skip_block(lines: list[str], i: int) -> int:
    """Index of the next blank line or cue start after line ``i``."""
    i += 1
    while i < len(lines):
        line = lines[i].strip()
        following = parse_timing(lines[i + 1]) if i + 1 < len(lines) else None
        if not line or parse_timing(line) or (following and line.isdigit()):
            return i
        i += 1
    return i


def _pieces(cue: Cue) -> list[_Piece]:
    """Split a cue's text by voice tags and ``Name:`` prefixes into speaker pieces."""
    pieces: list[_Piece] = []
    text = _VOICE_END.sub("", "\n".join(cue.lines))
    marks = list(_VOICE.finditer(text))
    spans = [(None, 0, marks[0].start() if marks else len(text))]
    for n, mark in enumerate(marks):
        stop = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        spans.append(((mark["name"] or "").strip() or None, mark.end(), stop))
    for voice, begin, stop in spans:
        speaker = voice
        for line in html.unescape(_TAG.sub("", text[begin:stop])).split("\n"):
            line = " ".join(line.split())
            label = None if voice else _label_prefix(line)
            if label:
                speaker, line = label
            if line and not is_sound_cue(line):  # "[Music]", "(laughs)": nobody's words
                pieces.append(_Piece(speaker, line, cue))
    return pieces


def _label_prefix(line: str) -> tuple[str, str] | None:
    """``(speaker, rest)`` of a line opening with ``Name:`` or ``[Name]``, else None."""
    match = _PREFIX.match(line)
    if match and is_speaker_label(match["name"]):
        return " ".join(match["name"].split()), match["text"].strip()
    match = _BRACKETED.match(line)
    name = " ".join(match["name"].split()) if match else ""
    if match and name[:1].isupper() and not is_sound_cue(f"[{name}]") and is_speaker_label(name):
        return name, match["text"].strip()
    return None


def cues_to_turns(cues: list[Cue]) -> tuple[list[RawTurn], list[str]]:
    """Merge cue pieces into turns: unlabelled pieces continue the previous speaker."""
    pieces = [piece for cue in cues for piece in _pieces(cue)]
    if pieces and all(p.speaker is None for p in pieces):
        pieces = [_Piece(DEFAULT_SPEAKER, p.text, p.cue) for p in pieces]
        warning = f"line {pieces[0].cue.line}: {NO_LABELS_WARNING}"
        dashed = [c for c in cues if any(_DASH.match(line) for line in c.lines)]
        if len(dashed) * 2 >= len(cues):
            # Dashes mark a change of voice inside a cue, never whose voice: not guessable.
            warning += (
                f" (the cues use '- ' dialogue dashes, {len(dashed)} of {len(cues)} cues: they "
                "mark a change of speaker but not who speaks) — export the captions with "
                "speaker names ('Name: text' in each cue)"
            )
        return _merge(pieces), [warning]
    warnings: list[str] = []
    orphans = 0
    while pieces and pieces[0].speaker is None:
        orphans += 1
        first = pieces.pop(0)
        if orphans == 1:
            warnings.append(f"line {first.cue.line}: text before the first speaker label ignored")
    return _merge(pieces), warnings


def _merge(pieces: list[_Piece]) -> list[RawTurn]:
    turns: list[RawTurn] = []
    speaker = ""
    for piece in pieces:
        speaker = piece.speaker or speaker
        last = turns[-1] if turns else None
        if last and last.speaker == speaker:
            turns[-1] = RawTurn(
                speaker, f"{last.text} {piece.text}", last.line, last.time_start, piece.cue.end
            )
        else:
            turns.append(
                RawTurn(speaker, piece.text, piece.cue.line, piece.cue.start, piece.cue.end)
            )
    return turns


def _timing_warnings(cues: list[Cue], lines: list[str], *, vtt: bool) -> list[str]:
    warnings: list[str] = []
    overlaps = [b for a, b in itertools.pairwise(cues) if b.start < a.end]
    if overlaps:
        warnings.append(
            f"line {overlaps[0].line}: {len(overlaps)} cue(s) start before the previous one "
            "ends; kept in file order"
        )
    commas = [c for c in cues if vtt and "," in _timing_line(c, lines)]
    if commas:
        warnings.append(
            f"line {commas[0].line}: {len(commas)} cue timestamp(s) use ',' before the "
            "milliseconds (SRT style); accepted, but WebVTT requires '.'"
        )
    return warnings


def _timing_line(cue: Cue, lines: list[str]) -> str:
    first = lines[cue.line - 1]
    return first if parse_timing(first) else lines[cue.line]


def _read(
    path: Path, parse: Callable[[list[str]], tuple[list[Cue], list[str]]], *, vtt: bool = False
) -> ReaderResult:
    """Every subtitle format's reading: decode and normalise, find the cues (``parse``, the one
    step that differs), make them turns; the warnings of each step in that order."""
    text, warnings = read_text_file(path)
    lines = normalize_text(text).split("\n")
    cues, cue_warnings = parse(lines)
    turns, turn_warnings = cues_to_turns(cues)
    warnings += cue_warnings + _timing_warnings(cues, lines, vtt=vtt) + turn_warnings
    return ReaderResult(turns, {}, warnings)


def read_vtt(path: Path) -> ReaderResult:
    """Read a WebVTT transcript (speakers from ``<v Name>`` tags or ``Name:`` prefixes)."""
    return _read(path, partial(parse_cues, vtt=True), vtt=True)


def read_srt(path: Path) -> ReaderResult:
    """Read a SubRip transcript (speakers from ``Name:`` or ``[Name]`` prefixes)."""
    return _read(path, partial(parse_cues, vtt=False))


def parse_sbv(lines: list[str]) -> tuple[list[Cue], list[str]]:
    """The cues of a SubViewer file (``0:00:01.000,0:00:05.000`` then the text lines, a blank
    line between cues) and warnings; a line outside any cue is skipped with a warning."""
    warnings: list[str] = []
    cues: list[Cue] = []
    current: Cue | None = None
    skipped: tuple[int, str, int] | None = None  # (first line, its text, how many)
    for number, raw_line in enumerate(lines, 1):
        line = raw_line.strip()
        timing = _SBV_TIMING.match(line)
        if timing:
            current = Cue(number, _seconds(timing["start"]), _seconds(timing["end"]))
            cues.append(current)
        elif not line:
            current = None
        elif current is not None:
            current.lines.append(line)
        elif skipped is None:
            skipped = (number, line, 1)
        else:
            skipped = (skipped[0], skipped[1], skipped[2] + 1)
    if skipped:
        first, text, count = skipped
        warnings.append(f"line {first}: {count} line(s) outside any cue skipped: {text!r}")
    return cues, warnings


def read_sbv(path: Path) -> ReaderResult:
    """Read a SubViewer transcript, as Google Meet and YouTube save captions (speakers from
    ``Name:`` or ``[Name]`` prefixes)."""
    return _read(path, parse_sbv)
