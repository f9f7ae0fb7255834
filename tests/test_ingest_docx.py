"""Word transcripts: paragraphs, tables, tracked changes and the zip safety checks."""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest import docx as docx_reader
from cjm_research.ingest import read_transcript
from cjm_research.model import INTERVIEWER, PARTICIPANT


def make_docx(path: Path, build) -> Path:
    document = docx.Document()
    build(document)
    document.save(str(path))
    return path


def paragraphs_doc(document) -> None:
    document.add_heading("Interview P03 – 9 March 2026", level=0)  # style "Title"
    document.add_paragraph("Hearth & Home study. Interviewer: Maya Lindqvist.")
    document.add_paragraph("Maya: How did you find us?")
    document.add_paragraph("Priya: On the website.")
    document.add_paragraph("I compared three tables.")  # a second paragraph of Priya's turn
    document.add_heading("Delivery", level=1)
    p = document.add_paragraph("Maya: And the delivery?")
    p.add_run().add_break()
    p.add_run("Any problems?")
    document.add_paragraph("[00:12:30] Priya: It came late.")


def test_paragraph_turns_preamble_and_line_ordinals(tmp_path):
    path = make_docx(tmp_path / "p03.docx", paragraphs_doc)
    transcript = read_transcript(path, interviewers=["Maya Lindqvist"])
    assert [(t.speaker, t.text, t.line, t.time_start) for t in transcript.turns] == [
        ("Maya", "How did you find us?", 3, None),
        ("Priya", "On the website.\nI compared three tables.", 4, None),
        ("Maya", "And the delivery? Any problems?", 7, None),
        ("Priya", "It came late.", 8, 750.0),
    ]
    assert [t.role for t in transcript.turns] == [INTERVIEWER, PARTICIPANT] * 2
    assert transcript.meta == {
        "preamble": [
            "Interview P03 – 9 March 2026",
            "Hearth & Home study. Interviewer: Maya Lindqvist.",
            "Delivery",
        ]
    }
    assert transcript.warnings == []
    for turn in transcript.turns:
        assert transcript.text[turn.start : turn.end] == turn.text


def table_doc(document) -> None:
    document.add_paragraph("Transcript, participant P07")
    table = document.add_table(rows=1, cols=3)
    for cell, title in zip(table.rows[0].cells, ["Time", "SPEAKER", "Utterance"], strict=True):
        cell.text = title
    for time, speaker, text in [
        ("00:03", "Maya", "Could you tell me about your home?"),
        ("0:15", "Chloe", "A Victorian terrace."),
        ("", "", "We've been there nine years."),
        ("1:02:03", "Maya:", "And the sofa?"),
        ("soon", "Chloe", "Loved it."),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = time, speaker, text
    document.add_paragraph("End of transcript.")


def test_speaker_table_gives_one_turn_per_row(tmp_path):
    path = make_docx(tmp_path / "p07.docx", table_doc)
    transcript = read_transcript(path, interviewers=["Maya"])
    assert [(t.speaker, t.text, t.line, t.time_start) for t in transcript.turns] == [
        ("Maya", "Could you tell me about your home?", 3, 3.0),
        ("Chloe", "A Victorian terrace.\nWe've been there nine years.", 4, 15.0),
        ("Maya", "And the sofa?", 6, 3723.0),
        ("Chloe", "Loved it.", 7, None),
    ]
    assert transcript.meta["preamble"] == ["Transcript, participant P07", "End of transcript."]
    assert transcript.warnings == ["line 7: time 'soon' is not mm:ss or hh:mm:ss"]


def test_table_without_speaker_column_is_ignored_with_a_warning(tmp_path):
    def build(document):
        document.add_paragraph("Maya: Hi?")
        table = document.add_table(rows=2, cols=2)
        table.rows[0].cells[0].text = "Product"
        table.rows[1].cells[0].text = "Alder sofa"
        document.add_paragraph("Dana: Hello.")

    transcript = read_transcript(make_docx(tmp_path / "t.docx", build), interviewers=["Maya"])
    assert [(t.speaker, t.text, t.line) for t in transcript.turns] == [
        ("Maya", "Hi?", 1),
        ("Dana", "Hello.", 4),
    ]
    assert transcript.warnings == ["line 2: table without a 'Speaker' column ignored"]


def test_tracked_insertions_count_and_deletions_do_not(tmp_path):
    def build(document):
        p = document.add_paragraph("Dana: The sofa was ")
        ins = p._p.makeelement(qn("w:ins"), {qn("w:id"): "1", qn("w:author"): "M"})
        run = copy.deepcopy(p.runs[0]._r)
        run.find(qn("w:t")).text = "lovely"
        ins.append(run)
        deleted = p._p.makeelement(qn("w:del"), {qn("w:id"): "2", qn("w:author"): "M"})
        del_run = copy.deepcopy(p.runs[0]._r)
        t = del_run.find(qn("w:t"))
        t.tag = qn("w:delText")
        t.text = "awful"
        deleted.append(del_run)
        p._p.append(deleted)
        p._p.append(ins)

    transcript = read_transcript(make_docx(tmp_path / "r.docx", build))
    assert [t.text for t in transcript.turns] == ["The sofa was lovely"]


def test_docx_without_labels_is_one_participant(tmp_path):
    def build(document):
        document.add_paragraph("I bought the sofa.")
        document.add_paragraph("It arrived late.")

    transcript = read_transcript(make_docx(tmp_path / "n.docx", build))
    assert [(t.speaker, t.text, t.line) for t in transcript.turns] == [
        ("Participant", "I bought the sofa.", 1),
        ("Participant", "It arrived late.", 2),
    ]
    assert transcript.warnings == ["line 1: no speaker labels found; treated as one participant"]


# --- safety checks ----------------------------------------------------------------------------


def rewrite(src: Path, dst: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.pop(info.filename, None) or zin.read(info))
        for name, data in replace.items():
            zout.writestr(name, data)
    return dst


def test_not_a_zip_is_not_a_word_file(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)  # a legacy .doc
    with pytest.raises(CJMInputError, match="not a Word file") as info:
        read_transcript(path)
    assert info.value.path == path
    assert ".txt" in info.value.hint


def test_zip_that_is_not_a_document(tmp_path):
    path = tmp_path / "z.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CJMInputError, match="cannot read Word file"):
        read_transcript(path)


def test_doctype_in_any_xml_part_is_refused(tmp_path):
    good = make_docx(tmp_path / "good.docx", paragraphs_doc)
    with zipfile.ZipFile(good) as archive:
        xml = archive.read("word/document.xml")
    evil_xml = xml.replace(
        b"?>",
        b'?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        1,
    )
    evil = rewrite(good, tmp_path / "evil.docx", {"word/document.xml": evil_xml})
    with pytest.raises(CJMInputError, match="DOCTYPE") as info:
        read_transcript(evil)
    assert "word/document.xml" in info.value.message


def test_high_compression_ratio_is_refused(tmp_path):
    good = make_docx(tmp_path / "good.docx", paragraphs_doc)
    bomb = rewrite(good, tmp_path / "bomb.docx", {"word/media/blank.bin": b"\x00" * 3_000_000})
    with pytest.raises(CJMInputError, match="compressed") as info:
        read_transcript(bomb)
    assert "zip bomb" in info.value.hint


def test_total_uncompressed_size_is_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(docx_reader, "MAX_UNCOMPRESSED_BYTES", 10_000)
    good = make_docx(tmp_path / "good.docx", paragraphs_doc)
    with pytest.raises(CJMInputError, match="expands to"):
        read_transcript(good)


def test_docx_file_size_is_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(docx_reader, "MAX_TRANSCRIPT_BYTES", 1_000)
    good = make_docx(tmp_path / "good.docx", paragraphs_doc)
    with pytest.raises(CJMInputError, match="larger than"):
        read_transcript(good)


def bold_names_doc(document) -> None:
    document.add_heading("Interview with Priya", level=1)
    for name, words in [
        ("Maya", "How did you find us?"),
        ("Priya", "On the website."),
        ("Maya", "And the delivery?"),
        ("Priya", "It came late."),
    ]:
        document.add_paragraph().add_run(name).bold = True  # the name alone, in bold
        document.add_paragraph(words)


def test_bold_name_lines_are_speaker_labels(tmp_path):
    transcript = read_transcript(
        make_docx(tmp_path / "p.docx", bold_names_doc), interviewers=["Maya"]
    )
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("Maya", "How did you find us?"),
        ("Priya", "On the website."),
        ("Maya", "And the delivery?"),
        ("Priya", "It came late."),
    ]


def test_a_name_and_dialogue_table_is_read_but_not_a_name_and_age_table(tmp_path):
    def build(document):
        table = document.add_table(rows=3, cols=3)
        for row, cells in zip(
            table.rows,
            [
                ("Timestamp", "Name", "Dialogue"),
                ("00:00:05", "Maya", "Hi?"),
                ("00:00:09", "Tomás", "Hello."),
            ],
            strict=True,
        ):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
        people = document.add_table(rows=2, cols=2)
        for cell, text in zip(
            people.rows[0].cells + people.rows[1].cells, ["Name", "Age", "Tomás", "41"], strict=True
        ):
            cell.text = text

    transcript = read_transcript(make_docx(tmp_path / "t.docx", build), interviewers=["Maya"])
    assert [(t.speaker, t.text, t.time_start) for t in transcript.turns] == [
        ("Maya", "Hi?", 5.0),
        ("Tomás", "Hello.", 9.0),
    ]


def test_older_teams_timing_name_text_paragraphs(tmp_path):
    # Older Teams: a cue timing, the speaker's name, then the words, one paragraph each.
    def build(document) -> None:
        for timing, name, words in (
            ("0:0:0.0 --> 0:0:5.170", "Maya Lindqvist", "How did you hear about the gym?"),
            ("0:0:5.170 --> 0:0:12.400", "Fatima Rahman", "My sister got me a free pass."),
            ("0:0:12.400 --> 0:0:15.000", "Maya Lindqvist", "How did joining go?"),
            ("0:0:15.000 --> 0:0:25.000", "Fatima Rahman", "Yes"),
        ):
            for text in (timing, name, words):
                document.add_paragraph(text)

    transcript = read_transcript(make_docx(tmp_path / "b-teams-old.docx", build))
    assert [(t.speaker, t.text, t.line, t.time_start, t.role) for t in transcript.turns] == [
        ("Maya Lindqvist", "How did you hear about the gym?", 2, 0.0, INTERVIEWER),
        ("Fatima Rahman", "My sister got me a free pass.", 5, 5.17, PARTICIPANT),
        ("Maya Lindqvist", "How did joining go?", 8, 12.4, INTERVIEWER),
        ("Fatima Rahman", "Yes", 11, 15.0, PARTICIPANT),
    ]
    assert not any("no speaker labels" in w for w in transcript.warnings)


def test_timing_paragraphs_without_names_never_become_turns(tmp_path):
    # Timings followed by the words themselves: one participant, but no timing is anyone's words.
    def build(document) -> None:
        document.add_paragraph("0:0:0.0 --> 0:0:5.170")
        document.add_paragraph("I joined because my sister goes there.")
        document.add_paragraph("0:0:5.170 --> 0:0:9.000")
        document.add_paragraph("Yes")
        document.add_paragraph("0:0:9.000 --> 0:0:12.000")
        document.add_paragraph("The contract was long and confusing.")

    transcript = read_transcript(make_docx(tmp_path / "t.docx", build))
    assert [t.text for t in transcript.turns] == [
        "I joined because my sister goes there.",
        "Yes",
        "The contract was long and confusing.",
    ]
    assert {t.speaker for t in transcript.turns} == {"Participant"}


def test_teams_transcript_lines_about_transcription_are_nobody_s_words(tmp_path):
    # Today's Teams .docx: the meeting's title and time, "<name> started transcription", each
    # turn as "Name   0:03" above its words, and "<name> stopped transcription" at the end.
    def build(document) -> None:
        for text in (
            "Car club research - trades interview 3",
            "14 May 2026, 10:02AM",
            "Priya Raman started transcription",
            "Priya Raman   0:03",
            "How did you first come across the vans?",
            "Gareth Pryce   0:09",
            "A leaflet from the council.",
            "Priya Raman   0:15",
            "Thanks, Gareth.",
            "Gareth Pryce   0:18",
            "No bother. Cheers.",
            "Priya Raman stopped transcription",
        ):
            document.add_paragraph(text)

    transcript = read_transcript(make_docx(tmp_path / "gareth-teams.docx", build))
    assert [(t.speaker, t.text, t.time_start) for t in transcript.turns] == [
        ("Priya Raman", "How did you first come across the vans?", 3.0),
        ("Gareth Pryce", "A leaflet from the council.", 9.0),
        ("Priya Raman", "Thanks, Gareth.", 15.0),
        ("Gareth Pryce", "No bother. Cheers.", 18.0),
    ]
    assert "Priya Raman started transcription" not in transcript.meta.get("preamble", [])
