"""A study folder, loaded and checked: transcripts, personas, participants and the codebook.

Loading never stops at the first bad file: every problem becomes a :class:`Problem` (an error or
a warning with file, line and hint) and the rest of the study still loads, so ``cjm validate``
can list everything that needs fixing at once.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from cjm_research.codebook import load_codebook
from cjm_research.exceptions import CJMInputError
from cjm_research.ingest import (
    build_transcript,
    fold_label,
    group_speakers,
    is_safe_id,
    load_participants,
    load_personas,
    meta_names,
    read_raw,
    readers,
    unlisted_group,
)
from cjm_research.ingest.build import reads_as_english
from cjm_research.ingest.files import (
    case_match,
    duplicate_transcripts,
    names_a_file,
    posix_name,
    shallow_first,
    transcript_files,
)
from cjm_research.model import PARTICIPANT, Codebook, Participant, Persona, Transcript

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

#: The researcher's working data inside a study folder (README: Privacy): coded tables, caches,
#: the build manifest and logs of failed runs. Hidden, so it is never read as transcripts.
WORK_FOLDER = ".cjm"
#: Top-level folders of a study that never hold transcripts.
# Formats people drop in by mistake: say so instead of silently ignoring the interview.
_LINE = re.compile(r"^line (\d+): (.*)$", re.DOTALL)
_BAD_ID = re.compile(r"[:/\\\x00-\x1f]|^\.{1,2}$")
# How to fix the warnings readers and the loader give without a hint, by a part of the message.
_HINTS: tuple[tuple[str, str], ...] = (
    (
        "transcript has no persona",
        "set 'persona:' in its front matter or persona_id in "
        "participants.csv; until then it is coded but in no persona's report",
    ),
    ("has no note in personas/", "add personas/<id>.md with 'id:' and 'name:' front matter"),
    ("is not in participants.csv", "add a row for them to participants.csv or fix the id"),
    ("no speaker labels found", "start each turn with 'Name:' so questions are not coded"),
    ("no speaker turns found", "start each turn with 'Name: text', or remove the file"),
    ("file is empty", "export the transcript again, or remove the file"),
    ("no byte-order mark", "save the file as UTF-8"),
    ("before the first speaker label", "label that text 'Name:' or delete it"),
    ("outside any cue skipped", "check the subtitle export around that line"),
    ("start before the previous one ends", "check the export's timings; nothing was dropped"),
    ("no 'WEBVTT' header", "make 'WEBVTT' the first line"),
    ("without a 'Speaker' column", "name the table's speaker column 'Speaker'"),
    ("without a text column", "name the table's text column 'Text'"),
    ("is not mm:ss or hh:mm:ss", "write times as 12:34 or 01:12:34"),
)


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input file: ``severity`` is ``"error"`` or ``"warning"``."""

    severity: Severity
    path: Path | None
    line: int | None
    message: str
    hint: str = ""
    #: what an error leaves out when not the whole file: "row" (a bad row of participants.csv),
    #: "note" (a persona note that does not read: its persona is built without it)
    part: str = ""
    #: Lines that follow on a terminal, indented: what a message of many items lists.
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.display()

    def skipped(self) -> str:
        """What an error leaves out: its file, or the row it names (``… (the row on line 7)``),
        or a persona's note (``… (the note; the persona is built without it)``)."""
        where = str(self.path)
        if self.part == "note":
            return f"{where} (the note; the persona is built without it)"
        return f"{where} (the {self.part} on line {self.line})" if self.part else where

    def display(self, root: Path | None = None) -> str:
        """``file:line: what is wrong — how to fix it``, the file relative to ``root`` if inside,
        then each of ``details`` on its own indented line."""
        where = ""
        if self.path is not None:
            path = self.path
            if root is not None and path.is_relative_to(root):
                path = path.relative_to(root)
            where = f"{path}:{self.line}: " if self.line else f"{path}: "
        said = f"{where}{self.message}" + (f" — {self.hint}" if self.hint else "")
        return "\n".join([said, *(f"    {line}" for line in self.details)])

    @classmethod
    def from_error(cls, exc: CJMInputError, severity: Severity = ERROR, part: str = "") -> Problem:
        """The problem a :class:`CJMInputError` describes (``part``: what of its file it costs,
        when not the whole file)."""
        return cls(severity, exc.path, exc.line, exc.message, exc.hint, part)


@dataclass
class Study:
    """Everything in a study folder, plus the problems found while loading it."""

    root: Path
    transcripts: list[Transcript]
    personas: dict[str, Persona]
    participants: dict[str, Participant]
    codebook: Codebook
    problems: list[Problem] = field(default_factory=list)

    def transcripts_for(self, persona_id: str) -> list[Transcript]:
        """The transcripts mapped to ``persona_id``, in path order."""
        return [t for t in self.transcripts if t.persona_id == persona_id]

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the study unusable until fixed."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not stop anything."""
        return [p for p in self.problems if p.severity == WARNING]

    def problem_lines(self) -> list[str]:
        """Errors, then warnings, each group under a header; one ``file:line:`` line a problem."""
        lines: list[str] = []
        # A bad transcript is left out; a bad codebook is not skipped: nothing can be coded.
        stops = any(p.path is not None and p.path.name == "codebook.yaml" for p in self.errors)
        # A bad row of participants.csv costs that row only: "these files" would say the file.
        kinds = {f"{p.part}s" if p.part else "files" for p in self.errors}
        parts = sorted(kinds, key=lambda kind: (kind != "files", kind))
        errors = f"Errors ({len(self.errors)})" + (
            "; nothing is coded until codebook.yaml is fixed:"
            if stops
            else f", these {' and '.join(parts)} are skipped:"
        )
        for header, group in (
            (errors, self.errors),
            (f"Warnings ({len(self.warnings)}):", self.warnings),
        ):
            if group:
                lines += [header, *(p.display(self.root) for p in group)]
        return lines


def load_study(root: Path | str) -> Study:
    """Load a study folder; bad files become error :class:`Problem` s and are skipped.

    Raises :class:`CJMInputError` only when ``root`` is not a folder or no codebook can be loaded.
    """
    root = Path(root)
    if not root.is_dir():
        raise CJMInputError("study folder not found", root, hint="pass --study DIR")
    problems: list[Problem] = []
    codebook = _load_codebook(root, problems)
    personas = _load_personas(root, problems)
    participants = _load_participants(root, problems)
    loader = _TranscriptLoader(root, personas, participants, problems)
    paths = find_transcripts(root, problems)
    for path in shallow_first(paths, root):  # of two with one interview id, the top file wins
        loader.load(path)
    order = {path: n for n, path in enumerate(paths)}
    loader.transcripts.sort(key=lambda t: order[t.path])
    problems += [
        Problem(WARNING, copy.path, None, f"same content as {kept.path.relative_to(root)}: one "
                "interview counted twice, each quote twice", "remove one of the two files")
        for kept, copy in duplicate_transcripts(loader.transcripts, root)
    ]  # fmt: skip
    _cross_check(loader.transcripts, personas, participants, problems)
    return Study(root, loader.transcripts, personas, participants, codebook, problems)


def find_transcripts(root: Path, problems: list[Problem] | None = None) -> list[Path]:
    """Transcript files under ``root`` with a registered suffix, sorted by relative path
    (``ingest.files.transcript_files``); what it passes over and says so becomes a warning."""
    found, notes = transcript_files(root, set(readers()))
    if problems is not None:
        problems += [Problem(WARNING, path, None, what, fix) for path, what, fix in notes]
    return found


def work_dir(root: Path | str) -> Path:
    """``STUDY/.cjm``: where the coded tables, caches, manifest and failure logs are kept, so that
    ``reports/`` holds only what is safe to share."""
    return Path(root) / WORK_FOLDER


def study_codebook(root: Path | str) -> Codebook:
    """The study's own ``codebook.yaml`` when it has one, else the packaged default.

    Raises :class:`CJMInputError` for an invalid study codebook (``load_study`` reports it and
    falls back, so that ``cjm validate`` lists every problem; ``code_study`` then refuses).
    """
    path = Path(root) / "codebook.yaml"
    return load_codebook(path if path.is_file() else None)


def study_notes(root: Path | str) -> tuple[Codebook, dict[str, Persona]]:
    """The codebook and persona notes as :func:`load_study` reads them, without the transcripts:
    a bad note is skipped and a bad ``codebook.yaml`` gives the default (``cjm validate`` and
    ``cjm reports`` name them), so one bad file never stops a report that does not need it."""
    root = Path(root)
    problems: list[Problem] = []
    return _load_codebook(root, problems), _load_personas(root, problems)


def _load_codebook(root: Path, problems: list[Problem]) -> Codebook:
    path = root / "codebook.yaml"
    if path.is_file():
        try:
            codebook = load_codebook(path)
        except CJMInputError as exc:
            # An error: listed with the others, and no coding runs on the default instead.
            problems.append(Problem.from_error(exc))
        else:
            problems += [Problem(WARNING, path, None, warning) for warning in codebook.warnings]
            problems += [
                Problem(WARNING, path, None,
                        f"stage {code.id!r} has no examples: the semantic coder knows it by its "
                        "label and description alone and will seldom choose it",
                        "add three to five example answers under 'examples:'")
                for code in codebook.stages
                if not code.examples
            ]  # fmt: skip
            return codebook
    return load_codebook(None)


def _load_personas(root: Path, problems: list[Problem]) -> dict[str, Persona]:
    errors: list[CJMInputError] = []
    personas = load_personas(root / "personas", errors.append)
    # a note that does not read costs its notes only when its persona stands in without them
    unread = {p.path for p in personas.values() if p.unread and p.path is not None}
    problems += [Problem.from_error(e, part="note" if e.path in unread else "") for e in errors]
    return personas


def _load_participants(root: Path, problems: list[Problem]) -> dict[str, Participant]:
    path = root / "participants.csv"
    if not path.is_file():
        return {}
    try:
        participants = load_participants(
            path,
            lambda warning: problems.append(Problem(WARNING, path, None, warning)),
            lambda error: problems.append(Problem.from_error(error, part="row")),
        )
    except CJMInputError as exc:
        problems.append(Problem.from_error(exc))
        return {}
    for pid, participant in list(participants.items()):
        found = not participant.file or names_a_file(root, posix_name(participant.file))
        if not found:
            on_disk = case_match(root, posix_name(participant.file))
            found = bool(on_disk)
            if on_disk:
                problems.append(
                    Problem(WARNING, path, participant.line or None,
                            f"participant {pid}: file {participant.file!r} is {on_disk!r} on "
                            "disk; read as that", "spell it as on disk: Linux tells case apart")
                )  # fmt: skip
                participant = participants[pid] = replace(participant, file=on_disk)
        if participant.date and not _ISO_DATE.match(participant.date):
            problems.append(
                Problem(WARNING, path, participant.line or None,
                        f"participant {pid}: date {participant.date!r} is not YYYY-MM-DD; "
                        "reports leave it out",
                        "write dates as 2026-03-12 (12/03/2026 could be March or December)")
            )  # fmt: skip
        if not found:
            problems.append(
                Problem(WARNING, path, participant.line or None,
                        f"participant {pid}: file {participant.file!r} does not exist",
                        "paths are relative to the study folder, with '/'")
            )  # fmt: skip
        elif participant.file and Path(participant.file).suffix.lower() not in readers():
            problems.append(
                Problem(WARNING, path, participant.line or None,
                        f"participant {pid}: file {participant.file!r} is not a transcript cjm "
                        f"reads ({' '.join(sorted(readers()))}); the interview is left out",
                        "save or export it in one of those formats and name that file here")
            )  # fmt: skip
    problems += _participant_conflicts(path, participants)
    return participants


def _participant_conflicts(path: Path, participants: dict[str, Participant]) -> list[Problem]:
    """Rows that would count one person twice or two people as one: ids that differ only in
    case, and one transcript given to two participants."""
    found: list[Problem] = []
    ids: dict[str, str] = {}
    files: dict[str, str] = {}
    pseudonyms: dict[str, str] = {}
    for pid, row in participants.items():
        if row.pseudonym:
            other = pseudonyms.setdefault(row.pseudonym.casefold(), pid)
            if other != pid:
                found.append(
                    Problem(WARNING, path, None,
                            f"participants {other!r} and {pid!r} share the pseudonym "
                            f"{row.pseudonym!r}; reports tell them apart as {row.pseudonym!r} and "
                            f"'{row.pseudonym} (2)'", "give each participant their own pseudonym")
                )  # fmt: skip
        other = ids.setdefault(pid.casefold(), pid)
        if other != pid:
            found.append(
                Problem(WARNING, path, None,
                        f"participants {other!r} and {pid!r} differ only in case: two people "
                        "in every count", "spell one participant's id the same way everywhere")
            )  # fmt: skip
        if row.file:
            # A group interview's rows share the file, one speaker each.
            key = f"{posix_name(row.file).casefold()}\0{fold_label(row.speaker)}"
            owner = files.setdefault(key, pid)
            if owner != pid:
                found.append(
                    Problem(WARNING, path, None,
                            f"participants {owner!r} and {pid!r} both name the file "
                            f"{row.file!r}" + (f" and speaker {row.speaker!r}" if row.speaker
                                               else f"; it is read as {owner!r}'s"),
                            "give each transcript to one participant, or in a group interview "
                            "each participant their label in the 'speaker' column")
                )  # fmt: skip
    return found


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")


class _TranscriptLoader:
    """Reads transcripts one at a time and maps each to its participant and persona."""

    def __init__(
        self,
        root: Path,
        personas: dict[str, Persona],
        participants: dict[str, Participant],
        problems: list[Problem],
    ) -> None:
        self.root = root
        self.personas = personas
        self.participants = participants
        self.problems = problems
        self.transcripts: list[Transcript] = []
        self.ids: dict[str, Path] = {}
        # A file's rows: one, or a group interview's (one row per speaker). A file listed
        # twice without speakers is the first row's (warned).
        self.by_file: dict[str, list[Participant]] = {}
        for row in participants.values():
            if row.file:
                self.by_file.setdefault(posix_name(row.file), []).append(row)

    def load(self, path: Path) -> None:
        """Read ``path``; on bad input record an error Problem and skip the file."""
        try:
            transcript = self._read(path)
        except CJMInputError as exc:
            self.problems.append(Problem.from_error(exc))
            return
        for warning in transcript.warnings:
            match = _LINE.match(warning)
            line, message = (int(match[1]), match[2]) if match else (None, warning)
            message, _, hint = message.partition(" — ")
            self.problems.append(Problem(WARNING, path, line, message, hint or _hint(message)))
        if not transcript.turns:
            message = "file is empty" if path.stat().st_size == 0 else "no speaker turns found"
            self.problems.append(Problem(WARNING, path, None, message, _hint(message)))
        self.transcripts.append(transcript)

    def _read(self, path: Path) -> Transcript:
        result = read_raw(path)
        meta = result.meta
        interview_id = _meta(meta, "interview_id") or path.stem
        if _BAD_ID.search(interview_id):
            raise CJMInputError(
                f"interview id {interview_id!r} contains ':', '/', '\\' or control characters",
                path,
                hint="set 'interview_id:' in front matter or rename the file",
            )
        if interview_id in self.ids:
            raise CJMInputError(
                f"interview id {interview_id!r} is already used by "
                f"{self.ids[interview_id].relative_to(self.root)}",
                path,
                hint="rename the file or set a unique 'interview_id:' in its front matter",
            )
        rel = posix_name(path.relative_to(self.root).as_posix())
        participant_id = _meta(meta, "participant")
        rows = self.by_file.get(rel, [])
        group = [r for r in rows if r.speaker]
        listed = (group or rows)[0] if rows else None
        if group and participant_id not in {"", *(r.participant_id for r in group)}:
            # A group's voices are its rows' people: a session id would be one more person.
            result.warnings.append(
                f"front matter says participant {participant_id!r}, but participants.csv maps "
                "this group interview's voices to their participants (the 'speaker' column); "
                "the front matter's is set aside — remove 'participant:' from it"
            )
            participant_id = ""
        if not participant_id and listed is not None:
            participant_id = listed.participant_id
        participant_id = self._listed_spelling(participant_id, result.warnings)
        if listed and participant_id and participant_id not in {r.participant_id for r in rows}:
            result.warnings.append(
                f"front matter says participant {participant_id!r}, participants.csv gives this "
                f"file to {listed.participant_id!r}; read as {participant_id!r}'s"
            )
        row = self.participants.get(participant_id)
        if participant_id and row is None and self.participants:
            result.warnings.append(f"participant {participant_id!r} is not in participants.csv")
        people = group or ([row] if row else [])
        transcript = build_transcript(
            interview_id,
            path,
            result.raw_turns,
            meta,
            interviewers=[
                *meta_names(meta, "interviewers"),
                *(i for p in people for i in p.interviewers),
            ],
            participant_names=[
                *meta_names(meta, "participant_name"),
                *(n.strip() for p in people for n in (p.name, *p.speaker.split(";")) if n.strip()),
            ],
            warnings=result.warnings,
        )
        transcript.participant_id = participant_id
        if group:
            transcript.speakers = group_speakers(transcript, group)
            transcript.warnings += [
                f"participants.csv lists this file for {r.participant_id!r} without a speaker, "
                "beside a group's rows: left out — give them their label in 'speaker'"
                for r in rows
                if not r.speaker
            ]
        else:
            transcript.warnings += unlisted_group(transcript)
        transcript.persona_id = self._persona_for(path, meta, participant_id, row, transcript)
        language = _meta(meta, "language")
        if language and not language.casefold().startswith("en"):
            transcript.warnings.append(
                f"language {language!r}: the machine coder reads English, so its codes of this "
                "interview are guesses — review them (cjm review export) or code it by hand"
            )
        elif not language and not reads_as_english(t.text for t in transcript.turns):
            transcript.warnings.append(
                "its words do not read as English, and the machine coder reads English: its codes "
                "of this interview are guesses — say so with 'language:' in its front matter, and "
                "review them (cjm review export) or code it by hand"
            )
        if transcript.turns and not any(t.role == PARTICIPANT for t in transcript.turns):
            transcript.warnings.append(
                "every speaker was read as an interviewer, so nothing here is coded — name the "
                "interviewers in front matter ('interviewers:') or participants.csv"
            )
        self.ids[interview_id] = path
        return transcript

    def _listed_spelling(self, participant_id: str, warnings: list[str]) -> str:
        """``participant_id`` as participants.csv spells it, when only the case differs."""
        listed = _same_but_case(participant_id, self.participants)
        if not listed:
            return participant_id
        warnings.append(
            f"participant {participant_id!r} is listed as {listed!r} in participants.csv; read "
            "as that one — spell the id the same way in both"
        )
        return listed

    def _persona_for(
        self,
        path: Path,
        meta: dict[str, object],
        participant_id: str,
        row: Participant | None,
        transcript: Transcript,
    ) -> str:
        persona_id = _meta(meta, "persona") or (row.persona_id if row else "")
        if not persona_id and participant_id:
            listed = [p.id for p in self.personas.values() if participant_id in p.participants]
            persona_id = listed[0] if listed else ""
        if not persona_id:
            transcript.warnings.append("transcript has no persona")
            return ""
        if not is_safe_id(persona_id):
            in_csv = row is not None and not _meta(meta, "persona")
            where = "participants.csv" if in_csv else "front matter"
            safe = re.sub(r"[^A-Za-z0-9_]+", "-", persona_id).strip("-").lower()
            raise CJMInputError(
                f"persona id {persona_id!r} (from {where}) is not a safe id"
                # The fix is on participants.csv's row: point there, naming the skipped file.
                + (f"; {path.relative_to(self.root)} is skipped" if in_csv and row else ""),
                self.root / "participants.csv" if in_csv and row else path,
                row.line or None if in_csv and row else None,
                "use letters, digits, '-' and '_' only"
                + (f", e.g. {safe!r}, in {where} and personas/" if safe else ""),
            )
        if self.personas and persona_id not in self.personas:
            noted = _same_but_case(persona_id, self.personas)
            if noted:
                transcript.warnings.append(
                    f"persona {persona_id!r} is {noted!r} in personas/; read as that one — "
                    "spell the persona id the same way everywhere"
                )
                return noted
            if (self.root / "personas" / f"{persona_id}.md").is_file():
                # the note is there but could not be read: its own error says why
                transcript.warnings.append(
                    f"persona {persona_id!r}: its note personas/{persona_id}.md could not be "
                    "read — fix the error reported for it"
                )
            else:
                transcript.warnings.append(f"persona {persona_id!r} has no note in personas/")
        return persona_id


def _same_but_case(value: str, known: Collection[str]) -> str:
    """How ``known`` spells ``value`` when only the case differs ("" when it spells it the
    same, not at all, or in several ways)."""
    if not value or value in known:
        return ""
    same = [k for k in known if k.casefold() == value.casefold()]
    return same[0] if len(same) == 1 else ""


def _hint(message: str) -> str:
    return next((hint for part, hint in _HINTS if part in message), "")


def _meta(meta: dict[str, object], key: str) -> str:
    value = meta.get(key)
    return value.strip() if isinstance(value, str) else ""


def _cross_check(
    transcripts: list[Transcript],
    personas: dict[str, Persona],
    participants: dict[str, Participant],
    problems: list[Problem],
) -> None:
    known = set(participants) | {t.participant_id for t in transcripts if t.participant_id}
    for persona in personas.values():
        for pid in persona.participants:
            if pid in known:
                continue
            other = _same_but_case(pid, known)
            message = f"persona {persona.id!r} lists unknown participant {pid!r}"
            problems.append(
                Problem(WARNING, persona.path, None,
                        message + (f" (the study spells it {other!r})" if other else ""),
                        f"write {other!r}" if other else "add them to participants.csv or fix "
                        "the id")
            )  # fmt: skip
    interviewed = {t.persona_id for t in transcripts}
    problems += [
        Problem(WARNING, persona.path, None,
                f"persona {persona.id!r} has no transcript: no report is built for it",
                "set 'persona:' in its transcripts' front matter or persona_id in "
                "participants.csv")
        for persona in personas.values()
        if persona.id not in interviewed
    ]  # fmt: skip
    spellings: dict[str, dict[str, Path]] = {}
    for t in transcripts:
        if t.persona_id:
            spellings.setdefault(t.persona_id.casefold(), {}).setdefault(t.persona_id, t.path)
    for ids in spellings.values():
        (first, _), *others = ids.items()  # the first spelling met; each other one is warned
        problems += [
            Problem(
                WARNING,
                path,
                None,
                f"persona {other!r} differs from {first!r} only in case: two reports, and on "
                "macOS or Windows one folder that each overwrites",
                "spell the persona id the same way everywhere",
            )
            for other, path in others
        ]
