"""Synthetic, realistic journey data shared by the chart and Word renderer tests.

Hand-built on purpose: these tests must not depend on templates/codebook.yaml or on the coders.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cjm_research.analysis import Journey, build_journey
from cjm_research.model import INTERVIEWER, Code, Codebook, Persona, Transcript, Turn
from cjm_research.segments import COLUMNS

PERSONA_ID = "busy-parent"


def make_codebook() -> Codebook:
    """A small codebook: seven ordered stages, eleven touchpoints, nine emotions."""
    stages = (
        Code("awareness", "Awareness", "First hears of the service.", color="#E69F00"),
        Code("consideration", "Consideration", "Compares options before choosing."),
        Code("purchase", "Purchase", "Places and pays for the first order."),
        Code("onboarding", "Onboarding", "Sets up an account and learns the basics."),
        Code("usage", "Usage", "Orders week after week."),
        Code("support", "Support", "Asks for help when something goes wrong."),
        Code("advocacy", "Advocacy", "Recommends (or warns against) the service."),
    )
    touchpoints = tuple(
        Code(tid, label)
        for tid, label in (
            ("website", "Website"),
            ("mobile_app", "Mobile app"),
            ("store", "Store"),
            ("phone_support", "Phone support"),
            ("chat", "Chat"),
            ("email", "Email"),
            ("delivery", "Delivery"),
            ("reviews", "Reviews"),
            ("social_media", "Social media"),
            ("word_of_mouth", "Word of mouth"),
            ("packaging", "Packaging"),  # never mentioned: must not show in heatmaps
        )
    )
    emotions = tuple(
        Code(eid, label, valence=v)
        for eid, label, v in (
            ("joy", "Joy", 0.8),
            ("trust", "Trust", 0.5),
            ("relief", "Relief", 0.6),
            ("neutral", "Neutral", 0.0),
            ("confusion", "Confusion", -0.3),
            ("anxiety", "Anxiety", -0.5),
            ("frustration", "Frustration", -0.7),
            ("anger", "Anger", -0.9),
            ("sadness", "Sadness", -0.6),  # never coded
        )
    )
    return Codebook("Test codebook", "1+test", stages, touchpoints, emotions)


# Per segment: participant, stage, touchpoints, emotion, valence; then what they said.
_ROWS = """
P01 awareness word_of_mouth trust 0.5
    My sister uses it for her weekly shop and she swears by it, so I thought I'd try.
P02 awareness social_media;reviews neutral 0.1
    I kept seeing the adverts on Instagram, honestly I scrolled past them for months.
P03 awareness word_of_mouth joy 0.6
    A friend at the school gate told me about it and it sounded like exactly what I needed.
P04 awareness reviews confusion -0.2
    The reviews were all over the place, some five stars, some saying never again.
P01 consideration website confusion -0.4
    The pricing page was confusing, I couldn't tell what the delivery fee would actually be.
P02 consideration website;reviews anxiety -0.5
    I read reviews for ages because I was worried about getting substitutions I didn't want.
P03 consideration mobile_app trust 0.4
    The app looked clean and it showed the slots straight away, which reassured me.
P05 consideration website frustration -0.6
    I had to create an account just to see the prices, which really annoyed me.
P04 consideration store neutral 0.0
    I compared it with just going to the store myself on Saturday mornings.
P01 purchase mobile_app frustration -0.7
    Checkout crashed twice and I had to re-enter my card details both times.
P02 purchase delivery anxiety -0.6
    The delivery slot I wanted vanished while I was paying, so I panicked a bit.
P03 purchase mobile_app joy 0.7
    Paying with Apple Pay took two seconds, that was genuinely lovely.
P04 purchase website;delivery frustration -0.8
    They charged the delivery fee even though the banner said free delivery over forty pounds.
P05 purchase mobile_app frustration -0.5
    The basket kept emptying itself when I switched between the app and the website.
P01 onboarding email relief 0.5
    The welcome email explained how substitutions work, which put my mind at rest.
P02 onboarding mobile_app confusion -0.3
    Setting up my preferences took a while, the menus are buried three levels deep.
P01 support phone_support anger -0.9
    I was on hold for forty minutes about missing items and then the call just dropped.
P02 support chat relief 0.6
    The chat agent refunded the missing milk in about two minutes, no questions asked.
P03 support phone_support;email frustration -0.7
    I explained the problem three times to three different people and still got no refund.
P04 support chat frustration -0.6
    The chatbot kept sending me to the FAQ page instead of a human & I gave up.
P05 support phone_support anger -0.8
    Nobody called me back even though they promised twice, R&D <team> my foot.
P05 support delivery frustration -0.5
    The driver left the bags in the rain and the eggs were cracked.
P03 advocacy word_of_mouth joy 0.8
    I've told all the parents in my WhatsApp group about it, it saves me hours.
"""


def make_segments() -> pd.DataFrame:
    """A coded segments table (model.COLUMNS) for one persona plus interviewer noise."""
    records = []
    turns: dict[str, int] = {}
    lines = _ROWS.strip().splitlines()
    for head, said in zip(lines[::2], lines[1::2], strict=True):
        participant, stage, touchpoints, emotion, valence = head.split()
        text = said.strip()
        interview = f"{participant.lower()}-interview"
        turn = turns[interview] = turns.get(interview, 0) + 2
        timed = participant in ("P02", "P04")
        records.append(
            {
                "segment_id": f"{interview}:{turn}",
                "interview_id": interview,
                "participant_id": participant,
                "persona_id": PERSONA_ID,
                "speaker": participant,
                "role": "participant",
                "turn": turn,
                "line": 4 * turn + 1,
                "source": f"interviews/{interview}.{'vtt' if timed else 'txt'}",
                "text": text,
                "start": 100 * turn,
                "end": 100 * turn + len(text),
                "time_start": 37.0 * turn if timed else math.nan,
                "time_end": 37.0 * turn + 20 if timed else math.nan,
                "stage": stage,
                "touchpoints": touchpoints,
                "emotion": emotion,
                "valence": float(valence),
                "intensity": abs(float(valence)),
                "stage_confidence": 0.8,
                "touchpoint_confidence": 0.7,
                "emotion_confidence": 0.6,
                "coder": "Dana Researcher" if participant == "P03" else "auto:rules@1",
                "evidence": "keywords",
            }
        )
    # An interviewer turn and an uncoded participant turn: both must be ignored by the journey.
    interviewer = {"role": "interviewer", "speaker": "Interviewer", "text": "How did you hear?"}
    uncoded = {"stage": "", "touchpoints": "", "text": "Sorry, the baby is crying, one second."}
    records.append({**records[0], "segment_id": "p01-interview:1", **interviewer})
    records.append({**records[0], "segment_id": "p01-interview:99", **uncoded})
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def make_persona() -> Persona:
    """The persona whose journey the synthetic data describes."""
    return Persona(
        id=PERSONA_ID,
        name="Busy parent",
        summary="Two children, works part-time, shops online to save time.",
        goals=["Get the weekly shop done in under ten minutes", "Never run out of milk"],
        needs=["Reliable delivery slots after 6 pm", "Clear prices up front"],
        pain_points=["Hidden fees", "Long waits on the phone"],
        quote="If it saves me an hour on Saturday, it's worth every penny.",
        participants=["P01", "P02", "P03", "P04", "P05"],
    )


def make_journey(persona_id: str = PERSONA_ID) -> Journey:
    """The journey of the synthetic persona (or an empty one for an unknown persona id)."""
    return build_journey(
        make_segments(), make_codebook(), persona_id, participant_labels={"P01": "Alex"}
    )


def make_transcript(*turns: tuple[str, str]) -> Transcript:
    """Turns as (role, text); offsets follow the canonical 'Speaker: text\\n\\n' rendering."""
    text, built = "", []
    for index, (role, words) in enumerate(turns, 1):
        speaker = "Maya" if role == INTERVIEWER else "Dana"
        text += f"{speaker}: "
        built.append(Turn(index, speaker, role, words, len(text), len(text) + len(words), index))
        text += words + "\n\n"
    return Transcript("t1", Path("t1.txt"), text, built, participant_id="P01", persona_id="p")


FIGURES = ("journey_map", "emotion_curve", "touchpoint_heatmap", "emotion_heatmap")


def save_journey_figures(journey, codebook, folder, *, dpi=200):
    """The four persona figures, drawn and saved as the report does; their paths by name."""
    from cjm_research.report import charts

    drawn = {
        "journey_map": charts.journey_map(journey, codebook),
        "emotion_curve": charts.emotion_curve_figure(journey),
        "touchpoint_heatmap": charts.touchpoint_heatmap(journey, codebook),
        "emotion_heatmap": charts.emotion_heatmap(journey, codebook),
    }
    return charts.save_figures(drawn, folder, journey.persona_id, dpi=dpi)
