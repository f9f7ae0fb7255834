"""Pseudonyms and redaction: what is replaced, what is kept, and that the key stays out."""

import json
from pathlib import Path

import pandas as pd
import pytest

from cjm_research.coding import code_transcripts
from cjm_research.coding.rules import RulesCoder
from cjm_research.model import Persona
from cjm_research.privacy import (
    ADDRESS,
    BIRTH,
    CARD,
    EMAIL,
    ID,
    NAME,
    PHONE,
    POSTCODE,
    URL,
    PseudonymKey,
    is_generic_label,
    luhn_ok,
    name_variants,
    redact_persona,
    redact_pii,
    redact_segments,
    redact_snapshot,
    study_key,
)
from cjm_research.study import load_study
from study_runs import CANARIES, PERSONA, report_texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to dana.whitfield+x@example.co.uk today", f"write to {EMAIL} today"),
        ("see https://example.com/a?b=1, then", f"see {URL}, then"),
        ("or www.hearth.example/path.", f"or {URL}."),
        ("my mobile 07700 900123.", f"my mobile {PHONE}."),
        ("call +44 20 7946 0958 now", f"call {PHONE} now"),
        ("call (555) 123-4567 now", f"call {PHONE} now"),
        # a number in brackets keeps both brackets ("Zoë ([phone])", not "Zoë [phone])")
        ("Zoë (07700 900123), then", f"Zoë ({PHONE}), then"),
        ("ring (020) 7946 0958 now", f"ring {PHONE} now"),
        ("call 555.123.4567 now", f"call {PHONE} now"),
        ("or +1-202-555-0143", f"or {PHONE}"),
        ("then 0044 20 7946 0958, and", f"then {PHONE}, and"),
        ("and facebook.com/sarah.jones.5 is me", f"and {URL} is me"),
        ("at instagram.com/zoeoneill too", f"at {URL} too"),
        ("card 4111 1111 1111 1111 ok", f"card {CARD} ok"),
        ("card 5500-0000-0000-0004 ok", f"card {CARD} ok"),
        ("order number HH-48213 came", f"order number {ID} came"),
        ("my account #99812345 was", f"my account #{ID} was"),
        ("My account number is ACC-553201 if", f"My account number is {ID} if"),
        ("My order reference is HH-99120.", f"My order reference is {ID}."),
        ("my customer ID is SJ-20931 and", f"my customer ID is {ID} and"),
        ("the booking was BK77120 then", f"the booking was {ID} then"),
        ("with the order number, HH-4471902, and", f"with the order number, {ID}, and"),
        ("my order, which was 2 days late", "my order, which was 2 days late"),
        ("the order number was, um, HH-4471902, so", f"the order number was, um, {ID}, so"),
        ("my confirmation code — XK-77812", f"my confirmation code — {ID}"),
        ("member number 55128830 and", f"member number {ID} and"),
        ("the receipt number: RC-88123", f"the receipt number: {ID}"),
        ("a member of staff, 2024 model", "a member of staff, 2024 model"),
        ("was 14 Rose Lane, Leeds LS6 2AB, flat 3", f"was {ADDRESS}, Leeds {POSTCODE}, flat 3"),
        ("I'm at 221B Baker Street, London NW1 6XE.", f"I'm at {ADDRESS}, London {POSTCODE}."),
        ("or 1600 Pennsylvania Avenue NW, Washington", f"or {ADDRESS} NW, Washington"),
        (
            "Edinburgh EH8 9YL, or SW1A 1AA and B12 3XY",
            f"Edinburgh {POSTCODE}, or {POSTCODE} and {POSTCODE}",
        ),
        ("it was Manchester M1 1AE, by", f"it was Manchester {POSTCODE}, by"),
        # a postcode that reads as a memory size, where the sentence says an address is meant
        ("my postcode's M1 8GB, so", f"my postcode's {POSTCODE}, so"),
        ("we live in Manchester, M2 8TB.", f"we live in Manchester, {POSTCODE}."),
        ("at 3 Oxford Road, Manchester M1 8GB", f"at {ADDRESS}, Manchester {POSTCODE}"),
        ("my date of birth, 12/03/1988, before", f"my date of birth, {BIRTH}, before"),
        ("My DOB is on file as 12 March 1988.", f"My DOB is on file as {BIRTH}."),
        ("I was born on March 12, 1988 in", f"I was born on {BIRTH} in"),
    ],
)
def test_pii_is_redacted(text, expected):
    assert redact_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "it was £649, about 2026-03-02 at 10:30",
        "on hold for 35 minutes, 3 or 4 times in 2025",
        "a 1234 5678 9012 3456 non-card number",  # fails the Luhn check, 16 digits
        "order 12 arrived; account settings were fine",
        "ratio 4:3, 1,200 reviews",
        "a 50/50 split, either/or, 3.5/5 stars",
        "delivered on 12/03/2026 to a flat; I was born in 1988",
        "a 3 Seater Sofa from the High Street, the M25 at 5PM, an A4 sheet",
        # device specs and model numbers: a chip and its memory, no postcode area, a letter no
        # inward code has, and a size in a sentence after the address
        "the MacBook Air M1 8GB was slow, the M2 16GB fine, and an A1 2TB drive",
        "the M2 8GB one; an X1 2AB cable, a B1 2KV part",
        "I live in Leeds. My laptop's an M1 8GB.",
    ],
)
def test_ordinary_numbers_are_kept(text):
    assert redact_pii(text) == text


def test_luhn():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_generic_labels_and_name_variants():
    assert all(is_generic_label(x) for x in ("Interviewer", "Speaker 2", "P01", "Q", "I", ""))
    assert not is_generic_label("Dana")
    assert name_variants("Dr. Dana de Vries") == ["Dr Dana de Vries", "de Vries", "Dana", "Vries"]
    # A surname with its particles goes whole: "Ó Briain is on the list", not "Ó P01 is …".
    assert "Ó Briain" in name_variants("Siobhán Ó Briain")
    assert "van der Berg" in name_variants("Jan van der Berg")
    assert name_variants("Moderator") == []


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def study(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,pseudonym,name,file,interviewers\n"
        "P07,p,,Dana Whitfield,dana.txt,Maya Lindqvist\n"
        "P02,p,Blue,Luis Ortega,luis.txt,Maya Lindqvist\n",
    )
    write(
        tmp_path / "personas" / "p.md",
        "---\nid: p\nname: Sam\nparticipants: [P07, Zed Quill]\n---\n",
    )
    write(tmp_path / "dana.txt", "Maya: Hi Dana?\nDana: Hi Maya. Luis's sofa, Zed Quill, mark.\n")
    write(tmp_path / "luis.txt", "Maya: Hello?\nLuis Ortega: Dana's friend here.\n")
    write(
        tmp_path / "anon.txt",
        "---\nparticipant_name: Kim Ode\ninterviewers: [Ravi]\n---\nRavi: Why?\nKim: Because.\n",
    )
    return tmp_path


def table(rows):
    columns = ["segment_id", "interview_id", "participant_id", "speaker", "role", "text", "source"]
    return pd.DataFrame(rows, columns=columns)


def test_pseudonyms_from_csv_else_numbered_and_interviews_numbered(study):
    segments = table(
        [
            ["dana:2", "dana", "P07", "Dana", "participant", "x", "dana.txt"],
            ["anon:2", "anon", "", "Kim", "participant", "x", "anon.txt"],
        ]
    )
    key = study_key(study, segments)
    assert key.participants == {"P02": "Blue", "P07": "P01", "anon\x00Kim": "P03"}
    # in the order of their participants' ids (P02, P07, then the one without an id)
    assert key.interviews == {
        "luis": "Interview 01",
        "dana": "Interview 02",
        "anon": "Interview 03",
    }
    assert key.labels == {"Blue": "Blue", "P01": "P01", "P03": "P03"}


def test_the_study_alone_keys_any_part_of_its_table_and_a_stale_row_is_noticed(study):
    segments = table(
        [
            ["dana:2", "dana", "P07", "Dana", "participant", "x", "dana.txt"],
            ["anon:2", "anon", "", "Kim", "participant", "x", "anon.txt"],
            ["anon:1", "anon", "", "Ravi", "interviewer", "x", "anon.txt"],
        ]
    )
    key = study_key(study)
    # A persona's rows (while a batch streams) or the whole table: the same key either way.
    assert key.covers(segments) and key.covers(segments.iloc[:1])
    assert key == study_key(study, segments)
    # A row from an older state of the study (a speaker since renamed, an interview since
    # removed) is not covered; keyed with it, its name is hidden too.
    renamed = table([["anon:2", "anon", "", "Kimberly Ode", "participant", "x", "anon.txt"]])
    removed = table([["old:2", "old", "P09", "Olga", "participant", "x", "old.txt"]])
    assert not key.covers(renamed) and not key.covers(removed)
    assert study_key(study, renamed).redact_text("Kimberly said") != "Kimberly said"


def test_names_in_quotes_are_replaced_whole_word_with_possessives(study):
    segments = table(
        [
            ["dana:2", "dana", "P07", "Dana", "participant",
             "Hi MAYA. Luis's sofa, zed quill, Dana's mark; Danae.", "dana.txt"],
            ["luis:2", "luis", "P02", "Luis Ortega", "participant", "Dana’s friend", "luis.txt"],
            ["luis:1", "luis", "P02", "Maya", "interviewer", "Hello Luis Ortega?", "luis.txt"],
            ["anon:2", "anon", "", "Kim", "participant", "I'm Kim Ode, kim@x.org", "anon.txt"],
            ["anon:1", "anon", "", "Ravi", "interviewer", "Ravi here", "anon.txt"],
        ]
    )  # fmt: skip
    out = redact_segments(segments, study_key(study, segments))
    # A participant named in someone else's interview is [name]: who says it is them and not
    # a namesake (a cousin, a support agent with the same first name)?
    assert list(out["text"]) == [
        f"Hi Interviewer. {NAME}'s sofa, {NAME}, P01's mark; Danae.",
        f"{NAME}’s friend",
        "Hello Blue?",
        f"I'm P03, {EMAIL}",  # front-matter participant_name of a participant without an id
        "Interviewer here",
    ]
    assert list(out["speaker"]) == ["P01", "Blue", "Interviewer", "P03", "Interviewer"]
    assert list(out["participant_id"]) == ["P01", "Blue", "Blue", "P03", ""]
    assert (
        list(out["interview_id"]) == ["Interview 02"] + ["Interview 01"] * 2 + ["Interview 03"] * 2
    )
    assert list(out["segment_id"])[:2] == ["Interview 02:2", "Interview 01:2"]
    assert set(out["source"]) == {"Interview 01", "Interview 02", "Interview 03"}
    assert segments.loc[0, "speaker"] == "Dana", "the input table is not modified"


def test_a_name_is_a_persons_pseudonym_only_where_that_person_speaks(tmp_path):
    """The audit's case: Anjali, a cousin in one interview and the interviewer of another; Kasia,
    a chat agent in one and a participant of another."""
    write(tmp_path / "personas" / "p.md", "---\nid: p\nname: P\n---\n")
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,interviewers,speaker\n"
        "P1,p,Priya Shah,s1.txt,Maya Lind,\nP2,p,Katarzyna Nowak,b2.txt,Anjali Rao,Kasia\n",
    )
    write(
        tmp_path / "s1.txt", "Maya: Who told you?\nPriya: My cousin Anjali. Then Kasia in chat.\n"
    )
    write(tmp_path / "b2.txt", "Anjali: Hi Kasia?\nKasia: Hi Anjali. Priya is not here.\n")
    study = load_study(tmp_path)
    key = study_key(study)
    said = "My cousin Anjali. Then Kasia in chat."
    assert key.redact_text(said, "s1") == f"My cousin {NAME}. Then {NAME} in chat."
    assert (
        key.redact_text("Hi Anjali. Priya is not here.", "b2")
        == f"Hi Interviewer. {NAME} is not here."
    )
    assert key.redact_text("Hi Kasia?", "b2") == "Hi P02?"


def test_a_shared_first_name_is_marked_without_attribution(study):
    with open(study / "participants.csv", "a", encoding="utf-8") as f:
        f.write("P09,p,,Dana Stone,,\n")
    key = study_key(study)
    assert key.redact_text("Dana and Dana Stone") == f"{NAME} and P03"


def test_paths_in_messages_become_interview_labels(study):
    key = study_key(study)
    assert key.redact_text(f"{study / 'dana.txt'}:3: odd") == "Interview 02:3: odd"


def test_paths_are_found_with_or_without_a_suffix():
    key = PseudonymKey(paths={"a/dana.txt": "Interview 01", "dana.txt": "Interview 01"})
    assert (
        key.redact_paths("see a/dana.txt, dana.txt; dana") == "see Interview 01, Interview 01; dana"
    )
    assert key.redact_paths("no file named here") == "no file named here"
    bare = PseudonymKey(paths={"notes/dana": "Interview 02", "a/dana.txt": "Interview 01"})
    assert bare.redact_paths("notes/dana and a/dana.txt") == "Interview 02 and Interview 01"


# --- The canary test: personal data planted in the example study (tests/study_runs.py) must not
# reach any report, and must reach them with --no-redact (so this test can fail).


def _real_names(study: Path) -> list[str]:
    from cjm_research.ingest import load_participants

    people = load_participants(study / "participants.csv").values()
    return [n for p in people for n in (p.name, *p.interviewers) if n]


def test_no_canary_or_real_name_survives_into_any_report(report_runs):
    texts = report_runs.redacted_texts
    kinds = {Path(name.split("!")[0]).suffix for name in texts}
    assert {".docx", ".html", ".ipynb", ".json", ".png"} <= kinds
    assert {"index.html", "coding.ipynb"} <= set(texts)
    # The coded tables, the cache and the manifest (it names input files) stay in STUDY/.cjm.
    assert ".parquet" not in kinds and "manifest.json" not in texts
    assert (report_runs.study / ".cjm" / "segments.parquet").is_file()
    # Full names, and capitalised first names as speakers and quotes carry them.
    forbidden = [*CANARIES, *_real_names(report_runs.study), "Dana", "Maya", "Aisha"]
    leaks = [(name, word) for name, text in texts.items() for word in forbidden if word in text]
    assert leaks == []
    html = texts[f"{PERSONA}/{PERSONA}.html"]
    assert "Participant 01" in html and "Interview 01" in html and "p01-dana" not in html
    for mark in (EMAIL, PHONE, CARD, URL, ID, ADDRESS, POSTCODE, BIRTH):
        assert mark in html, mark
    assert "Participant 01 ([phone]) is who this persona grew from." in html  # persona note


def test_the_canaries_do_appear_without_redaction(report_runs):
    texts = report_texts(report_runs.out)  # the second run: --no-redact --force
    html = texts[f"{PERSONA}/{PERSONA}.html"]
    for word in CANARIES:
        assert word in html, word
    docx = "".join(t for n, t in texts.items() if n.startswith(f"{PERSONA}/{PERSONA}.docx!"))
    assert "zephyrine.canary@example.org" in docx and "p01-dana" in docx


def test_names_are_hidden_even_when_participants_csv_has_an_error(study):
    with open(study / "participants.csv", "a", encoding="utf-8") as f:
        f.write("P07,p,,Kai Duplicate,,\n")  # a duplicate id: this row is left out by the loader
    key = study_key(study)
    # The other rows keep their pseudonyms; the left-out row's name is hidden all the same.
    assert key.redact_text("Luis Ortega met Kai") == f"Blue met {NAME}"
    # A file the loader refuses whole (no participant_id column) hides its names too.
    (study / "participants.csv").write_text("id,name\nP09,Ada Quill\n", encoding="utf-8")
    assert study_key(study).redact_text("Ada Quill met Kai") == f"{NAME} met Kai"


def test_segment_ids_quoted_in_evidence_become_interview_labels():
    import pandas as pd

    from cjm_research.privacy import redact_segments, study_key
    from cjm_research.resources import example_study_dir

    key = study_key(example_study_dir())
    row = pd.DataFrame(
        [
            {
                "segment_id": "p02-luis:8",
                "interview_id": "p02-luis",
                "participant_id": "P02",
                "speaker": "Luis",
                "role": "participant",
                "text": "Fine.",
                "evidence": "stage support: nearest reviewed turn p01-dana:12, support",
            }
        ]
    )
    evidence = redact_segments(row, key).loc[0, "evidence"]
    assert "p01-dana" not in evidence and "Dana" not in evidence
    assert f"nearest reviewed turn {key.interview('p01-dana')}:12, support" in evidence


def test_names_match_typographic_apostrophes_and_missing_accents():
    key = PseudonymKey(
        names={"zoë o'neill": "P10", "zoë": "P10", "o'neill": "P10", "zoe": "P10",
               "zoe o'neill": "P10"}
    )  # fmt: skip
    assert key.redact_names("O’Neill family and Zoe, and ZOË O’NEILL.") == (
        "P10 family and P10, and P10."
    )


def test_study_names_are_claimed_without_accents(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file\nP10,p,Zoë O'Neill,a.txt\nP11,p,José García,b.txt\n",
    )
    write(tmp_path / "personas" / "p.md", "---\nid: p\nname: P\n---\n")
    write(tmp_path / "a.txt", "Interviewer: Hi\nZoë O'Neill: Zoe here, the O’Neills.\n")
    write(tmp_path / "b.txt", "Interviewer: Hi\nJosé García: They wrote Garcia, and Jose.\n")
    key = study_key(tmp_path)
    assert key.redact_names("Zoe and O’Neill; Garcia and Jose") == "P01 and P01; P02 and P02"


def test_interviews_are_numbered_as_their_participants_and_stored_numbers_stay(tmp_path):
    # File names sort otherwise than participants.csv (a car-sharing study: "Participant 01 ·
    # Interview 05"): a new study numbers each interview as its participant.
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,speaker\n"
        "P01,p,Hannah Okafor,hannah-otter.txt,\nP02,p,Tomasz Nowak,GMT-zoom-tomasz.txt,\n"
        "P03,p,Ines Bellini,bellini-couple.txt,Ines\nP04,p,Marco Bellini,bellini-couple.txt,Marco\n"
        "P05,p,Deepa Sharma,deepa.txt,\n",
    )
    write(tmp_path / "personas" / "p.md", "---\nid: p\nname: P\n---\n")
    write(tmp_path / "hannah-otter.txt", "Interviewer: Hi?\nHannah: Hi.\n")
    write(tmp_path / "GMT-zoom-tomasz.txt", "Interviewer: Hi?\nTomasz: Hi.\n")
    write(tmp_path / "bellini-couple.txt", "Interviewer: Hi?\nInes: Hi.\nMarco: Hello.\n")
    write(tmp_path / "deepa.txt", "Interviewer: Hi?\nDeepa: Hi.\n")
    write(tmp_path / "zz-pilot.txt", "Interviewer: Hi?\nSomeone: Hi.\n")  # nobody listed
    (tmp_path / ".cjm").mkdir()
    key = study_key(tmp_path)
    assert {key.participants[p]: key.interviews[i] for p, i in [
        ("P01", "hannah-otter"), ("P02", "GMT-zoom-tomasz"), ("P05", "deepa")
    ]} == {"P01": "Interview 01", "P02": "Interview 02", "P05": "Interview 04"}  # fmt: skip
    assert key.interviews["bellini-couple"] == "Interview 03"  # by its first participant
    assert key.interviews["zz-pilot"] == "Interview 05"
    # An existing study keeps the numbers its reports already print (the file names' order).
    stored = {
        "bellini-couple": "Interview 01",
        "deepa": "Interview 02",
        "hannah-otter": "Interview 03",
    }
    write(tmp_path / ".cjm" / "pseudonyms.json", json.dumps({"interviews": stored}))
    again = study_key(tmp_path)
    assert {i: again.interviews[i] for i in stored} == stored
    # the interviews it had not numbered take the next numbers, in their participants' order
    assert again.interviews["GMT-zoom-tomasz"] == "Interview 04"
    assert again.interviews["zz-pilot"] == "Interview 05"


def test_labels_stay_with_their_people_when_interviews_come_and_go(study):
    segments = table([["anon:2", "anon", "", "Kim", "participant", "x", "anon.txt"]])
    study_key(study, segments)
    assert not (study / ".cjm").exists()  # nothing is written into a study never coded
    (study / ".cjm").mkdir()
    first = study_key(study, segments)
    # an interview whose ids sort first arrives: nobody's label moves, it takes the next ones
    write(study / "aaa.txt", "---\nparticipant: A1\npersona: p\n---\nMaya: Hi?\nAl: Hi.\n")
    second = study_key(study, segments)
    assert second.participants == {**first.participants, "A1": "P04"}
    assert second.interviews == {**first.interviews, "aaa": "Interview 04"}
    # one leaves and one more arrives: a number is never given to somebody else
    (study / "dana.txt").unlink()
    write(study / "zed.txt", "---\nparticipant: Z9\npersona: p\n---\nMaya: Hi?\nZed: Hi.\n")
    third = study_key(study, segments)
    assert third.participants["Z9"] == "P05" and third.participants["P02"] == "Blue"
    assert third.interviews["zed"] == "Interview 05"
    assert third.interviews["luis"] == first.interviews["luis"]
    saved = json.loads((study / ".cjm" / "pseudonyms.json").read_text(encoding="utf-8"))
    assert saved["participants"]["P07"] == "P01" and "P02" not in saved["participants"]


def test_a_name_in_a_role_labels_note_is_hidden_but_not_a_team_or_pronouns(tmp_path):
    write(tmp_path / "personas" / "p.md", "---\nid: p\nname: P\n---\n")
    write(
        tmp_path / "a.txt",
        "Interviewer (Jane Whitlock): How was it?\nOlu (she/her): Jane, you remember? "
        "Whitlock rang me. Sam Ortiz too.\nModerator (Sam Ortiz): And then?\n"
        "Olu (she/her): Research and Team were fine, she said.\n",
    )
    key = study_key(tmp_path)
    text = "Jane, you remember? Whitlock rang me. Sam Ortiz too. Olu said Research and Team."
    assert key.redact_text(text) == (
        "Interviewer, you remember? Interviewer rang me. Interviewer too. "
        "P01 said Research and Team."
    )


def test_generated_pseudonyms_do_not_reuse_the_ids_of_participants_with_given_ones(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,pseudonym,name,file\n"
        "P01,p,Participant 01,Dana Whitfield,a.txt\nP02,p,,Zoë Hart,b.txt\n",
    )
    write(tmp_path / "personas" / "p.md", "---\nid: p\nname: P\n---\n")
    write(tmp_path / "a.txt", "Interviewer: Hi\nDana Whitfield: Hello.\n")
    write(tmp_path / "b.txt", "Interviewer: Hi\nZoë Hart: Hello.\n")
    key = study_key(tmp_path)
    assert key.participants == {"P01": "Participant 01", "P02": "P02"}


def test_a_name_that_is_also_a_word_is_hidden_but_pinned_on_nobody(tmp_path):
    """Interviewer Bill Evans and participant Hope Wills: "Bill me later" and "I said to Hope"
    must not put the words in the interviewer's or another participant's mouth."""
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,interviewers\n"
        "P01,p,Hope Wills,hope.txt,Bill Evans\nP02,p,Dana Kerr,dana.txt,Bill Evans\n",
    )
    write(tmp_path / "hope.txt", "Bill: Hi?\nHope: Hi.\n")
    write(tmp_path / "dana.txt", "Bill: Hi?\nDana: Bill me later, they said. Hope said so too.\n")
    key = study_key(tmp_path)
    assert key.redact_text("Bill me later. Hope said so. Dana Kerr too.") == (
        f"{NAME} me later. {NAME} said so. P02 too."
    )
    assert key.redact_text("Hope Wills and Bill Evans") == "P01 and Interviewer"


def test_a_group_interviews_speakers_are_each_their_own_pseudonym(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,pseudonym,name,file,speaker\n"
        "G1,p,Ada,Anna Kowalska,group.txt,Anna\nG2,p,Bo,Ben Otieno,group.txt,Ben\n",
    )
    write(
        tmp_path / "group.txt",
        "Moderator: Hi all?\nAnna: Hello, I'm Anna Kowalska.\nBen: Ben, hi. Anna said it.\n",
    )
    study = load_study(tmp_path)
    key = study_key(study)
    rows = code_transcripts(study.transcripts, RulesCoder(study.codebook))
    said = redact_segments(rows, key).query("role == 'participant'")
    assert list(said["participant_id"]) == ["Ada", "Bo"] and list(said["speaker"]) == ["Ada", "Bo"]
    assert list(said["text"]) == ["Hello, I'm Ada.", "Bo, hi. Ada said it."]


def test_two_participants_sharing_a_pseudonym_stay_two_people(tmp_path):
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,pseudonym,file\nN02,p,Saver B,a.txt\nN03,p,Saver B,b.txt\n",
    )
    write(tmp_path / "a.txt", "Interviewer: Hi\nAnna: Hello.\n")
    write(tmp_path / "b.txt", "Interviewer: Hi\nJose: Hello.\n")
    study = load_study(tmp_path)
    assert study_key(study).participants == {"N02": "Saver B", "N03": "Saver B (2)"}
    [warning] = [p for p in study.warnings if "share the pseudonym" in p.message]
    assert "participants 'N02' and 'N03' share the pseudonym 'Saver B'" in warning.message


def test_a_persona_note_names_nobody_but_keeps_its_own_name_and_ordinary_words(tmp_path):
    """A note built on real participants printed their names and phone number as written; a
    persona called Sam (a participant's name too) and "Price matters" (Mark Price) stay."""
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,interviewers,mentioned\n"
        "P01,p,Mark Price,mark.txt,Maya Lind,Jo\nP02,p,Sam Becker,sam.txt,Maya Lind,\n"
        "P03,p,Anne-Marie Zoë Rose,am.txt,Maya Lind,\n",
    )
    for name in ("mark", "sam", "am"):
        write(tmp_path / f"{name}.txt", "Maya: Hi?\nP: Hi.\n")
    persona = Persona(
        id="p",
        name="Sam, the first-home furnisher",
        summary="Like Sam Becker (07700 900123, sam@example.org), Sam shops on a phone.",
        goals=["Anne-Marie wants a sofa", "Price: low"],
        quote="Zoë said: I just need it to turn up.",
        body="# Sam\n\nPrice matters because kids wear things out.\n"
        "Sam is loyal, as Mark said (Mark's wife Jo too). Maya Lind asked.",
    )
    note = redact_persona(persona, study_key(tmp_path))
    assert note.name == persona.name
    assert note.summary == f"Like P02 ({PHONE}, {EMAIL}), Sam shops on a phone."
    assert note.goals == ["P03 wants a sofa", "Price: low"]
    assert note.quote == "P03 said: I just need it to turn up."
    assert note.body == (
        "# Sam\n\nPrice matters because kids wear things out.\n"
        f"Sam is loyal, as {NAME} said ({NAME}'s wife {NAME} too). Interviewer asked."
    )


def test_a_snapshot_left_by_a_no_redact_run_names_interviews_by_their_labels(study):
    key = study_key(study)
    raw = {"interviews": ["dana", "luis"], "transcript_words": {"dana": "a1", "luis": "b2"}}
    raw["machine_codes"] = {"5e1f": "c0de"}  # of 'dana:2': 'Interview 02:2' would differ
    assert redact_snapshot(raw, key) == {"interviews": ["Interview 02", "Interview 01"]}
    labelled = {"interviews": ["Interview 02"], "transcript_words": {"Interview 02": "a1"}}
    assert redact_snapshot(labelled, key) == labelled


def test_an_answers_question_is_redacted_as_the_turns_text_is(study):
    segments = table(
        [["dana:2", "dana", "P07", "Dana", "participant", "Twelve days, Maya.", "dana.txt"]]
    ).assign(question="How long did it take, Dana? Luis Ortega says ten.")
    out = redact_segments(segments, study_key(study, segments))
    assert out.loc[0, "question"] == f"How long did it take, P01? {NAME} says ten."
    assert out.loc[0, "text"] == "Twelve days, Interviewer."


def test_a_firm_someone_mentions_is_hidden_whole_and_by_its_name_not_its_common_words(tmp_path):
    """`mentioned: Brightwell Logistics` hid "Logistics" in every sentence it opened: the whole
    name and its own word go, the words firms' names are made of stay."""
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,name,file,mentioned\n"
        "P1,p,Dana Hale,a.txt,Brightwell Logistics; The Sofa Company; Mark Stone\n",
    )
    write(tmp_path / "a.txt", "Interviewer: Hi?\nDana Hale: Hi.\n")
    key = study_key(tmp_path)
    assert key.redact_text("Logistics were awful. The van came. Company policy, they said.") == (
        "Logistics were awful. The van came. Company policy, they said."
    )
    assert (
        key.redact_text(
            "brightwell logistics lost it; Brightwell never rang. The Sofa Company did. Sofa?"
        )
        == f"{NAME} lost it; {NAME} never rang. {NAME} did. {NAME}?"
    )
    # A person's name keeps every part hidden, words ("Mark", "Stone") and all.
    assert (
        key.redact_text("Mark rang. Stone said no. Mark Stone.")
        == f"{NAME} rang. {NAME} said no. {NAME}."
    )
    assert name_variants("Brightwell Logistics") == ["Brightwell Logistics", "Brightwell"]
    assert name_variants("Logistics") == ["Logistics"]  # listed alone, it is the name


def test_a_participant_a_persona_note_lists_by_name_keeps_her_pseudonym(tmp_path):
    """`participants: [P04, Anne-Marie Rose, P06]` made her own quotes read [name], not P05."""
    write(
        tmp_path / "participants.csv",
        "participant_id,persona_id,pseudonym,name,file\n"
        "P04,p,P04,Dana Hale,a.txt\nP05,p,P05,Anne-Marie Rose,b.txt\n",
    )
    write(
        tmp_path / "personas" / "p.md",
        "---\nid: p\nname: P\nparticipants: [P04, Anne-Marie Rose, P06, Ola Brandt]\n---\n",
    )
    write(tmp_path / "a.txt", "Interviewer: Hi?\nDana Hale: Hi.\n")
    write(tmp_path / "b.txt", "Interviewer: Hi?\nAnne-Marie Rose: I'm Anne-Marie Rose.\n")
    study = load_study(tmp_path)
    key = study_key(study)
    rows = code_transcripts(study.transcripts, RulesCoder(study.codebook))
    said = redact_segments(rows, key).query(
        "role == 'participant' and interview_id == 'Interview 02'"
    )
    assert list(said["text"]) == ["I'm P05."] and list(said["participant_id"]) == ["P05"]
    # A listed name that is nobody's in the study is still hidden.
    assert key.redact_text("Ola Brandt and Anne-Marie", "b") == f"{NAME} and P05"


def test_names_are_hidden_when_participants_csv_is_damaged(study):
    # A stray carriage return (a cell pasted from a Mac note) stopped the csv module: `cjm
    # validate` and `cjm reports` crashed on every study with such a file.
    lines = (study / "participants.csv").read_text(encoding="utf-8").splitlines()
    lines.append("P07,p,,Kai\rDuplicate,,")
    (study / "participants.csv").write_bytes("\n".join(lines).encode("utf-8"))
    assert "Kai" not in study_key(study).redact_text("Luis Ortega met Kai")
    # A UTF-16 file (Excel's "Unicode text") is read as the loader reads it: its names hidden.
    (study / "participants.csv").write_text("id,name\nP09,Ada Quill\n", encoding="utf-16")
    assert study_key(study).redact_text("Ada Quill met Kai") == f"{NAME} met Kai"
