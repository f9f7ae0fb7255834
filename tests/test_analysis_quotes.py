"""Quotes that need their question: which answers do, which question is theirs, how it is cut."""

import pandas as pd
import pytest

from cjm_research.analysis import (
    Quote,
    asked_before,
    build_journey,
    excerpts,
    from_what_it_says,
    is_nudge,
    needs_question,
    pick_quotes,
    questions_shown,
    quote_of,
    quote_words,
    repeats,
    replies_to_nudge,
    saying_the_pain,
    shorten,
)
from cjm_research.coding.context import question_of
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study
from test_analysis import BOOK, row


@pytest.mark.parametrize(
    "answer",
    [
        "No. Probably not.",  # short
        "Twelve working days. So, nearly three weeks with £549 just missing.",  # a number
        "Yeah, a few friends who've bought places recently, and they all said the same thing.",
        "Well. [laughs] Not eight weeks. More like twelve, and nobody told me why it slipped.",
        "Um, it was a while ago. A friend had the Alder sofa and I sat on it at hers.",
        "The school gates. Another dad was going on about these bunk beds he'd got.",  # fragment
        "Back on the chat. They said it had been applied automatically and they'd refund it.",
        "Google, I think. Yeah. I was searching for a cheap tall bookshelf, and they came up.",
        "£649 in the end, and the mattresses were extra, which nobody had mentioned to me.",
    ],
)
def test_an_answer_that_replies_to_its_question_needs_it(answer):
    assert needs_question(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "I rang the number, and the person on the phone said Tuesday, but the tracking said "
        "Thursday.",
        "The driver looked at it and said, yeah, that's damaged, and I could refuse it.",
        "Honestly, I'd seen the ads for years and sort of dismissed them as generic.",
        "We ordered in the store, at the till, paid on card, and they set up the delivery.",
        "Someone in the Makers group posted that it was back and I was like... what?",
    ],
)
def test_an_answer_that_says_what_it_is_about_stands_alone(answer):
    assert not needs_question(answer)


def test_a_long_interviewer_turn_is_cut_to_what_it_asks_in_whole_words():
    assert shorten("How long did the refund take?") == "How long did the refund take?"
    opening = (
        "Thanks for making time today, Dana, I know evenings are busy and the kids are about. "
        "To start, could you tell me a bit about your home?"
    )
    assert shorten(opening) == "…To start, could you tell me a bit about your home?"
    rambling = " ".join(["and what about the delivery slot"] * 8) + "?"
    cut = shorten(rambling)
    assert cut.endswith("…") and len(cut.split()) == 25
    assert rambling.startswith(cut[:-1]) and rambling[len(cut) - 1] == " "  # a whole word
    # The sentences before the question are kept while they fit: they say what "that" is.
    context = "You said the box was crushed when it came. What did you do about that?"
    assert shorten(context) == context
    # A nudge before the question says nothing of it (a car-club study printed "Asked: Your
    # English is great. Is there anything else you'd like to add?").
    for turn, asked in [
        ("Your English is great. Is there anything else you'd like to add?",
         "Is there anything else you'd like to add?"),
        ("I do. Can you walk me through signing up?", "Can you walk me through signing up?"),
        ("That's fine. So when did you join in the end?", "So when did you join in the end?"),
        ("Right. Okay. Tell me about the first trip.", "Tell me about the first trip."),
        ("Okay, great. How long did it take?", "How long did it take?"),
        ("We'll come to that. Can you walk me through signing up?",
         "Can you walk me through signing up?"),
    ]:  # fmt: skip
        assert shorten(turn) == asked
    # A short lead-in that names what is asked about stays: without it "it" is nothing.
    for turn in [
        "You mentioned the refund. How long did it take?",
        "About the app — how long did it take?",
        "Going back to the fine. Who paid it?",
        "You said the van. Was it late?",
    ]:
        assert shorten(turn) == turn
    assert not is_nudge("You mentioned the refund.") and is_nudge("Okay, great.")


def table(rows: list[tuple[str, int, str, str, str]]) -> pd.DataFrame:
    """Rows (interview, turn, role, speaker, text) as a coded table holds them."""
    return pd.DataFrame(
        [
            {"segment_id": f"{i}:{t}", "interview_id": i, "turn": t, "role": r, "speaker": s,
             "participant_id": "" if r == "interviewer" else s, "text": x}
            for i, t, r, s, x in rows
        ]
    )  # fmt: skip


def test_an_answer_is_asked_the_interviewer_turn_before_it_in_its_own_interview():
    rows = table(
        [
            ("a", 1, "participant", "Dana", "I'll just start, shall I?"),  # nothing asked yet
            ("a", 2, "interviewer", "Maya", "How long did the refund take?"),
            ("a", 3, "participant", "Dana", "Twelve working days."),
            ("a", 4, "participant", "Dana", "And nobody said sorry."),  # her answer goes on
            ("b", 1, "participant", "Luis", "Hello!"),  # another interview: asked nothing
            ("b", 2, "interviewer", "Maya", "What did you see first?"),
            ("b", 2, "interviewer", "Maya", "An ad, a friend?"),  # one turn, two sentences
            ("b", 3, "participant", "Luis", "An ad."),
            ("b", 3, "participant", "Luis", "On the bus."),  # the same turn's next sentence
            ("b", 4, "participant", "Ana", "A friend, for me."),  # a group's round: the same one
        ]
    )
    shuffled = rows.sample(frac=1, random_state=3)  # the table's order is not relied on
    asked = asked_before(shuffled).reindex(rows.index)
    both = "What did you see first? An ad, a friend?"
    assert list(asked) == [
        "", "", "How long did the refund take?", "", "", "", "", both, both, both,
    ]  # fmt: skip


def test_the_question_is_the_one_the_coder_reads_in_every_example_interview():
    """``asked_before`` on the table is ``coding.context.question_of`` on the transcripts, but
    for a nudge ("Right."), which passes on the question asked before it unless the answer
    takes up the nudge's remark (``replies_to_nudge``: then the nudge, as the coder reads it)."""
    study = load_study(example_study_dir())
    rows, expected = [], []
    for transcript in study.transcripts:
        turns = transcript.turns
        asking = ""
        for i, turn in enumerate(turns):
            rows.append((transcript.interview_id, turn.index, turn.role, turn.speaker, turn.text))
            if turn.role == "interviewer" and not is_nudge(turn.text):
                asking = turn.text.strip()
            asked = question_of(turns, i)
            text = "" if asked is None else turns[asked].text.strip()
            passed_on = text and is_nudge(text) and not replies_to_nudge(text, turn.text)
            expected.append(asking if passed_on else text)
    asked = list(asked_before(table(rows)))
    assert asked == expected and sum(map(bool, asked)) > 150


def test_a_nudge_is_not_the_question_the_one_asked_before_it_is():
    # An Otter transcript of a car-club study: the interviewer's "Right." or "That sounds
    # stressful." between two parts of an answer was printed as "Asked: Right.".
    rows = table(
        [
            ("h", 1, "interviewer", "Priya", "Right."),  # nothing asked before it
            ("h", 2, "participant", "Hannah", "Hello."),
            ("h", 3, "interviewer", "Priya", "How did you first hear about the club?"),
            ("h", 4, "participant", "Hannah", "I just saw the cars in a bay on my road."),
            ("h", 5, "interviewer", "Priya", "Right."),
            ("h", 6, "participant", "Hannah", "And then my neighbour mentioned it."),
            ("h", 7, "interviewer", "Priya", "Mm-hm."),
            ("h", 8, "participant", "Hannah", "He uses it for the garden centre."),
            ("h", 9, "interviewer", "Priya", "Tell me about signing up"),  # asks, without a "?"
            ("h", 10, "participant", "Hannah", "Four days."),
            ("h", 11, "interviewer", "Priya", "That sounds stressful."),
            ("h", 12, "participant", "Hannah", "And then the card was declined."),
            ("h", 13, "interviewer", "Priya", "Really?"),  # a question, however short
            ("h", 14, "participant", "Hannah", "Yes."),
        ]
    )
    heard = "How did you first hear about the club?"
    signing = "Tell me about signing up"
    assert list(asked_before(rows)) == [
        "", "", "", heard, "", heard, "", heard, "", signing, "", signing, "", "Really?",
    ]  # fmt: skip
    assert list(questions_shown(rows))[11] == signing


def test_an_answer_taking_up_the_nudges_remark_is_asked_the_remark():
    # A council recycling study: "It is, because you try to do the right thing." was printed
    # under "Asked: What did the sticker say was wrong?", and "No. In Poland also bureaucracy"
    # under "Did you get a reference?", which its speaker had answered "Yes" to.
    sticker = "What did the sticker say was wrong?"
    reference = "Did you get a reference or anything?"
    rows = table(
        [
            ("m", 1, "interviewer", "Hannah", sticker),
            ("m", 2, "participant", "Margaret", "It had a tick box, plastic bags."),
            ("m", 3, "interviewer", "Hannah", "That sounds frustrating."),
            ("m", 4, "participant", "Margaret", "It is, because you try to do the right thing."),
            ("t", 1, "interviewer", "Hannah", reference),
            ("t", 2, "participant", "Tomasz", "Yes, automatic, a number. But it was closed."),
            ("t", 3, "interviewer", "Hannah", "Hmm, that's not great."),
            ("t", 4, "participant", "Tomasz", "No. In Poland also bureaucracy, don't worry."),
            ("t", 5, "interviewer", "Hannah", "Right."),  # only acknowledges: nothing to agree
            ("t", 6, "participant", "Tomasz", "Yes, and the caretaker says the same."),
            ("t", 7, "interviewer", "Hannah", "Twenty minutes, right."),
            ("t", 8, "participant", "Tomasz", "And it asks for my postcode again."),  # goes on
        ]
    )
    assert list(asked_before(rows)) == [
        "", sticker, "", "That sounds frustrating.",
        "", reference, "", "Hmm, that's not great.", "", reference, "", reference,
    ]  # fmt: skip
    # the remark is what is asked for each way of taking it up; an aside does not hide it
    took_up = ["It was horrible.", "Yes it was.", "Very.", "Exactly, every week.", "Totally."]
    for answer in [*took_up, "Um, it's the same every time.", "[laughs] Yeah. Democracy."]:
        assert replies_to_nudge("That sounds really stressful.", answer), answer
    for nudge, answer in [
        ("Mm-hm.", "Yes, and then they rang."),  # no remark
        ("[laughs] Fair enough.", "No, but the man on the lorry knows."),
        ("That sounds frustrating.", "And then the letter came."),  # goes on with its answer
        ("What happened then?", "It was closed."),  # a question, not a nudge
        ("You mentioned the app.", "Yes, the app."),  # names its topic: no nudge
    ]:
        assert not replies_to_nudge(nudge, answer), (nudge, answer)
    shown = list(questions_shown(rows))
    assert shown[3] == "That sounds frustrating." and shown[7] == "Hmm, that's not great."


def test_a_quote_shows_the_question_only_when_its_answer_needs_it():
    rows = table(
        [
            ("a", 1, "interviewer", "Maya", "How long did the refund take?"),
            ("a", 2, "participant", "Dana", "Twelve working days. So, nearly three weeks."),
            ("a", 3, "interviewer", "Maya", "What happened next?"),
            ("a", 4, "participant", "Dana", "I rang the bank and they put the charge on hold."),
        ]
    ).assign(
        stage="help", valence=-0.5, emotion="mad", persona_id="p", touchpoints="", line=1,
        stage_confidence=0.9, coder="auto:rules@1",
    )  # fmt: skip
    journey = build_journey(rows, BOOK, "p")
    quotes = {q.segment_id: q for q in pick_quotes(journey.segments, 2)}
    assert quotes["a:2"].shown_question == "How long did the refund take?"
    assert quotes["a:4"].question == "What happened next?" and quotes["a:4"].shown_question == ""
    assert list(questions_shown(rows)) == ["", "How long did the refund take?", "", ""]
    # The first turn of an interview: nothing to print, however short the answer.
    alone = quote_of(pd.Series({**row("x:1", "P1", "help", "", -0.4, "No."), "question": ""}))
    assert isinstance(alone, Quote) and alone.shown_question == ""


def test_a_bare_reaction_in_a_group_stands_for_a_stage_only_after_every_own_experience():
    # A focus group: Gwen's "That's awful. …" to Abdi's story was Onboarding's first quote.
    gwen = "That's awful. Can you not get a bigger bin for a big family?"
    rows = pd.DataFrame(
        [
            {**row("g", "P1", "onboarding", "", -0.8, gwen), "reaction": True},
            {**row("a", "P2", "onboarding", "", -0.3), "reaction": False},
        ]
    )
    assert [q.segment_id for q in pick_quotes(rows, 2)] == ["a", "g"]
    assert [q.segment_id for q in pick_quotes(rows.drop(columns="reaction"), 2)] == ["g", "a"]


def test_a_short_answer_printed_with_its_question_comes_before_one_without_but_after_long_ones():
    rows = pd.DataFrame(
        [
            {**row("a", "P1", "help", "", -0.9, "No. Not at all."), "question": ""},
            {**row("b", "P2", "help", "", -0.3, "Well. Not eight weeks."), "question": "How long?"},
            {**row("c", "P3", "help", "", -0.1), "question": ""},  # long: ten words
        ]
    )
    # Before: by strength alone among the short ones, "No. Not at all." (-0.9) came first.
    assert [q.segment_id for q in pick_quotes(rows, 3)] == ["c", "b", "a"]
    # "No." says nothing of its own, question or not: only by strength among the short ones.
    bare = rows.assign(text=["No.", "Yes.", rows.loc[2, "text"]])
    assert [q.segment_id for q in pick_quotes(bare, 3)] == ["c", "a", "b"]


SAID = "I was on hold for forty minutes and then the call just dropped."


@pytest.mark.parametrize(
    ("other", "repeated"),
    [
        ("i was on hold for FORTY minutes, and then the call just   dropped!", True),  # same
        ("Um, I was on hold for forty minutes [laughs] and then the call just dropped.", True),
        ("I was on hold for forty minutes and then the line just dropped.", True),  # one word
        ("On hold for forty minutes.", True),  # within the other
        ("I was on the phone for an hour and then they said the call was recorded.", False),
        ("The call centre was friendly and I did not wait for long at all.", False),
        ("No.", False),  # a word of it, no repetition
    ],
)
def test_a_quote_repeats_another_with_the_same_or_nearly_the_same_words(other, repeated):
    assert repeats(quote_words(other), [quote_words(SAID)]) is repeated
    assert repeats(quote_words(SAID), [quote_words(other)]) is repeated  # either way round


def test_short_quotes_repeat_only_when_their_words_are_the_same():
    assert repeats(quote_words("No."), [quote_words("no")])
    assert not repeats(quote_words("Of the sock."), [quote_words("Out of the blue, really.")])
    assert not repeats(quote_words(SAID), [])


def test_a_stage_quotes_what_two_participants_said_alike_once():
    rows = pd.DataFrame(
        [
            row("a", "P1", "help", "", -0.9, SAID),
            row("b", "P2", "help", "", -0.8, "I was on hold for FORTY minutes, and then the call "
                "just dropped!"),  # the same words, another participant
            row("c", "P3", "help", "", -0.7, "I was on hold for forty minutes and then the line "
                "just dropped."),  # nearly the same
            row("d", "P4", "help", "", -0.4, "The chatbot kept sending me back to the FAQ page."),
            row("e", "P5", "help", "", -0.3, "Nobody called me back although they promised twice."),
        ]
    )  # fmt: skip
    quotes = pick_quotes(rows, 3)
    assert [q.segment_id for q in quotes] == ["a", "d", "e"]  # the next best, not padding
    # fewer quotes rather than the same words twice, even when nothing else is left
    assert [q.segment_id for q in pick_quotes(rows.iloc[:3], 3)] == ["a"]
    # and so in every stage section built from the journey
    journey = build_journey(rows.assign(question=""), BOOK, "p")
    assert [q.text for q in journey.quotes["help"]] == [SAID, rows.loc[3, "text"], rows.loc[4,
        "text"]]  # fmt: skip


def test_an_excerpt_starts_where_the_turn_says_something_in_whole_sentences():
    turn = "Um... I mean. I'd taken a day's holiday for that. Put it that way."
    assert excerpts(turn) == [
        "…I'd taken a day's holiday for that. Put it that way.",
        "…I'd taken a day's holiday for that.\u00a0…",
    ]
    assert from_what_it_says(turn) == "…I'd taken a day's holiday for that. Put it that way."
    mild = "No, actually. They came correct. But I was worried all week."
    assert excerpts(mild)[0] == "…They came correct. But I was worried all week."
    # "Because of the stairs." says why; "A bit, yeah." only replies
    assert from_what_it_says("A bit, yeah. Because of the stairs.") == "…Because of the stairs."
    # nothing to leave out: the shorter ones only, each at least EXCERPT_WORDS words
    said = "Nothing happened. Still same bin for weeks. I gave up, to be honest."
    assert excerpts(said) == ["Nothing happened. Still same bin for weeks.\u00a0…"]
    assert from_what_it_says(said) == said


def test_a_pain_point_is_quoted_from_its_clearly_negative_turns_when_it_has_any():
    valence = {"a": -0.23, "b": -0.6, "c": -0.35, "d": -0.1}
    # the semantic coder's pain threshold, -0.15: clearly negative at -0.3 or below
    assert saying_the_pain(["a", "b", "c", "d"], valence, -0.15) == ["b", "c"]
    assert saying_the_pain(["a", "d"], valence, -0.15) == ["a", "d"]  # none clear: all
