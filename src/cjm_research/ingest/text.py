"""Plain-text and markdown transcripts (``.txt``, ``.md``), plus the speaker-line grammar shared
with the subtitle and Word readers.

Recognised turn headers, at the start of a line:

- ``Name: text`` (also ``**Name:** text`` in markdown); the name may carry one note in
  parentheses or brackets, as Zoom and Teams write them: ``Dana K (UX Research):``,
  ``Jo (she/her):``, ``Sam [Acme Research]:``
- ``[hh:mm:ss] Name: text``, ``[mm:ss] Name: text``, ``(hh:mm:ss) Name: text``
- ``NAME (00:01):`` or ``Name [00:01]:`` with the text on the same or the following lines
- Otter/Teams header lines ``Name  0:03`` / ``Name 00:01:02``, and Zoom's saved captions
  ``[Name] 14:02:03``; the text follows on the next lines
- a cue timing ``0:0:0.0 --> 0:0:5.170`` and the speaker's name alone on the next line (older
  Teams transcripts), when most timings in the file are followed so

Consecutive timestamped headers of one speaker (a tool that stamps every line) are one turn, as
consecutive cues of one speaker are. Lines without a header continue the current turn; Markdown
headings (``### Q2: First visit``; in ``.txt`` from ``##`` on) and, in Markdown, table rows are the
researcher's notes and are left out.
A line holding only a timestamp (``00:05:00``, Google Meet's marker) or a cue timing is a time
marker, never anyone's words: it gives the next turn its time when that turn has none. Known
export footers (Otter, Rev, Google Meet) are dropped, and so is a line of sounds alone
(``[Music]``, ``(laughs)``, ``♪``): a caption's note, not speech.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cjm_research.ingest.build import ReaderResult
from cjm_research.ingest.frontmatter import split_front_matter
from cjm_research.ingest.labels import NOTE, is_sound_cue, is_speaker_label
from cjm_research.ingest.normalize import normalize_text, read_text_file
from cjm_research.model import RawTurn

#: The speaker used when a file has no speaker labels at all.
DEFAULT_SPEAKER = "Participant"
NO_LABELS_WARNING = "no speaker labels found; treated as one participant"

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_NAME = r"[^:\[\]()*]{1,40}?"
_INLINE = re.compile(
    rf"^(?:[\[(](?P<ts1>{_TS})[\])]\s*)?"  # optional [00:01:02] or (00:01:02) before the name
    rf"\*{{0,2}}(?P<name>{_NAME}(?:\s*{NOTE})?)\*{{0,2}}"  # the label, maybe bold in markdown
    rf"(?:\s*[\[(](?P<ts2>{_TS})[\])])?"  # optional NAME (00:01)
    r"\s*\*{0,2}:\*{0,2}(?:\s+(?P<text>.*))?$"  # colon, then a space or the end
)
# The transcription tool's lines, never a speaker's words: Otter's, Rev's, Google Meet's and
# Teams' ("Maya Lindqvist started transcription" … "stopped transcription").
_EXPORT_FOOTER = re.compile(
    r"^(?:transcribed by https?://(?:www\.)?otter\.ai/?"
    r"|this transcript was exported on .{1,40}?\s[-–—]\s*view latest version here\.?"
    r"|meeting ended after \d{1,2}:\d{2}(?::\d{2})?\W{0,8}"
    r"|[^:]{1,60}?\s(?:started|stopped) transcription\.?)\s*$",
    re.IGNORECASE,
)
_OTTER = re.compile(rf"^(?P<name>{_NAME}(?:\s*{NOTE})?)\s+[\[(]?(?P<ts>{_TS})[\])]?\s*$")
# Zoom's "save captions": "[Maya Lindqvist] 14:02:03", the words on the next lines.
_BRACKET_HEADER = re.compile(rf"^\[(?P<name>{_NAME})\]\s+(?P<ts>{_TS})\s*$")
# Looser than _TS: older Teams writes "0:0:5.170".
_LOOSE_TS = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_TIME_MARKER = re.compile(rf"^[\[(]?(?P<ts>{_LOOSE_TS})[\])]?$")
_CUE_TIMING = re.compile(rf"^(?P<ts>{_LOOSE_TS})\s*-->\s*{_LOOSE_TS}$")
_HEADING = re.compile(r"^#{1,6}(?:\s|$)")
# Outside Markdown only "## " and deeper: "# 1 thing" may be someone's words.
_SUBHEADING = re.compile(r"^#{2,6}\s")
_TABLE_ROW = re.compile(r"^\|.*\|$")
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")


@dataclass(frozen=True)
class Header:
    """A turn header found on one line: who speaks, when, and any text on the same line."""

    speaker: str
    text: str
    time: float | None


def parse_timestamp(value: str) -> float | None:
    """Seconds from ``mm:ss``, ``hh:mm:ss`` (optional ``.mmm`` or ``,mmm``); None if invalid."""
    main, _, frac = value.strip().replace(",", ".").partition(".")
    try:
        parts = [int(p) for p in main.split(":")]
    except ValueError:
        return None
    if len(parts) not in (2, 3) or any(p < 0 for p in parts) or any(p > 59 for p in parts[1:]):
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds + (float(f"0.{frac}") if frac.isdigit() else 0.0)


def parse_header(line: str) -> Header | None:
    """The turn header at the start of ``line`` (already stripped), or None."""
    match = _INLINE.match(line)
    if match and is_speaker_label(match["name"]):
        stamp = match["ts1"] or match["ts2"]
        time = parse_timestamp(stamp) if stamp else None
        return Header(" ".join(match["name"].split()), (match["text"] or "").strip(), time)
    for pattern in (_OTTER, _BRACKET_HEADER):
        match = pattern.match(line)
        if match and is_speaker_label(match["name"]):
            return Header(" ".join(match["name"].split()), "", parse_timestamp(match["ts"]))
    return None


def time_marker(line: str) -> float | None:
    """The time of a line holding only a timestamp (``00:05:00``, ``[00:05:00]``) or a cue timing
    (``0:0:0.0 --> 0:0:5.170``: its start); None for any other line."""
    match = _TIME_MARKER.match(line) or _CUE_TIMING.match(line)
    return parse_timestamp(match["ts"]) if match else None


@dataclass
class _Turn:
    speaker: str
    line: int
    time: float | None
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])
    stamped: bool = False  # its header line carried a timestamp of its own

    def add(self, text: str) -> None:
        self.paragraphs[-1].append(text)

    def paragraph_break(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def raw(self) -> RawTurn:
        # Lines of a paragraph join with a space; paragraphs of one turn keep a newline.
        text = "\n".join(" ".join(p) for p in self.paragraphs if p)
        return RawTurn(self.speaker, text, self.line, self.time)


@dataclass
class ParsedLines:
    """Turns found in numbered lines, the (number, text) lines before the first turn, warnings."""

    raw_turns: list[RawTurn]
    preamble: list[tuple[int, str]]
    warnings: list[str]


def parse_lines(
    lines: Iterable[tuple[int, str]],
    *,
    markdown: bool = False,
    fallback: bool = True,
    warn_preamble: bool = True,
) -> ParsedLines:
    """Group numbered lines into speaker turns (see the module docstring for the grammar).

    A blank line is a paragraph break. When no line carries a speaker label and ``fallback`` is
    true, each paragraph becomes a turn of :data:`DEFAULT_SPEAKER` (with a warning); otherwise
    text before the first label is returned as ``preamble`` (with a warning if ``warn_preamble``).
    """
    lines = list(lines)
    names_after_timings = _names_after_timings(lines)
    turns: list[_Turn] = []
    before: list[tuple[int, str]] = []
    pending: float | None = None  # a time marker's time, for the turn that follows it
    after_timing = False
    for lineno, raw_line in lines:
        line = raw_line.strip()
        if (_HEADING if markdown else _SUBHEADING).match(line):
            continue  # "### Q2: First visit": the researcher's heading, not anyone's words
        if markdown:
            if _TABLE_ROW.match(line):
                continue  # a table of notes, not anyone's words
            line = "" if _RULE.match(line) else line.removeprefix(">").strip()
        if _EXPORT_FOOTER.match(line):
            continue  # "Transcribed by https://otter.ai": the tool's, not the speaker's words
        marker = time_marker(line) if line else None
        if marker is not None:
            pending, after_timing = marker, bool(_CUE_TIMING.match(line))
            continue
        if is_sound_cue(line):
            continue  # "[Music]", "(laughs)" alone on a line: nobody's words, never a preamble
        header = parse_header(line) if line else None
        if header is None and line and after_timing and names_after_timings:
            header = Header(line, "", None) if is_speaker_label(line) else None
        if line:
            after_timing = False
        if header:
            stamped = header.time is not None
            last = turns[-1] if turns else None
            if not (stamped and last and last.stamped and last.speaker == header.speaker):
                time = header.time if stamped else pending
                turns.append(_Turn(header.speaker, lineno, time, stamped=stamped))
            # else a tool that stamps every line split one voice's answer: one turn, as cues are
            if header.text and not is_sound_cue(header.text):
                turns[-1].add(header.text)
        elif not line:
            if turns:
                turns[-1].paragraph_break()
            else:
                before.append((lineno, ""))
        elif turns:
            turns[-1].add(line)
        else:
            before.append((lineno, line))
        if line:
            pending = None  # a marker inside a turn times no later turn
    content = [(n, s) for n, s in before if s]
    if not turns and fallback:
        return ParsedLines(_unlabelled(before), [], _no_labels(content))
    warnings = []
    if content and warn_preamble:
        warnings.append(
            f"line {content[0][0]}: {len(content)} line(s) before the first speaker label ignored"
        )
    return ParsedLines([t.raw() for t in turns], content, warnings)


def _names_after_timings(lines: list[tuple[int, str]]) -> bool:
    """Whether most cue timings are followed by a name alone on its line (older Teams): only
    then is such a line a speaker, not someone's one-word answer ("Yes")."""
    timings = named = 0
    following = False
    for _, raw_line in lines:
        line = raw_line.strip()
        if not line:
            continue
        if following:
            named += is_speaker_label(line) and parse_header(line) is None
        following = bool(_CUE_TIMING.match(line))
        timings += following
    return named >= 2 and 2 * named >= timings


def _no_labels(content: list[tuple[int, str]]) -> list[str]:
    return [f"line {content[0][0]}: {NO_LABELS_WARNING}"] if content else []


def _unlabelled(lines: list[tuple[int, str]]) -> list[RawTurn]:
    """One :data:`DEFAULT_SPEAKER` turn per paragraph of a file without speaker labels."""
    turns: list[RawTurn] = []
    paragraph: list[tuple[int, str]] = []
    for lineno, line in [*lines, (0, "")]:
        if line:
            paragraph.append((lineno, line))
        elif paragraph:
            text = " ".join(s for _, s in paragraph)
            turns.append(RawTurn(DEFAULT_SPEAKER, text, paragraph[0][0]))
            paragraph = []
    return turns


def read_text(path: Path) -> ReaderResult:
    """Read a ``.txt``/``.md`` transcript (front matter optional; line numbers are the file's)."""
    text, warnings = read_text_file(path)
    meta, body, first_line = split_front_matter(normalize_text(text), path)
    numbered = enumerate(body.split("\n"), first_line)
    parsed = parse_lines(numbered, markdown=path.suffix.lower() == ".md")
    return ReaderResult(parsed.raw_turns, meta, warnings + parsed.warnings)
