"""Studies of random shape, written to disk the way real exports look (shared by the sparse-study
tests and the end-to-end property test).

A :class:`StudySpec` says which personas, interviews, label styles, formats, codebook and broken
files a study has; :func:`write_study` writes it and returns what a run must produce: the
personas that must get reports and the files that must be named as bad.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from docx import Document
from hypothesis import strategies as st

from cjm_research.resources import default_codebook_path

#: How exports write speaker labels; each is (interviewer label, participant label) for a name.
LABEL_STYLES = {
    "plain": ("Maya Lindqvist", "{name}"),
    "generic": ("Interviewer", "{name}"),
    "annotated": ("Dana K (UX Research)", "{name} (she/her)"),
    "bracketed": ("Sam [Acme Research]", "{name} [Customer]"),
    "titled": ("Dr. O'Neil-Smith", "{name}"),
    "numbered": ("Interviewer2 2", "{name}"),
    "id": ("Moderator", "{pid}"),
}
FORMATS = (".txt", ".md", ".vtt", ".srt", ".docx")
#: Answers with something for every dimension to find, and some with nothing.
ANSWERS = (
    "I first saw them in an advert on Instagram, honestly it looked too good to be true.",
    "I compared prices on two sites and read the reviews on Trustpilot before deciding.",
    "Paid online at checkout with my card, it took two minutes.",
    "The delivery came two days late and nobody told me, so I rang support twice.",
    "Setting it up was easy, the app walked me through it.",
    "We use it every day now, mostly in the evenings.",
    "It broke after a week and the chat bot kept sending me in circles. I was furious.",
    "I renewed last month, the price went up but I stayed.",
    "I told my sister about it and she bought one too.",
    "Fine, I suppose.",
    "Yeah.",
    "Not really, no.",
)
QUESTIONS = (
    "How did you first hear about them?",
    "What happened next?",
    "How did that feel?",
    "Talk me through that.",
    "Anything else?",
)
BROKEN = {
    # persona note with a YAML alias: read as an error, its persona is skipped
    "alias_note": ("personas/{pid}.md", "---\nid: &a {pid}\nname: *a\n---\nNotes.\n"),
    "binary": ("{pid}/broken.vtt", None),
    "unclosed": ("{pid}/unclosed.txt", "---\nparticipant: X1\nDana: hi\n"),
    "not_a_zip": ("{pid}/broken.docx", "this is not a zip"),
}


@dataclass
class InterviewSpec:
    """One interview: its format, label style and number of question/answer pairs."""

    fmt: str
    style: str
    pairs: int
    answers: list[int] = field(default_factory=list)  # indices into ANSWERS


@dataclass
class PersonaSpec:
    """One persona: its interviews, and whether its note is broken."""

    interviews: list[InterviewSpec]
    broken_note: bool = False


@dataclass
class StudySpec:
    """A whole study: personas, the codebook's empty dimensions, broken transcripts."""

    personas: list[PersonaSpec]
    empty_dimensions: tuple[str, ...] = ()  # "touchpoints" and/or "emotions" emptied
    broken_files: tuple[str, ...] = ()  # keys of BROKEN (transcripts), under the first persona


@dataclass
class Expected:
    """What a ``cjm reports`` run on the written study must produce."""

    built: list[str]  # personas that must get .docx and .html
    bad_files: list[str]  # relative paths that must be named


def _turns(spec: InterviewSpec, pid: str, name: str) -> list[tuple[str, str]]:
    interviewer, participant = LABEL_STYLES[spec.style]
    participant = participant.format(name=name, pid=pid)
    turns = []
    for n in range(spec.pairs):
        turns.append((interviewer, QUESTIONS[n % len(QUESTIONS)]))
        answer = spec.answers[n % len(spec.answers)] if spec.answers else n
        turns.append((participant, ANSWERS[answer % len(ANSWERS)]))
    return turns


def _named_interviewer(style: str) -> str:
    """The interviewer's name as participants.csv would list it ('' for generic labels)."""
    if style in ("generic", "numbered", "id"):
        return ""
    return LABEL_STYLES[style][0].split(" (")[0].split(" [")[0]


def _front_matter(pid: str, persona: str) -> str:
    return f"---\nparticipant: {pid}\npersona: {persona}\n---\n"


def _stamp(seconds: int, comma: bool = False) -> str:
    text = f"00:{seconds // 60:02d}:{seconds % 60:02d}.000"
    return text.replace(".", ",") if comma else text


def write_turns(path: Path, turns: list[tuple[str, str]], front_matter: str = "") -> None:
    """Write ``turns`` (speaker, text) as the format of ``path``'s suffix writes them: ``Name:``
    paragraphs (.txt/.md, after ``front_matter``; .docx), ``<v Name>`` cues (.vtt) or ``Name:``
    cues with comma times (.srt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in (".txt", ".md"):
        body = "\n\n".join(f"{speaker}: {text}" for speaker, text in turns)
        path.write_text(front_matter + body + "\n", encoding="utf-8")
    elif path.suffix == ".vtt":
        cues = [
            f"{_stamp(3 * n)} --> {_stamp(3 * n + 2)}\n<v {speaker}>{text}"
            for n, (speaker, text) in enumerate(turns)
        ]
        path.write_text("WEBVTT\n\n" + "\n\n".join(cues) + "\n", encoding="utf-8")
    elif path.suffix == ".srt":
        cues = [
            f"{n + 1}\n{_stamp(3 * n, True)} --> {_stamp(3 * n + 2, True)}\n{speaker}: {text}"
            for n, (speaker, text) in enumerate(turns)
        ]
        path.write_text("\n\n".join(cues) + "\n", encoding="utf-8")
    else:
        document = Document()
        for speaker, text in turns:
            document.add_paragraph(f"{speaker}: {text}")
        document.save(str(path))


def write_interview(path: Path, spec: InterviewSpec, pid: str, persona: str, name: str) -> None:
    """Write one interview in ``spec.fmt`` with ``spec.style`` labels."""
    write_turns(path, _turns(spec, pid, name), _front_matter(pid, persona))


def write_study(root: Path, spec: StudySpec) -> Expected:
    """Write ``spec`` under ``root`` (a new folder); what a run must produce."""
    root.mkdir(parents=True)
    (root / "personas").mkdir()
    rows = ["participant_id,persona_id,pseudonym,name,file,interviewers"]
    built, bad = [], []
    number = 0
    for p, persona in enumerate(spec.personas):
        persona_id = f"persona-{p + 1}"
        if persona.broken_note:
            rel, text = BROKEN["alias_note"]
            (root / rel.format(pid=persona_id)).write_text(
                text.format(pid=persona_id), encoding="utf-8"
            )
            bad.append(rel.format(pid=persona_id))
        else:
            (root / "personas" / f"{persona_id}.md").write_text(
                f"---\nid: {persona_id}\nname: Persona {p + 1}\n---\nA persona.\n",
                encoding="utf-8",
            )
            built.append(persona_id)
        for interview in persona.interviews:
            number += 1
            pid, name = f"P{number:02d}", f"Alex{chr(64 + number % 26 or 26)}"
            rel = f"{persona_id}/i{number:02d}{interview.fmt}"
            write_interview(root / rel, interview, pid, persona_id, name)
            named = _named_interviewer(interview.style)
            rows.append(f"{pid},{persona_id},Participant {number:02d},{name} Doe,{rel},{named}")
    (root / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for key in spec.broken_files:
        rel, text = BROKEN[key]
        rel = rel.format(pid="persona-1")
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        data = bytes(range(256)) * 8 if text is None else text.encode("utf-8")
        (root / rel).write_bytes(data)
        bad.append(rel)
    if spec.empty_dimensions:
        codebook = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
        codebook = copy.deepcopy(codebook)
        for dimension in spec.empty_dimensions:
            codebook[dimension] = []
        (root / "codebook.yaml").write_text(yaml.safe_dump(codebook), encoding="utf-8")
    return Expected(built, bad)


interviews = st.builds(
    InterviewSpec,
    fmt=st.sampled_from(FORMATS),
    style=st.sampled_from(sorted(LABEL_STYLES)),
    pairs=st.integers(1, 6),
    answers=st.lists(st.integers(0, len(ANSWERS) - 1), min_size=1, max_size=4),
)
studies = st.builds(
    StudySpec,
    personas=st.lists(
        st.builds(
            PersonaSpec,
            interviews=st.lists(interviews, min_size=1, max_size=4),
            broken_note=st.sampled_from([False, False, False, True]),
        ),
        min_size=1,
        max_size=5,
    ),
    empty_dimensions=st.sampled_from([(), ("touchpoints",), ("emotions",)]),
    broken_files=st.lists(
        st.sampled_from(sorted(set(BROKEN) - {"alias_note"})), max_size=2, unique=True
    ).map(tuple),
)
