"""Persona notes and participants.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest import load_participants, load_personas
from cjm_research.model import Participant

PERSONA = """---
id: first-home
name: "Sam, the first-home furnisher"
summary: A young renter.
goals:
  - Turn an empty flat into a home
  - Spread the cost
needs: Clear prices
pain_points: []
quote: "It made the flat feel like a home."
participants: P01, P02;P03
age_range: 24-32
cohort: 0012
---

# Sam

Sam has just moved in.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_persona_fields(tmp_path):
    path = write(tmp_path / "personas" / "first-home.md", PERSONA)
    personas = load_personas(tmp_path / "personas")
    assert list(personas) == ["first-home"]
    persona = personas["first-home"]
    assert persona.name == "Sam, the first-home furnisher"
    assert persona.path == path
    assert persona.summary == "A young renter."
    assert persona.goals == ["Turn an empty flat into a home", "Spread the cost"]
    assert persona.needs == ["Clear prices"]  # a string is a one-item list
    assert persona.pain_points == []
    assert persona.quote == "It made the flat feel like a home."
    assert persona.participants == ["P01", "P02", "P03"]
    assert persona.extra == {"age_range": "24-32", "cohort": "0012"}
    assert persona.body == "# Sam\n\nSam has just moved in."


def test_study_root_is_accepted_too(tmp_path):
    write(tmp_path / "personas" / "a.md", "---\nid: a\nname: A\n---\n")
    write(tmp_path / "personas" / "b.md", "---\nid: '0012'\nname: B\n---\n")
    assert list(load_personas(tmp_path)) == ["a", "0012"]
    assert load_personas(tmp_path / "nowhere") == {}


def test_numeric_looking_id_stays_a_string(tmp_path):
    write(tmp_path / "p.md", "---\nid: 0012\nname: Zero\n---\n")
    assert list(load_personas(tmp_path)) == ["0012"]


@pytest.mark.parametrize(
    "bad_id",
    ["../etc", "a/b", "..", "has space", "-lead", "a\\\\b", "C:x", "a<b", "a|b", "a?b", "a*b",
     "CON", "nul", "com1", "Lpt9"],
)  # fmt: skip
def test_unsafe_ids_are_rejected(tmp_path, bad_id):
    write(tmp_path / "p.md", f'---\nid: "{bad_id}"\nname: X\n---\n')
    with pytest.raises(CJMInputError, match="not a safe id") as info:
        load_personas(tmp_path)
    assert "letters, digits" in info.value.hint
    assert info.value.path == tmp_path / "p.md"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Just markdown\n", "no front matter"),
        ("---\nid: x\n---\n", "needs a 'name'"),
        ("---\nname: X\n---\n", "needs a 'id'"),
        ("---\nid: x\nname: X\ngoals: {a: b}\n---\n", "'goals' must be text or a list"),
        ("---\nid: x\nname: X\nquote: [a]\n---\n", "'quote' must be text"),
        ("---\nid: x\nname: X\n", "never closed"),
    ],
)
def test_invalid_persona_notes(tmp_path, text, message):
    write(tmp_path / "p.md", text)
    with pytest.raises(CJMInputError, match=message):
        load_personas(tmp_path)


def test_duplicate_persona_ids(tmp_path):
    write(tmp_path / "a.md", "---\nid: x\nname: A\n---\n")
    write(tmp_path / "b.md", "---\nid: x\nname: B\n---\n")
    with pytest.raises(CJMInputError, match="already used") as info:
        load_personas(tmp_path)
    assert info.value.path == tmp_path / "b.md"


CSV = (
    "participant_id,persona_id,pseudonym,Name,file,date,role_in_household,interviewers\n"
    "P01,first-home,Participant 01,Dana Whitfield,first-home/p01.txt,2026-03-02,renter,"
    "Maya Lindqvist; Sam Lee\n"
    "\n"
    'P02,busy-parent,Participant 02,"Ortega, Luis",p02.vtt,2026-03-04,"parent, of two",\n'
)


def test_participants(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV.encode("utf-8"))
    participants = load_participants(path)
    assert list(participants) == ["P01", "P02"]
    assert participants["P01"] == Participant(
        participant_id="P01",
        persona_id="first-home",
        pseudonym="Participant 01",
        name="Dana Whitfield",
        file="first-home/p01.txt",
        date="2026-03-02",
        interviewers=("Maya Lindqvist", "Sam Lee"),
        extra=(("role_in_household", "renter"),),
    )
    assert participants["P02"].name == "Ortega, Luis"
    assert participants["P02"].interviewers == ()
    assert participants["P02"].extra == (("role_in_household", "parent, of two"),)
    # Each row knows its line in the file (blank lines counted), for problems to name.
    assert [p.line for p in participants.values()] == [2, 4]


def test_semicolon_separated_csv(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text("participant_id;persona_id;file\nP01;first-home;a.txt\n", encoding="utf-8")
    assert load_participants(path)["P01"].file == "a.txt"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('participant_id,name\nP01,Dana\nP02,"Luis\nOrtega"\n\nP01,Again\n',
         "already used on line 2", 6),
        ("participant_id,name\nP01,Dana\n,Nobody\n", "no participant_id", 3),
        ("id,name\nP01,Dana\n", "participant_id", 1),
    ],
)  # fmt: skip
def test_a_participants_csv_problem_names_its_line(tmp_path, text, message, line):
    path = tmp_path / "participants.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CJMInputError, match=message) as info:
        load_participants(path)
    assert info.value.line == line


def test_participants_csv_saved_by_excel_on_windows_is_read_and_warned(tmp_path):
    """Excel's plain "CSV" in much of Europe: Windows-1252, ';' between fields, CRLF."""
    path = tmp_path / "participants.csv"
    path.write_bytes("participant_id;name;file\r\nP01;Zoë Hartley;a.txt\r\n".encode("cp1252"))
    warned: list[str] = []
    participants = load_participants(path, warned.append)
    assert participants["P01"].name == "Zoë Hartley"
    assert participants["P01"].file == "a.txt"
    assert warned and "Windows-1252" in warned[0]


def test_dates_excel_wrote_day_first_are_read_when_one_of_them_can_only_be(tmp_path):
    """Excel in the UK writes 03/11/2026, even over a typed 2026-11-03, on every save: a new
    user's reports lost every date, and the title page gave one front-matter date for all."""
    path = tmp_path / "participants.csv"
    rows = ["P01;03/11/2026", "P02;18/11/2026", "P03;", "P04;2026-11-20", "P05;31/02/2026"]
    path.write_bytes(("participant_id;date\r\n" + "\r\n".join(rows)).encode("cp1252"))
    warned: list[str] = []
    dates = {pid: p.date for pid, p in load_participants(path, warned.append).items()}
    assert dates == {
        "P01": "2026-11-03",
        "P02": "2026-11-18",
        "P03": "",
        "P04": "2026-11-20",
        "P05": "31/02/2026",  # no such day: left for cjm validate to name
    }
    assert "18/11/2026 can only be 18 November 2026, so 03/11/2026 is 3 November 2026" in warned[-1]
    # month first (a US Excel) likewise; nothing that decides, or a column that contradicts
    # itself, is left as written (cjm validate warns: 12/03/2026 could be March or December)
    for column, read in [
        (["11/18/2026", "11/03/2026"], ["2026-11-18", "2026-11-03"]),
        (["12/03/2026", "11/03/2026"], ["12/03/2026", "11/03/2026"]),
        (["18/11/2026", "11/18/2026"], ["18/11/2026", "11/18/2026"]),
    ]:
        path.write_text(
            "participant_id,date\n" + "".join(f"P{n},{d}\n" for n, d in enumerate(column)),
            encoding="utf-8",
        )
        assert [p.date for p in load_participants(path).values()] == read


def test_participants_csv_with_a_byte_order_mark_is_read_silently(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes("participant_id;name\r\nP01;Siân\r\n".encode("utf-8-sig"))
    warned: list[str] = []
    assert load_participants(path, warned.append)["P01"].name == "Siân"
    assert warned == []


def test_interviewers_may_be_listed_with_commas_as_in_front_matter(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text(
        "participant_id,file,interviewers\n"
        'P01,p01.txt,"Maya Lindqvist, Tom Hart"\n'
        'P02,p02.txt,"Smith, Jane"\n',  # Teams writes "Last, First": the whole cell names her too
        encoding="utf-8",
    )
    participants = load_participants(path)
    assert {"Maya Lindqvist", "Tom Hart"} <= set(participants["P01"].interviewers)
    assert "Smith, Jane" in participants["P02"].interviewers


SLIPPED = """---
id: home-improver
name: "Home Improver"
summary: "Renovating on a budget."
quote: He told me: "we will call you back" and nobody did
participants: [P33, P34]
---

# Home Improver

Narrative the report must not show half of.
"""


def test_a_note_with_a_yaml_slip_keeps_its_persona_without_its_notes(tmp_path):
    write(tmp_path / "personas" / "home-improver.md", SLIPPED)
    errors: list[CJMInputError] = []
    personas = load_personas(tmp_path / "personas", errors.append)
    persona = personas["home-improver"]
    # what the lines that still parse say: id, name, participants; none of the notes
    assert (persona.name, persona.participants) == ("Home Improver", ["P33", "P34"])
    assert (persona.summary, persona.quote, persona.body) == ("", "", "")
    assert persona.unread == (
        "personas/home-improver.md, line 5: front matter is not valid YAML: "
        "mapping values are not allowed here"
    )
    # the error stays an error, with its line and the fix written out
    (error,) = errors
    assert error.line == 5 and "built without its notes" in error.message
    assert error.hint == (
        "quote the value: quote: 'He told me: \"we will call you back\" and nobody did'"
    )
    # without a place for errors, the note is still refused
    with pytest.raises(CJMInputError, match="not valid YAML"):
        load_personas(tmp_path / "personas")


def test_a_note_whose_id_line_is_the_slip_is_named_by_its_file(tmp_path):
    write(tmp_path / "night-owl.md", "---\nid: night: owl\nname: Night owl\n---\n")
    (persona,) = load_personas(tmp_path, lambda exc: None).values()
    assert (persona.id, persona.name) == ("night-owl", "Night owl")
    write(tmp_path / "night-owl.md", "---\nid: [night\n---\n")
    assert load_personas(tmp_path, lambda exc: None)["night-owl"].name == "night-owl"


def test_no_stand_in_for_an_unsafe_id_or_over_a_note_read_whole(tmp_path):
    write(tmp_path / "a.md", "---\nid: x/y\nname: A\nquote: a: b\n---\n")
    assert load_personas(tmp_path, lambda exc: None) == {}
    # a good note of the id takes the place of the stand-in, whichever comes first
    write(tmp_path / "a.md", "---\nid: x\nname: A\nquote: a: b\n---\n")
    write(tmp_path / "b.md", "---\nid: x\nname: B\n---\n")
    errors: list[CJMInputError] = []
    (persona,) = load_personas(tmp_path, errors.append).values()
    assert (persona.name, persona.unread, len(errors)) == ("B", "", 1)
