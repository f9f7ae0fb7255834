"""Persona notes (``personas/*.md``) and the optional ``participants.csv``."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest.frontmatter import load_yaml_strings, split_front_matter
from cjm_research.ingest.normalize import normalize_text, read_text_file
from cjm_research.iorw import decode_text
from cjm_research.model import Participant, Persona

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Device names Windows will not create as a folder, whatever the case.
_WINDOWS_RESERVED = re.compile(r"^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
_LIST_FIELDS = ("goals", "needs", "pain_points", "participants")
_TEXT_FIELDS = ("summary", "quote")
_PERSONA_EXAMPLE = "start the file with '---', 'id: first-home', 'name: First-home buyer', '---'"
_PARTICIPANT_FIELDS = (
    "participant_id",
    "persona_id",
    "pseudonym",
    "name",
    "file",
    "date",
    "speaker",
)


def is_safe_id(value: str) -> bool:
    """Letters, digits, '-' and '_' only (≤ 64, starting with a letter or digit), and not a
    Windows device name (``con``, ``nul``, ``com1`` …): safe as a folder name everywhere."""
    return bool(_SLUG.match(value)) and not _WINDOWS_RESERVED.match(value)


def read_persona(path: Path) -> Persona:
    """One persona note: front matter (``id`` and ``name`` required) plus the markdown body."""
    text, _ = read_text_file(path)
    meta, body, _ = split_front_matter(normalize_text(text), path)
    if not meta:
        raise CJMInputError("persona note has no front matter", path, 1, _PERSONA_EXAMPLE)
    for key in ("id", "name"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise CJMInputError(f"persona front matter needs a '{key}'", path, 1, _PERSONA_EXAMPLE)
    persona_id = meta["id"].strip()
    if not is_safe_id(persona_id):
        raise CJMInputError(
            f"persona id {persona_id!r} is not a safe id",
            path,
            1,
            "use letters, digits, '-' and '_' only (it becomes a folder name), e.g. 'busy-parent'",
        )
    fields: dict[str, Any] = {key: _list(meta.get(key), key, path) for key in _LIST_FIELDS}
    fields.update({key: _text(meta.get(key), key, path) for key in _TEXT_FIELDS})
    known = {"id", "name", *_LIST_FIELDS, *_TEXT_FIELDS}
    return Persona(
        id=persona_id,
        name=meta["name"].strip(),
        path=path,
        body=body.strip(),
        extra={k: v for k, v in meta.items() if k not in known},
        **fields,
    )


def _list(value: object, key: str, path: Path) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        # "participants: P01, P02" is a list of ids; a single goal sentence stays one item.
        items = re.split(r"[;,]", value) if key == "participants" else [value]
        return [item.strip() for item in items if item.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise CJMInputError(
        f"persona field '{key}' must be text or a list of texts", path, hint=f"'{key}: [a, b]'"
    )


def _text(value: object, key: str, path: Path) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    raise CJMInputError(f"persona field '{key}' must be text", path, hint="quote the value")


def _personas_folder(folder: Path) -> Path:
    nested = folder / "personas"
    return nested if folder.name != "personas" and nested.is_dir() else folder


def load_personas(
    folder: Path | str, on_error: Callable[[CJMInputError], None] | None = None
) -> dict[str, Persona]:
    """All ``*.md`` persona notes of a ``personas/`` folder (or of a study root holding one).

    Returns personas by id, sorted by file name; a missing folder gives ``{}``. A bad note, or a
    second note with an id already used, raises :class:`CJMInputError`; with ``on_error`` it is
    passed there instead, so one bad note never hides the others, and a note that cannot be read
    is kept as the persona its ``id:`` line (else its file name) names, without its notes
    (``Persona.unread``): its interviews still make a report, which says the notes are missing.
    """
    folder = _personas_folder(Path(folder))
    personas: dict[str, Persona] = {}
    if not folder.is_dir():
        return personas
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith(".") or path.name.upper().startswith("README"):
            continue
        try:
            persona = read_persona(path)
        except CJMInputError as exc:
            stand_in = _stand_in(path, exc) if on_error is not None else None
            if on_error is None or stand_in is None or stand_in.id in personas:
                _report(exc, on_error)
                continue
            what = f"; persona {stand_in.id!r} is built without its notes, and its report says so"
            on_error(CJMInputError(exc.message + what, exc.path, exc.line, exc.hint))
            personas[stand_in.id] = stand_in
            continue
        held = personas.get(persona.id)
        if held is not None and not held.unread:  # a note read whole takes a stand-in's place
            _report(
                CJMInputError(
                    f"persona id {persona.id!r} is already used by {held.path}",
                    path,
                    1,
                    "give each persona a unique id",
                ),
                on_error,
            )
            continue
        personas[persona.id] = persona
    return personas


def _report(error: CJMInputError, on_error: Callable[[CJMInputError], None] | None) -> None:
    """Raise ``error``, or pass it to ``on_error`` when there is one."""
    if on_error is None:
        raise error
    on_error(error)


def _stand_in(path: Path, error: CJMInputError) -> Persona | None:
    """The persona an unreadable note still names: ``id``, ``name`` and ``participants`` read
    line by line from its front matter (the id else the file name, the name else the id), no
    notes. None when no safe id can be had (an unsafe ``id:`` is the researcher's to fix)."""
    try:
        text = normalize_text(read_text_file(path)[0])
    except CJMInputError:
        text = ""
    lines = text.split("\n")
    close = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() == "---"), 0)
    block = lines[1:close] if lines and lines[0].rstrip() == "---" else []
    found = {key: _line_value(block, key) for key in ("id", "name", "participants")}
    persona_id = found["id"] if isinstance(found["id"], str) else ""
    persona_id = persona_id.strip() or path.stem
    if not is_safe_id(persona_id):
        return None
    name = found["name"] if isinstance(found["name"], str) and found["name"].strip() else ""
    where = f"{path.parent.name}/{path.name}" + (f", line {error.line}" if error.line else "")
    try:
        participants = _list(found["participants"], "participants", path)
    except CJMInputError:
        participants = []
    return Persona(
        id=persona_id,
        name=name.strip() or persona_id,
        path=path,
        participants=participants,
        unread=f"{where}: {error.message}",
    )


def _line_value(block: list[str], key: str) -> object:
    """The value of a one-line ``key: value`` of a front matter block, parsed alone (None when
    it is not there or does not parse: the slip may be on that very line)."""
    for line in block:
        match = re.match(rf"^{key}\s*:(.*)$", line)
        if match:
            try:
                return load_yaml_strings(match[1])
            except yaml.YAMLError:
                return None
    return None


def load_participants(
    csv_path: Path | str,
    on_warning: Callable[[str], None] | None = None,
    on_error: Callable[[CJMInputError], None] | None = None,
) -> dict[str, Participant]:
    """Rows of ``participants.csv`` by ``participant_id`` (header row, ``,`` or ``;``).

    Read in any encoding :func:`decode_text` reads: Excel's plain "CSV" on Windows is
    Windows-1252, which ``on_warning`` is told. Column names are case-insensitive;
    ``interviewers`` and ``mentioned`` are split on ``;``; unknown columns go to
    ``Participant.extra``. Raises :class:`CJMInputError` with the line of a duplicate or empty id;
    with ``on_error`` that row is passed there instead and left out (a duplicate's first row is
    kept), so one bad row never unplaces every other participant's interviews.
    """
    path = Path(csv_path)
    try:
        text, warnings = decode_text(path.read_bytes())
    except OSError as exc:
        raise CJMInputError(f"cannot read file ({exc.strerror})", path) from exc
    for warning in warnings:
        if on_warning is not None:
            on_warning(warning)
    text = normalize_text(text)
    header = text.split("\n", 1)[0]
    # Spreadsheets in many locales save CSV with ';' between fields.
    delimiter = ";" if ";" in header and "," not in header else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip().casefold() for c in next(reader, [])]
    if "participant_id" not in columns:
        raise CJMInputError(
            "participants.csv has no 'participant_id' column",
            path,
            1,
            "the first row must name the columns, e.g. 'participant_id,persona_id,file'",
        )
    participants: dict[str, Participant] = {}
    lines: dict[str, int] = {}
    line = reader.line_num + 1
    for row in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(columns, (c.strip() for c in row), strict=False))
        participant = replace(_participant(cells), line=start)
        pid = participant.participant_id
        problem = _row_problem(pid, lines, path, start, ignored=on_error is not None)
        if problem is not None:
            if on_error is None:
                raise problem
            on_error(problem)
            continue
        participants[pid], lines[pid] = participant, start
    return _spreadsheet_dates(participants, on_warning)


def _row_problem(
    pid: str, lines: dict[str, int], path: Path, line: int, *, ignored: bool
) -> CJMInputError | None:
    """What is wrong with a row's ``participant_id``: none, or one another row already has."""
    if not pid:
        what = "row has no participant_id" + ("; the row is ignored" if ignored else "")
        return CJMInputError(what, path, line, "fill it in or delete the row")
    if pid not in lines:
        return None
    what = f"participant_id {pid!r} already used on line {lines[pid]}"
    if ignored:
        what += f"; this row is ignored and line {lines[pid]}'s is used"
    return CJMInputError(
        what,
        path,
        line,
        "give each participant one row; for their second interview (a follow-up after a "
        f"group) write 'participant: {pid}' in that transcript's front matter instead",
    )


_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def _spreadsheet_dates(
    participants: dict[str, Participant], on_warning: Callable[[str], None] | None
) -> dict[str, Participant]:
    """The ``date`` column's 18/11/2026 dates as ISO dates when one of them can only be day
    first and none month first (or the other way round): a spreadsheet writes a whole column in
    one locale, and Excel turns typed ISO dates into its own on every save."""
    slashed = {pid: m for pid, p in participants.items() if (m := _SLASHED.match(p.date))}
    day_first = any(int(m[1]) > 12 for m in slashed.values())
    if day_first == any(int(m[2]) > 12 for m in slashed.values()):
        return participants  # nothing decides (12/03/2026 alone), or the column disagrees
    field = 1 if day_first else 2
    sure = next((m for m in slashed.values() if int(m[field]) > 12 and _iso(m, day_first)), None)
    if sure is None:
        return participants  # 31/02/2026 decides nothing
    unsure = [m for m in slashed.values() if int(m[field]) <= 12 and _iso(m, day_first)]
    read = {
        pid: replace(participants[pid], date=iso)
        for pid, match in slashed.items()
        if (iso := _iso(match, day_first))
    }
    if on_warning is not None and unsure:
        order = "day/month/year" if day_first else "month/day/year"
        on_warning(
            f"dates read as {order}, as the spreadsheet wrote the column: {sure[0]} can only be "
            f"{_spoken(sure, day_first)}, so {unsure[0][0]} is {_spoken(unsure[0], day_first)} "
            "— write dates as YYYY-MM-DD to be sure"
        )
    return {**participants, **read}


def _spoken(match: re.Match[str], day_first: bool) -> str:
    """The date spoken ("18 November 2026") of a slashed date read in that order."""
    day = datetime.date.fromisoformat(_iso(match, day_first))
    return f"{day.day} {day:%B %Y}"


def _iso(match: re.Match[str], day_first: bool) -> str:
    """``YYYY-MM-DD`` of a slashed date read in that order ("" when no such day)."""
    day, month = (match[1], match[2]) if day_first else (match[2], match[1])
    try:
        return datetime.date(int(match[3]), int(month), int(day)).isoformat()
    except ValueError:
        return ""


def _interviewers(cell: str) -> tuple[str, ...]:
    """Names in an ``interviewers`` cell, split on ``;`` or, as front matter is, on ``,``
    ("Maya Lindqvist, Tom Hart"). A comma list also keeps the whole cell, so a Teams-style
    "Smith, Jane" still names the one interviewer it is."""
    if ";" in cell:
        parts = cell.split(";")
    else:
        parts = cell.split(",")
        if len(parts) > 1:
            parts = [cell, *parts]
    return tuple(dict.fromkeys(n.strip() for n in parts if n.strip()))


def _participant(row: dict[str, str]) -> Participant:
    interviewers = _interviewers(row.get("interviewers", ""))
    known = {*_PARTICIPANT_FIELDS, "interviewers", "persona", "mentioned"}
    return Participant(
        participant_id=row.get("participant_id", ""),
        persona_id=row.get("persona_id") or row.get("persona", ""),
        pseudonym=row.get("pseudonym", ""),
        name=row.get("name", ""),
        file=row.get("file", ""),
        date=row.get("date", ""),
        interviewers=interviewers,
        extra=tuple((k, v) for k, v in row.items() if k not in known and k),
        speaker=row.get("speaker", ""),
        mentioned=_interviewers(row.get("mentioned", "")),
    )
