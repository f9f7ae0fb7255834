"""WebVTT, SubRip and SubViewer (.sbv) transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjm_research.ingest import read_transcript
from cjm_research.model import INTERVIEWER, PARTICIPANT, Transcript


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def turns(transcript: Transcript) -> list[tuple[str, str, float | None, float | None]]:
    return [(t.speaker, t.text, t.time_start, t.time_end) for t in transcript.turns]


def assert_offsets(transcript: Transcript) -> None:
    for turn in transcript.turns:
        assert transcript.text[turn.start : turn.end] == turn.text


VTT = """WEBVTT
Kind: captions
Language: en

NOTE This transcript was exported from Teams.
It spans two lines.

STYLE
::cue { color: yellow }

intro-1
00:00:01.000 --> 00:00:04.500 align:start
<v Maya Lindqvist>How did you first hear about us?</v>

00:00:05.000 --> 00:00:07.000
<v.loud Luis Ortega>Google, I think.</v>

00:00:07.200 --> 00:00:09.000
<v Luis Ortega><c.yellow>Searching</c> for a <i>cheap</i> bookshelf &amp; desk.</v>

00:01:00.000 --> 00:01:02.000
<v Maya Lindqvist>And then?
"""


def test_vtt_voice_tags_blocks_and_merging(tmp_path):
    transcript = read_transcript(write(tmp_path, "p02.vtt", VTT), interviewers=["Maya"])
    assert turns(transcript) == [
        ("Maya Lindqvist", "How did you first hear about us?", 1.0, 4.5),
        ("Luis Ortega", "Google, I think. Searching for a cheap bookshelf & desk.", 5.0, 9.0),
        ("Maya Lindqvist", "And then?", 60.0, 62.0),
    ]
    assert [t.role for t in transcript.turns] == [INTERVIEWER, PARTICIPANT, INTERVIEWER]
    # Line of a turn = the first line of its first cue (the cue id when there is one).
    assert [t.line for t in transcript.turns] == [11, 15, 21]
    assert transcript.warnings == []
    assert_offsets(transcript)


def test_vtt_comma_timestamps_are_kept_with_a_warning(tmp_path):
    text = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Maya>Why?\n\n"
        "00:00:03,000 --> 00:00:05,250\n<v Dana>Because it was cheap.\n\n"
        "00:00:06.000 --> 00:00:07.000\n<v Maya>OK.\n"
    )
    transcript = read_transcript(write(tmp_path, "c.vtt", text), interviewers=["Maya"])
    assert turns(transcript)[1] == ("Dana", "Because it was cheap.", 3.0, 5.25)
    assert len(transcript.turns) == 3
    assert transcript.warnings == [
        "line 6: 1 cue timestamp(s) use ',' before the milliseconds (SRT style); accepted, "
        "but WebVTT requires '.'"
    ]


def test_vtt_voice_split_over_cues_continues_the_speaker(tmp_path):
    text = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.000\n<v Maya>What did you think\n\n"
        "00:00:03.000 --> 00:00:04.000\nof the delivery?</v>\n\n"
        "00:00:04.500 --> 00:00:06.000\n<v Dana>It was late.</v>\n"
    )
    transcript = read_transcript(write(tmp_path, "s.vtt", text), interviewers=["Maya"])
    assert turns(transcript) == [
        ("Maya", "What did you think of the delivery?", 1.0, 4.0),
        ("Dana", "It was late.", 4.5, 6.0),
    ]


def test_vtt_two_voices_in_one_cue_and_name_prefixes(tmp_path):
    text = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.000\n<v Maya>Ready?</v> <v Dana>Yes.</v>\n\n"
        "00:00:03.000 --> 00:00:04.000\nMaya: Great, let's start.\n\n"
        "00:00:04.000 --> 00:00:05.000\n- Dana: OK.\n"
    )
    transcript = read_transcript(write(tmp_path, "v.vtt", text))
    assert [(s, t) for s, t, _, _ in turns(transcript)] == [
        ("Maya", "Ready?"),
        ("Dana", "Yes."),
        ("Maya", "Great, let's start."),
        ("Dana", "OK."),
    ]


def test_vtt_without_header_is_read_with_a_warning(tmp_path):
    text = "00:00:01.000 --> 00:00:02.000\n<v Maya>Hi?\n"
    transcript = read_transcript(write(tmp_path, "n.vtt", text))
    assert turns(transcript) == [("Maya", "Hi?", 1.0, 2.0)]
    assert transcript.warnings == ["line 1: no 'WEBVTT' header; read as WebVTT anyway"]


def test_vtt_hour_less_timestamps(tmp_path):
    text = "WEBVTT\n\n01:02.500 --> 01:04.000\n<v Dana>Short form.\n"
    assert turns(read_transcript(write(tmp_path, "h.vtt", text))) == [
        ("Dana", "Short form.", 62.5, 64.0)
    ]


SRT = """1
00:00:01,000 --> 00:00:04,000
Interviewer: How did Hearth & Home
first come onto your radar?

2
00:00:05,000 --> 00:00:08,000
Mark: The school gates.

This line is not part of any cue

3
00:00:09,000 --> 00:00:11,000
Another dad was going on about bunk beds.

4
00:00:12,000 --> 00:00:13,000
Interviewer: <i>Interesting.</i>
"""


def test_srt_prefixes_garbage_and_continuation(tmp_path):
    transcript = read_transcript(write(tmp_path, "p04.srt", SRT))
    assert turns(transcript) == [
        ("Interviewer", "How did Hearth & Home first come onto your radar?", 1.0, 4.0),
        ("Mark", "The school gates. Another dad was going on about bunk beds.", 5.0, 11.0),
        ("Interviewer", "Interesting.", 12.0, 13.0),
    ]
    # The garbage line is skipped, not glued onto cue 2 or cue 3.
    assert "not part" not in transcript.text
    assert [t.line for t in transcript.turns] == [1, 6, 16]
    assert transcript.warnings == [
        "line 10: 1 line(s) outside any cue skipped: 'This line is not part of any cue'"
    ]
    assert [t.role for t in transcript.turns] == [INTERVIEWER, PARTICIPANT, INTERVIEWER]


def test_srt_cue_after_garbage_is_not_merged_into_the_previous_cue(tmp_path):
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nQ: First?\n\n"
        "garbage\n"
        "2\n00:00:03,000 --> 00:00:04,000\nA: Second.\n"
    )
    transcript = read_transcript(write(tmp_path, "g.srt", text))
    assert turns(transcript) == [("Q", "First?", 1.0, 2.0), ("A", "Second.", 3.0, 4.0)]
    assert transcript.warnings[0].startswith("line 5: 1 line(s) outside any cue skipped")


def test_srt_missing_blank_line_between_cues(tmp_path):
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nQ: First?\n2\n00:00:03,000 --> 00:00:04,000\nA: Yes.\n"
    )
    transcript = read_transcript(write(tmp_path, "m.srt", text))
    assert turns(transcript) == [("Q", "First?", 1.0, 2.0), ("A", "Yes.", 3.0, 4.0)]


def test_overlapping_cues_are_kept_in_order_with_a_warning(tmp_path):
    text = (
        "1\n00:00:01,000 --> 00:00:05,000\nQ: Tell me about it?\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\nA: Well, it started badly.\n\n"
        "3\n00:00:05,500 --> 00:00:07,000\nQ: Badly?\n"
    )
    transcript = read_transcript(write(tmp_path, "o.srt", text))
    assert [t.speaker for t in transcript.turns] == ["Q", "A", "Q"]
    assert transcript.warnings == [
        "line 5: 2 cue(s) start before the previous one ends; kept in file order"
    ]


def test_srt_without_any_speaker_is_one_participant(tmp_path):
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nI liked it.\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nA lot.\n"
    )
    transcript = read_transcript(write(tmp_path, "n.srt", text))
    assert turns(transcript) == [("Participant", "I liked it. A lot.", 1.0, 3.0)]
    assert transcript.warnings == ["line 1: no speaker labels found; treated as one participant"]


def test_srt_text_before_first_speaker_is_ignored(tmp_path):
    text = (
        "1\n00:00:00,000 --> 00:00:01,000\nIs it on?\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\nQ: Hello?\n"
    )
    transcript = read_transcript(write(tmp_path, "b.srt", text))
    assert turns(transcript) == [("Q", "Hello?", 1.0, 2.0)]
    assert transcript.warnings == ["line 1: text before the first speaker label ignored"]


@pytest.mark.parametrize("suffix", [".srt", ".vtt", ".sbv"])
@pytest.mark.parametrize("sound", ["[Music]", "[Applause]", "(laughs)", "♪", "[MUSIC PLAYING]"])
def test_sounds_are_nobodys_words_anywhere_in_captions(tmp_path, suffix, sound):
    # A council study's .srt opened with "[Music]": warned as unlabelled text to label 'Name:'.
    cues = [
        ("00:00:00.000", "00:00:00.900", sound),
        ("00:00:01.000", "00:00:03.000", "INTERVIEWER: Why did you need the collection?"),
        ("00:00:03.000", "00:00:04.000", f"SOFIA: {sound}"),
        ("00:00:04.000", "00:00:06.000", "SOFIA: The landlord bought a new fridge."),
        ("00:00:06.000", "00:00:07.000", sound),
        ("00:00:07.000", "00:00:09.000", "INTERVIEWER: And then?"),
        ("00:00:09.000", "00:00:10.000", sound),
    ]
    if suffix == ".sbv":
        blocks = [f"{a[1:]},{b[1:]}\n{text}" for a, b, text in cues]
    else:
        stamp = (lambda t: t.replace(".", ",")) if suffix == ".srt" else (lambda t: t)
        blocks = [f"{n}\n{stamp(a)} --> {stamp(b)}\n{text}" for n, (a, b, text) in enumerate(cues)]
    head = "WEBVTT\n\n" if suffix == ".vtt" else ""
    transcript = read_transcript(write(tmp_path, f"s{suffix}", head + "\n\n".join(blocks) + "\n"))
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("INTERVIEWER", "Why did you need the collection?"),
        ("SOFIA", "The landlord bought a new fridge."),
        ("INTERVIEWER", "And then?"),
    ]
    assert transcript.warnings == []


def test_srt_crlf_and_bom(tmp_path):
    path = tmp_path / "w.srt"
    path.write_bytes(b"\xef\xbb\xbf" + SRT.replace("\n", "\r\n").encode("utf-8"))
    clean = read_transcript(write(tmp_path, "c.srt", SRT))
    messy = read_transcript(path)
    assert turns(messy) == turns(clean)
    assert messy.text == clean.text


def test_srt_bracketed_name_prefixes_are_speakers_but_sound_tags_are_not(tmp_path):
    # Descript and Sonix write "[Name] text"; "[Music]" and "[laughs]" are sounds, not voices.
    path = write(
        tmp_path,
        "p07-brackets.srt",
        "1\n00:00:01,000 --> 00:00:04,000\n[Maya Lindqvist] How did you get broadband set up?\n\n"
        "2\n00:00:05,000 --> 00:00:14,000\n[Carlos Mendes] I kept the previous owners' provider.\n"
        "[laughs] It was easy.\n\n"
        "3\n00:00:15,000 --> 00:00:18,000\n[Music] \n[Maya Lindqvist] Has it been reliable?\n",
    )
    transcript = read_transcript(path, interviewers=["Maya Lindqvist"])
    assert turns(transcript) == [
        ("Maya Lindqvist", "How did you get broadband set up?", 1.0, 4.0),
        (
            "Carlos Mendes",
            "I kept the previous owners' provider. [laughs] It was easy.",
            5.0,
            14.0,
        ),
        ("Maya Lindqvist", "Has it been reliable?", 15.0, 18.0),
    ]
    assert [t.role for t in transcript.turns] == [INTERVIEWER, PARTICIPANT, INTERVIEWER]
    assert transcript.warnings == []


def test_dialogue_dashes_are_one_participant_and_the_warning_names_the_layout(tmp_path):
    path = write(
        tmp_path,
        "j-dash.srt",
        "1\n00:00:01,000 --> 00:00:04,000\n- How do you book classes?\n- Through the app.\n\n"
        "2\n00:00:05,000 --> 00:00:10,000\n- Is it reliable?\n- Not really.\n",
    )
    transcript = read_transcript(path)
    assert [t.speaker for t in transcript.turns] == ["Participant"]
    assert transcript.warnings == [
        "line 1: no speaker labels found; treated as one participant (the cues use '- ' "
        "dialogue dashes, 2 of 2 cues: they mark a change of speaker but not who speaks) — "
        "export the captions with speaker names ('Name: text' in each cue)"
    ]


def test_sbv_captions_are_read_with_times_and_speakers(tmp_path):
    # Google Meet and YouTube: "H:MM:SS.mmm,H:MM:SS.mmm", the text, a blank line between cues.
    path = write(
        tmp_path,
        "p06-meet.sbv",
        "Captions exported 2026-04-06\n\n"
        "0:00:01.000,0:00:05.000\nMaya Lindqvist: Hi Ingrid, how did you first join the gym?\n\n"
        "0:00:06.000,0:00:15.000\nIngrid Svensson: My doctor suggested swimming,\n"
        "so I searched for pools nearby.\n\n"
        "0:00:16.000,0:00:19.000\nand this one had the best reviews.\n\n"
        "1:02:03.500,1:02:05.000\nMaya Lindqvist: Why have you stayed?\n",
    )
    transcript = read_transcript(path, interviewers=["Maya Lindqvist"])
    assert turns(transcript) == [
        ("Maya Lindqvist", "Hi Ingrid, how did you first join the gym?", 1.0, 5.0),
        (
            "Ingrid Svensson",
            "My doctor suggested swimming, so I searched for pools nearby. "
            "and this one had the best reviews.",
            6.0,
            19.0,
        ),
        ("Maya Lindqvist", "Why have you stayed?", 3723.5, 3725.0),
    ]
    assert [t.line for t in transcript.turns] == [3, 6, 13]
    assert transcript.warnings == [
        "line 1: 1 line(s) outside any cue skipped: 'Captions exported 2026-04-06'"
    ]
    assert_offsets(transcript)
