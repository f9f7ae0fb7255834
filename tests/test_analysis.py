"""The journey model on a small hand-built table whose answers can be checked by hand."""

import math

import pandas as pd
import pytest

from cjm_research.analysis import (
    NEUTRAL_BANDS,
    actions_in,
    build_journey,
    curve_reading,
    emotion_curve,
    funnel,
    moment_text,
    moments,
    neutral_band,
    pick_quotes,
    priorities,
    share_text,
    signed,
    stage_actions,
    stage_pain_reach,
    top_counts,
    valence_reading,
    where,
)
from cjm_research.codebook import load_codebook
from cjm_research.model import Code, Codebook
from cjm_research.segments import split_codes

BOOK = Codebook(
    "t",
    "1",
    stages=(
        Code("buy", "Buy", keywords=("paid", "checkout")),
        Code("help", "Help", keywords=("on hold", "refund*")),
        Code("tell", "Tell", keywords=("recommend*",)),
    ),
    touchpoints=(Code("web", "Website", owner="web"), Code("phone", "Phone", owner="support")),
    emotions=(Code("joy", "Joy", valence=0.8), Code("mad", "Anger", valence=-0.8)),
)


def row(seg, person, stage, touch, valence, text="I paid at the checkout, it went fine really."):
    return {
        "segment_id": seg, "interview_id": f"i-{person}", "participant_id": person,
        "persona_id": "p", "speaker": person, "role": "participant", "text": text,
        "stage": stage, "touchpoints": touch, "emotion": "joy" if valence > 0 else "mad",
        "valence": valence, "stage_confidence": 0.5, "coder": "auto:rules@1", "line": 3,
        "time_start": math.nan,
    }  # fmt: skip


@pytest.fixture
def table():
    return pd.DataFrame(
        [
            row("a:1", "P1", "buy", "web", 0.6),
            row("b:1", "P2", "buy", "web", 0.4, "I paid, then the checkout broke."),
            row("a:2", "P1", "help", "phone", -0.8, "On hold for an hour, no refund yet."),
            row("b:2", "P2", "help", "phone", -0.6, "I was on hold forever waiting for a refund."),
            row("c:2", "P3", "help", "web", -0.3, "The refund form on the site was broken."),
            row("c:3", "P3", "tell", "", 0.9, "I would recommend them to anyone honestly."),
            {**row("x:1", "", "", "", 0.0, "Interviewer question?"), "role": "interviewer"},
        ]
    )


def test_split_codes_tolerates_blanks_nan_and_lists():
    assert split_codes("a;b;") == ["a", "b"]
    assert split_codes(math.nan) == [] and split_codes(None) == []
    assert split_codes(["a", ""]) == ["a"]


def test_coverage_counts_only_participant_segments(table):
    j = build_journey(table, BOOK, "p")
    assert j.n_segments == 6 and j.n_participants == 3 and j.n_interviews == 3
    assert j.coverage.loc["help"].tolist()[:3] == [3, 3, 3]
    assert j.low_evidence == ["buy", "tell"]


def test_emotion_curve_band_is_students_t_interval(table):
    curve = emotion_curve(table[table["role"] == "participant"], ["buy", "help", "tell"])
    help_ = curve.loc["help"]
    assert help_["n"] == 3
    assert help_["mean_valence"] == pytest.approx(-0.5667, abs=1e-4)
    half = 4.303 * pd.Series([-0.8, -0.6, -0.3]).std() / math.sqrt(3)  # Student t, 2 df
    assert help_["ci_high"] == pytest.approx(-0.5667 + half, abs=1e-4)
    assert help_["ci_low"] == -1  # -1.19, clipped to the scale
    assert math.isnan(curve.loc["tell", "ci_low"])  # one segment: no band


def test_the_interval_counts_people_not_segments():
    # The audit's case: three segments, two of them one person's, within 0.04 of each other: a
    # segment-level t (2 df) called it sure. Two people are too few for an interval at all (two
    # who happen to agree gave the narrowest interval of a report, the re-check found).
    valences = [-0.17, -0.14, -0.13]
    coded = pd.DataFrame(
        {"stage": ["use"] * 3, "valence": valences, "participant_id": ["a", "b", "b"]}
    )
    point = emotion_curve(coded, ["use"]).loc["use"]
    assert point["participants"] == 2 and point["most_from_one"] == 2
    assert math.isnan(point["ci_high"]) and math.isnan(point["ci_low"])
    # Three people, one with two segments: cluster-robust variance, t with 2 df.
    three = pd.DataFrame(
        {"stage": ["use"] * 4, "valence": [*valences, -0.4], "participant_id": list("abbc")}
    )
    point = emotion_curve(three, ["use"]).loc["use"]
    mean = (sum(valences) - 0.4) / 4
    summed = [valences[0] - mean, valences[1] + valences[2] - 2 * mean, -0.4 - mean]
    half = 4.303 * math.sqrt(sum(d * d for d in summed) * 3 / 2 / 16)
    assert point["participants"] == 3
    assert point["ci_high"] == pytest.approx(mean + half)
    # Three people whose means coincide (the audit's −0.07 to −0.06): the segments' own
    # spread is the floor.
    alike = pd.DataFrame(
        {
            "stage": ["use"] * 6,
            "valence": [-0.43, 0.29, -0.3, 0.16, 0.26, -0.4],
            "participant_id": list("aabbcc"),
        }
    )
    point = emotion_curve(alike, ["use"]).loc["use"]
    floor = 4.303 * alike["valence"].std() / math.sqrt(6)
    assert point["ci_high"] - point["mean_valence"] == pytest.approx(floor)
    # One segment per person is Student's t interval of the mean, as before.
    each = coded.assign(participant_id=["a", "b", "c"])
    sd = pd.Series(valences).std()
    expected = sum(valences) / 3 + 4.303 * sd / math.sqrt(3)
    assert emotion_curve(each, ["use"]).loc["use", "ci_high"] == pytest.approx(expected)


def test_the_low_point_is_not_two_peoples_few_turns():
    # "buy": three close segments from two people; "help": fourteen from seven, a little higher
    # (both negative on the rules coder's band, ±0.2).
    rows = [row("a:1", "P1", "buy", "web", -0.37)]
    rows += [row(f"b:{n}", "P2", "buy", "web", v) for n, v in ((1, -0.34), (2, -0.33))]
    valences = (-0.4, -0.25, -0.35, -0.3, -0.4, -0.25, -0.3) * 2
    people = [f"Q{n % 7}" for n in range(14)]
    pairs = enumerate(zip(people, valences, strict=True))
    rows += [row(f"h:{n}", p, "help", "phone", v) for n, (p, v) in pairs]
    journey = build_journey(pd.DataFrame(rows), BOOK, "p")
    curve = journey.emotion_curve
    assert curve.loc["buy", "mean_valence"] < curve.loc["help", "mean_valence"]
    assert curve.loc["buy", "participants"] == 2 and curve.loc["help", "participants"] == 7
    assert journey.lowest_stage == "help"


def test_emotion_curve_shows_the_highs_and_lows_a_mean_hides():
    valences = [-0.9, -0.8, 0.05, 0.0, 0.1, 0.02, 0.6, 0.04, 0.3]  # a mean near zero
    coded = pd.DataFrame({"stage": ["help"] * len(valences), "valence": valences})
    curve = emotion_curve(coded, ["help", "tell"], band=0.075)
    help_ = curve.loc["help"]
    assert abs(help_["mean_valence"]) < 0.1
    assert help_["negative_share"] == pytest.approx(2 / 9)
    assert help_["positive_share"] == pytest.approx(3 / 9)  # 0.1, 0.6, 0.3; not 0.05
    assert (help_["lowest"], help_["highest"]) == (-0.9, 0.6)
    assert math.isnan(curve.loc["tell", "negative_share"])
    assert emotion_curve(coded, ["help"], band=0.2).loc["help", "positive_share"] == 2 / 9


def test_the_neutral_band_is_the_coders():
    rules = pd.DataFrame({"coder": ["auto:rules@1", "auto:rules@1", "Dana"]})
    semantic = pd.DataFrame({"coder": ["auto:semantic+study@7", "Dana", "Dana"]})
    assert neutral_band(rules) == NEUTRAL_BANDS["rules"]
    assert neutral_band(semantic) == NEUTRAL_BANDS["semantic"] < NEUTRAL_BANDS["rules"]
    assert neutral_band(pd.DataFrame({"coder": ["Dana"]})) == NEUTRAL_BANDS["semantic"]
    assert [valence_reading(v, 0.075) for v in (-0.08, 0.07, 0.08)] == [
        "negative",
        "neutral",
        "positive",
    ]


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


def test_short_answers_are_not_pain_points(table):
    short = pd.concat(
        [table, pd.DataFrame([row("d:1", "P4", "tell", "web", -0.9, "No. Not really.")])]
    )
    pains = moments(short, negative=True)
    assert "tell" not in set(pains["stage"])


def test_pain_points_name_stage_touchpoint_and_reach(table):
    pains = moments(table, negative=True)
    assert list(zip(pains["stage"], pains["touchpoint"], pains["participants"], strict=True)) == [
        ("help", "phone", 2),
        ("help", "web", 1),
    ]


def test_priorities_score_share_times_negativity_with_owners(table):
    ranked = priorities(table, BOOK, n_participants=3)
    top = ranked.iloc[0]
    assert (top["stage"], top["touchpoint"], top["owner"]) == ("help", "phone", "support")
    assert top["score"] == pytest.approx(2 / 3 * 0.7, abs=1e-3)
    assert list(ranked["rank"]) == [1, 2]


def test_funnel_counts_participants_per_stage_in_order(table):
    f = funnel(table[table["role"] == "participant"], ["buy", "help", "tell"], 3)
    assert f["participants"].tolist() == [2, 3, 1]


def test_quotes_spread_across_participants_and_carry_provenance(table):
    rows = table[table["stage"] == "help"]
    quotes = pick_quotes(rows, 2, {"P1": "Participant 01"})
    assert len({q.participant for q in quotes}) == 2
    assert quotes[0].text.startswith("On hold") and quotes[0].participant == "Participant 01"
    assert quotes[0].provenance == "Participant 01 · i-P1 · line 3"


def test_top_counts_are_the_largest_non_zero_with_codebook_order_breaking_ties():
    table = pd.DataFrame(
        {"buy": [2, 5, 2, 0], "help": [0, 0, 0, 0]}, index=["web", "phone", "app", "store"]
    )
    assert top_counts(table, "buy", 3) == [("phone", 5), ("web", 2), ("app", 2)]
    assert top_counts(table, "buy", 1) == [("phone", 5)]
    assert top_counts(table, "help", 3) == []
    assert top_counts(table, "tell", 3) == [] and top_counts(pd.DataFrame(), "buy", 3) == []


def test_a_moment_reads_the_same_with_or_without_a_touchpoint():
    assert where("Support", "Delivery") == "Delivery during Support"
    assert where("Onboarding", "") == "Onboarding, no touchpoint named"
    assert moment_text("Support", "Delivery", -0.494, 3, segments=5) == (
        "Delivery during Support: 3 participants, 5 segments (mean valence \u22120.49)"
    )
    assert moment_text("Onboarding", "", 0.65, 1, segments=1) == (
        "Onboarding, no touchpoint named: 1 participant, 1 segment (mean valence +0.65)"
    )
    assert moment_text("Usage", "App", -0.3, 1, of=4) == (
        "App during Usage: 1 of 4 participants (mean valence \u22120.30)"
    )


def test_a_valence_that_rounds_to_zero_has_no_minus_sign():
    assert [signed(v) for v in (-0.001, 0.0, -0.37, 0.5)] == ["+0.00", "+0.00", "−0.37", "+0.50"]
    # an interval bound keeps the sign that says whether it crosses zero
    assert [signed(v, keep_sign=True) for v in (-0.004, 0.0, -0.37)] == ["−0.004", "+0.00", "−0.37"]


def test_one_complaint_naming_two_channels_is_one_pain_point_for_both_teams(table):
    both = pd.concat(
        [
            table,
            pd.DataFrame(
                [row("d:2", "P4", "help", "phone;web", -0.9, "I emailed, then rang, then waited.")]
            ),
        ]
    )
    pains = moments(both, negative=True)
    merged = pains[pains["touchpoint"] == "web;phone"]
    assert len(merged) == 0  # web also rests on c:2, so web and phone keep their own rows
    alone = moments(both[both["segment_id"] == "d:2"], negative=True)
    assert list(alone["touchpoint"]) == ["phone;web"] and list(alone["segments"]) == [1]
    ranked = priorities(both[both["segment_id"] == "d:2"], BOOK, n_participants=1)
    assert ranked.loc[0, "owner"] == "support, web"
    assert BOOK.label("touchpoints", "phone;web") == "Phone and Website"


def test_pain_points_rank_by_priority_as_what_to_fix_first_does(table):
    # One participant at -1.0 outranks two at -0.3: 1 x 1.0 > 2 x 0.3.
    sharp = pd.concat(
        [
            table[table["stage"] != "help"],
            pd.DataFrame(
                [
                    row("a:2", "P1", "help", "phone", -0.3, "On hold for an hour, no refund yet."),
                    row("b:2", "P2", "help", "phone", -0.3, "On hold forever for a refund here."),
                    row("c:2", "P3", "help", "web", -1.0, "The refund form on the site was dead."),
                ]
            ),
        ]
    )
    pains = moments(sharp, negative=True)
    assert list(pains["touchpoint"]) == ["web", "phone"]
    assert list(priorities(sharp, BOOK, 3, pains)["touchpoint"]) == ["web", "phone"]


def test_pain_points_and_delights_follow_the_coders_valence_scale(table):
    mild = table.assign(valence=table["valence"].where(table["valence"] >= 0, -0.2))
    assert moments(mild, negative=True).empty  # the rules coder's -0.25
    semantic = mild.assign(coder="auto:semantic@16")
    assert list(moments(semantic, negative=True)["touchpoint"]) == ["phone", "web"]
    journey = build_journey(semantic, BOOK, "p")
    assert journey.moment_valences == (-0.15, 0.2) and len(journey.pain_points) == 2


def test_a_stage_coded_all_neutral_has_no_negative_or_positive_share():
    rows = pd.DataFrame(
        {
            "stage": ["buy"] * 4,
            "emotion": ["neutral", "neutral", "mad", "joy"],
            "valence": [-0.18, 0.2, -0.6, 0.5],
        }
    )
    signs = {"neutral": 0.0, "mad": -0.8, "joy": 0.8}
    by_emotion = emotion_curve(rows, ["buy"], 0.075, signs).loc["buy"]
    assert (by_emotion["negative_share"], by_emotion["positive_share"]) == (0.25, 0.25)
    by_valence = emotion_curve(rows, ["buy"], 0.075).loc["buy"]  # no codebook: the band decides
    assert (by_valence["negative_share"], by_valence["positive_share"]) == (0.5, 0.5)
    journey = build_journey(
        pd.DataFrame([row("a:1", "P1", "buy", "web", -0.3)]).assign(emotion="neutral"), BOOK, "p"
    )
    assert journey.emotion_curve.loc["buy", "negative_share"] == 0.0


def test_a_doubted_stage_code_does_not_stand_for_its_stage_before_a_sure_one(table):
    rows = table[table["stage"] == "help"].copy()
    rows.loc[rows["segment_id"] == "a:2", "stage_confidence"] = 0.3  # the strongest, doubted
    quotes = pick_quotes(rows, 3)
    assert [q.segment_id for q in quotes] == ["b:2", "c:2", "a:2"]


def test_a_turn_coded_neutral_is_no_pain_point_for_the_semantic_coder(table):
    semantic = table.assign(coder="auto:semantic@16")
    said = semantic["segment_id"] == "c:2"  # Website during Help, -0.3
    assert "web" in set(build_journey(semantic, BOOK, "p").pain_points["touchpoint"])
    described = semantic.assign(emotion=semantic["emotion"].where(~said, "neutral"))
    assert "web" not in set(build_journey(described, BOOK, "p").pain_points["touchpoint"])
    # The rules coder's keyword emotions leave most complaints Neutral: valence alone decides.
    rules = described.assign(coder="auto:rules@3")
    assert "web" in set(build_journey(rules, BOOK, "p").pain_points["touchpoint"])


def test_the_share_of_one_segment_is_not_a_percentage():
    one = pd.Series({"n": 1, "negative_share": 1.0, "positive_share": 0.0})
    assert share_text(one) == "coded with a negative emotion"
    two = pd.Series({"n": 2, "negative_share": 0.5, "positive_share": 0.0})
    assert share_text(two) == "50 % of them with a negative emotion, 0 % with a positive one"


def test_a_code_the_codebook_no_longer_has_is_left_out_stage_and_touchpoint_alike(table):
    """A researcher's code from before a codebook edit: its stage counts in no stage, its
    touchpoint in no count (shown under its raw id before), both warned of by coding.human."""
    edited = pd.concat(
        [table, pd.DataFrame([row("d:1", "P4", "onboard", "store;phone", -0.9, "Awful ID check.")])]
    )
    journey = build_journey(edited, BOOK, "p")
    assert "onboard" not in journey.coverage.index and int(journey.coverage["segments"].sum()) == 6
    assert "store" not in set(journey.touchpoint_stage.index)
    assert journey.segments.set_index("segment_id").at["d:1", "touchpoints"] == "phone"


def test_a_stage_leans_negative_only_when_its_interval_crosses_zero():
    def point(mean, low, high):
        return pd.Series({"mean_valence": mean, "ci_low": low, "ci_high": high})

    assert curve_reading(point(-0.17, -0.28, -0.06), 0.075) == "negative"  # reaches the band only
    assert curve_reading(point(-0.20, -0.42, 0.02), 0.075) == "leans negative"
    assert curve_reading(point(0.30, -0.05, 0.65), 0.075) == "leans positive"
    assert curve_reading(point(0.02, -0.3, 0.3), 0.075) == "neutral"
    # too few people for an interval: a lead, not a finding
    assert curve_reading(point(-0.5, float("nan"), float("nan")), 0.075) == "leans negative"


def test_a_short_answer_that_needs_its_question_is_quoted_last():
    rows = pd.DataFrame(
        [
            row("a", "P1", "usage", "", -0.9, "Every day. Sometimes two times a day."),
            row("b", "P2", "usage", "", -0.2, "The app logs me out every time I switch."),
        ]
    )
    assert [q.segment_id for q in pick_quotes(rows, 2)] == ["b", "a"]


def test_a_mostly_negative_stage_is_quoted_mostly_negatively():
    rows = pd.DataFrame(
        [row(f"n{i}", f"P{i}", "help", "", -0.3) for i in range(4)]
        + [row(f"p{i}", f"Q{i}", "help", "", 0.9) for i in range(2)]
    )
    quotes = pick_quotes(rows, 3)  # by strength alone: both +0.9 turns first
    assert [q.valence for q in quotes] == [-0.3, -0.3, 0.9]  # the larger side first
    # By the emotion's sign when known, as the stage's shares count: turns coded Neutral at
    # +0.05 are no positive ones (by valence, five of seven would be).
    mixed = pd.DataFrame(
        [row(f"n{i}", f"P{i}", "help", "", -0.3) for i in range(2)]
        + [row(f"p{i}", f"Q{i}", "help", "", 0.9) for i in range(2)]
        + [{**row(f"z{i}", f"Z{i}", "help", "", 0.05), "emotion": "neutral"} for i in range(3)]
    )
    signs = {"mad": -0.8, "joy": 0.8, "neutral": 0.0}
    assert [q.valence for q in pick_quotes(mixed, 3)] == [0.9, 0.9, -0.3]
    assert [q.valence for q in pick_quotes(mixed, 3, signs=signs)] == [-0.3, 0.9, 0.05]


def test_thin_interviews_and_stages_nobody_spoke_of():
    # Four interviews of twelve journey turns and one of small talk with two: the audit's C07.
    rows = [
        row(f"{p}:{n}", p, "help", "phone", -0.3)
        for p in ("P1", "P2", "P3", "P4")
        for n in range(12)
    ]
    rows += [row(f"P5:{n}", "P5", stage, "", 0.1) for n, stage in enumerate(("help", "buy", ""))]
    journey = build_journey(pd.DataFrame(rows), BOOK, "p")
    assert journey.thin_interviews.to_dict() == {"i-P5": 2}
    assert journey.unspoken == ["tell"] and journey.low_evidence == ["buy", "tell"]
    # A study of short interviews has no thin one: thin is against the persona's median too.
    short = [row(f"{p}:{n}", p, "help", "", -0.3) for p in ("P1", "P2", "P3") for n in range(3)]
    assert build_journey(pd.DataFrame(short), BOOK, "p").thin_interviews.empty


def test_stage_pain_reach_adds_up_a_theme_the_touchpoints_split():
    # The audit's Retention: four people complained, each row reached one or two.
    said = "They put the price up after my claim, which felt unfair."
    rows = [
        row("a:1", "P1", "help", "phone", -0.6, said),
        row("b:1", "P2", "help", "phone", -0.5, said),
        row("c:1", "P3", "help", "web", -0.6, said),
        row("d:1", "P4", "help", "", -0.7, said),
        row("e:1", "P5", "buy", "web", -0.6, said),
        row("f:1", "P6", "buy", "web", -0.6, said),
    ]
    journey = build_journey(pd.DataFrame(rows), BOOK, "p")
    reach = stage_pain_reach(journey)
    assert reach.to_dict("records") == [{"stage": "help", "reached": 4, "largest": 2}]


def test_on_a_persona_of_a_few_people_the_low_point_is_the_lowest_mean():
    # Two people: every interval rests on two voices (t with 1 df), so a pair whose means happen
    # to agree looked "surely" lowest; the mean decides, and the summary cautions.
    rows = [
        row(f"{p}:{n}", p, "help", "", v) for p, v in (("P1", -0.2), ("P2", -0.21)) for n in (1, 2)
    ]
    rows += [row(f"{p}:3", p, "buy", "", v) for p, v in (("P1", -0.1), ("P2", -0.7))]
    rows += [row("P1:4", "P1", "buy", "", -0.4)]
    journey = build_journey(pd.DataFrame(rows), BOOK, "p")
    assert journey.emotion_curve[["ci_low", "ci_high"]].isna().all().all()  # two: no interval
    assert journey.lowest_stage == "buy"
