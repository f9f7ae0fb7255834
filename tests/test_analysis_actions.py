"""Customer actions: the phrases a participant's words give, and the ones each stage shows."""

import pandas as pd
import pytest

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
        # a question, not a report (a recycling study's map: "put glass in the recycling")
        ("Glass. Can I put glass in the recycling? One says yes.", None),
        ("Did I put the bags out? No.", None),
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


def phrases(text: str) -> list[str]:
    """The action phrases ``actions_in`` reads in ``text``."""
    return [phrase for phrase, _ in actions_in(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the object came before "I": a relative clause or a fronted object, no action of its own
        ("[laughs] That was over a year ago and the lamp I got last month came in just as much "
         "plastic.", []),
        ("And there was a telephone number for digital help, which I rang once.", []),
        ("Two hundred sixty pounds for a flat we saw for fifteen minutes.", []),
        ("Every DIY video I watched had a HandyHive ad before it.", []),
        ("The others I turned off, I get enough email from the trust.", []),
        ("I wrote a review on the comparison site, the same site I found them on.",
         ["wrote a review"]),
        # a fronted time, place or clause is no such thing: what follows "I" is a report
        ("At the baptism I sat next to his mother for three hours.", ["sat next to his mother"]),
        ("Day six I went into the app help section.", ["went into the app help"]),
        ("Before Colin's stroke I only went for sun cream and plasters.", ["went for sun cream"]),
        ("So when they did a second batch I missed the email completely.",
         ["missed the email completely"]),
        ("So one lunch break at work I downloaded the app and had a proper look.",
         ["downloaded the app"]),
    ],
)  # fmt: skip
def test_a_clause_about_a_thing_named_before_i_is_no_action(text: str, expected: list[str]):
    assert phrases(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I left a three-star on Google. I tried to be fair.", ["left a three-star on Google"]),
        ("I kept it factual, dates and amounts, no swearing.", []),
        ("Which — I found it a bit odd that their own engineer was telling me to go to the forum.",
         []),
        ("Then I started to worry.", []),
        ("I tried not to look.", []),
        ("I kept thinking, what if I press something and the whole thing disappears?", []),
        ("I trusted them more after that call.", []),
        ("I figured domestic fibre's pretty reliable these days.", []),
        # acting on a thing, not judging it
        ("A leaflet tied to the handle. I kept it on the fridge.", ["kept it on the fridge"]),
        ("I found it on the government website.", ["found it on the government website"]),
        ("I kept going back to the page.", ["kept going back"]),
    ],
)  # fmt: skip
def test_a_stance_is_no_action(text: str, expected: list[str]):
    assert phrases(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # what was said completes the phrase when it fits six words …
        ("I rang them to say it hadn't come.", ["rang them to say it hadn't come"]),
        ("Sky, BT, and Virgin themselves — I rang Virgin to see if they'd match.",
         ["rang Virgin to see if they'd match"]),
        ("I told Ron to ask for Dr Shah.", ["told Ron to ask for Dr Shah"]),
        # … else the phrase stops before it, and a bare verb is no phrase
        ("I actually rang them to say, you've put too much in.", ["rang them"]),
        ("I called Meadowleaf to ask, should I send it back?", ["called Meadowleaf"]),
        ("I rang my bank to see if I could do a chargeback.", ["rang my bank"]),
        ("I rang to check the new date was firm and they said yes, definitely.", []),
        ("I emailed on day three asking where it was, and got an auto-reply.",
         ["emailed on day three"]),
        # nothing more was said
        ("I told her what to say.", ["told her what to say"]),
    ],
)  # fmt: skip
def test_a_phrase_says_what_was_said_or_stops_before_saying(text: str, expected: list[str]):
    assert phrases(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I came from Poland seven years ago, from Łódź.", ["came from Poland seven years ago"]),
        ("I gave two out of ten and I wrote about the bag.", ["gave two out of ten"]),
        ("I paid two hundred and ten pounds for the glasses.", ["paid two hundred and ten pounds"]),
        ("I put a complaint in — there's a form in the app — and they gave me thirty quid credit.",
         ["put a complaint in"]),
        ("Crashed twice when I tried to check in.", ["tried to check in"]),
        ("I got a text saying there'd been a payment attempt of nine hundred pounds.",
         ["got a text"]),
        ("I registered him also, online.", ["registered him"]),
    ],
)  # fmt: skip
def test_phrases_end_where_their_words_do(text: str, expected: list[str]):
    # a number with its "ago", "out of ten" or "and ten"; a particle that ends the clause; no
    # "there'd" or "also" left hanging
    assert phrases(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a council study's map said "put bags" and "put extra": a "put" says where
        ("So we put bags next to the bin and the crew does not take the bags.",
         ["put bags next to the bin"]),
        ("I put extra recycling in a cardboard box next to the blue bin once and they took it.",
         ["put extra recycling in a cardboard box"]),
        ("We put our name on the waiting list.", ["put our name on the waiting list"]),
        ("I put the dates in Skyscanner to compare.", ["put the dates in Skyscanner"]),
        ("I put it in Apple Wallet same evening.", ["put it in Apple Wallet"]),
        ("I put retirement at sixty it shows very small number.", ["put retirement"]),
        ("I put the card.", ["put the card"]),
        ("I put a review on one of the review sites, a long one.", ["put a review"]),
        # a preposition's "-ing" that ends its clause is what was (not) done
        ("We went one time without booking and they sent us away.",
         ["went one time without booking"]),
        ("I renewed without thinking.", ["renewed without thinking"]),
        ("I renewed it in April without thinking.", ["renewed it in April"]),
        ("I went to Romania without telling them.", ["went to Romania"]),
        ("I made a video about getting a refund.", ["made a video"]),
        # what was read somewhere is a clause of its own, not the reading's object
        ("I read somewhere black plastic is okay now.", []),
        ("I saw their boards everywhere in Reading.", ["saw their boards everywhere"]),
    ],
)  # fmt: skip
def test_a_phrase_says_where_a_thing_was_put_and_keeps_what_was_not_done(
    text: str, expected: list[str]
):
    assert phrases(text) == expected
