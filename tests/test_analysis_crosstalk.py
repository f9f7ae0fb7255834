"""Cross-talk in a focus group: which turns reply to another participant, what a quote prints
before them, and which reactions raise no pain point. The turns are a council recycling study's
focus group (Ruth moderates; Gwen, Abdi and Lucy), with the semantic coder's codes of them."""

import pandas as pd
import pytest

from cjm_research import privacy
from cjm_research.analysis import (
    asked_before,
    build_journey,
    is_bare_reaction,
    prompts,
    questions_shown,
    quote_of,
    replies,
)
from cjm_research.coding import code_transcripts, get_coder
from cjm_research.report.sections import quote_question
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

# (speaker, words, stage, emotion, valence) in the order spoken
FOCUS = [
    ("Ruth", "Lovely. So let's start with the basics. How did each of you learn what goes in "
     "which bin?", "", "", 0.0),
    ("Gwen", "The leaflet, years ago. And then my daughter did a project at school about "
     "recycling and came home and told us we were all doing it wrong.", "awareness", "neutral",
     0.09),
    ("Abdi", "For me, my brother explained. He read the website. But my mother, she doesn't read "
     "English, so she puts everything in the black bin.", "awareness", "confusion", -0.2),
    ("Lucy", "Same as Gwen really, the calendar thing, and then I looked stuff up on the website "
     "when I wasn't sure.", "awareness", "neutral", 0.1),
    ("Ruth", "Abdi, you mentioned there are no pictures. Can you say more about that?", "", "",
     0.0),
    ("Abdi", "Yes. On the lid, it says plastics, cans, paper, card. But which plastic? The black "
     "tray from the meat?", "awareness", "confusion", -0.31),
    ("Gwen", "Oh that's so true. Even I don't know about the black trays. I think they said no "
     "to the black ones because the machines can't see them?", "usage", "confusion", -0.2),
    ("Lucy", "They changed that, didn't they? I read somewhere black plastic is okay now. Or "
     "maybe that was another council.", "consideration", "confusion", -0.21),
    ("Ruth", "Okay, so there's some uncertainty there. Let's move on to the collections "
     "themselves. How have they been going lately?", "", "", 0.0),
    ("Gwen", "Terrible in the summer, fine now. We had the food waste missed I think four times "
     "in August.", "consideration", "neutral", -0.31),
    ("Lucy", "I'm the opposite actually, mine have been pretty reliable. I've never had one "
     "missed.", "usage", "trust", 0.07),
    ("Abdi", "For us, the black bin is the problem. It is too small for six people. It's full "
     "after one week and collection is two weeks. So we put bags next to the bin and the crew "
     "does not take the bags. Then we get a letter.", "onboarding", "frustration", -0.24),
    ("Ruth", "A letter from the council?", "", "", 0.0),
    ("Abdi", "Yes, a warning letter, about side waste. It says you can get a fine. My mother was "
     "very scared, she thought it is the police. She kept the letter on the table for a month.",
     "onboarding", "anxiety", -0.26),
    ("Gwen", "That's awful. Can you not get a bigger bin for a big family?", "onboarding",
     "frustration", -0.61),
    ("Abdi", "I asked. On the phone. They said you must apply with a form, and show the number "
     "of people in the house, and then they send somebody to check. I sent the form in June. "
     "Nobody came yet.", "onboarding", "neutral", -0.26),
    ("Ruth", "Let's talk about reporting problems. When something goes wrong, what do you do?",
     "", "", 0.0),
    ("Lucy", "I tried the app once, the council one, and it logged me out every time I opened "
     "it, so I deleted it. I just ring now.", "support", "frustration", -0.26),
    ("Abdi", "For me, no email even. Because I ring, so nothing in writing. Next time I ring "
     "they don't know I called before.", "support", "frustration", -0.24),
    ("Lucy", "Oh that's annoying, having to explain it all again.", "support", "frustration",
     -0.38),
    ("Abdi", "Every time from the beginning. Name, address, which bin, what day. Like a new "
     "story.", "support", "neutral", -0.03),
    ("Ruth", "And the warning letter, Abdi, did anyone follow that up with you?", "", "", 0.0),
    ("Abdi", "No. Nobody. Only the letter. My brother rang and the woman said, ignore it if you "
     "fixed it.", "support", "neutral", -0.3),
    ("Gwen", "I'd be fuming.", "support", "anger", -0.29),
]  # fmt: skip
LABELS = {"Gwen": "Gwen Pritchard", "Abdi": "Abdi H", "Lucy": "Lucy (she/her)"}
PEOPLE = {"Gwen": "G01", "Abdi": "G02", "Lucy": "G03"}


def focus_table() -> pd.DataFrame:
    """The focus group as a coded table holds it (one row per turn)."""
    return pd.DataFrame(
        [
            {"segment_id": f"fg:{n}", "interview_id": "fg", "turn": n,
             "role": "interviewer" if who == "Ruth" else "participant",
             "speaker": LABELS.get(who, "Ruth Ellison (Ashworth Council)"),
             "participant_id": PEOPLE.get(who, ""), "persona_id": "sorter", "text": text,
             "stage": stage, "touchpoints": "", "emotion": emotion, "valence": valence,
             "stage_confidence": 0.8, "coder": "auto:semantic@16", "line": n}
            for n, (who, text, stage, emotion, valence) in enumerate(FOCUS, start=1)
        ]
    )  # fmt: skip


def turn_of(table: pd.DataFrame, opening: str) -> pd.Series:
    [found] = table.index[table["text"].str.startswith(opening)]
    return table.loc[found]


def test_a_turn_after_another_participants_replies_to_it_unless_it_answers_a_round():
    table = focus_table()
    found = table.join(replies(table))

    def said(opening: str) -> tuple[str, bool]:
        turn = turn_of(found, opening)
        return turn["replying_to"], bool(turn["reaction"])

    # A round ("each of you", "How have they been going lately?"): every first answer answers
    # the moderator, "Same as Gwen really" too.
    for answer in ["For me, my brother", "Same as Gwen", "I'm the opposite", "For us, the black",
                   "For me, no email"]:  # fmt: skip
        assert said(answer) == ("", False), answer
    # A question put to Abdi (by name, or following up his story): the others reply to him.
    assert said("Oh that's so true") == ("G02", False)  # her own: "I don't know…"
    assert said("They changed that") == ("G01", False)
    assert said("That's awful") == ("G02", True)
    assert said("I'd be fuming") == ("G02", True)  # "did anyone follow that up with you?"
    # Abdi answers Gwen's question: his own story goes on, no reaction
    assert said("I asked. On the phone.") == ("G01", False)
    # Lucy had answered the round: after Abdi's answer she reacts to it; he goes on
    assert said("Oh that's annoying") == ("G02", True)
    assert said("Every time from the beginning") == ("G03", False)
    gwen = turn_of(found, "That's awful")
    assert gwen["reply"] == turn_of(table, "Yes, a warning letter")["text"]


def test_the_reply_replaces_the_moderators_question_the_speaker_never_answered():
    table = focus_table()
    asked = prompts(table)
    gwen = turn_of(table, "That's awful").name
    # Before: "Asked: A letter from the council?", the question put to Abdi.
    assert asked_before(table)[gwen] == "A letter from the council?"
    assert asked.loc[gwen, "question"].startswith("Yes, a warning letter")
    assert asked.loc[gwen, "replying_to"] == "G02"
    shown = questions_shown(table)
    assert shown[gwen] == (
        "Replying to G02: …My mother was very scared, she thought it is the police. She kept "
        "the letter on the table for a month."
    )
    # An answer to the moderator keeps its question; one understood alone prints nothing.
    abdi = turn_of(table, "Yes, a warning letter").name
    assert asked.loc[abdi, "replying_to"] == "" and shown[abdi] == "A letter from the council?"
    assert shown[turn_of(table, "For us, the black bin").name] == ""


@pytest.mark.parametrize(
    "text",
    [
        "That's awful. Can you not get a bigger bin for a big family?",
        "Oh that's annoying, having to explain it all again.",
        "That's really not okay.",
        "I'd be fuming.",
        "Same here",
        "Oh I know, ours too",
        "Me too, honestly. [laughs]",
        "I know what you mean, I can't believe it.",
    ],
)
def test_a_reaction_that_tells_nothing_of_its_own_is_bare(text):
    assert is_bare_reaction(text)


@pytest.mark.parametrize(
    "text",
    [
        "Same here, ours came two weeks late",
        "Oh that's so true. Even I don't know about the black trays.",
        "Oh I just google bin day and my postcode.",
        "Does it? Oh God, I think I paid one of those. Four ninety-nine for reminders.",
        "My mother's neighbour, Margaret, she told me the same thing, she almost paid.",
        "Oh no, I didn't know the tip needed booking now.",
        # long: more than a reaction, first person or not
        "That's awful, and the council should really put pictures on every bin, in every "
        "language, for every family.",
    ],
)
def test_a_reaction_that_adds_its_own_experience_is_not_bare(text):
    assert not is_bare_reaction(text)


def test_a_bare_reaction_makes_no_one_a_participant_raising_the_pain(tmp_path):
    journey = build_journey(focus_table(), study_codebook(), "sorter")
    pains = journey.pain_points.set_index(["stage", "touchpoint"])
    # Gwen's "That's awful." was an Onboarding pain point of hers: 2 participants, at -0.37.
    onboarding = pains.loc[("onboarding", "")]
    assert onboarding["participants"] == 1 and "fg:15" not in onboarding["evidence"]
    assert set(onboarding["evidence"]) == {"fg:12", "fg:14"}
    support = pains.loc[("support", "")]
    assert "fg:20" not in support["evidence"]  # Lucy's "Oh that's annoying…"
    # still in the stage's emotion curve: her feeling is the group's
    assert journey.emotion_curve.loc["onboarding", "n"] == 4


def study_codebook():
    return load_study(example_study_dir()).codebook


def test_a_redacted_group_interview_replies_alike_under_pseudonyms(tmp_path):
    """Loaded from a study folder, coded and redacted as a report is: the reply names the
    participant by pseudonym, and the moderator's naming of Abdi (hidden) still counts."""
    (tmp_path / "group.txt").write_text(
        "\n\n".join(f"{LABELS.get(w, 'Ruth Ellison')}: {t}" for w, t, *_ in FOCUS) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "participants.csv").write_text(
        "participant_id,persona_id,pseudonym,name,file,interviewers,speaker\n"
        "G01,sorter,Sorter 04,Gwen Pritchard,group.txt,Ruth Ellison,Gwen Pritchard\n"
        "G02,sorter,Sorter 05,Abdi Hassan,group.txt,Ruth Ellison,Abdi H\n"
        "G03,sorter,Sorter 06,Lucy Chen,group.txt,Ruth Ellison,Lucy\n",
        encoding="utf-8",
    )
    study = load_study(tmp_path)
    coded = code_transcripts(study.transcripts, get_coder("rules", study.codebook))
    codes = {text: (stage, emotion, valence) for _, text, stage, emotion, valence in FOCUS}
    for column, i in (("stage", 0), ("emotion", 1), ("valence", 2)):
        coded[column] = [
            codes[t][i] if r == "participant" else v
            for t, r, v in zip(coded["text"], coded["role"], coded[column], strict=True)
        ]
    key = privacy.study_key(study)
    redacted = privacy.redact_segments(coded, key)
    assert "Sorter 05, you mentioned" in " ".join(redacted["text"])
    journey = build_journey(redacted, study.codebook, "sorter", participant_labels=key.labels)
    # her bare reaction is quoted only after the stage's own experiences: read as it would print
    said = journey.segments[journey.segments["text"].str.startswith("That's awful")]
    gwen = quote_of(said.iloc[0], key.labels)
    assert quote_question(gwen) == (
        "Replying to Sorter 05: …My mother was very scared, she thought it is the police. She "
        "kept the letter on the table for a month."
    )
    onboarding = journey.pain_points.set_index(["stage", "touchpoint"]).loc[("onboarding", "")]
    assert onboarding["participants"] == 1
    plain = build_journey(coded, study.codebook, "sorter")
    assert (plain.segments["replying_to"] != "").sum() == (
        journey.segments["replying_to"] != ""
    ).sum()


def test_a_one_to_one_interview_replies_to_no_one():
    """The example study (no group interview): every answer keeps the interviewer's question."""
    study = load_study(example_study_dir())
    rows = [
        {"interview_id": t.interview_id, "turn": turn.index, "role": turn.role,
         "speaker": turn.speaker, "participant_id": t.participant_of(turn), "text": turn.text}
        for t in study.transcripts
        for turn in t.turns
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    asked = prompts(table)
    assert not (asked["replying_to"] != "").any() and not asked["reaction"].any()
    assert asked["question"].equals(asked_before(table))
