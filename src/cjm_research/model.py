"""The shared vocabulary: transcripts, speaker turns, personas and the codebook.

Everything here is plain data. Every other module speaks in these types, so this module imports
nothing from the rest of the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PARTICIPANT = "participant"
INTERVIEWER = "interviewer"

#: The report formats ``cjm reports --format`` accepts (the command line reads them from here, so
#: that ``cjm --help`` imports nothing heavy).
REPORT_FORMATS = ("docx", "html")
#: How agreement treats units a coder left uncoded: drop them, or count "uncoded" as a code.
UNCODED_POLICIES = ("exclude", "as-code")
#: Where ``cjm reports --executor`` runs the notebooks: the executors ``run/executors.py``
#: registers (a test holds the two to the same names; here, ``cjm --help`` imports nothing heavy).
EXECUTORS = ("local", "dask")


#: A human code cell (``STUDY/coding/<coder>.csv``) for a dimension its coder did not code: a
#: project coded for touchpoints only in another tool says nothing of stages. The machine's code
#: stands there, and agreement, the audit and learning leave the dimension out for that coder. An
#: empty cell is a judgement ("no stage"); files from before this marker have none, read as before.
NOT_CODED = "(not coded)"


def not_coded(value: object) -> bool:
    """True for a code cell reading :data:`NOT_CODED` (any case, brackets optional)."""
    return str(value).strip().strip("()").strip().casefold() == "not coded"


#: How people separate several codes in one cell (a review sheet, a gold file): ``;`` or ``,``.
CODE_SEPARATORS = re.compile(r"[;,]")
#: A number as people type or copy it (a valence in a review sheet, a gold file): the minus sign
#: the reports print ("−0.5", U+2212) and a decimal comma ("-0,5") read as "-0.5".
TYPED_NUMBER = str.maketrans({"\u2212": "-", ",": "."})


@dataclass(frozen=True)
class Turn:
    """One speaker turn of a transcript.

    ``start``/``end`` are end-exclusive code-point offsets into ``Transcript.text`` such that
    ``transcript.text[start:end] == turn.text``. ``line`` is the 1-based line (or paragraph for
    Word files) where the turn begins in the source file.
    """

    index: int
    speaker: str
    role: str
    text: str
    start: int
    end: int
    line: int
    time_start: float | None = None
    time_end: float | None = None


@dataclass(frozen=True)
class RawTurn:
    """A turn as a reader finds it, before offsets are assigned (``ingest.build_transcript``)."""

    speaker: str
    text: str
    line: int
    time_start: float | None = None
    time_end: float | None = None


@dataclass
class Transcript:
    """A normalised interview: the canonical plain text and its turns.

    ``text`` is the canonical rendering ``"Speaker: words\\n\\n"`` per turn; it is what offsets
    refer to and what an exchange format exports as the source text.
    """

    interview_id: str
    path: Path
    text: str
    turns: list[Turn]
    meta: dict[str, Any] = field(default_factory=dict)
    participant_id: str = ""
    persona_id: str = ""
    warnings: list[str] = field(default_factory=list)
    #: A group interview's speaker labels (as in ``turns``) → participant ids, from the
    #: ``speaker`` column of participants.csv. Empty: every participant turn is
    #: ``participant_id``'s.
    speakers: dict[str, str] = field(default_factory=dict)

    @property
    def participant_turns(self) -> list[Turn]:
        """Turns spoken by participants: the units the coders code."""
        return [t for t in self.turns if t.role == PARTICIPANT]

    def participant_of(self, turn: Turn) -> str:
        """Who spoke ``turn``: its speaker's id in a group interview, else the interview's
        participant ("" for interviewers, and for a group's speaker with no row)."""
        if turn.role != PARTICIPANT:
            return ""
        return self.speakers.get(turn.speaker, "") if self.speakers else self.participant_id

    def segment_id(self, turn: Turn) -> str:
        """The id of ``turn``'s segment in every table, file and sheet: ``<interview>:<index>``."""
        return f"{self.interview_id}:{turn.index}"


@dataclass
class Persona:
    """A persona from ``personas/<id>.md``: front matter fields plus the markdown narrative."""

    id: str
    name: str
    path: Path | None = None
    summary: str = ""
    goals: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    pain_points: list[str] = field(default_factory=list)
    quote: str = ""
    participants: list[str] = field(default_factory=list)
    body: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: Why its note could not be read (``file:line: problem``): the persona then has only the id
    #: and name that could be read, and its report says its notes are missing.
    unread: str = ""


@dataclass(frozen=True)
class Participant:
    """A row of ``participants.csv``. ``name`` is personal data and never reaches a report."""

    participant_id: str
    persona_id: str = ""
    pseudonym: str = ""
    name: str = ""
    file: str = ""
    date: str = ""
    interviewers: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    #: Their speaker label in a group interview (several rows then share ``file``).
    speaker: str = ""
    #: Other people their interview names (a partner, a colleague): hidden in reports as [name].
    mentioned: tuple[str, ...] = ()
    #: The row's line in participants.csv (0: not from a file), for problems to point at.
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Code:
    """One code of a codebook dimension."""

    id: str
    label: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    #: stages (and ``off_journey``) only: interview-guide questions that open talk about it
    questions: tuple[str, ...] = ()
    valence: float | None = None  # emotions only: the sign and rough strength, in [-1, 1]
    owner: str = ""  # touchpoints only: the team that owns it (web, support, logistics ...)
    color: str = ""


@dataclass(frozen=True)
class Codebook:
    """Stages (ordered), touchpoints and emotions, loaded from YAML (see ``codebook.py``)."""

    name: str
    version: str
    stages: tuple[Code, ...]
    touchpoints: tuple[Code, ...]
    emotions: tuple[Code, ...]
    path: Path | None = None
    #: What is not about the journey (introductions, closing pleasantries): examples and
    #: questions that let a coder leave such a turn without a stage. Empty: every turn may get one.
    off_journey: Code = Code("off_journey", "Not about the journey")
    #: Interview-guide questions that let the participant choose the topic ("If you could change
    #: one thing, what would it be?"): an answer to one takes its stage from its own words.
    open_questions: tuple[str, ...] = ()
    #: What reading the file warned about (not UTF-8, decoded as Windows-1252), for validate.
    warnings: tuple[str, ...] = ()

    def dimension(self, name: str) -> tuple[Code, ...]:
        """The codes of ``name``: ``stages``, ``touchpoints`` or ``emotions``."""
        if name not in ("stages", "touchpoints", "emotions"):
            raise KeyError(f"unknown codebook dimension {name!r}")
        return getattr(self, name)

    def lookup(self, dimension: str) -> dict[str, str]:
        """Lower-cased id, label and "Label (id)" (what a review sheet's drop-down offers) →
        id, for the codes of ``dimension``: how people write a code, read as the code."""
        codes = self.dimension(dimension)
        return (
            {f"{c.label} ({c.id})".lower(): c.id for c in codes}
            | {c.label.lower(): c.id for c in codes}
            | {c.id.lower(): c.id for c in codes}
        )

    def label(self, dimension: str, code_id: str) -> str:
        """The human label of a code id (the id itself when unknown); of ``;``-joined ids (a
        moment on several touchpoints), the labels joined: "Phone support and Email"."""
        labels = {code.id: code.label for code in self.dimension(dimension)}
        parts = [labels.get(c, c) for c in code_id.split(";")]
        if len(parts) < 3:
            return " and ".join(parts)
        return f"{', '.join(parts[:-1])} and {parts[-1]}"

    @property
    def stage_ids(self) -> list[str]:
        """Stage ids in journey order."""
        return [c.id for c in self.stages]

    @property
    def valences(self) -> dict[str, float]:
        """Each emotion's valence, 0 where the codebook gives none."""
        return {c.id: c.valence or 0.0 for c in self.emotions}
