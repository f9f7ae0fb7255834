"""Loading a whole study folder: discovery, mapping, and per-file problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjm_research.exceptions import CJMInputError
from cjm_research.model import INTERVIEWER, PARTICIPANT
from cjm_research.study import Problem, Study, find_transcripts, load_study

EXAMPLE = Path(__file__).resolve().parents[1] / "interviews"

CODEBOOK = """name: tiny
version: "1"
stages: [{id: awareness}, {id: purchase}]
touchpoints: [{id: website}]
emotions: [{id: joy, valence: 0.8}, {id: neutral, valence: 0}]
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def study(tmp_path: Path) -> Path:
    write(tmp_path / "codebook.yaml", CODEBOOK)
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,interviewers\n"
        "P01,first-home,Dana Whitfield,first-home/p01.txt,Maya Lindqvist\n"
        "P02,,Luis Ortega,first-home/p02.srt,Maya Lindqvist\n"
        "P03,busy-parent,Mark,missing.txt,\n",
    )
    write(tmp_path / "personas" / "first-home.md", "---\nid: first-home\nname: Sam\n---\nBody\n")
    write(
        tmp_path / "personas" / "busy-parent.md",
        "---\nid: busy-parent\nname: Alex\nparticipants: [P02, P99]\n---\n",
    )
    write(tmp_path / "first-home" / "p01.txt", "Maya: How did you find us?\nDana: Instagram.\n")
    write(
        tmp_path / "first-home" / "p02.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nMaya: Why?\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nLuis: Price.\n",
    )
    return tmp_path


def test_good_and_bad_files(study):
    bad = write(study / "first-home" / "p00-broken.docx", b"this is not a zip")
    loaded = load_study(study)
    assert [t.interview_id for t in loaded.transcripts] == ["p01", "p02"]
    assert [str(p) for p in loaded.errors] == [
        f"{bad}: not a Word file — save it from Word as .docx, or export the transcript as .txt"
    ]
    assert loaded.errors[0].path == bad


def test_mapping_from_participants_csv_and_persona_lists(study):
    loaded = load_study(study)
    p01, p02 = loaded.transcripts
    assert (p01.participant_id, p01.persona_id) == ("P01", "first-home")
    # P02 has no persona in the CSV: the persona note listing P02 claims it.
    assert (p02.participant_id, p02.persona_id) == ("P02", "busy-parent")
    # Interviewer from the CSV ("Maya Lindqvist") matches the label "Maya"; no guessing needed.
    assert [(t.speaker, t.role) for t in p01.turns] == [
        ("Maya", INTERVIEWER),
        ("Dana", PARTICIPANT),
    ]
    assert p02.turns[1].time_start == 2.0
    assert loaded.transcripts_for("busy-parent") == [p02]
    assert loaded.codebook.name == "tiny"
    assert list(loaded.personas) == ["busy-parent", "first-home"]
    assert list(loaded.participants) == ["P01", "P02", "P03"]


def test_study_level_warnings(study):
    loaded = load_study(study)
    assert loaded.errors == []
    messages = sorted(p.message for p in loaded.warnings if "has no examples" not in p.message)
    assert messages == [
        "participant P03: file 'missing.txt' does not exist",
        "persona 'busy-parent' lists unknown participant 'P99'",
    ]
    # The fixture's codebook has stages without examples, which the semantic coder cannot learn.
    assert any(p.message.startswith("stage 'awareness' has no examples") for p in loaded.warnings)


def test_front_matter_overrides_and_no_persona_warning(study):
    write(
        study / "extra" / "x.md",
        "---\ninterview_id: int-7\nparticipant: P01\npersona: busy-parent\n"
        "interviewers: [Sam]\nparticipant_name: Kim\n---\nKim: Why? Why?\nSam: Because.\n",
    )
    write(study / "extra" / "y.txt", "Q: Hello?\nA: Hi.\n")
    loaded = load_study(study)
    by_id = {t.interview_id: t for t in loaded.transcripts}
    x = by_id["int-7"]
    assert (x.participant_id, x.persona_id) == ("P01", "busy-parent")
    # Front matter names Sam as interviewer; CSV row P01 adds Maya Lindqvist.
    assert {t.speaker: t.role for t in x.turns} == {"Kim": PARTICIPANT, "Sam": INTERVIEWER}
    y = by_id["y"]
    assert (y.participant_id, y.persona_id) == ("", "")
    [warning] = [p for p in loaded.warnings if p.path == y.path]
    assert warning.message == "transcript has no persona"
    assert "set 'persona:' in its front matter" in warning.hint


def test_reader_warnings_keep_their_line(study):
    write(study / "p09.txt", "Title line\nQ: Hi?\nA: Hello.\n")
    loaded = load_study(study)
    problem = next(p for p in loaded.warnings if p.path == study / "p09.txt" and p.line)
    assert (problem.line, problem.message) == (
        1,
        "1 line(s) before the first speaker label ignored",
    )
    assert str(problem) == (
        f"{study / 'p09.txt'}:1: 1 line(s) before the first speaker label ignored"
        " — label that text 'Name:' or delete it"
    )


def test_duplicate_interview_id_is_an_error_for_the_later_file(study):
    later = write(study / "z" / "p01.txt", "Q: Again?\nA: Yes.\n")
    loaded = load_study(study)
    assert [t.path for t in loaded.transcripts].count(later) == 0
    assert len(loaded.errors) == 1
    error = loaded.errors[0]
    assert error.path == later
    assert "already used by" in error.message and "p01.txt" in error.message


def test_unsafe_interview_id_is_an_error(study):
    write(study / "x.txt", "---\ninterview_id: a:b\n---\nQ: Hi?\n")
    loaded = load_study(study)
    assert [p.message for p in loaded.errors] == [
        "interview id 'a:b' contains ':', '/', '\\' or control characters"
    ]


def test_discovery_skips_non_transcripts(study):
    for name in (
        "README.md",
        ".hidden.txt",
        ".git/notes.txt",
        "coding/maya.txt",
        "reports/busy-parent/busy-parent.docx",
        "first-home/~$p01.docx",
        "insights.yaml",
        "sub/notes.csv",
    ):
        write(study / name, "Q: x?\n")
    write(study / "legacy" / "old.doc", b"\xd0\xcf\x11\xe0")
    problems: list[Problem] = []
    found = find_transcripts(study, problems)
    assert [p.relative_to(study).as_posix() for p in found] == [
        "first-home/p01.txt",
        "first-home/p02.srt",
    ]
    assert [(p.path, p.message) for p in problems] == [
        (study / "legacy" / "old.doc", ".doc files are not read")
    ]


def test_bad_study_files_become_problems(study):
    write(study / "codebook.yaml", "stages: []\n")
    write(study / "participants.csv", "id,name\n")
    write(study / "personas" / "broken.md", "no front matter\n")
    write(study / "first-home" / "p05.txt", "---\npersona: [x\n---\nQ: Hi?\n")
    loaded = load_study(study)
    errors = {p.path.name: p for p in loaded.errors}
    assert set(errors) == {"codebook.yaml", "participants.csv", "broken.md", "p05.txt"}
    assert errors["p05.txt"].line == 2
    assert [t.interview_id for t in loaded.transcripts] == ["p01", "p02"]
    assert loaded.participants == {}
    assert loaded.codebook.name != "tiny"  # fell back to the packaged default


def test_a_participant_listed_twice_costs_only_that_row(study):
    """One pasted-twice row in a 40-row participants.csv unplaced every interview of the study:
    no persona had a transcript, no report was built. Now only the later row is left out."""
    write(
        study / "participants.csv",
        "participant_id,persona_id,name,file,interviewers\n"
        "P01,first-home,Dana Whitfield,first-home/p01.txt,Maya Lindqvist\n"
        "P02,busy-parent,Luis Ortega,first-home/p02.srt,Maya Lindqvist\n"
        "P01,busy-parent,Dana Whitfield,first-home/p01.txt,Maya Lindqvist\n"
        ",busy-parent,Nobody,,\n",
    )
    loaded = load_study(study)
    duplicate = "participant_id 'P01' already used on line 2; this row is ignored and line 2's "
    duplicate += "is used"
    assert [(p.line, p.message) for p in loaded.errors] == [
        (4, duplicate),
        (5, "row has no participant_id; the row is ignored"),
    ]
    assert loaded.errors[0].display(study).startswith("participants.csv:4: ")
    assert list(loaded.participants) == ["P01", "P02"]
    p01, p02 = loaded.transcripts
    assert (p01.participant_id, p01.persona_id) == ("P01", "first-home")
    assert (p02.participant_id, p02.persona_id) == ("P02", "busy-parent")
    assert loaded.transcripts_for("first-home") == [p01]
    # What is skipped is said as it is: two rows, not the file every other row was read from.
    assert loaded.problem_lines()[0] == "Errors (2), these rows are skipped:"
    assert [p.skipped() for p in loaded.errors] == [
        f"{study / 'participants.csv'} (the row on line 4)",
        f"{study / 'participants.csv'} (the row on line 5)",
    ]
    write(study / "first-home" / "bad.docx", b"nope")
    loaded = load_study(study)
    assert loaded.problem_lines()[0] == "Errors (3), these files and rows are skipped:"
    assert str(study / "first-home" / "bad.docx") in [p.skipped() for p in loaded.errors]


def test_a_codebook_saved_as_ansi_is_read_and_warned(study):
    """Notepad's "ANSI" (Windows-1252): the study's codebook is used, and validate says so."""
    text = CODEBOOK + "# Café — “draft”\n"
    write(study / "codebook.yaml", text.replace("\n", "\r\n").encode("cp1252"))
    loaded = load_study(study)
    assert loaded.codebook.name == "tiny" and not loaded.errors
    [warned] = [
        p for p in loaded.warnings if p.path == study / "codebook.yaml" and "1252" in p.message
    ]
    assert warned.message.startswith("file is not UTF-8")


def test_a_participants_csv_saved_by_excel_in_europe_places_its_interviews(study):
    """Excel's plain "CSV" on Windows (cp1252, ';'): every persona keeps its interviews, warned."""
    path = study / "participants.csv"
    text = path.read_text(encoding="utf-8").replace(",", ";").replace("Dana", "Zoë")
    write(path, text.replace("\n", "\r\n").encode("cp1252"))
    loaded = load_study(study)
    assert not [p for p in loaded.errors if p.path == path]
    assert loaded.participants["P01"].name == "Zoë Whitfield"
    [p01] = [t for t in loaded.transcripts if t.interview_id == "p01"]
    assert p01.persona_id == "first-home"
    [warned] = [p for p in loaded.warnings if p.path == path and "1252" in p.message]
    assert warned.message.startswith("file is not UTF-8")


def test_study_uses_default_codebook(study):
    (study / "codebook.yaml").unlink()
    loaded = load_study(study)
    assert {c.id for c in loaded.codebook.stages} >= {"awareness", "purchase"}


def test_missing_study_folder(tmp_path):
    with pytest.raises(CJMInputError, match="study folder not found"):
        load_study(tmp_path / "nope")


def test_problem_str():
    assert str(Problem("error", Path("a.txt"), 3, "bad", "fix it")) == "a.txt:3: bad — fix it"
    assert str(Problem("warning", Path("a.txt"), None, "meh")) == "a.txt: meh"


@pytest.mark.skipif(not (EXAMPLE / "participants.csv").is_file(), reason="no example study")
def test_example_study_loads_cleanly():
    loaded: Study = load_study(EXAMPLE)
    assert loaded.errors == []
    assert len(loaded.transcripts) >= 9
    interviewer_names = {"Maya", "Maya Lindqvist", "Interviewer", "Moderator"}
    for transcript in loaded.transcripts:
        assert transcript.participant_id and transcript.persona_id in loaded.personas
        assert len(transcript.turns) >= 10
        roles = {t.speaker: t.role for t in transcript.turns}
        assert {s for s, r in roles.items() if r == INTERVIEWER} <= interviewer_names
        assert list(roles.values()).count(PARTICIPANT) == 1
        assert INTERVIEWER in roles.values()
        for turn in transcript.turns:
            assert transcript.text[turn.start : turn.end] == turn.text


@pytest.mark.parametrize(
    ("name", "data", "severity", "message"),
    [
        ("e.txt", b"", "warning", "file is empty"),
        ("e.md", b"  \n\n", "warning", "no speaker turns found"),
        ("e.srt", b"", "warning", "file is empty"),
        ("e.vtt", b"WEBVTT\n\n", "warning", "no speaker turns found"),
        ("e.docx", b"", "error", "not a Word file"),
    ],
)
def test_empty_files_are_named_and_the_rest_still_loads(study, name, data, severity, message):
    path = write(study / name, data)
    loaded = load_study(study)
    assert any(
        p.path == path and p.message == message for p in loaded.problems if p.severity == severity
    )
    assert {"p01", "p02"} <= {t.interview_id for t in loaded.transcripts}


def test_a_3000_turn_transcript_is_read_and_coded(study):
    from cjm_research.coding import code_transcripts, get_coder

    turns = "".join(
        f"Maya: Question {n} about the delivery?\nDana: Answer {n}, the sofa came late again.\n"
        for n in range(1500)
    )
    write(study / "first-home" / "long.txt", "---\npersona: first-home\n---\n" + turns)
    loaded = load_study(study)
    [long] = [t for t in loaded.transcripts if t.interview_id == "long"]
    assert len(long.turns) == 3000 and long.turns[-1].line == 3003
    assert all(long.text[t.start : t.end] == t.text for t in long.turns)
    rows = code_transcripts([long], get_coder("rules", loaded.codebook))
    assert (rows["role"] == PARTICIPANT).sum() == 1500


@pytest.mark.parametrize("bad", ["../../escape", "a/b", "..\\\\x", "CON", "a:b"])
def test_unsafe_persona_id_from_a_transcript_skips_the_file(study, bad):
    path = write(study / "x.txt", f'---\npersona: "{bad}"\n---\nQ: Hi?\nA: Yes.\n')
    loaded = load_study(study)
    [error] = [p for p in loaded.errors if p.path == path]
    assert "is not a safe id" in error.message and "letters, digits" in error.hint
    assert "x" not in {t.interview_id for t in loaded.transcripts}


def test_unsafe_persona_id_in_participants_csv_skips_the_file(study):
    csv = study / "participants.csv"
    csv.write_text(csv.read_text().replace("P01,first-home", "P01,../up"), encoding="utf-8")
    loaded = load_study(study)
    # Reported where it is fixed: participants.csv, on P01's line, naming the skipped file.
    [error] = loaded.errors
    assert (error.path, error.line) == (csv, 2)
    assert error.message == (
        "persona id '../up' (from participants.csv) is not a safe id; first-home/p01.txt is skipped"
    )
    assert "'up'" in error.hint
    assert error.display(study).startswith("participants.csv:2: persona id '../up'")
    assert "p01" not in {t.interview_id for t in loaded.transcripts}


def test_a_listed_file_cjm_does_not_read_is_warned_about_on_its_line(study):
    csv = study / "participants.csv"
    csv.write_text(csv.read_text() + "P04,first-home,Ingrid,first-home/p04.mp4,\n", "utf-8")
    write(study / "first-home" / "p04.mp4", b"\x00\x01")
    [problem] = [p for p in load_study(study).warnings if "P04" in p.message]
    assert (problem.path, problem.line) == (csv, 5)
    assert problem.message == (
        "participant P04: file 'first-home/p04.mp4' is not a transcript cjm reads (.docx .md "
        ".sbv .srt .txt .vtt); the interview is left out"
    )
    # A missing file is named on its row's line too.
    [missing] = [p for p in load_study(study).warnings if "does not exist" in p.message]
    assert (missing.path, missing.line) == (csv, 4)


def test_an_sbv_file_listed_in_participants_csv_is_read_as_its_interview(study):
    csv = study / "participants.csv"
    csv.write_text(csv.read_text() + "P04,first-home,Ingrid,first-home/p04.sbv,Maya\n", "utf-8")
    write(
        study / "first-home" / "p04.sbv",
        "0:00:01.000,0:00:05.000\nMaya: How did you first join?\n\n"
        "0:00:06.000,0:00:15.000\nIngrid: My doctor suggested swimming.\n",
    )
    loaded = load_study(study)
    [ingrid] = [t for t in loaded.transcripts if t.interview_id == "p04"]
    assert (ingrid.participant_id, ingrid.persona_id) == ("P04", "first-home")
    assert [(t.speaker, t.role, t.text) for t in ingrid.turns] == [
        ("Maya", INTERVIEWER, "How did you first join?"),
        ("Ingrid", PARTICIPANT, "My doctor suggested swimming."),
    ]
    assert not [p for p in loaded.problems if "p04" in str(p.path) or "P04" in p.message]


def test_a_copy_of_a_transcript_is_warned_about_naming_both_files(study):
    text = (study / "first-home" / "p01.txt").read_text()
    # A browser's second download, saved with Windows line ends: the same interview.
    write(study / "first-home" / "p01 (1).txt", text.replace("\n", "\r\n").encode())
    loaded = load_study(study)
    [copy] = [p for p in loaded.warnings if "same content" in p.message]
    assert copy.display(study) == (
        "first-home/p01 (1).txt: same content as first-home/p01.txt: one interview counted "
        "twice, each quote twice — remove one of the two files"
    )
    # Both are still loaded, in path order.
    assert [t.interview_id for t in loaded.transcripts] == ["p01 (1)", "p01", "p02"]


def test_of_two_files_with_one_interview_id_the_shallower_wins(study):
    # "archive/p05.txt" sorts before "p05.txt", but the top-level file is the current one.
    write(study / "archive" / "p05.txt", "Maya: An old draft?\nKofi: Yes.\n")
    write(study / "p05.txt", "Maya: How did you switch?\nKofi: Online, in ten minutes.\n")
    loaded = load_study(study)
    [error] = loaded.errors
    assert error.path == study / "archive" / "p05.txt"
    assert error.message == "interview id 'p05' is already used by p05.txt"
    [p05] = [t for t in loaded.transcripts if t.interview_id == "p05"]
    assert p05.turns[1].text == "Online, in ten minutes."
    # Loaded shallow first, still listed in path order.
    assert [t.interview_id for t in loaded.transcripts] == ["p01", "p02", "p05"]


def test_problem_lines_group_errors_and_warnings_with_relative_paths(study):
    write(study / "first-home" / "bad.docx", b"nope")
    lines = load_study(study).problem_lines()
    assert lines[0] == "Errors (1), these files are skipped:"
    assert lines[1].startswith("first-home/bad.docx: not a Word file — save it from Word")
    assert lines[2].startswith("Warnings (")
    assert all(" — " in line for line in lines[3:]), "every warning says how to fix it"
    # a bad codebook is not "skipped": nothing can be coded without it
    write(study / "codebook.yaml", "stages: [\n")
    lines = load_study(study).problem_lines()
    assert lines[0] == "Errors (2); nothing is coded until codebook.yaml is fixed:"


def test_dates_that_are_not_iso_are_warned_about(study):
    path = study / "participants.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace(
            "participant_id,persona_id,name,file,interviewers\n",
            "participant_id,persona_id,name,file,interviewers,date\n",
        )
        .replace("Maya Lindqvist\nP02", "Maya Lindqvist,12/03/2026\nP02"),
        encoding="utf-8",
    )
    [warning] = [p for p in load_study(study).warnings if "date" in p.message]
    assert warning.path == path and "12/03/2026" in warning.message
    assert "2026-03-12" in warning.hint


def test_a_file_name_spelled_with_decomposed_accents_is_found(study):
    import unicodedata

    name = unicodedata.normalize("NFD", "lucía.txt")  # as macOS writes it
    write(study / "first-home" / name, "Maya: Hi?\nLucía: Hola, hi.\n")
    path = study / "participants.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "P04,first-home,Lucía,first-home/lucía.txt,Maya\n",
        encoding="utf-8",
    )
    loaded = load_study(study)
    assert not [p for p in loaded.warnings if "does not exist" in p.message and "P04" in p.message]
    [lucia] = [t for t in loaded.transcripts if t.participant_id == "P04"]
    assert lucia.persona_id == "first-home"


def test_an_interview_in_another_language_and_one_with_no_participant_are_warned_about(study):
    write(
        study / "es.txt", "---\nlanguage: es\n---\nMaya: ¿Qué tal?\nLucía: Frustrada, la verdad.\n"
    )
    write(study / "noshow.txt", "---\ninterviewers: Maya\n---\nMaya: Hello? Are you there?\n")
    warnings = {(p.path.name, p.message.split(":")[0]) for p in load_study(study).warnings}
    assert ("es.txt", "language 'es'") in warnings
    assert ("noshow.txt", "every speaker was read as an interviewer, so nothing here is coded") in {
        (p.path.name, p.message) for p in load_study(study).warnings
    }


SPANISH = """Maya: ¿Cómo conociste el servicio de compra a domicilio?
Lucía: Una compañera del hospital me lo recomendó. Me dijo que la primera entrega era gratis y que
podías elegir la franja horaria desde la aplicación, y eso me convenció bastante.
Maya: ¿Y la entrega?
Lucía: Llegó tarde, casi una hora tarde, y nadie me avisó. Tenía que ir a buscar a los niños al
colegio y estuve esperando en la puerta. Faltaban dos cosas y habían cambiado el yogur por otra
marca sin preguntarme. Eso me molestó mucho, porque mi hijo tiene alergia.
"""

ENGLISH = """Maya: How did you hear about the grocery delivery?
Lucy: A friend from the hospital told me about it. She said the first delivery was free and that
you could pick your slot in the app, and that was what sold it to me, to be honest.
Maya: And the delivery?
Lucy: It came late, nearly an hour late, and nobody told me. I had to pick the kids up from school
and I was standing at the door waiting. Two things were missing and they had swapped the yoghurt
for another brand without asking. That really annoyed me, because my son has an allergy.
"""


def test_an_interview_in_another_language_that_does_not_say_so_is_warned_about(study):
    """A Spanish interview among forty English ones was coded as English without a word: its
    'neutral', stageless codes went into the persona's report as evidence."""
    write(study / "es.txt", "---\ninterviewers: Maya\n---\n" + SPANISH)
    write(study / "es-said.txt", "---\ninterviewers: Maya\nlanguage: es\n---\n" + SPANISH)
    write(study / "en.txt", "---\ninterviewers: Maya\n---\n" + ENGLISH)
    problems = load_study(study).warnings
    warned = [(p.path.name, str(p)) for p in problems if "English" in p.message]
    assert [name for name, _ in warned] == ["es-said.txt", "es.txt"]
    assert "es.txt: its words do not read as English" in warned[1][1]
    assert "'language:'" in warned[1][1]


def test_persona_ids_that_differ_only_in_case_are_warned_about(study):
    write(study / "x.txt", "---\npersona: First-Home\ninterviewers: Maya\n---\nMaya: Hi?\nX: Yo.\n")
    loaded = load_study(study)
    # The note personas/first-home.md decides the spelling: one persona, one report.
    [x] = [t for t in loaded.transcripts if t.path.name == "x.txt"]
    assert x.persona_id == "first-home"
    [warning] = [p for p in loaded.warnings if "'First-Home' is 'first-home'" in p.message]
    assert warning.path.name == "x.txt"
    # Without a note to decide, two spellings are two reports: warned.
    (study / "personas" / "first-home.md").unlink()
    [warning] = [p for p in load_study(study).warnings if "only in case" in p.message]
    assert warning.path.name == "x.txt" and "'First-Home'" in warning.message


def test_participant_rows_that_count_people_wrongly_are_warned_about(tmp_path):
    rows = "K1,a,k1.txt\nK2,a,k1.txt\nk1,a,\nG40,a,g.txt\n"
    write(tmp_path / "participants.csv", "participant_id,persona_id,file\n" + rows)
    write(tmp_path / "k1.txt", "---\nparticipant: K9\n---\nMaya: Hi?\nKim: Yo.\n")
    write(tmp_path / "g.txt", "---\nparticipant: g40\n---\nMaya: Hi?\nGus: Yo.\n")
    loaded = load_study(tmp_path)
    messages = [p.message for p in loaded.warnings]
    assert "participants 'K1' and 'k1' differ only in case: two people in every count" in messages
    assert any(m.startswith("participants 'K1' and 'K2' both name the file") for m in messages)
    assert any(m.startswith("front matter says participant 'K9'") for m in messages)
    assert "file to 'K1'" in next(m for m in messages if m.startswith("front matter says"))
    g = next(t for t in loaded.transcripts if t.path.name == "g.txt")
    assert g.participant_id == "G40"
    assert any("'g40' is listed as 'G40'" in m for m in messages)


def test_a_persona_nobody_was_interviewed_for_is_warned_about(study):
    write(study / "personas" / "lapsed.md", "---\nid: lapsed\nname: Lapsed member\n---\nGone.\n")
    [warning] = [p for p in load_study(study).warnings if "has no transcript" in p.message]
    assert warning.path.name == "lapsed.md" and "no report is built" in warning.message


def test_a_participants_file_spelled_in_another_case_is_found(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,file\nP1,a,interviews/wave1/k.txt\n",
    )
    write(tmp_path / "Interviews" / "Wave1" / "k.txt", "Maya: Hi?\nKim: Yo.\n")
    loaded = load_study(tmp_path)
    [k] = loaded.transcripts
    assert k.participant_id == "P1"
    [warning] = [p for p in loaded.warnings if "on disk" in p.message]
    assert "'Interviews/Wave1/k.txt' on disk" in warning.message


def test_a_persona_listing_a_participant_in_another_case_is_told_the_spelling(tmp_path):
    write(tmp_path / "participants.csv", "participant_id,persona_id,file\ng22,a,k.txt\n")
    write(tmp_path / "personas" / "a.md", "---\nid: a\nname: A\nparticipants: [G22]\n---\n")
    write(tmp_path / "k.txt", "Maya: Hi?\nKim: Yo.\n")
    [warning] = [p for p in load_study(tmp_path).warnings if "lists unknown" in p.message]
    assert "(the study spells it 'g22')" in warning.message and warning.hint == "write 'g22'"


GROUP = (
    "Moderator: How did you hear about FitHub?\n"
    "Anna: My sister told me.\nBen: A colleague.\nCarla: An advert.\n"
    "Moderator: And joining?\n"
    "Anna: Quick.\nBen: The card was rejected.\nCarla: Fine.\n"
    "Moderator: And since?\n"
    "Anna: Love it.\nBen: Crowded.\nCarla: Cold showers.\n"
)


def test_a_group_interview_counts_each_speaker_as_their_participant(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,speaker\n"
        "G1,member,Anna Kowalska,group.txt,anna\n"  # the label in another case
        "G2,member,Ben Otieno,group.txt,Ben\n"
        "G3,member,Dee Smith,group.txt,Dee\n",  # nobody speaks as Dee
    )
    write(tmp_path / "group.txt", GROUP)
    loaded = load_study(tmp_path)
    [group] = loaded.transcripts
    assert group.speakers == {"Anna": "G1", "Ben": "G2"}
    assert group.persona_id == "member"
    who = {t.speaker: group.participant_of(t) for t in group.turns}
    assert who == {"Moderator": "", "Anna": "G1", "Ben": "G2", "Carla": ""}
    messages = [p.message for p in loaded.warnings]
    assert not any("both name the file" in m for m in messages)
    dee = "'G3' (speaker 'Dee' in participants.csv) says nothing here under that label"
    assert any(m.startswith(dee) and "is it 'Carla'?" in m for m in messages)
    [carla] = [p for p in loaded.warnings if "'Carla' has no row" in p.message]
    assert "if it is 'G3', write 'Carla' in their 'speaker' cell" in carla.message + carla.hint


def test_group_speaker_labels_match_as_people_write_them(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,file,speaker\n"
        "G1,member,group.txt,Jose\n"  # 'José (he/him)' in the transcript
        "G2,member,group.txt,Anna\n"  # 'Anna K.' in the transcript
        "G3,member,group.txt,Ben; Benjamin\n",  # one person under two labels
    )
    write(
        tmp_path / "group.txt",
        "Moderator: Hello?\nJosé (he/him): Hi.\nAnna K.: Hello.\nBen: Hey.\n"
        "Moderator: And?\nBenjamin: Yes, me again.\n",
    )
    loaded = load_study(tmp_path)
    [group] = loaded.transcripts
    assert group.speakers == {
        "José (he/him)": "G1", "Anna K.": "G2", "Ben": "G3", "Benjamin": "G3"
    }  # fmt: skip
    [guess] = [p.message for p in loaded.warnings]
    assert guess.startswith("participants.csv gives speaker 'Anna' to 'G2'; read as the voice")


def test_several_voices_under_one_participant_id_are_warned_about(tmp_path):
    write(tmp_path / "participants.csv", "participant_id,persona_id,file\nG1,member,group.txt\n")
    write(tmp_path / "group.txt", GROUP)
    write(tmp_path / "one.txt", "Maya: Hi?\nKim: Yo.\nMaya: And?\nKim: Yes.\nMaya: So?\nKim: No.\n")
    loaded = load_study(tmp_path)
    [warning] = [p for p in loaded.warnings if "counted as one participant" in p.message]
    assert warning.path.name == "group.txt"
    assert "3 speakers (Anna, Ben, Carla)" in warning.message and "'speaker'" in warning.hint
    group = next(t for t in loaded.transcripts if t.path.name == "group.txt")
    assert {group.participant_of(t) for t in group.participant_turns} == {"G1"}


def test_a_quiet_second_voice_under_one_participant_id_is_warned_about(tmp_path):
    write(
        tmp_path / "quiet.txt",
        "---\nparticipant: FG3\n---\nMod: Hi?\nDom: Hello.\nMod: And?\nDom: Well.\n"
        "Mod: So?\nDom: Fine.\nAoife: The price went up.\nMod: Why?\nAoife: I run outside.\n",
    )
    [warning] = [p for p in load_study(tmp_path).warnings if "counted as one" in p.message]
    assert warning.message.startswith("2 speakers (Dom, Aoife) are counted as one participant")
    assert "one person under two labels" not in warning.hint  # Aoife speaks twice
    write(
        tmp_path / "quiet.txt",
        "---\nparticipant: B2\n---\nMod: Hi?\nKatarzyna: Hello.\nMod: And?\nKasia: Well.\n"
        "Mod: So?\nKasia: Fine.\n",
    )
    [warning] = [p for p in load_study(tmp_path).warnings if "counted as one" in p.message]
    assert warning.hint.endswith(
        "or, if they are one person under two labels, give its row 'speaker' = 'Katarzyna; Kasia'"
    )


def test_an_unnamed_voice_gets_its_own_warning_not_the_group_interview_fix(tmp_path):
    write(
        tmp_path / "otter.txt",
        "---\nparticipant: P3\n---\nMod: Hi?\nDom: Hello.\nMod: And?\nDom: Well.\n"
        "Unknown Speaker: Sorry, is this room booked?\nMod: So?\nDom: Fine.\n",
    )
    said = [p.message for p in load_study(tmp_path).warnings]
    assert not any("counted as one participant" in m for m in said)
    assert any(m.startswith("'Unknown Speaker' (a voice the transcription tool") for m in said)


def test_a_session_id_in_a_group_interviews_front_matter_is_set_aside(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,file,speaker\nG1,m,group.txt,Anna\nG2,m,group.txt,Ben\n"
        "G3,m,group.txt,Carla\n",
    )
    write(tmp_path / "group.txt", "---\nparticipant: FG-1\n---\n" + GROUP)
    loaded = load_study(tmp_path)
    [group] = loaded.transcripts
    assert group.participant_id == "G1" and set(group.speakers.values()) == {"G1", "G2", "G3"}
    [warning] = [p for p in loaded.warnings if "front matter says" in p.message]
    assert "'FG-1'" in warning.message and "remove 'participant:'" in warning.hint


def test_a_copy_of_reports_or_another_study_inside_a_study_is_not_read(study):
    # A new user kept old reports as reports-old/ (read as four interviews, 54 warnings), and
    # one ran cjm in a folder of several studies.
    old = study / "reports-old" / "busy-parent"
    old.mkdir(parents=True)
    (old / "busy-parent.snapshot.json").write_text("{}", encoding="utf-8")
    (old / "notes.txt").write_text("Maya: Hi\nAna: Report text.\n", encoding="utf-8")
    (old.parent / "index.html").write_text("<html></html>", encoding="utf-8")
    other = study / "pilot"
    other.mkdir()
    (other / "participants.csv").write_text("participant_id\nP01\n", encoding="utf-8")
    (other / "p01.txt").write_text("Maya: Hi\nAna: Pilot words.\n", encoding="utf-8")
    loaded = load_study(study)
    paths = {t.path for t in loaded.transcripts}
    assert not any("reports-old" in str(p) or "pilot" in str(p) for p in paths)
    said = [p.message for p in loaded.warnings]
    assert "reports-old/ holds cjm reports, not interviews: not read" in said
    assert "pilot/ is a study of its own: not read" in said


def test_a_persona_whose_note_is_broken_is_not_told_to_add_a_note(study):
    # A broken note gave its error and then, per transcript, "add personas/<id>.md".
    (study / "personas" / "first-home.md").write_text(
        "---\nid: first/home\n---\n", encoding="utf-8"
    )
    loaded = load_study(study)
    said = [p.message for p in loaded.warnings]
    assert any("its note personas/first-home.md could not be read" in m for m in said)
    assert not any("'first-home' has no note in personas/" in m for m in said)


def test_a_persona_whose_note_has_a_yaml_slip_keeps_its_interviews(study):
    # The slip cost the persona: its interviews in no report. Now the note is an error still
    # (validate fails on it) and the persona is kept, named as its file, without its notes.
    (study / "personas" / "first-home.md").write_text(
        "---\nid: [first\nname: First home\n---\n", encoding="utf-8"
    )
    loaded = load_study(study)
    persona = loaded.personas["first-home"]
    assert (persona.name, persona.summary) == ("First home", "")
    assert persona.unread.startswith("personas/first-home.md, line 3: front matter is not valid")
    (error,) = [p for p in loaded.errors if p.path.name == "first-home.md"]
    assert "persona 'first-home' is built without its notes" in error.message
    assert loaded.transcripts_for("first-home")
    assert not any("first-home" in p.message for p in loaded.warnings)
    # what the run says is skipped: the note, not the persona's file and interviews
    assert loaded.problem_lines()[0] == "Errors (1), these notes are skipped:"
    assert error.skipped().endswith("first-home.md (the note; the persona is built without it)")
