"""Customer actions: the phrases a participant's words give, and the ones each stage shows."""

import pandas as pd

from cjm_research.analysis import actions_in, stage_actions
from cjm_research.codebook import load_codebook


def test_actions_are_what_customers_say_they_did_in_their_words():
    text = (
        "I rang them twice and nobody picked up. Then I just chased the courier on the chat, "
        "but I didn't complain. I thought it was fine. We compared prices on two sites because "
        "I wanted the cheapest, and I finally cancelled."
    )
    # Four words at most, no dangling "on the"; not what they thought, wanted or did not do, and
    # not a verb with nothing it acts on ("I finally cancelled").
    assert actions_in(text) == [
        ("rang them twice", "rang"),
        ("chased the courier", "chased"),
        ("compared prices on two sites", "compared"),
    ]
    assert actions_in("I rang the sales line from the car.") == [("rang the sales line", "rang")]
    # Cut at four words in the middle of a phrase, the phrase ends a word earlier.
    assert actions_in("I got an email the next day.") == [("got an email", "got")]
    assert actions_in("I got the bookshelf with fifteen percent off.") == [
        ("got the bookshelf", "got")
    ]
    assert actions_in("I got charged the joining fee twice.") == [
        ("got charged the joining fee", "got")
    ]
    # Phrases read in a stakeholder audit, cut mid-phrase or not actions at all.
    for text, phrase in [
        ("I sent the plumber's invoice by post.", "sent the plumber's invoice"),
        ("I waited on hold for twenty-five minutes.", "waited on hold"),
        ("I made a TikTok about getting dengue.", "made a TikTok"),
        ("I went to bed thinking about it.", "went to bed"),
        ("I cancelled the booking online.", "cancelled the booking online"),
        ("I got really ill there.", None),
        ("I started actually, then stopped.", None),  # a verb and a filler act on nothing
        ("I sat down one evening and compared.", "sat down one evening"),
        ("I went on one of the comparison sites.", None),  # "went on one" says nothing
        ("I got straight through.", "got straight through"),
        ("I contacted you many times.", None),
        # hedged between two guesses, a condition, or what a screen says (a later audit)
        ("Might have been her. Or I saw an ad. One of the two.", None),
        ("Then it says I worked fourteen hours on one task.", None),
        ("If I cancelled the plan they would charge me.", None),
        ("Maybe I rang them twice.", None),
        # a new clause without a comma: its subject and verb end the phrase (demo report)
        ("Every time I went back it emptied the delivery details.", "went back"),
        ("I sent it back the same day.", "sent it back"),
        ("I called them they said no.", "called them"),
        # a car-club study's map: a phrase cut inside its noun ("put it in a carrier")
        ("I put it in a carrier bag and left it.", "put it in a carrier bag"),
        ("I walked up to the main road, got a bar.", "walked up to the main road"),
        ("I saw it on the council website when I was looking.", "saw it on the council website"),
        ("I gave it to the driver and left.", "gave it to the driver"),
        ("I booked it till ten. There was a crash.", "booked it till ten"),
        # a car-sharing study's phrases: a time's "before", a set phrase, a clause's subject
        ("I got an email the day before saying it ends.", "got an email the day before"),
        ("I got a text the night before, fine.", "got a text the night before"),
        ("I went for the pay as you go one, there's a fee.", "went for the pay as you go one"),
        ("When I finally got through the lady was nice.", "got through"),
        ("By the time I got down the van was pulling off.", "got down"),
        ("I got a message saying I'd fly-tipped.", "got a message"),
        ("I got back at quarter past ten.", "got back"),
        ("I spoke to a woman called... Ruth?", "spoke to a woman"),
        ("I got the narrower one in the end.", "got the narrower one"),
        ("I found out about them from a friend.", "found out about them"),
        # what they reckoned, learnt or named, not did
        ("We worked out if we use it three times it pays.", None),
        ("I only found out because I rang.", None),
        ("Afterwards I found there's a list in the help.", None),
        ("It's exactly what I saw in the store.", None),
        ("I won't name them.", None),
    ]:
        assert actions_in(text) == ([(phrase, phrase.split()[0])] if phrase else [])


def test_stage_actions_rank_verbs_many_participants_share():
    codebook = load_codebook()
    coded = pd.DataFrame(
        [
            ("support", "s1", "P1", "I rang the helpline. I waited ages."),
            ("support", "s2", "P2", "So I rang them again."),
            ("support", "s3", "P3", "I emailed the shop and I rang."),
            ("support", "s4", "P3", "I posted a review."),
        ],
        columns=["stage", "segment_id", "participant_id", "text"],
    )
    actions = stage_actions(coded, codebook)
    assert actions["phrase"].tolist()[0] in {"rang the helpline", "rang them again"}
    assert set(actions["phrase"]) >= {"emailed the shop", "posted a review"}
    assert (actions["stage"] == "support").all() and set(actions["segment_id"]) <= {
        "s1",
        "s2",
        "s3",
        "s4",
    }
    said = dict(zip(actions["phrase"], actions["segment_id"], strict=True))
    assert said["emailed the shop"] == "s3"  # where it was said, for its quote


def test_stage_actions_speak_for_several_participants_before_one_twice():
    codebook = load_codebook()
    coded = pd.DataFrame(
        [
            ("support", "s1", "P1", "I emailed the shop. I called the bank. I booked a van."),
            ("support", "s2", "P1", "I posted a review."),
            ("support", "s3", "P2", "I waited on hold."),
            ("support", "s4", "P3", "I visited the store."),
        ],
        columns=["stage", "segment_id", "participant_id", "text"],
    )
    actions = stage_actions(coded, codebook)
    # Every verb was said by one person: the three phrases come from three people, not P1's four.
    assert sorted(actions["participant_id"]) == ["P1", "P2", "P3"]
    assert set(actions["phrase"]) >= {"waited on hold", "visited the store"}
