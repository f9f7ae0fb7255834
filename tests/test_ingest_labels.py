"""Speaker labels as real exports write them, in every format; who is the interviewer; and the
warnings for a transcript whose labels were not read."""

from __future__ import annotations

import pytest

from cjm_research.ingest import read_transcript
from cjm_research.ingest.labels import is_speaker_label, split_label
from cjm_research.model import INTERVIEWER, PARTICIPANT
from studygen import write_turns

LABELS = ("Dana K (UX Research)", "Jo (she/her)", "Sam [Acme Research]", "Dr. O'Neil-Smith")


@pytest.mark.parametrize(
    ("label", "parts"),
    [
        ("Dana K (UX Research)", ("Dana K", "UX Research")),
        ("Jo (she/her)", ("Jo", "she/her")),
        ("Sam [Acme Research]", ("Sam", "Acme Research")),
        ("Dr. O'Neil-Smith", ("Dr. O'Neil-Smith", "")),
    ],
)
def test_a_label_is_a_name_and_an_optional_note(label, parts):
    assert is_speaker_label(label)
    assert split_label(label) == parts


@pytest.mark.parametrize("line", ["I thought (really) about it", "see (below) and (above)", "(x)"])
def test_prose_with_parentheses_is_not_a_label(line):
    assert not is_speaker_label(line)


@pytest.mark.parametrize("suffix", [".txt", ".vtt", ".srt", ".docx"])
@pytest.mark.parametrize("interviewer", LABELS)
def test_every_label_style_starts_a_turn_in_every_format(tmp_path, suffix, interviewer):
    participant = "Ana Lima (she/her)" if interviewer != "Jo (she/her)" else "Ana [Customer]"
    turns = [
        (interviewer, "How did you first hear about them?"),
        (participant, "A friend told me."),
        (interviewer, "And then?"),
        (participant, "I compared two sites."),
    ]
    path = tmp_path / f"t{suffix}"
    write_turns(path, turns)
    transcript = read_transcript(path, interviewers=[split_label(interviewer)[0]])
    assert [(t.speaker, t.text) for t in transcript.turns] == turns
    assert [t.role for t in transcript.turns] == [INTERVIEWER, PARTICIPANT] * 2


def test_named_interviewers_decide_the_roles(tmp_path):
    # Q010 is the participant's id: "Q" + digits must not make them the interviewer.
    path = tmp_path / "q.txt"
    path.write_text(
        "---\nparticipant: Q010\ninterviewers: [Mira]\n---\n"
        "Mira: How did it start?\n\nQ010: With an advert.\n\nMira: Then?\n\nQ010: I bought it.\n",
        encoding="utf-8",
    )
    roles = {t.speaker: t.role for t in read_transcript(path).turns}
    assert roles == {"Mira": INTERVIEWER, "Q010": PARTICIPANT}
    # When a named interviewer speaks, a label that merely looks like one does not decide.
    path.write_text(
        "---\ninterviewers: [Mira]\n---\n"
        "Mira: How did it start?\n\nQ: I mean, is this about the advert?\n\nMira: Yes.\n",
        encoding="utf-8",
    )
    roles = {t.speaker: t.role for t in read_transcript(path).turns}
    assert roles == {"Mira": INTERVIEWER, "Q": PARTICIPANT}


def test_labels_decide_only_when_nobody_is_named(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text(
        "Interviewer2 2: How did it start?\n\nJo (she/her): With an advert.\n\n"
        "Dana K (UX Research): And after that?\n\nJo (she/her): I bought it.\n",
        encoding="utf-8",
    )
    transcript = read_transcript(path)
    roles = {t.speaker: t.role for t in transcript.turns}
    assert roles == {
        "Interviewer2 2": INTERVIEWER,
        "Jo (she/her)": PARTICIPANT,
        "Dana K (UX Research)": INTERVIEWER,
    }
    assert not transcript.warnings


def test_an_implausible_transcript_is_a_warning_that_says_what_to_fix(tmp_path):
    long_turn = " ".join(["word"] * 1600)
    path = tmp_path / "merged.txt"
    path.write_text(f"Interviewer: Hello?\n\nAna: {long_turn}\n", encoding="utf-8")
    [warning] = read_transcript(path).warnings
    assert warning.startswith("line 3: one turn of 1,600 words by 'Ana'")
    assert "'Name: text'" in warning
    path.write_text("Ana: " + "\n".join(["It was fine, really it was."] * 80) + "\n")
    [warning] = read_transcript(path).warnings
    assert "only one speaker ('Ana') across" in warning and "label every turn" in warning


def test_a_name_typed_with_another_apostrophe_still_names_the_interviewer():
    # Word writes "O’Neill" (U+2019); participants.csv and front matter are usually typed "O'Neill".
    from cjm_research.ingest.build import assign_roles
    from cjm_research.model import RawTurn

    turns = [
        RawTurn("Siobhán O’Neill", "Tell me what happened next.", 1),
        RawTurn("Ana", "Why would I? Who rings on a Sunday?", 2),
        RawTurn("Siobhán O’Neill", "Go on.", 3),
        RawTurn("Ana", "Nothing, for a week. Would you wait?", 4),
    ]
    # Ana asks more questions than the interviewer: only the name (decomposed accent, straight
    # apostrophe) can decide.
    roles = assign_roles(turns, ["Siobha\u0301n O'Neill"], [], [])
    assert roles["Siobhán O’Neill"] == INTERVIEWER and roles["Ana"] == PARTICIPANT
