"""REFI-QDA exchange: exports validate against the official schema, imports take real-world quirks,
and a study survives export → import → export with the same sources, codes and selections."""

import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from cjm_research.cli import main
from cjm_research.codebook import load_codebook
from cjm_research.coding.human import append_human_codes, latest_human_codes, read_human_codes
from cjm_research.coding.rules import RulesCoder
from cjm_research.exceptions import CJMInputError
from cjm_research.exchange.qdpx_export import CODEBOOK_NS, export_qdpx, qdc_bytes
from cjm_research.exchange.qdpx_import import import_qdpx
from cjm_research.exchange.qdpx_positions import Selection, offsets_to_lf
from cjm_research.model import INTERVIEWER, PARTICIPANT
from cjm_research.resources import example_study_dir
from cjm_research.run.batch import code_study
from cjm_research.study import load_study

DATA = Path(__file__).parent / "data"
XSD = DATA / "refi-qda" / "Project-mrt2019.xsd"
Q = "{urn:QDA-XML:project:1.0}"


@pytest.fixture(scope="module")
def project_schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


@pytest.fixture(scope="module")
def codebook_schema():
    # The codebook schema is the project schema's CodeBook part in its own namespace.
    text = XSD.read_text(encoding="utf-8").replace("urn:QDA-XML:project:1.0", CODEBOOK_NS)
    text = text.replace(
        "<!-- ===== Type Definitions ===== -->",
        '<xsd:element name="CodeBook" type="CodeBookType"/>',
    )
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def add_human_codes(root):
    maya = pd.read_csv(DATA / "agreement" / "maya.csv", dtype=str, keep_default_na=False)
    append_human_codes(
        root, "Maya", maya.drop(columns="coder").assign(coded_at="2026-03-20T10:00:00Z")
    )
    ana = pd.read_csv(DATA / "agreement" / "ana.csv", dtype=str, keep_default_na=False)
    append_human_codes(root, "Ana", ana.drop(columns="coder").head(10).assign(note="unsure"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("qdpx")
    root = base / "study"
    shutil.copytree(example_study_dir(), root)
    add_human_codes(root)
    study = load_study(root)
    machine = code_study(study, "rules").machine
    result = export_qdpx(study, machine, base / "study.qdpx")
    return study, machine, result


def project_of(path):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde")), {
            n: archive.read(n).decode("utf-8") for n in archive.namelist() if n != "project.qde"
        }


def test_export_validates_against_the_official_schema(exported, project_schema):
    _, _, result = exported
    root, _ = project_of(result.path)
    assert project_schema.validate(root), project_schema.error_log
    # No empty container anywhere (an empty <Sets/> breaks imports in real tools).
    for element in root.iter():
        if etree.QName(element).localname in {"Users", "Variables", "Cases", "Sources", "Codes"}:
            assert len(element), etree.QName(element).localname


def test_codebook_is_nested_under_non_codable_dimension_roots(exported):
    study, _, result = exported
    root, _ = project_of(result.path)
    roots = root.findall(f"{Q}CodeBook/{Q}Codes/{Q}Code")
    assert [(r.get("name"), r.get("isCodable")) for r in roots] == [
        ("Stage", "false"),
        ("Touchpoint", "false"),
        ("Emotion", "false"),
    ]
    stages = roots[0].findall(f"{Q}Code")
    assert [c.get("name") for c in stages] == [c.label for c in study.codebook.stages]
    first = study.codebook.stages[0]
    assert stages[0].get("color") == first.color and stages[0].get("isCodable") == "true"
    assert stages[0].findtext(f"{Q}Description") == first.description
    assert len(roots[1]) == len(study.codebook.touchpoints)


def test_every_selection_is_the_turn_in_its_source_text(exported):
    study, machine, result = exported
    root, texts = project_of(result.path)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    assert sorted(users.values()) == ["Ana", "Maya", f"auto:rules@{RulesCoder.version}"]
    turns = {f"{t.interview_id}:{turn.index}": turn for t in study.transcripts for turn in t.turns}
    sources = root.findall(f"{Q}Sources/{Q}TextSource")
    assert len(sources) == len(study.transcripts) == result.sources == 9
    seen = {name: 0 for name in users.values()}
    for source in sources:
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        text = texts[f"sources/{source.get('guid')}.txt"]
        assert "\r" not in text
        for selection in source.iter(f"{Q}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert text[start:end] == turns[selection.get("name")].text
            seen[users[selection.get("creatingUser")]] += 1
    coded = machine[(machine["role"] == "participant") & (machine["coder"] != "")]
    assert seen == {f"auto:rules@{RulesCoder.version}": len(coded), "Maya": 60, "Ana": 10}


def test_personas_are_cases_with_variables_and_their_sources(exported):
    study, _, result = exported
    root, _ = project_of(result.path)
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{Q}Variable")}
    case = next(c for c in root.iter(f"{Q}Case") if c.get("name") == "first-home")
    values = {
        variables[v.find(f"{Q}VariableRef").get("targetGUID")]: v.findtext(f"{Q}TextValue")
        for v in case.findall(f"{Q}VariableValue")
    }
    persona = study.personas["first-home"]
    assert values["Persona name"] == persona.name
    assert values["Goals"].splitlines() == persona.goals
    sources = {s.get("guid"): s.get("name") for s in root.iter(f"{Q}TextSource")}
    refs = sorted(sources[r.get("targetGUID")] for r in case.findall(f"{Q}SourceRef"))
    assert refs == ["p01-dana", "p02-luis", "p03-priya"]


def test_export_is_deterministic_and_says_what_it_cannot_carry(exported, tmp_path):
    study, machine, result = exported
    again = export_qdpx(study, machine, tmp_path / "again.qdpx")
    assert again.path.read_bytes() == result.path.read_bytes()
    warnings = " | ".join(result.warnings)
    for lost in ("valence", "confidence", "evidence", "keywords", "10 human notes"):
        assert lost in warnings


def test_qdc_holds_the_codebook_alone_and_validates(codebook_schema):
    root = etree.fromstring(qdc_bytes(load_codebook()))
    assert codebook_schema.validate(root), codebook_schema.error_log
    assert etree.QName(root).namespace == CODEBOOK_NS
    assert len(root.findall(f"{{{CODEBOOK_NS}}}Codes/{{{CODEBOOK_NS}}}Code")) == 3


def selections(path):
    root, texts = project_of(path)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    found = set()
    for source in root.iter(f"{Q}TextSource"):
        for selection in source.iter(f"{Q}PlainTextSelection"):
            codes = frozenset(r.get("targetGUID") for r in selection.iter(f"{Q}CodeRef"))
            found.add(
                (
                    source.get("name"),
                    int(selection.get("startPosition")),
                    int(selection.get("endPosition")),
                    users[selection.get("creatingUser")],
                    codes,
                )
            )
    codes = {
        (c.get("guid"), c.get("name"), c.get("isCodable"), c.getparent().get("name"))
        for c in root.iter(f"{Q}Code")
    }
    sources = {
        s.get("name"): texts[f"sources/{s.get('guid')}.txt"] for s in root.iter(f"{Q}TextSource")
    }
    return sources, codes, found


def test_round_trip_keeps_sources_codes_and_selections(exported, tmp_path):
    _, _, first = exported
    fresh = tmp_path / "fresh"
    result = import_qdpx(first.path, fresh)
    assert len(result.written) == 9 and len(result.personas) == 3
    assert result.codes == {"Ana": 10, "Maya": 60} and not result.unmapped
    study = load_study(fresh)
    assert not study.errors
    assert {t.persona_id for t in study.transcripts} == {
        "first-home",
        "busy-parent",
        "design-lover",
    }
    second = export_qdpx(study, code_study(study, "rules").machine, tmp_path / "second.qdpx")
    assert selections(second.path) == selections(first.path)
    # Importing the same project again adds nothing: the codes are already there.
    assert import_qdpx(second.path, fresh).codes == {}
    assert len(read_human_codes(fresh)) == 70


def test_import_into_the_study_it_came_from_reuses_its_transcripts(exported, tmp_path):
    study, _, result = exported
    copy = tmp_path / "copy"
    shutil.copytree(study.root, copy)
    again = import_qdpx(result.path, copy)
    assert again.written == [] and again.codes == {} and len(again.transcripts) == 9


# --- what other tools write ------------------------------------------------------------------

FOREIGN_TEXT = (
    "INTERVIEWER (00:00:01):\r\n"
    "How did you buy the sofa?\r\n"
    "\r\n"
    "DANA (00:00:04):\r\n"
    "On the app, on my phone.\r\n"
    "The checkout kept logging me out, so annoying.\r\n"
    "\r\n"
    "INTERVIEWER (00:00:20):\r\n"
    "And the delivery?\r\n"
    "\r\n"
    "DANA (00:00:22):\r\n"
    "Nobody came on Saturday. I had taken the morning off.\r\n"
)
SOURCE = "{6F9619FF-8B86-D011-B42D-00C04FC964FF}"


def foreign_project(counting):
    """A project as an ATLAS.ti- or NVivo-style export: braced upper-case GUIDs, CRLF text."""
    lf = FOREIGN_TEXT.replace("\r\n", "\n")
    text = FOREIGN_TEXT if counting == "crlf" else lf
    answer = "On the app, on my phone.\r\nThe checkout kept logging me out, so annoying."
    if counting == "lf":
        answer = answer.replace("\r\n", "\n")
    start = text.index(answer[:10])
    end = start + len(answer)
    late = text.index("Nobody came")
    late_end = late + len("Nobody came on Saturday.")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Sofa study" origin="ATLAS.ti 23">
  <Users>
    <User guid="{{A1B2C3D4-0000-0000-0000-0000000000AA}}" name="Ana"/>
    <User guid="A1B2C3D4-0000-0000-0000-0000000000BB" name="Luc"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="C0DE0000-0000-0000-0000-000000000001" name="Stages" isCodable="false">
      <Code guid="C0DE0000-0000-0000-0000-000000000002" name="PURCHASE" isCodable="true"/>
      <Code guid="C0DE0000-0000-0000-0000-000000000003" name="onboarding" isCodable="true"/>
    </Code>
    <Code guid="C0DE0000-0000-0000-0000-000000000004" name="Mobile app" isCodable="true"/>
    <Code guid="C0DE0000-0000-0000-0000-000000000005" name="Frustration" isCodable="true"/>
    <Code guid="C0DE0000-0000-0000-0000-000000000006" name="Price sensitivity" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE}" name="Dana interview.docx"
        plainTextPath="internal://{SOURCE.strip("{}")}.TXT">
      <PlainTextSelection guid="5E1E0000-0000-0000-0000-000000000001" startPosition="{start}"
          endPosition="{end}">
        <Coding guid="C0D10000-0000-0000-0000-000000000001"
            creatingUser="{{A1B2C3D4-0000-0000-0000-0000000000AA}}">
          <CodeRef targetGUID="c0de0000-0000-0000-0000-000000000002"/></Coding>
        <Coding guid="C0D10000-0000-0000-0000-000000000002"
            creatingUser="A1B2C3D4-0000-0000-0000-0000000000AA">
          <CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000004"/></Coding>
        <Coding guid="C0D10000-0000-0000-0000-000000000003"
            creatingUser="a1b2c3d4-0000-0000-0000-0000000000aa">
          <CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000005"/></Coding>
        <Coding guid="C0D10000-0000-0000-0000-000000000004"
            creatingUser="A1B2C3D4-0000-0000-0000-0000000000BB">
          <CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000006"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="5E1E0000-0000-0000-0000-000000000002" startPosition="{late}"
          endPosition="{late_end}" creatingUser="A1B2C3D4-0000-0000-0000-0000000000BB">
        <Coding guid="C0D10000-0000-0000-0000-000000000005">
          <CodeRef targetGUID="C0DE0000-0000-0000-0000-000000000003"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""


def write_foreign(path, counting):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", foreign_project(counting))
        name = SOURCE.strip("{}")
        archive.writestr(f"Sources/{name}.txt", b"\xef\xbb\xbf" + FOREIGN_TEXT.encode("utf-8"))
    return path


@pytest.mark.parametrize("counting", ["crlf", "lf"])
def test_import_takes_what_other_tools_write(tmp_path, counting):
    study = tmp_path / "study"
    result = import_qdpx(write_foreign(tmp_path / "other.qdpx", counting), study)
    assert result.transcripts == ["Dana-interview"]
    assert result.unmapped == {"Price sensitivity": 1}
    [transcript] = load_study(study).transcripts
    assert [(t.speaker, t.role) for t in transcript.turns][:2] == [
        ("INTERVIEWER", "interviewer"),
        ("DANA", "participant"),
    ]
    codes = latest_human_codes(read_human_codes(study)).set_index("coder")
    assert codes.loc["Ana", ["segment_id", "stage", "touchpoints", "emotion"]].tolist() == [
        "Dana-interview:2",
        "purchase",
        "mobile_app",
        "frustration",
    ]
    assert codes.loc["Luc", ["segment_id", "stage"]].tolist() == ["Dana-interview:4", "onboarding"]


def test_crlf_offsets_are_detected_either_way():
    text = "A: one\r\nB: two words here\r\nA: three\r\n"
    lf = text.replace("\r\n", "\n")
    target = "two words here"
    raw = Selection(text.index(target), text.index(target) + len(target), ())
    moved, counting = offsets_to_lf(text, [raw])
    assert counting == "crlf" and lf[moved[0].start : moved[0].end] == target
    plain = Selection(lf.index(target), lf.index(target) + len(target), ())
    kept, counting = offsets_to_lf(text, [plain])
    assert counting == "lf" and lf[kept[0].start : kept[0].end] == target


def test_not_a_project_is_an_input_error(tmp_path):
    (tmp_path / "x.qdpx").write_bytes(b"not a zip")
    with pytest.raises(CJMInputError, match="not a QDPX"):
        import_qdpx(tmp_path / "x.qdpx", tmp_path / "s")
    with zipfile.ZipFile(tmp_path / "y.qdpx", "w") as archive:
        archive.writestr("sources/a.txt", "hello")
    with pytest.raises(CJMInputError, match=r"no project\.qde"):
        import_qdpx(tmp_path / "y.qdpx", tmp_path / "s")


def test_cli_export_and_import(exported, tmp_path, capsys, codebook_schema):
    study, _, _ = exported
    out = tmp_path / "cli.qdpx"
    assert main(["export", "qdpx", str(out), "--study", str(study.root), "--coder", "rules"]) == 0
    err = capsys.readouterr().err
    assert "human notes are not carried" in err and "9 sources" in err
    assert main(["export", "qdc", str(tmp_path / "book.qdc"), "--study", str(study.root)]) == 0
    assert codebook_schema.validate(etree.parse(str(tmp_path / "book.qdc")))
    assert main(["import", "qdpx", str(out), "--study", str(tmp_path / "new")]) == 0
    said = capsys.readouterr().err
    assert "9 sources (9 new transcripts, 3 new personas, participants.csv)" in said
    # The participants' pseudonyms and interview dates come back; their real names never left.
    listed = (tmp_path / "new" / "participants.csv").read_text(encoding="utf-8")
    assert listed.splitlines()[0] == "participant_id,persona_id,pseudonym,date,file"
    assert "P01,first-home,Participant 01,2026-03-02,imported/p01-dana.txt" in listed
    project, _ = project_of(out)
    assert b"Participant 01" in etree.tostring(project)
    assert b"Dana Whitfield" not in etree.tostring(project)
    again = load_study(tmp_path / "new")
    assert again.participants["P04"].pseudonym == "Participant 04" and not again.problems


def round_trip(files: dict[str, str], tmp_path: Path) -> tuple[Path, Path]:
    """A study of ``files`` (name -> text) exported with the rules coder's codes and imported
    into a new folder: the project file and that folder."""
    source = tmp_path / "source"
    source.mkdir()
    for name, text in files.items():
        (source / name).write_text(text, encoding="utf-8")
    study = load_study(source)
    exported = export_qdpx(study, code_study(study, "rules").machine, tmp_path / "t.qdpx")
    import_qdpx(exported.path, tmp_path / "back")
    return exported.path, tmp_path / "back"


def test_a_teams_surname_first_speaker_survives_the_round_trip(tmp_path):
    """Teams writes "Smith, Jane": exported as the label of her turns, it must read back as one."""
    vtt = (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Smith, Jane>How did you hear of them?</v>\n\n"
        "00:00:02.500 --> 00:00:05.000\n<v Zoë O'Neill>A friend at work.</v>\n\n"
        "00:00:05.500 --> 00:00:07.000\n<v Smith, Jane>And then?</v>\n\n"
        "00:00:07.500 --> 00:00:09.000\n<v Zoë O'Neill>I ordered online.</v>\n"
    )
    _, back = round_trip({"zoe.vtt": vtt}, tmp_path)
    [turns] = [t.turns for t in load_study(back).transcripts]
    assert [(t.speaker, t.text) for t in turns] == [
        ("Smith, Jane", "How did you hear of them?"), ("Zoë O'Neill", "A friend at work."),
        ("Smith, Jane", "And then?"), ("Zoë O'Neill", "I ordered online."),
    ]  # fmt: skip


def test_an_imported_source_name_keeps_its_letters_without_accents():
    from cjm_research.exchange.qdpx_import import _safe_id

    assert _safe_id("p21 Zoë Müller 🏋️.txt", "fallback") == "p21-Zoe-Muller"
    assert _safe_id("张伟.docx", "source-1234") == "source-1234"


def test_a_group_interview_keeps_each_voice_through_the_round_trip(tmp_path):
    exported, folder = round_trip(
        {
            "participants.csv": "participant_id,persona_id,pseudonym,name,file,speaker\n"
            "N01,saver,Saver A,Tom Hargreaves,group.txt,Tom\n"
            "N02,saver,Saver B,Anna Kowalska,group.txt,Anna\n"
            "N03,saver,Saver C,Priya Nair,one.txt,\n",
            "group.txt": "Moderator: How do you bank?\nTom: The app, mostly.\n"
            "Anna: Same, the app.\nModerator: And branches?\nTom: Never.\nAnna: Once a year.\n",
            "one.txt": "Interviewer: Hi?\nPriya: Hello there.\n",
        },
        tmp_path,
    )
    project, _ = project_of(exported)
    assert b"Anna: N02 (Saver B)" in etree.tostring(project)
    assert b"Kowalska" not in etree.tostring(project)
    back = load_study(folder)
    group = next(t for t in back.transcripts if t.interview_id == "group")
    assert group.speakers == {"Tom": "N01", "Anna": "N02"}
    assert back.participants["N02"].pseudonym == "Saver B"
    assert back.participants["N03"].speaker == "" and not back.warnings


def test_a_reimport_never_takes_a_coders_own_codes_away(tmp_path):
    """Coded further in another tool (a touchpoint only, a code the codebook lacks), a turn keeps
    the coder's own stage and emotion; a turn with only codes the codebook lacks is left out and
    counted, never recorded as "no stage" over the machine's."""
    study = tmp_path / "study"
    import_qdpx(write_foreign(tmp_path / "first.qdpx", "lf"), study)
    project = foreign_project("lf")
    for coding in ("0001", "0003"):  # Ana's stage and emotion codings are gone in the new project
        start = project.index(f'<Coding guid="C0D10000-0000-0000-0000-00000000{coding}"')
        project = project[:start] + project[project.index("</Coding>", start) + 9 :]
    project = project.replace(
        'creatingUser="A1B2C3D4-0000-0000-0000-0000000000BB">\n          <CodeRef targetGUID='
        '"C0DE0000-0000-0000-0000-000000000006"/>',
        'creatingUser="A1B2C3D4-0000-0000-0000-0000000000AA">\n          <CodeRef targetGUID='
        '"C0DE0000-0000-0000-0000-000000000006"/>',
    ).replace('name="Luc"', 'name="Zoe"')
    second = tmp_path / "second.qdpx"
    with zipfile.ZipFile(second, "w") as archive:
        archive.writestr("project.qde", project)
        archive.writestr(f"Sources/{SOURCE.strip('{}')}.txt", FOREIGN_TEXT.encode("utf-8"))
    result = import_qdpx(second, study)
    codes = latest_human_codes(read_human_codes(study)).set_index(["coder", "segment_id"])
    ana = codes.loc[("Ana", "Dana-interview:2"), ["stage", "touchpoints", "emotion"]].tolist()
    assert ana == ["purchase", "mobile_app", "frustration"]
    assert result.unmapped == {"Price sensitivity": 1} and result.codes.get("Ana") is None
    # Zoe (Luc's user renamed) coded onboarding on turn 4: recorded, as before
    assert codes.loc[("Zoe", "Dana-interview:4"), "stage"] == "onboarding"


def test_a_turn_coded_only_with_unknown_codes_is_not_recorded_as_uncoded(tmp_path):
    study = tmp_path / "study"
    result = import_qdpx(write_foreign(tmp_path / "other.qdpx", "lf"), study)
    codes = latest_human_codes(read_human_codes(study))
    # Luc coded turn 2 only with "Price sensitivity": no row saying he gave it no stage
    assert codes.query("coder == 'Luc'")["segment_id"].tolist() == ["Dana-interview:4"]
    assert result.kept_out == 1


# --- a coder who coded one dimension only ----------------------------------------------------

LF_TEXT = FOREIGN_TEXT.replace("\r\n", "\n")
TREE = {
    "Stage": ["Purchase", "Onboarding"],
    "Touchpoint": ["Mobile app", "Delivery"],
    "Emotion": ["Frustration"],
}


def one_dimension_project(path: Path, codings: list[tuple[str, str, list[str]]]) -> Path:
    """A QDPX of ``LF_TEXT`` whose ``codings`` are (user, words coded, code names)."""
    code_guid = {name: f"C0DE0000-0000-0000-0000-{n:012d}" for n, name in enumerate(
        [name for names in TREE.values() for name in names], 1
    )}  # fmt: skip
    tree = "".join(
        f'<Code guid="F01D0000-0000-0000-0000-{n:012d}" name="{root}" isCodable="false">'
        + "".join(f'<Code guid="{code_guid[c]}" name="{c}" isCodable="true"/>' for c in codes)
        + "</Code>"
        for n, (root, codes) in enumerate(TREE.items(), 1)
    )
    users = sorted({user for user, _, _ in codings})
    user_guid = {u: f"A1B2C3D4-0000-0000-0000-{n:012d}" for n, u in enumerate(users, 1)}
    selections = "".join(
        f'<PlainTextSelection guid="5E1E0000-0000-0000-0000-{n:012d}" '
        f'startPosition="{LF_TEXT.index(words)}" endPosition="{LF_TEXT.index(words) + len(words)}"'
        f' creatingUser="{user_guid[user]}">'
        + "".join(
            f'<Coding guid="C0D1{n:04d}-0000-0000-0000-{m:012d}" creatingUser="{user_guid[user]}">'
            f'<CodeRef targetGUID="{code_guid[code]}"/></Coding>'
            for m, code in enumerate(codes, 1)
        )
        + "</PlainTextSelection>"
        for n, (user, words, codes) in enumerate(codings, 1)
    )
    project = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Sofa study" origin="NVivo 14"><Users>'
        + "".join(f'<User guid="{g}" name="{u}"/>' for u, g in user_guid.items())
        + f"</Users><CodeBook><Codes>{tree}</Codes></CodeBook><Sources>"
        f'<TextSource guid="{SOURCE}" name="Dana interview" plainTextPath="internal://d.txt">'
        f"{selections}</TextSource></Sources></Project>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
        archive.writestr("sources/d.txt", LF_TEXT.encode("utf-8"))
    return path


ANSWER, LATE = "On the app, on my phone.", "Nobody came on Saturday."


def test_a_coder_who_coded_touchpoints_only_is_not_recorded_as_coding_no_stage(tmp_path, capsys):
    project = one_dimension_project(
        tmp_path / "two.qdpx",
        [
            ("Ana", ANSWER, ["Purchase", "Mobile app", "Frustration"]),
            ("Ana", LATE, ["Onboarding", "Frustration"]),  # no touchpoint: "none", she codes them
            ("Luc", ANSWER, ["Mobile app"]),
            ("Luc", LATE, ["Delivery"]),
        ],
    )
    study = tmp_path / "study"
    assert main(["import", "qdpx", str(project), "--study", str(study)]) == 0
    said = capsys.readouterr().err
    assert "Luc coded no stage or emotion in this project: recorded as '(not coded)'" in said
    assert "Ana coded no" not in said
    luc = (study / "coding" / "Luc.csv").read_text(encoding="utf-8")
    assert ",(not coded),mobile_app,(not coded)," in luc
    assert ",(not coded),delivery,(not coded)," in luc
    ana = (study / "coding" / "Ana.csv").read_text(encoding="utf-8")
    assert ",onboarding,,frustration," in ana  # coded elsewhere, not here: none
    # Agreement compares Luc on touchpoints only, even counting "no code" as a code
    out = tmp_path / "agreement.json"
    args = ["agreement", "Ana", "Luc", "--study", str(study), "--uncoded", "as-code"]
    assert main([*args, "--json", str(out)]) == 0
    dims = {d["dimension"]: d for d in json.loads(out.read_text())["dimensions"]}
    assert dims["stage"]["units"] == 0 and dims["emotion"]["units"] == 0
    assert dims["touchpoints"]["units"] == 2
    # The study codes: Luc's touchpoint over the machine's, the machine's stage where he coded
    # none, and the evidence says whose is what
    table = tmp_path / "coded.csv"
    capsys.readouterr()
    assert main(["code", "--study", str(study), "--coder", "rules", "--out", str(table)]) == 0
    coded = pd.read_csv(table, dtype=str, keep_default_na=False).set_index("segment_id")
    late = coded.loc["Dana-interview:4"]
    assert (late["stage"], late["touchpoints"], late["coder"]) == ("onboarding", "delivery", "Luc")
    assert "stage: Ana at" in late["evidence"] and "emotion: Ana at" in late["evidence"]
    assert main(["validate", "--study", str(study)]) == 0
    assert "(not coded)" not in capsys.readouterr().err


def source_variables(project: etree._Element) -> dict[str, dict[str, str]]:
    """Each source's variables by name: interview id -> {variable: value}."""
    names = {v.get("guid"): v.get("name") for v in project.iter("{*}Variable")}
    return {
        source.get("name"): {
            names[value.find("{*}VariableRef").get("targetGUID")]: value.findtext("{*}TextValue")
            for value in source.iterfind("{*}VariableValue")
        }
        for source in project.iter("{*}TextSource")
    }


def test_interviewers_are_exported_by_the_names_the_study_gives_them(tmp_path):
    # A council study's export said 'Q' and 'INTERVIEWER' where participants.csv says Hannah Lowe.
    exported, folder = round_trip(
        {
            "participants.csv": "participant_id,persona_id,pseudonym,name,file,interviewers\n"
            "R01,sorter,Sorter 01,Ken Adeyemi,ken.txt,Hannah Lowe\n"
            "R02,sorter,Sorter 02,Sofia Ruiz,sofia.txt,\n"
            "R03,sorter,Sorter 03,Tom Baker,tom.txt,\n",
            "ken.txt": "Q: What did you need taken?\nKen: A piano.\nQ: And then?\nKen: I rang.\n",
            "sofia.txt": "---\ninterviewers: Ruth Ellison\n---\n"
            "Ruth Ellison (Council): Why?\nSofia: A fridge.\n",
            "tom.txt": "INTERVIEWER: Why?\nTom: Old sofa.\n",
        },
        tmp_path,
    )
    project, _ = project_of(exported)
    variables = source_variables(project)
    assert variables["ken"]["Interviewers"] == "Hannah Lowe"
    assert variables["ken"]["Interviewer labels"] == "Q"
    assert variables["sofia"]["Interviewers"] == "Ruth Ellison"
    assert "Interviewer labels" not in variables["sofia"]  # she speaks under her name
    assert variables["tom"]["Interviewers"] == "INTERVIEWER"  # nobody named: the label
    assert b"Ken Adeyemi" not in etree.tostring(project)  # a participant's name stays out
    back = load_study(folder)
    ken = next(t for t in back.transcripts if t.interview_id == "ken")
    assert [t.role for t in ken.turns] == [INTERVIEWER, PARTICIPANT, INTERVIEWER, PARTICIPANT]
    assert not ken.warnings, "Q reads as Hannah Lowe's label, not a guess"
