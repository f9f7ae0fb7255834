"""Privacy by default: participants under pseudonyms, names and contact details out of quotes.

A :class:`PseudonymKey` is built from the study (``participants.csv``, persona notes, transcript
front matter and speaker labels) and the coded table; :func:`redact_segments` applies it to a copy
of the table before anything is drawn or written. Contact and payment details and reference
numbers are found by offline regular expressions (``privacy.pii``). Names are found only from the
lists above; a name nobody listed (a partner, a child, a colleague) is not hidden, but
:func:`unlisted_names` warns of those the words show to be people.

The key itself (real name ↔ pseudonym) stays in the study folder: ``participants.csv`` plus the
numbering, kept in ``STUDY/.cjm/pseudonyms.json``; nothing here writes it into ``reports/``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import pandas as pd

from cjm_research.ingest import meta_names
from cjm_research.ingest.build import INTERVIEWER_LABELS, PARTICIPANT_LABELS
from cjm_research.ingest.labels import NAME_PARTICLES, name_key, split_label, unaccented
from cjm_research.ingest.normalize import normalize_text
from cjm_research.ingest.text import DEFAULT_SPEAKER
from cjm_research.iorw import decode_text, write_text
from cjm_research.model import INTERVIEWER, PARTICIPANT

# A report's other texts (persona notes, curated insights, the last run's snapshot).
from cjm_research.privacy.notes import (  # noqa: F401
    INSIGHT_TEXT,
    persona_name_problems,
    redact_insights,
    redact_persona,
    redact_snapshot,
)

# The recognisers are privacy.pii's; their names are this package's API too.
from cjm_research.privacy.pii import (  # noqa: F401
    ADDRESS,
    BIRTH,
    CARD,
    EMAIL,
    ID,
    NAME,
    PHONE,
    POSTCODE,
    URL,
    luhn_ok,
    redact_pii,
)

# The people participants mention whom nobody listed: warned of, never hidden.
from cjm_research.privacy.unlisted import MENTIONED_HINT, unlisted_names  # noqa: F401
from cjm_research.privacy.words import FIRM_WORDS, WORD_NAMES
from cjm_research.study import Study, load_study, work_dir

#: What an interviewer's name becomes in quotes and speaker labels.
INTERVIEWER_LABEL = "Interviewer"

# Speaker labels that name a role, not a person: never treated as personal names.
_GENERIC = frozenset(
    {
        *INTERVIEWER_LABELS,
        *PARTICIPANT_LABELS,
        DEFAULT_SPEAKER.casefold(),
        "speaker",
        "unknown",
        "host",
        "guest",
        "note",
        "notetaker",
        "observer",
    }
)
_NUMBERED = re.compile(r"^(?P<base>[^\W\d_]+)[\s_-]*\d+$")
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "mx"})


def is_generic_label(label: str) -> bool:
    """Whether a speaker label names a role ("Interviewer", "Speaker 2", "P01"), not a person."""
    key = " ".join(label.casefold().split())
    numbered = _NUMBERED.match(key)
    return key in _GENERIC or (numbered is not None and numbered["base"] in _GENERIC) or not key


#: A speaker label's note that names a person: "Interviewer (Jane Whitlock)", not "(UX Research)"
#: or "(she/her)".
_NOTE_NAME = re.compile(r"^(?:[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\s?){1,3}$")
_NOTE_WORDS = frozenset(
    "research researcher team design designer product support marketing sales lead manager notes "
    "note observer host guest customer client user ux cx ui host moderator interviewer".split()
)


def _note_name(base: str, note: str) -> str:
    """The person a role label's ``note`` names ("Interviewer (Jane Whitlock)" → "Jane
    Whitlock"), else "": Zoom and Teams labels carry the interviewer's name there."""
    words = note.split()
    if not (base and note and is_generic_label(base) and _NOTE_NAME.match(note)):
        return ""
    if any(not w[0].isupper() or w.casefold() in _NOTE_WORDS for w in words):
        return ""
    return note


def name_variants(name: str) -> list[str]:
    """A full name and its parts worth matching alone: "Dr. Dana de Vries" → full, Dana, Vries;
    a speaker label's note is left out ("Dana K (she/her)" → Dana K …), unless it is the name of
    a role ("Interviewer (Jane Whitlock)" → Jane Whitlock …). A word that makes up firms' names
    (``FIRM_WORDS``) is no part worth matching alone: "Brightwell Logistics" → full, Brightwell
    ("Logistics were awful" names nobody)."""
    base, note = split_label(name)
    if note:
        return name_variants(_note_name(base, note) or base)
    words = [w.strip(".,") for w in name.split()]
    words = [w for w in words if w]
    if not words or is_generic_label(name):
        return []
    parts = [w for w in words if w.casefold() not in NAME_PARTICLES | _TITLES and len(w) > 1]
    # "Ó Briain", "de la Cruz": a surname with its particles is replaced whole, not leaving "Ó".
    prefixed = []
    for i, word in enumerate(words[1:], 1):
        start = i
        while start > 1 and words[start - 1].casefold() in NAME_PARTICLES:
            start -= 1
        if start < i and word.casefold() not in NAME_PARTICLES:
            prefixed.append(" ".join(words[start : i + 1]))
    full = " ".join(words)
    alone = (
        p
        for p in parts
        if not is_generic_label(p) and (len(words) == 1 or p.casefold() not in FIRM_WORDS)
    )
    return list(dict.fromkeys([full, *prefixed, *alone]))


@dataclass
class PseudonymKey:
    """Real identities → pseudonyms for one study. Personal data: never written into a report."""

    participants: dict[str, str] = field(default_factory=dict)  # participant key → pseudonym
    interviews: dict[str, str] = field(default_factory=dict)  # interview id → "Interview 04"
    names: dict[str, str] = field(default_factory=dict)  # casefolded name → its replacement
    # a name → the interviews its person speaks in: elsewhere it is somebody else's namesake
    present: dict[str, frozenset[str]] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # a transcript path → interview label
    # (interview id, participant id, speaker) of every participant turn the key was built from
    speakers: frozenset[tuple[str, str, str]] = frozenset()
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _path_order: list[str] | None = field(default=None, repr=False, compare=False)
    _suffixes: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @property
    def labels(self) -> dict[str, str]:
        """Pseudonym → itself: the participant labels of a redacted table."""
        return {p: p for p in self.participants.values()}

    def pseudonym(self, participant_id: str, interview_id: str = "", speaker: str = "") -> str:
        """The pseudonym of a participant (by id; by interview and speaker when there is none)."""
        return self.participants.get(participant_id or _anonymous(interview_id, speaker), NAME)

    def covers(self, rows: pd.DataFrame) -> bool:
        """Whether this key is the one ``rows`` (``KEY_COLUMNS``) would give: their interviews and
        participant speakers are all among those it was built from (a coded table of the study
        as it is, or any part of one)."""
        interviews = set(rows["interview_id"].astype(str)) - {""}
        participant = rows[rows["role"] == PARTICIPANT]
        columns = ["interview_id", "participant_id", "speaker"]
        speakers = set(participant[columns].astype(str).itertuples(index=False, name=None))
        return interviews <= set(self.interviews) and speakers <= self.speakers

    def interview(self, interview_id: str) -> str:
        """The pseudonymous label of an interview."""
        return self.interviews.get(interview_id, "Interview")

    def segment_id(self, segment_id: str) -> str:
        """``p04-mark:12`` → ``Interview 04:12`` (interview ids never contain ``:``)."""
        interview_id, sep, rest = segment_id.partition(":")
        if sep and interview_id in self.interviews:
            return f"{self.interviews[interview_id]}:{rest}"
        return self.redact_text(segment_id)

    def redact_segment_ids(self, text: str) -> str:
        """Segment ids quoted inside a text ("nearest reviewed turn p04-mark:12") → their
        labels ("Interview 04:12"): interview ids are file names, which often carry names."""
        if not self.interviews or ":" not in text:
            return text
        ids = "|".join(re.escape(i) for i in sorted(self.interviews, key=len, reverse=True))
        return re.sub(rf"(?<![\w-])({ids}):(?=\d)", lambda m: f"{self.interviews[m[1]]}:", text)

    def redact_names(self, text: str, interview: str = "") -> str:
        """Every listed name (whole word, also before ``'s``) → its replacement.

        Full names match in any case; a one-word name only when capitalised (``Dana``, ``DANA``).
        Said in ``interview``, a name whose person does not speak there is a namesake ("my
        cousin Anjali", not the interviewer Anjali of another interview): ``[name]``.
        """
        if not self.names:
            return text
        return self._name_pattern().sub(lambda match: self._replace_name(match, interview), text)

    def redact_note(self, text: str, keep: Iterable[str] = ()) -> str:
        """A researcher's note (a persona's summary, narrative or quote) without contact details
        or listed names, except the one-word names in ``keep`` (the persona's own: "Sam, the
        first-home furnisher" is nobody's Sam) and, at the start of a sentence or item, a name
        that is also a word ("Price matters because …"; "as Mark said" still hides Mark)."""
        kept = {name_key(k) for k in keep}

        def replace(match: re.Match[str]) -> str:
            found = match[0]
            if " " not in found and name_key(found) in kept | _sentence_start(match):
                return found
            return self._replace_name(match)

        text = redact_pii(self.redact_paths(text))
        return self._name_pattern().sub(replace, text) if self.names else text

    def _name_pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            alternatives = sorted(self.names, key=len, reverse=True)
            body = "|".join(
                r"\s+".join(re.escape(w).replace("'", "['\u2019\u2018\u02bc`]") for w in n.split())
                for n in alternatives
            )
            self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
        return self._pattern

    def _replace_name(self, match: re.Match[str], interview: str = "") -> str:
        found = match[0]
        # One-word names must be capitalised: "a little mark" is not Mark, "will" is not Will.
        if " " not in found and found[0].islower():
            return found
        key = name_key(found)
        if interview and key in self.present and interview not in self.present[key]:
            return NAME
        return self.names.get(key, NAME)

    def redact_paths(self, text: str) -> str:
        """Transcript paths and file names (which often carry first names) → interview labels."""
        if self._path_order is None:
            self._path_order = sorted(self.paths, key=len, reverse=True)
            self._suffixes = frozenset(PurePath(p).suffix for p in self.paths)
        # Every variant of a path ends in its file name, so a text without any of their suffixes
        # (".txt", ".vtt" …: nearly every turn) holds none. Without this guard, redaction costs
        # turns x transcripts. A path without a suffix gives "", which is in every text.
        if not any(suffix in text for suffix in self._suffixes):
            return text
        for path in self._path_order:
            text = text.replace(path, self.paths[path])
        return text

    def redact_text(self, text: str, interview: str = "") -> str:
        """Contact details, reference numbers, transcript paths and listed names replaced (as
        said in ``interview``, when given: see ``redact_names``)."""
        # Paths first: a folder such as "sarah.jones/" would otherwise read as a URL.
        return self.redact_names(redact_pii(self.redact_paths(text)), interview)


def _sentence_start(match: re.Match[str]) -> frozenset[str]:
    """``WORD_NAMES`` when ``match`` opens a sentence or an item (any word is capitalised
    there), else nothing."""
    before = match.string[: match.start()].rstrip(" \t\"“‘'*-•")
    return WORD_NAMES if not before or before[-1] in ".!?:\n" else frozenset()


def _anonymous(interview_id: str, speaker: str) -> str:
    return f"{interview_id}\x00{speaker}"


def _natural(value: str) -> list[object]:
    return [int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", value)]


#: The coded table's columns the key reads: reading only these keeps a 1,000-interview key cheap.
KEY_COLUMNS = ("interview_id", "participant_id", "speaker", "role")


def study_key(study: Study | Path | str, segments: pd.DataFrame | None = None) -> PseudonymKey:
    """The pseudonym key of a study (a loaded :class:`Study` or its folder) and its coded table.

    Pseudonyms come from ``participants.csv`` (``pseudonym``), else P01, P02 … in natural order of
    participant id; participant speakers without an id get the next numbers in interview order.
    Interviews are numbered "Interview 01" … in the order of their participants (by the first),
    so that "P01" is heard in "Interview 01" when each has one (``_by_participant``). A number once
    given stays with its person and interview (``STUDY/.cjm/pseudonyms.json``, kept once the
    study has a working folder): an interview added later takes the next free number, so "P05"
    in last month's report is still P05, and a number is never given to somebody else.
    """
    if not isinstance(study, Study):
        study = load_study(study)
    rows = segments if segments is not None else pd.DataFrame(columns=["interview_id"])
    transcripts = {t.interview_id: t for t in study.transcripts}
    key = PseudonymKey()
    before = _remembered(study.root)
    generated = _number_participants(key, study, rows, before["participants"])
    interview_ids = _by_participant(
        study, rows, set(transcripts) | set(rows["interview_id"].astype(str)) - {""}
    )
    key.interviews = _numbered(interview_ids, "Interview ", before["interviews"])
    _remember(study.root, before, {"participants": generated, "interviews": key.interviews})
    for interview_id, transcript in transcripts.items():
        label = key.interviews[interview_id]
        for variant in (
            str(transcript.path),
            transcript.path.relative_to(study.root).as_posix(),
            transcript.path.name,
        ):
            key.paths[variant] = label
    key.names = _name_table(key, study, rows)
    return key


#: The labels given so far (participant key or interview id → label), in the working folder:
#: they hold real ids, so they never go into ``reports/``.
PSEUDONYMS_FILE = "pseudonyms.json"
_Labels = dict[str, dict[str, str]]


def _remembered(root: Path) -> _Labels:
    """The labels earlier runs gave (none when the file is missing or unreadable: the numbers
    then start again from the study as it is)."""
    found: _Labels = {"participants": {}, "interviews": {}}
    try:
        data = json.loads((work_dir(root) / PSEUDONYMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return found
    for part, table in found.items():
        given = data.get(part) if isinstance(data, dict) else None
        if isinstance(given, dict):
            table.update({str(k): str(v) for k, v in given.items()})
    return found


def _remember(root: Path, before: _Labels, now: _Labels) -> None:
    """Keep this run's labels beside the earlier ones (an id gone from the study keeps its
    label, so that it is never given to somebody else)."""
    merged = {part: {**before[part], **now[part]} for part in before}
    if merged == before or not work_dir(root).is_dir():
        return
    with contextlib.suppress(OSError):  # a read-only study: the labels hold for this run
        write_text(work_dir(root) / PSEUDONYMS_FILE, json.dumps(merged, indent=1, sort_keys=True))


def _number(label: str) -> int:
    return int(found[1]) if (found := re.search(r"(\d+)$", label)) else 0


def _numbered(ids: list[str], prefix: str, before: dict[str, str]) -> dict[str, str]:
    """``prefix`` + a number for each id: the label it had before, else the next free number."""
    top = max((_number(v) for v in before.values() if v.startswith(prefix)), default=0)
    width = max(2, len(str(top + len(ids))))
    labels = {}
    for i in ids:
        if before.get(i, "").startswith(prefix):
            labels[i] = before[i]
        else:
            top += 1
            labels[i] = f"{prefix}{top:0{width}d}"
    return labels


def _by_participant(study: Study, rows: pd.DataFrame, interview_ids: set[str]) -> list[str]:
    """``interview_ids`` in the order their participants are numbered in (each by its first
    participant; those without one after, by id): not the file names' order, which gave
    "P01 · Interview 05"."""
    spoken = _participant_speakers(study, rows).query("participant_id != ''")
    order = sorted(set(spoken["participant_id"]), key=_natural)
    rank = spoken["participant_id"].map({pid: n for n, pid in enumerate(order)})
    first = rank.groupby(spoken["interview_id"]).min().to_dict()
    return sorted(interview_ids, key=lambda i: (first.get(i, len(order)), _natural(i)))


def _participant_speakers(study: Study, rows: pd.DataFrame) -> pd.DataFrame:
    """Distinct (interview_id, participant_id, speaker) of participant turns, study and table."""
    columns = ["interview_id", "participant_id", "speaker"]
    found = [
        (t.interview_id, t.participant_of(turn), turn.speaker)
        for t in study.transcripts
        for turn in t.participant_turns
    ]
    frames = [pd.DataFrame(found, columns=columns)]
    if not rows.empty and {*columns, "role"} <= set(rows.columns):
        frames.append(rows.loc[rows["role"] == PARTICIPANT, columns].astype(str))
    return pd.concat(frames, ignore_index=True).drop_duplicates().reset_index(drop=True)


def _number_participants(
    key: PseudonymKey, study: Study, rows: pd.DataFrame, before: dict[str, str]
) -> dict[str, str]:
    """Fill ``key.participants``; return the generated labels (P01 …) by participant key, the
    ones ``before`` gave kept."""
    speakers = _participant_speakers(study, rows)
    key.speakers = frozenset(speakers.itertuples(index=False, name=None))
    ids = set(study.participants) | {t.participant_id for t in study.transcripts}
    ids |= set(speakers["participant_id"])
    ids.discard("")
    anonymous = speakers[speakers["participant_id"] == ""]
    anonymous_keys = [
        _anonymous(i, s)
        for i, s in sorted(zip(anonymous["interview_id"], anonymous["speaker"], strict=True))
    ]
    given = {pid: p.pseudonym for pid, p in study.participants.items() if p.pseudonym}
    # A participant shown under a given pseudonym must not lend their id to someone else: with
    # P01-P09 named "Participant 01"..., a generated "P01" for P10 reads as the same person.
    taken = set(given.values()) | set(given)
    kept: dict[str, str] = {}
    for pid, label in before.items():  # a label twice (an edited file) stays with the first
        if re.fullmatch(r"P\d+", label) and label not in taken and label not in kept.values():
            kept[pid] = label
    counter = max((_number(v) for v in kept.values()), default=0)
    generated: dict[str, str] = {}

    def next_label() -> str:
        nonlocal counter
        while True:
            counter += 1
            label = f"P{counter:02d}"
            if label not in taken:
                return label

    used: set[str] = set()
    for pid in [*sorted(ids, key=_natural), *anonymous_keys]:
        if pid not in given:
            generated[pid] = kept.get(pid) or next_label()
        label = given.get(pid) or generated[pid]
        # Two people under one pseudonym would be one in every count (validate warns): the
        # second is told apart.
        n = 1
        while label in used:
            n += 1
            label = f"{given.get(pid)} ({n})"
        used.add(label)
        key.participants[pid] = label
    return generated


def _name_table(key: PseudonymKey, study: Study, rows: pd.DataFrame) -> dict[str, str]:
    """Each name variant → the pseudonym of the one person it names, else a generic mark."""
    claims: dict[str, set[str]] = {}
    present: dict[str, set[str]] = {}

    def claim(names: Iterable[str], replacement: str, where: Iterable[str] = ()) -> None:
        for name in names:
            for variant in name_variants(name):
                # The name as listed and as often typed without its accents ("Zoe", "Garcia").
                for form in {name_key(variant), name_key(unaccented(variant))}:
                    claims.setdefault(form, set()).add(replacement)
                    if replacement != NAME:
                        present.setdefault(form, set()).update(where)

    speakers = _participant_speakers(study, rows)
    interviews_of: dict[str, set[str]] = {}
    for interview_id, pid in zip(speakers["interview_id"], speakers["participant_id"], strict=True):
        interviews_of.setdefault(pid, set()).add(interview_id)
    for transcript in study.transcripts:
        interviews_of.setdefault(transcript.participant_id, set()).add(transcript.interview_id)
    for pid, participant in study.participants.items():
        claim([participant.name], key.pseudonym(pid), interviews_of.get(pid, ()))
        claim(participant.interviewers, INTERVIEWER_LABEL, interviews_of.get(pid, ()))
        claim(participant.mentioned, NAME)
    # Grouped once: filtering the table per transcript would cost transcripts x turns.
    by_interview = {i: list(s) for i, s in speakers.groupby("interview_id", sort=False)["speaker"]}
    for transcript in study.transcripts:
        mine = by_interview.get(transcript.interview_id, [])
        # Without an id, the front-matter name belongs to the interview's only participant.
        pseudonym = (
            key.pseudonym(transcript.participant_id)
            if transcript.participant_id
            else key.pseudonym("", transcript.interview_id, mine[0])
            if len(mine) == 1
            else NAME
        )
        here = [transcript.interview_id]
        claim(meta_names(transcript.meta, "participant_name"), pseudonym, here)
        claim(meta_names(transcript.meta, "interviewers"), INTERVIEWER_LABEL, here)
        claim(meta_names(transcript.meta, "mentioned"), NAME)
        interviewers = [t.speaker for t in transcript.turns if t.role == INTERVIEWER]
        claim(interviewers, INTERVIEWER_LABEL, here)
    for row in speakers.itertuples():
        pseudonym = key.pseudonym(row.participant_id, row.interview_id, row.speaker)
        claim([row.speaker], pseudonym, [row.interview_id])
    # Rows of participants.csv the loader left out (a duplicate id's, or the whole file's when it
    # has no participant_id column) still name people: hidden, pinned on nobody.
    listed = _csv_names(study.root / "participants.csv")
    claim([name for name in listed if name_key(name) not in claims], NAME)
    # Persona notes may list participants by name rather than by id. A name some participant
    # already answers to is that participant ("participants: [P04, Anne-Marie Rose]"): a second
    # claim would make it ambiguous and cost her her pseudonym; any other is hidden.
    pseudonyms = set(key.participants.values())
    for persona in study.personas.values():
        claim(
            [
                p
                for p in persona.participants
                if p not in key.participants
                and not (len(owner := claims.get(name_key(p), set())) == 1 and owner <= pseudonyms)
            ],
            NAME,
        )
    # A name two people share cannot be attributed: mark it without saying whose it is. Nor can
    # a name that is also a word ("Bill me later", "our son Will", "22 Rose Lane"): it is
    # hidden, but a pseudonym there would pin the words on a person who never said them.
    key.present = {form: frozenset(where) for form, where in present.items()}
    return {
        name: next(iter(r)) if len(r) == 1 and name not in WORD_NAMES else NAME
        for name, r in claims.items()
    }


def _csv_names(path: Path) -> list[str]:
    """Every name in the name-like columns of a ``participants.csv``, read leniently."""
    if not path.is_file():
        return []
    # decoded and normalised as the loader reads it: a stray '\r' or NUL in a damaged file
    # stopped the csv module, and a UTF-16 file's names went unread
    text = normalize_text(decode_text(path.read_bytes())[0])
    delimiter = ";" if ";" in text.split("\n", 1)[0] and "," not in text.split("\n", 1)[0] else ","
    rows = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    names = []
    for row in rows:
        for column, value in row.items():
            if column and column.strip().casefold() in ("name", "interviewers") and value:
                names += value.split(";")
    return [n.strip() for n in names if n.strip()]


def redact_segments(segments: pd.DataFrame, key: PseudonymKey) -> pd.DataFrame:
    """A copy of the coded table fit for reports: pseudonyms, interview labels, no contact data.

    ``participant_id`` and ``speaker`` become pseudonyms ("Interviewer" for interviewers),
    ``interview_id``, ``source`` and the interview part of ``segment_id`` become interview labels,
    and ``text``, ``evidence`` and ``question`` (when present) lose names and the contact details
    ``privacy.pii`` finds.
    Offsets no longer slice the transcript: this table is for reports, not for exchange.
    """
    out = segments.copy()
    if out.empty:
        return out
    interviews = out["interview_id"].astype(str)
    speakers = out["speaker"].astype(str) if "speaker" in out else pd.Series("", index=out.index)
    participant_ids = out["participant_id"].astype(str).replace("nan", "")
    roles = out["role"].astype(str) if "role" in out else pd.Series(PARTICIPANT, index=out.index)
    pseudonyms = [
        key.pseudonym(p, i, s)
        for p, i, s in zip(participant_ids, interviews, speakers, strict=True)
    ]
    out["participant_id"] = [
        ps if role == PARTICIPANT or p else ""
        for ps, p, role in zip(pseudonyms, participant_ids, roles, strict=True)
    ]
    if "speaker" in out:
        out["speaker"] = [
            ps if role == PARTICIPANT else INTERVIEWER_LABEL
            for ps, role in zip(pseudonyms, roles, strict=True)
        ]
    labels = interviews.map(key.interview)
    if "segment_id" in out:
        out["segment_id"] = out["segment_id"].astype(str).map(key.segment_id)
    out["interview_id"] = labels
    if "source" in out:
        out["source"] = labels
    # An answer's question (``analysis.asked_before``) is an interviewer turn's text, and the
    # same names are said in it: redacted as the turn itself is.
    for column in ("text", "evidence", "question"):
        if column in out:
            out[column] = [
                key.redact_text(v, i) if isinstance(v, str) else v
                for v, i in zip(out[column], interviews, strict=True)
            ]
    _apply(out, ("evidence",), key.redact_segment_ids)
    return out


def _apply(frame: pd.DataFrame, columns: Iterable[str], fn: Callable[[str], str]) -> None:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].map(lambda v: fn(v) if isinstance(v, str) else v)
