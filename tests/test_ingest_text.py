"""Plain-text/markdown transcripts, the canonical text and offsets, speaker roles, the registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest import (
    ReaderResult,
    build_transcript,
    read_transcript,
    readers,
    register_reader,
)
from cjm_research.ingest.text import is_speaker_label, parse_header, parse_timestamp
from cjm_research.model import INTERVIEWER, PARTICIPANT, RawTurn, Transcript


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_offsets(transcript: Transcript) -> None:
    for turn in transcript.turns:
        assert transcript.text[turn.start : turn.end] == turn.text
        assert transcript.text[: turn.start].endswith(f"{turn.speaker}: ")
    assert [t.index for t in transcript.turns] == list(range(1, len(transcript.turns) + 1))


def summary(transcript: Transcript) -> list[tuple[str, str, int]]:
    return [(t.speaker, t.text, t.line) for t in transcript.turns]


# --- turn grammar -----------------------------------------------------------------------------


def test_name_colon_turns_with_continuation_lines_and_paragraphs(tmp_path):
    path = write(
        tmp_path,
        "p01.txt",
        "Maya: How did you find us?\n"
        "Dana: Instagram, honestly. I follow\n"
        "a lot of small-flat accounts.\n"
        "\n"
        "Then I saw the green sofa.\n"
        "\n"
        "Maya: And then?\n",
    )
    transcript = read_transcript(path)
    assert summary(transcript) == [
        ("Maya", "How did you find us?", 1),
        (
            "Dana",
            "Instagram, honestly. I follow a lot of small-flat accounts.\n"
            "Then I saw the green sofa.",
            2,
        ),
        ("Maya", "And then?", 7),
    ]
    assert transcript.text == (
        "Maya: How did you find us?\n\n"
        "Dana: Instagram, honestly. I follow a lot of small-flat accounts.\n"
        "Then I saw the green sofa.\n\n"
        "Maya: And then?\n\n"
    )
    assert_offsets(transcript)


def test_bracketed_timestamps(tmp_path):
    path = write(
        tmp_path,
        "t.txt",
        "[00:01:02] Maya: First question?\n"
        "[01:05] Dana: Short answer.\n"
        "(1:02:03.5) Maya: Late question?\n",
    )
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text, t.time_start) for t in turns] == [
        ("Maya", "First question?", 62.0),
        ("Dana", "Short answer.", 65.0),
        ("Maya", "Late question?", 3723.5),
    ]


def test_a_timestamp_on_every_line_keeps_one_answer_one_turn(tmp_path):
    """A 90-minute export that stamps every line split each answer into a turn per line (515
    segments for one interview, quotes cut mid-answer, the later lines coded without the
    question); consecutive stamped lines of one speaker are one turn, as cues are."""
    path = write(
        tmp_path,
        "t.txt",
        "[00:00:03] Tom: Could you start by telling me a bit about yourself?\n"
        "[00:00:16] Deborah: Of course. I work at a primary school in Wakefield.\n"
        "[00:00:27] Deborah: Two grown-up kids, one still at home.\n"
        "[00:00:40] Tom: Which bank do you use?\n"
        "[00:00:46] Deborah: Harbour, for years.\n"
        "Deborah: And a savings pot elsewhere.\n",
    )
    transcript = read_transcript(path)
    assert [(t.speaker, t.text, t.time_start, t.line) for t in transcript.turns] == [
        ("Tom", "Could you start by telling me a bit about yourself?", 3.0, 1),
        ("Deborah", "Of course. I work at a primary school in Wakefield. Two grown-up kids, one "
         "still at home.", 16.0, 2),
        ("Tom", "Which bank do you use?", 40.0, 4),
        ("Deborah", "Harbour, for years.", 46.0, 5),
        # an unstamped label is the researcher's own turn break: kept
        ("Deborah", "And a savings pot elsewhere.", None, 6),
    ]  # fmt: skip
    assert_offsets(transcript)


def test_otter_and_teams_headers_put_text_on_following_lines(tmp_path):
    path = write(
        tmp_path,
        "otter.txt",
        "Maya Lindqvist  0:03\n"
        "Could you start with your household?\n"
        "\n"
        "TOM BECKER (00:09):\n"
        "Sure. It's me and my partner,\n"
        "and our two kids.\n"
        "\n"
        "Maya Lindqvist 00:01:02\n"
        "Thanks.\n"
        "\n"
        "Transcribed by https://otter.ai\n",  # Otter's footer: not the interviewer's words
    )
    turns = read_transcript(path).turns
    assert [(t.speaker, t.text, t.line, t.time_start) for t in turns] == [
        ("Maya Lindqvist", "Could you start with your household?", 1, 3.0),
        ("TOM BECKER", "Sure. It's me and my partner, and our two kids.", 4, 9.0),
        ("Maya Lindqvist", "Thanks.", 8, 62.0),
    ]
    # Nobody is named as interviewer: the one asking questions is guessed.
    assert [t.role for t in turns] == [INTERVIEWER, PARTICIPANT, INTERVIEWER]


def test_google_meet_time_markers_time_the_next_turn_and_its_footer_is_dropped(tmp_path):
    # A Google Meet "Transcript" saved as .txt: a timestamp alone on its line every five
    # minutes, and a closing line of the tool's own.
    path = write(
        tmp_path,
        "p02-meet.txt",
        "Member interview - Piotr (2026-04-10 14:00 GMT+1) - Transcript\n"
        "Transcript\n"
        "00:00:00\n"
        " \n"
        "Maya Lindqvist: Hi Rosa, how did you find the gym?\n"
        "Rosa Diaz: They charged me the full fee. I noticed when my bank statement came.\n"
        "00:05:00\n"
        " \n"
        "Maya Lindqvist: How did you feel about that?\n"
        "Rosa Diaz: Cheated, honestly. They refunded half.\n"
        "Meeting ended after 00:06:12 \U0001f44b\n",
    )
    transcript = read_transcript(path)
    assert [(t.speaker, t.text, t.time_start) for t in transcript.turns] == [
        ("Maya Lindqvist", "Hi Rosa, how did you find the gym?", 0.0),
        ("Rosa Diaz", "They charged me the full fee. I noticed when my bank statement came.", None),
        ("Maya Lindqvist", "How did you feel about that?", 300.0),
        ("Rosa Diaz", "Cheated, honestly. They refunded half.", None),
    ]
    # The title lines are preamble; the markers are not counted among them.
    assert "line 1: 2 line(s) before the first speaker label ignored" in transcript.warnings


def test_a_time_marker_inside_a_turn_is_dropped_and_times_nothing_later(tmp_path):
    path = write(
        tmp_path,
        "t.txt",
        "Maya: What happened?\nDana: First the sofa came late.\n[00:05:00]\nThen it was the "
        "wrong colour.\nMaya: And then?\n",
    )
    assert [(t.speaker, t.text, t.time_start) for t in read_transcript(path).turns] == [
        ("Maya", "What happened?", None),
        ("Dana", "First the sofa came late. Then it was the wrong colour.", None),
        ("Maya", "And then?", None),
    ]


def test_rev_footer_is_dropped_not_glued_to_the_last_turn(tmp_path):
    path = write(
        tmp_path,
        "p02-rev.txt",
        "Maya Lindqvist (00:01):\nAnything you would change?\n\n"
        "Ana Souza (00:04):\nThe app should show pending payments.\n\n"
        "This transcript was exported on Apr 10, 2026 - view latest version here.\n",
    )
    assert summary(read_transcript(path))[-1] == (
        "Ana Souza",
        "The app should show pending payments.",
        4,
    )


def test_zoom_saved_captions_bracketed_name_and_clock_time_headers(tmp_path):
    path = write(
        tmp_path,
        "h-zoomcc.txt",
        "[Maya Lindqvist] 14:02:03\nHow did you find out about the gym?\n"
        "[Lena Fischer] 14:02:07\nInstagram. A reel of the spin studio.\n",
    )
    transcript = read_transcript(path, interviewers=["Maya Lindqvist"])
    assert [(t.speaker, t.text, t.time_start, t.role) for t in transcript.turns] == [
        ("Maya Lindqvist", "How did you find out about the gym?", 50523.0, INTERVIEWER),
        (
            "Lena Fischer",
            "Instagram. A reel of the spin studio.",
            50527.0,
            PARTICIPANT,
        ),
    ]
    assert not any("no speaker labels" in w for w in transcript.warnings)


def test_sentences_with_colons_continue_the_turn(tmp_path):
    path = write(
        tmp_path,
        "c.txt",
        "Maya: What did you think?\n"
        "Dana: Honestly it was mixed.\n"
        "I thought: why is this so hard?\n"
        "So what I told them was: never again.\n"
        "The note said: sorry, we missed you. Twice.\n"
        "Time: 10:30 on a Tuesday, I think.\n",
    )
    turns = read_transcript(path).turns
    assert len(turns) == 3
    assert turns[1].text == (
        "Honestly it was mixed. I thought: why is this so hard? "
        "So what I told them was: never again. The note said: sorry, we missed you. Twice."
    )
    # Spec: a single word and a colon at the start of a line is a speaker label.
    assert turns[2].speaker == "Time"


def test_no_speaker_labels_gives_one_participant_turn_per_paragraph(tmp_path):
    path = write(
        tmp_path,
        "notes.txt",
        "I bought the sofa in March.\nIt took three weeks to arrive.\n\n\nThe legs were wrong.\n",
    )
    transcript = read_transcript(path)
    assert summary(transcript) == [
        ("Participant", "I bought the sofa in March. It took three weeks to arrive.", 1),
        ("Participant", "The legs were wrong.", 5),
    ]
    assert {t.role for t in transcript.turns} == {PARTICIPANT}
    assert transcript.warnings == ["line 1: no speaker labels found; treated as one participant"]


def test_text_before_the_first_label_is_ignored_with_a_warning(tmp_path):
    path = write(tmp_path, "p.txt", "Interview notes, 2 March\n\nMaya: Hello?\nDana: Hi.\n")
    transcript = read_transcript(path, interviewers=["Maya"])
    assert summary(transcript) == [("Maya", "Hello?", 3), ("Dana", "Hi.", 4)]
    assert transcript.warnings == ["line 1: 1 line(s) before the first speaker label ignored"]


def test_markdown_headings_bold_labels_and_rules(tmp_path):
    text = (
        "# Interview with Tom\n"
        "\n"
        "**Maya:** What happened next?\n"
        "\n"
        "## Delivery\n"
        "---\n"
        "**Tom**: It came late.\n"
        "> Quoted line.\n"
    )
    turns = read_transcript(write(tmp_path, "p.md", text)).turns
    assert [(t.speaker, t.text, t.line) for t in turns] == [
        ("Maya", "What happened next?", 3),
        ("Tom", "It came late. Quoted line.", 7),
    ]
    # In a .txt a one-hash line is text, not ignored; a deeper heading is the researcher's.
    txt = read_transcript(
        write(tmp_path, "p.txt", "Maya: Hi?\n# not a heading\n### Q2: First visit\n")
    ).turns
    assert txt[0].text == "Hi? # not a heading"
    table = "**Tom**: Cheap.\n\n| Gym | Price |\n|-----|-------|\n| A | 20 |\n"
    assert read_transcript(write(tmp_path, "t.md", table)).turns[0].text == "Cheap."


def test_line_numbers_count_front_matter(tmp_path):
    path = write(
        tmp_path,
        "p.txt",
        "---\nparticipant: P01\npersona: first-home\ninterview_id: int-01\n---\n"
        "\nMaya: Hi?\nDana: Hello.\n",
    )
    transcript = read_transcript(path)
    assert [t.line for t in transcript.turns] == [7, 8]
    assert transcript.interview_id == "int-01"
    assert transcript.participant_id == "P01"
    assert transcript.persona_id == "first-home"
    assert transcript.meta["persona"] == "first-home"


def test_unclosed_front_matter_in_a_transcript(tmp_path):
    path = write(tmp_path, "p.txt", "---\nparticipant: P01\nMaya: Hi?\n")
    with pytest.raises(CJMInputError) as info:
        read_transcript(path)
    assert str(info.value).startswith(f"{path}:1: front matter")


def test_empty_turns_are_dropped(tmp_path):
    path = write(tmp_path, "p.txt", "Maya: Hi?\nDana:\nDana: \u200b\nDana: Hello.\n")
    assert summary(read_transcript(path)) == [("Maya", "Hi?", 1), ("Dana", "Hello.", 4)]


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        ("Maya", True),
        ("maya", True),
        ("Maya Lindqvist", True),
        ("Anna de Vries", True),
        ("Dr. Okafor", True),
        ("Speaker 2", True),
        ("P01", True),
        ("Q", True),
        ("Jean-Luc O'Neill", True),
        ("I thought", False),
        ("So what I said", False),
        ("One Two Three Four Five", False),
        ("Well, honestly", False),
        ("Smith, Jane", True),
        ("O'Neill, Zoë Anne", True),
        ("Yes, Maya", False),
        ("Smith, jane", False),
        ("Really?", False),
        ("2nd speaker", False),
        ("A" * 41, False),
    ],
)
def test_speaker_label_rules(label, ok):
    assert is_speaker_label(label) is ok


def test_parse_timestamp():
    assert parse_timestamp("0:03") == 3.0
    assert parse_timestamp("01:02:03,250") == 3723.25
    assert parse_timestamp("00:75") is None
    assert parse_timestamp("abc") is None


def test_parse_header_forms():
    assert parse_header("Maya: hi") is not None
    assert parse_header("https://example.com is the site") is None
    assert parse_header("Maya:hi") is None  # no space after the colon: not a label
    header = parse_header("NAME (00:01):")
    assert header is not None and (header.speaker, header.text, header.time) == ("NAME", "", 1.0)


# --- roles ------------------------------------------------------------------------------------


def roles(transcript: Transcript) -> dict[str, str]:
    return {t.speaker: t.role for t in transcript.turns}


def test_interviewers_from_front_matter_match_first_or_full_name(tmp_path):
    path = write(
        tmp_path,
        "p.txt",
        "---\ninterviewers: [Maya Lindqvist]\n---\nMaya: Hi?\nDana: Hello.\n",
    )
    assert roles(read_transcript(path)) == {"Maya": INTERVIEWER, "Dana": PARTICIPANT}
    full = write(tmp_path, "q.txt", "Maya Lindqvist: Hi?\nDana: Hello.\n")
    assert roles(read_transcript(full, interviewers=["maya"]))["Maya Lindqvist"] == INTERVIEWER


def test_interviewers_given_as_a_string(tmp_path):
    path = write(tmp_path, "p.txt", "---\ninterviewers: Sam; Maya\n---\nSam: Hi?\nDana: Yo.\n")
    assert roles(read_transcript(path))["Sam"] == INTERVIEWER


@pytest.mark.parametrize("label", ["Interviewer", "MODERATOR", "Facilitator", "Q", "I", "Int"])
def test_common_interviewer_labels(tmp_path, label):
    path = write(tmp_path, "p.txt", f"{label}: Why?\nA: Because.\n")
    transcript = read_transcript(path)
    assert roles(transcript) == {label: INTERVIEWER, "A": PARTICIPANT}
    assert transcript.warnings == []


def test_question_heuristic_when_nobody_is_named(tmp_path):
    path = write(
        tmp_path,
        "p.txt",
        "Dana: So I moved in January.\nSam: What did you buy first?\nDana: A sofa.\n"
        "Sam: Where from?\nDana: Online?\n",
    )
    transcript = read_transcript(path)
    assert roles(transcript) == {"Dana": PARTICIPANT, "Sam": INTERVIEWER}
    assert len(transcript.warnings) == 1 and "guessed 'Sam'" in transcript.warnings[0]


def test_a_listed_interviewer_who_speaks_under_another_label_is_named_in_the_warning(tmp_path):
    # Descript and Otter write "Speaker 1": the listed name never appears as a label.
    path = write(
        tmp_path,
        "p08-descript.txt",
        "Speaker 1: How did you choose the provider?\nSpeaker 2: A friend recommended it.\n"
        "Speaker 1: And the setup?\nSpeaker 2: Slow.\n",
    )
    transcript = read_transcript(path, interviewers=["Maya Lindqvist"])
    assert roles(transcript) == {"Speaker 1": INTERVIEWER, "Speaker 2": PARTICIPANT}
    assert transcript.warnings == [
        "the listed interviewer 'Maya Lindqvist' never speaks under that name; guessed "
        "'Speaker 1' (asks the most questions) — if 'Speaker 1' is the interviewer, add "
        "'Speaker 1' to 'interviewers' (e.g. 'Maya Lindqvist; Speaker 1' in participants.csv), "
        "or rename the label in the transcript"
    ]
    # The fix it names works.
    mapped = read_transcript(path, interviewers=["Maya Lindqvist", "Speaker 1"])
    assert roles(mapped) == roles(transcript) and mapped.warnings == []


def test_a_shared_account_that_asks_the_questions_is_an_interviewer_beside_named_ones(tmp_path):
    # Zoom shows a shared account's name; the listed note-taker asks once; the participant is named.
    path = write(
        tmp_path,
        "p01-account.txt",
        "UX Research Team: How did you first hear of them?\nGrace Adeyemi: A leaflet.\n"
        "UX Research Team: What happened at installation?\nGrace Adeyemi: He was late.\n"
        "Sam Ortiz: Sorry, late by how much?\nGrace Adeyemi: Two hours. Then fine.\n"
        "Tom Grey: She was fuming, honestly.\n",
    )
    transcript = read_transcript(
        path, interviewers=["Maya Lindqvist", "Sam Ortiz"], participant_names=["Grace Adeyemi"]
    )
    assert roles(transcript) == {
        "UX Research Team": INTERVIEWER,
        "Grace Adeyemi": PARTICIPANT,
        "Sam Ortiz": INTERVIEWER,
        "Tom Grey": PARTICIPANT,  # says, does not ask: a second voice, warned elsewhere
    }
    assert transcript.warnings[0].startswith(
        "'UX Research Team' asks 2 questions and is taken as an interviewer"
    )


def test_listed_interviewers_who_never_speak_and_no_guess(tmp_path):
    path = write(tmp_path, "p.txt", "Dana: Why? Why?\nSam: Because.\n")
    transcript = read_transcript(
        path, interviewers=["Maya", "Tom"], participant_names=["Dana", "Sam"]
    )
    assert transcript.warnings == [
        "no interviewer recognised; every speaker is treated as a participant — the listed "
        "interviewers 'Maya', 'Tom' never speak under that name: add the label they speak under "
        "to 'interviewers'"
    ]


def test_participant_names_are_never_guessed_interviewers(tmp_path):
    path = write(tmp_path, "p.txt", "Dana: Why? Why?\nSam: Because.\nDana: Really?\n")
    transcript = read_transcript(path, participant_names=["Dana Whitfield"])
    assert roles(transcript) == {"Dana": PARTICIPANT, "Sam": PARTICIPANT}
    assert "no interviewer recognised" in transcript.warnings[0]


def test_exact_participant_name_beats_interviewer_first_name(tmp_path):
    path = write(tmp_path, "p.txt", "Maya Berg: I liked it.\nMaya Lindqvist: Why?\n")
    transcript = read_transcript(
        path, interviewers=["Maya Lindqvist"], participant_names=["Maya Berg"]
    )
    assert roles(transcript) == {"Maya Berg": PARTICIPANT, "Maya Lindqvist": INTERVIEWER}


def test_single_speaker_is_a_participant_without_warning(tmp_path):
    transcript = read_transcript(write(tmp_path, "p.txt", "Dana: Is this on? Hello?\n"))
    assert roles(transcript) == {"Dana": PARTICIPANT}
    assert transcript.warnings == []


# --- build_transcript and offsets ---------------------------------------------------------------


def test_build_transcript_normalises_and_renders():
    raw = [
        RawTurn("  Maya \n Lindqvist ", " Caf\u0065\u0301?\t\r\n", 3, 1.0, 2.0),
        RawTurn("Dana", "   ", 4),
        RawTurn("Dana", "Zoë\u200b said: fine ", 5),
    ]
    transcript = build_transcript(
        "i1", Path("x.txt"), raw, {}, interviewers=["Maya"], warnings=["w"]
    )
    assert transcript.text == "Maya Lindqvist: Café?\n\nDana: Zoë said: fine\n\n"
    assert [(t.index, t.role, t.line, t.time_start) for t in transcript.turns] == [
        (1, INTERVIEWER, 3, 1.0),
        (2, PARTICIPANT, 5, None),
    ]
    assert transcript.warnings == ["w"]
    assert_offsets(transcript)


_speakers = st.sampled_from(["Maya", "Dana Whitfield", "Q", "Zoë", "P 1", "\u200bX"])
_texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_speakers, _texts), max_size=8))
def test_offsets_hold_for_any_text(pairs):
    raw = [RawTurn(s, t, n) for n, (s, t) in enumerate(pairs, 1)]
    transcript = build_transcript("i", Path("x.txt"), raw, {})
    assert_offsets(transcript)
    for turn in transcript.turns:
        assert turn.text == turn.text.strip() and turn.text
        assert "\r" not in turn.text and "\u200b" not in turn.text


def test_offsets_hold_on_a_messy_file(tmp_path):
    text = (
        "---\nparticipant: P01\n---\nIntro text\n"
        "[00:01] Maya: Hi?\r\nDana: caf\u0065\u0301 \u200b\tok\n\nmore\n"
        "NAME (00:05):\nline\n"
    )
    path = tmp_path / "m.txt"
    path.write_bytes(text.encode("utf-8"))
    transcript = read_transcript(path)
    assert len(transcript.turns) == 3
    # Tab → space and the zero-width space vanishes; inner spacing is otherwise kept as typed.
    assert transcript.turns[1].text == "café  ok\nmore"
    assert_offsets(transcript)


# --- registry ---------------------------------------------------------------------------------


def test_builtin_readers_are_registered():
    assert {".txt", ".md", ".vtt", ".srt", ".docx"} <= set(readers())


def test_register_reader_for_a_new_suffix(tmp_path):
    def read_log(path: Path) -> ReaderResult:
        speaker, _, words = path.read_text().partition("|")
        return ReaderResult([RawTurn(speaker, words, 1)], {"source": "log"}, [])

    register_reader(".CHATLOG", read_log)
    try:
        transcript = read_transcript(write(tmp_path, "x.chatlog", "Dana|hello there"))
        assert summary(transcript) == [("Dana", "hello there", 1)]
        assert transcript.meta == {"source": "log"}
    finally:
        from cjm_research import ingest

        ingest._READERS.pop(".chatlog")  # keep the registry clean for other tests
    with pytest.raises(ValueError, match="suffix"):
        register_reader("txt", read_log)


def test_unknown_suffix_is_an_input_error(tmp_path):
    with pytest.raises(CJMInputError, match="no reader") as info:
        read_transcript(write(tmp_path, "x.pdf", "%PDF"))
    assert ".docx" in info.value.hint


def test_generic_interviewer_labels_hold_beside_named_interviewers(tmp_path):
    path = write(
        tmp_path,
        "p.txt",
        "Maya Lindqvist: Hi?\nSarah: Hello.\nInt: Did you compare them?\nSarah J.: I did.\n"
        "Maya L: And then?\nSarah: Then I bought it.\n",
    )
    transcript = read_transcript(path, interviewers=["Maya Lindqvist"])
    assert roles(transcript) == {
        "Maya Lindqvist": INTERVIEWER, "Sarah": PARTICIPANT, "Int": INTERVIEWER,
        "Sarah J.": PARTICIPANT, "Maya L": INTERVIEWER,
    }  # fmt: skip
    other = write(tmp_path, "q.txt", "Maya L.: Hi?\nMaya K.: Hello.\n")
    assert roles(read_transcript(other, interviewers=["Maya Lindqvist"])) == {
        "Maya L.": INTERVIEWER,
        "Maya K.": PARTICIPANT,
    }


def test_a_one_word_label_met_once_inside_an_answer_stays_in_that_answer(tmp_path):
    path = write(
        tmp_path,
        "list.txt",
        "Interviewer: How did you choose a provider?\n"
        "Maya: I made a list of three things.\n"
        "Price: too high everywhere\n"
        "Speed: fine\n"
        "Interviewer: And then?\n"
        "Maya: I signed up.\n"
        "Interviewer: How was the install?\n"
        "Maya: Late, twice.\n"
        "Interviewer: Anything else?\n"
        "Maya: No.\n",
    )
    transcript = read_transcript(path)
    assert {t.speaker for t in transcript.turns} == {"Interviewer", "Maya"}
    assert transcript.turns[1].text == (
        "I made a list of three things.\nPrice: too high everywhere\nSpeed: fine"
    )
    assert_offsets(transcript)
    assert any(w.startswith("line 3: 'Price:' occurs once") for w in transcript.warnings)


def test_a_listed_or_timed_speaker_who_speaks_once_stays_a_speaker(tmp_path):
    turns = "".join(
        f"[00:0{n}:00] Interviewer: Question {n}?\n[00:0{n}:30] Maya: Answer {n}.\n"
        for n in range(1, 5)
    )
    timed = write(tmp_path, "timed.txt", turns + "[00:09:00] Sam: One thing from me.\n")
    assert read_transcript(timed).turns[-1].speaker == "Sam"
    untimed = "".join(f"Interviewer: Question {n}?\nMaya: Answer {n}.\n" for n in range(1, 5))
    path = write(tmp_path, "named.txt", untimed + "Sam: One thing from me.\n")
    assert read_transcript(path).turns[-1].speaker == "Maya"  # folded: nobody named Sam
    named = read_transcript(path, participant_names=["Sam"])
    assert named.turns[-1].speaker == "Sam"


def test_an_interview_pasted_as_one_paragraph_is_split_into_its_turns(tmp_path):
    path = write(
        tmp_path,
        "oneline.txt",
        "Interviewer: How did you hear about FitHub? Bilal: My cousin works there. "
        "Interviewer: And the app? Bilal: It logs me out. I said: never again. "
        "Interviewer: Would you stay? Bilal: Probably not.\n",
    )
    transcript = read_transcript(path)
    assert [(t.speaker, t.role) for t in transcript.turns] == [
        ("Interviewer", INTERVIEWER), ("Bilal", PARTICIPANT)
    ] * 3  # fmt: skip
    assert transcript.turns[3].text == "It logs me out. I said: never again."
    assert_offsets(transcript)
    assert any("5 speaker labels inside one turn" in w for w in transcript.warnings)


def test_a_label_like_phrase_inside_an_answer_does_not_split_it(tmp_path):
    text = "Maya: Why?\nTom: It was late. Time: ten past. Reason: none given. Fine.\nMaya: Ok.\n"
    turns = read_transcript(write(tmp_path, "a.txt", text)).turns
    assert [t.speaker for t in turns] == ["Maya", "Tom", "Maya"]


def test_a_voice_the_transcription_tool_could_not_name_is_warned_about(tmp_path):
    path = write(
        tmp_path,
        "p03-otter.txt",
        "Maya Lindqvist: How was the wait?\nIngrid Svensson: Long.\n"
        "Unknown Speaker: Sorry, is this room booked?\nIngrid Svensson: It was an hour.\n",
    )
    transcript = read_transcript(path, interviewers=["Maya Lindqvist"])
    assert roles(transcript)["Unknown Speaker"] == PARTICIPANT
    assert any(
        w.startswith("'Unknown Speaker' (a voice the transcription tool could not name)")
        for w in transcript.warnings
    )


def test_sounds_alone_on_a_line_are_nobodys_words_and_no_preamble(tmp_path):
    # Otter and captions pasted into text carry "[Music]" and "(laughs)" lines: no speech.
    path = write(
        tmp_path,
        "p.txt",
        "[Music]\n\nMaya  0:03\nHow did it go?\n♪ ♪\n\nDana  0:09\n(laughs)\n"
        "It went fine. [laughs] Mostly.\n\n[Applause] [Music]\nMaya: (laughs)\nMaya: Thanks.\n",
    )
    transcript = read_transcript(path, interviewers=["Maya"])
    assert summary(transcript) == [
        ("Maya", "How did it go?", 3),
        ("Dana", "It went fine. [laughs] Mostly.", 7),
        ("Maya", "Thanks.", 13),
    ]
    assert transcript.warnings == []
    # Real words before the first label still warn.
    path = write(tmp_path, "q.txt", "(laughs) Is it recording?\n\nMaya: Hello?\nDana: Hi.\n")
    assert read_transcript(path, interviewers=["Maya"]).warnings == [
        "line 1: 1 line(s) before the first speaker label ignored"
    ]
