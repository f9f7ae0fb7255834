"""What a persona report says, once for both formats: titles, summary, stage texts, captions,
alt texts, priorities and the methodology. The renderers (Word, HTML) only lay it out.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import pandas as pd

from cjm_research.analysis import (
    MIN_EVIDENCE,
    MIN_MOMENT_WORDS,
    NO_TOUCHPOINT,
    REACTION_WORDS,
    SURE_EMOTION,
    UNASSIGNED,
    Journey,
    Quote,
    curve_reading,
    is_nudge,
    moment_text,
    plural,
    replying,
    share_text,
    signed,
    top_counts,
    valence_reading,
)
from cjm_research.codebook import load_codebook
from cjm_research.model import Codebook, Persona
from cjm_research.report.summary import summarise
from cjm_research.resources import default_codebook_path


def figure_captions(journey: Journey) -> dict[str, str]:
    """The caption of each persona figure (``charts``), the same in the Word and HTML reports."""
    band = f"neutral within ±{journey.neutral_band:g}"
    return {
        "journey_map": (
            "Stages run left to right; lanes show what customers do, the most mentioned "
            "touchpoints, the emotion curve (mean valence with its 95 % interval; grey strip: "
            f"{band}; ▲ ▼ each stage's highest and lowest segment; bar: its shares of negative "
            "and positive segments), the top pain point, opportunities and the evidence behind "
            "each stage."
        ),
        "emotion_curve": (
            "Mean valence by stage (−1 negative to +1 positive) with its 95 % interval, each "
            f"stage's highest and lowest segment (▲ ▼) and its shares of negative and positive "
            f"segments; grey strip: {band}. Hollow markers flag low evidence and gaps mark "
            "stages nobody spoke of."
        ),
        "touchpoint_heatmap": "Segments naming each touchpoint, by stage.",
        "emotion_heatmap": "Coded emotions by stage (segments).",
    }


def stage_definition(codebook: Codebook, stage: str) -> str:
    """What a stage is, for a reader: the first sentence of its codebook description. The rest
    tells coders where the boundaries run ("Code here only the first contact…"); the methodology
    keeps the whole description."""
    for code in codebook.stages:
        if code.id == stage:
            return re.split(r"(?<=[.!?])\s+(?=[A-Z])", code.description.strip(), maxsplit=1)[0]
    return ""


def stage_intro(journey: Journey, stage: str) -> tuple[str, str]:
    """What a stage section opens with, in every format: what the stage rests on and how it felt
    (mean valence read with the neutral band, its interval, the shares of negative and positive
    segments), and the low-evidence warning ("" when the evidence suffices)."""
    coverage = journey.coverage.loc[stage] if stage in journey.coverage.index else None
    segments = int(coverage["segments"]) if coverage is not None else 0
    people = int(coverage["participants"]) if coverage is not None else 0
    interviews = int(coverage["interviews"]) if coverage is not None else 0
    if not segments:
        return (
            "No participant segment was coded with this stage.",
            "No evidence: check whether the interview guide covers this stage and whether the "
            "codebook's keywords for it match how participants talk."
            if stage in journey.low_evidence
            else "",
        )
    sentence = (
        f"{plural(segments, 'coded segment')} from {people} of "
        f"{plural(journey.n_participants, 'participant')} "
        f"({plural(interviews, 'interview')})."
    )
    point = journey.emotion_curve.loc[stage] if stage in journey.emotion_curve.index else None
    if point is not None and int(point["n"]) > 0:
        mean = float(point["mean_valence"])
        sentence += f" Mean valence {signed(mean)}, {curve_reading(point, journey.neutral_band)}"
        low, high = float(point["ci_low"]), float(point["ci_high"])
        if low <= -1 and high >= 1:
            sentence += " (too few participants for a 95 % interval narrower than the whole scale)"
        elif math.isnan(low) and int(point["n"]) > 1:
            voices = int(point.get("participants", 1))
            who = "all from one participant" if voices == 1 else f"from {voices} participants"
            sentence += f" ({who}: too few for an interval)"
        elif not math.isnan(low):
            # a bound that rounds to zero keeps its sign: "+0.00" hid an interval crossing zero
            sentence += f" (95 % interval {signed(low, True)} to {signed(high, True)})"
        sentence += f"; {share_text(point)}."
        if _disagree(point, journey.neutral_band):
            sentence += " The emotions and the valence disagree here: read the quotes."
    warning = (
        f"Low evidence: only {plural(segments, 'coded segment')} (fewer than {MIN_EVIDENCE}). "
        "Treat what follows as indicative, not as a finding."
        if stage in journey.low_evidence
        else ""
    )
    return sentence, warning


def quote_question(quote: Quote) -> str:
    """Before a quote whose answer needs its question (``Quote.shown_question``), in every
    format: ``Asked: How long did the refund take?``; "" for one understood alone. An answer
    taking up the interviewer's remark (``replies_to_nudge``) has it as ``Interviewer: That
    sounds frustrating.``: "Asked:" before a statement read as a misprint. A turn replying to
    another participant in a group interview has their words: ``Replying to Sorter 05: …``
    (the moderator's question before it was put to someone else)."""
    shown = quote.shown_question
    if not shown:
        return ""
    if quote.replying_to:
        return replying(quote.replying_to, shown)
    return f"Interviewer: {shown}" if is_nudge(shown) else f"Asked: {shown}"


def quote_attribution(quote: Quote, codebook: Codebook) -> str:
    """Under a quote, in every format: ``Participant 04 · Interview 04 · 00:03:03 · Anger``."""
    feeling = codebook.label("emotions", quote.shown_emotion) if quote.shown_emotion else ""
    return " · ".join(p for p in (quote.provenance, feeling) if p)


#: A stage whose mean reads one way while this share of its segments carries an emotion of the
#: other sign looks contradictory on the page: the report says so.
DISAGREE_SHARE = 0.4


def _disagree(point: pd.Series, band: float) -> bool:
    """Whether a stage's mean and its shares of emotions point different ways (a neutral or
    positive mean over 40 % negative emotions, or the reverse)."""
    reading = valence_reading(float(point["mean_valence"]), band)
    negative, positive = float(point["negative_share"]), float(point["positive_share"])
    return (reading != "negative" and negative >= DISAGREE_SHARE > positive) or (
        reading != "positive" and positive >= DISAGREE_SHARE > negative
    )


def stage_mix(journey: Journey, codebook: Codebook, stage: str, top: int = 3) -> pd.DataFrame:
    """A stage's top touchpoints and emotions with their segment counts, as every report format
    shows them (columns: Top touchpoints, Segments, Top emotions, Segments; empty when the stage
    has neither)."""
    touchpoints = top_counts(journey.touchpoint_stage, stage, top)
    emotions = top_counts(journey.emotion_stage, stage, top)
    rows = []
    for i in range(max(len(touchpoints), len(emotions))):
        row = ["", "", "", ""]
        if i == 0 and not touchpoints:  # an empty column reads as a rendering fault
            rows_here = journey.segments[journey.segments["stage"] == stage]
            row[0:2] = [NO_TOUCHPOINT.capitalize(), str(len(rows_here))]
        if i < len(touchpoints):
            row[0:2] = [codebook.label("touchpoints", touchpoints[i][0]), str(touchpoints[i][1])]
        if i < len(emotions):
            row[2:4] = [codebook.label("emotions", emotions[i][0]), str(emotions[i][1])]
        rows.append(row)
    return pd.DataFrame(rows, columns=["Top touchpoints", "Segments", "Top emotions", "Segments"])


#: Sentences and headings every report format uses word for word.
PRIORITY_RULE = (
    "Pain points ranked by priority: the share of participants who raised them times how "
    "negative they were (|mean valence|), from 0 to 1 (1 would be every participant at −1)."
)
#: Said when the teams are the packaged codebook's: they are a retail guess, not the reader's
#: organisation.
DEFAULT_OWNERS = (
    " Teams are the default codebook's owners of each touchpoint: set each touchpoint's owner "
    "in the study's codebook.yaml to route them to your own."
)


@functools.cache
def _default_owners() -> dict[str, str]:
    return {c.id: c.owner for c in load_codebook(default_codebook_path()).touchpoints}


def priority_rule(codebook: Codebook) -> str:
    """The sentence above What to fix first, with the default-owners caveat when every owner is
    the packaged codebook's (its own file, or a copy nobody re-routed)."""
    owners = {c.id: c.owner for c in codebook.touchpoints}
    default = bool(owners) and all(_default_owners().get(k) == v for k, v in owners.items())
    return PRIORITY_RULE + (DEFAULT_OWNERS if default else "")


REACH_HEADING = "Stages participants spoke about"
REACH_GUIDE = (
    "How many participants spoke of each stage: what the interviews covered, not a conversion "
    "funnel (a stage the interview guide did not ask about reads low here)."
)


PERSONA_SECTIONS = ("Goals", "Needs", "Pain points (from the persona notes)")


def persona_narrative(persona: Persona) -> list[str]:
    """The persona note's narrative (its markdown body) as paragraphs: a heading repeating the
    persona's name is left out, other headings stay as their words, and lines of one paragraph
    join. (The profile showed the front matter's lists and dropped the persona's story.)"""
    paragraphs = []
    for block in re.split(r"\n\s*\n", persona.body.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and lines[0].startswith("#"):
            title = lines.pop(0).lstrip("#").strip()
            if title and title != persona.name:
                paragraphs.append(title)
        if lines:
            paragraphs.append(" ".join(lines))
    return paragraphs


PERSONA_QUOTE = "persona notes"  # the attribution of the persona note's quote


def no_notes(persona: Persona | None, persona_id: str) -> str:
    """The profile's one sentence, in both formats, when the persona has no notes to show
    (none found, or a note with nothing in it); empty when it has some."""
    noted = persona is not None and any(
        (persona.summary, persona.goals, persona.needs, persona.pain_points, persona.quote)
    )
    noted = noted or (persona is not None and bool(persona_narrative(persona)))
    return "" if noted else f"No persona notes were found for “{persona_id}”."


def unread_notes(persona: Persona) -> str:
    """The profile's caution, in both formats, for a persona whose note could not be read: it
    shows no notes, and the reader must not take the empty section for a persona without any."""
    return (
        f"The persona notes could not be read ({persona.unread}), so this section shows none of "
        "them; the rest of the report is drawn from the interviews as usual. Fix the note and "
        "build the report again."
    )


#: How an insight says where it comes from, by kind (``insights.CURATED`` or generated).
#: The insights section when there are none, in both formats.
NO_INSIGHTS = (
    "No insights for this persona yet: the research team has curated none, and no pain point "
    "in the coded interviews recurs enough to suggest one."
)
INSIGHT_SOURCES = {
    "curated": "Curated by the research team",
    "generated": "Generated from recurring pain points — check it against the quotes",
}


def reach_table(journey: Journey) -> pd.DataFrame:
    """Stages participants spoke about, as every format shows it: per stage, the participants who
    spoke of it and their share."""
    funnel = journey.funnel
    return pd.DataFrame(
        {
            "Stage": [journey.stage_labels.get(s, s) for s in funnel.index],
            "Participants who spoke of it": [
                f"{int(p)} of {journey.n_participants}" for p in funnel["participants"]
            ],
            "Share": [f"{share:.0%}" for share in funnel["share"]],
        }
    )


CODE_FREQUENCY_GUIDE = (
    "Over every participant segment, those in no journey stage (introductions, small talk) "
    "included; the figures and stage sections count only segments in a stage, so a code can "
    "count a few more here."
)

AGREEMENT_GUIDE = (
    "Krippendorff's alpha and Cohen's kappa over the segments coded by more than one coder. The "
    "machine counts as one, with the same codes as in the machine audit under Limitations: on a "
    "reviewed segment, its code from a run that had not learned from it. The figures differ "
    "because here a segment a coder left without a code is excluded (a researcher's no stage "
    "against the machine's stage is not counted), while the audit counts no code as an answer."
)


def agreement_display(agreement: pd.DataFrame) -> pd.DataFrame:
    """The methodology's agreement table (``agreement.agreement_table``) as every format shows
    it: the same columns and the same numbers, with the reports' minus sign."""

    def number(value: object, digits: int) -> str:
        return "—" if pd.isna(value) else f"{float(value):.{digits}f}".replace("-", "−")

    return pd.DataFrame(
        {
            "Dimension": agreement["Dimension"].astype(str),
            "Coders": agreement["Coders"].astype(str),
            "Units": agreement["Units"].astype(str),
            "Excluded": agreement["Excluded"].astype(str),
            "Agreement": [f"{number(v, 1)} %" for v in agreement["Agreement (%)"]],
            "Kappa": [number(v, 2) for v in agreement["Kappa"]],
            "Alpha": [number(v, 2) for v in agreement["Alpha"]],
            "Weakest codes": agreement["Weakest codes"].astype(str).str.replace("(-", "(−"),
        }
    )


@dataclass(frozen=True)
class Methodology:
    """The methodology appendix's own words, the same in every format (the agreement, code
    tables and limitations come with the report's context)."""

    sources: str
    coders: list[str]  # "auto:semantic@6: 70 segments", most prolific first
    coder_rule: str
    measures: list[str]
    codebook: str
    definitions: pd.DataFrame  # Stage, Definition


def _crosstalk(journey: Journey) -> list[str]:
    """What the methodology says of cross-talk, for a persona with a group interview whose
    participants reply to each other (nothing otherwise)."""
    rows = journey.segments
    if "replying_to" not in rows or not (rows["replying_to"].fillna("") != "").any():
        return []
    reactions = int(rows["reaction"].fillna(False).astype(bool).sum())
    return [
        "In a group interview, a turn right after another participant's replies to it, unless it "
        "is its speaker's first answer to a question put to the room: a quote that needs it is "
        'printed with that turn before it ("Replying to …"), not with the moderator\'s '
        "question. A turn that only reacts to another's story (at most "
        f"{REACTION_WORDS} words, telling nothing of its speaker's own in the first person: "
        '"That\'s awful.", "Oh I know, ours too", "I\'d be fuming") is in no pain point or '
        f"delight; {plural(reactions, 'segment')} here "
        + ("is such a reaction." if reactions == 1 else "are such reactions.")
    ]


def methodology(journey: Journey, codebook: Codebook, persona_name: str) -> Methodology:
    """What the methodology appendix says of a persona's journey (``Methodology``)."""
    coders = journey.segments["coder"].astype(str).str.strip() if len(journey.segments) else None
    counts = coders[coders != ""].value_counts() if coders is not None else pd.Series(dtype=int)
    ranked = sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    label = journey.stage_labels.get
    flagged = ", ".join(label(s, s) for s in journey.few_segments)
    unspoken = ", ".join(label(s, s) for s in journey.unspoken)
    return Methodology(
        sources=(
            f"{plural(journey.n_interviews, 'interview')} with "
            f"{plural(journey.n_participants, 'participant')} of the persona {persona_name}, "
            f"giving {plural(journey.n_segments, 'coded participant segment')}. Interviewer "
            "turns are kept as context and not coded."
        ),
        coders=[f"{coder}: {plural(n, 'segment')}" for coder, n in ranked],
        coder_rule=(
            "Codes from people win over machine codes (auto:<method>@<version>) for the same "
            "segment."
            if ranked
            else "No coded segments."
        ),
        measures=[
            "Valence runs from −1 (very negative) to +1 (very positive); a stage's emotion is "
            "the mean valence of its segments.",
            f"A valence between −{journey.neutral_band:g} and +{journey.neutral_band:g} reads "
            "as neutral (the coder's neutral band); the shares of negative and positive segments "
            f"count those coded with a negative emotion{_such_as(codebook, -1)} or a "
            f"positive one{_such_as(codebook, 1)}.",
            "The 95 % interval is Student's t interval of the mean with the participants as its "
            "units (cluster-robust: one person's many segments are one voice), with one degree "
            "of freedom fewer than the participants who spoke of the stage (wide on few people, "
            "as it should be), never narrower than the segments' own spread allows, cut at the "
            "−1 and +1 ends of the scale; it is not shown for stages fewer than three "
            "participants spoke of.",
            f"Pain points are stage × touchpoint moments with valence at or below "
            f"{signed(journey.moment_valences[0])}, delights at or above "
            f"{signed(journey.moment_valences[1])} (set for the coder that coded them), coded "
            "with a negative (or positive) emotion unless the rules coder coded them, from "
            f'turns of {MIN_MOMENT_WORDS} words or more (a "Yeah." is no evidence of a '
            "moment); touchpoints named in exactly the same segments make one moment. Pain "
            "points are "
            "ranked by priority (the share of participants who voiced one times how negative it "
            "was), in the summary, the map and What to fix first alike; delights by how many "
            "participants voiced them.",
            f"A quote shows its emotion when a person coded it or the machine is at least "
            f"{SURE_EMOTION:.0%} sure of it (below that its labels are right about one time in "
            "three).".replace("%", " %"),
            "A quote that answers its question without saying what about (a short answer, one "
            'opening with "Yes", "Well", "It", "So" or a number, or a fragment such as "The '
            'school gates.") is printed with the interviewer\'s question before it ("Asked: …"); '
            'one taking up the interviewer\'s remark ("That sounds frustrating." — "It is, '
            'because…") with that remark ("Interviewer: …").',
            *_crosstalk(journey),
            f"A stage with fewer than {MIN_EVIDENCE} coded segments is flagged as low evidence"
            + (f": {flagged}." if flagged else "; no stage is flagged.")
            + (f" No participant segment was coded with {unspoken}." if unspoken else ""),
        ],
        codebook=f"{codebook.name}, version {codebook.version}. Stages in journey order:",
        definitions=pd.DataFrame(
            {
                "Stage": [c.label for c in codebook.stages],
                "Definition": [c.description or "—" for c in codebook.stages],
            }
        ),
    )


def _such_as(codebook: Codebook, sign: int) -> str:
    """ " (such as anger or sadness)": the codebook's two strongest emotions of a sign, so a study
    codebook's report names its own emotions, not the packaged default's."""
    codes = sorted(
        (c for c in codebook.emotions if (c.valence or 0.0) * sign > 0),
        key=lambda c: -abs(c.valence or 0.0),
    )
    named = " or ".join(c.label.lower() for c in codes[:2])
    return f" (such as {named})" if named else ""


#: The priority table and each team's list show this many pain points, in both formats.
TOP_PRIORITIES = 10


def priority_table(journey: Journey, codebook: Codebook, top: int = TOP_PRIORITIES) -> pd.DataFrame:
    """What to fix first as every format shows it: rank, labels, team, reach, valence, priority."""
    table, n = journey.priorities.head(top), journey.n_participants
    return pd.DataFrame(
        {
            "#": [str(r) for r in table["rank"]],
            "Stage": [journey.stage_labels.get(s, s) for s in table["stage"]],
            "Touchpoint": [
                codebook.label("touchpoints", t) if t else NO_TOUCHPOINT
                for t in table["touchpoint"]
            ],
            "Team": table["owner"],
            "Participants": [f"{p} of {n}" for p in table["participants"]],
            "Mean valence": [signed(v) for v in table["mean_valence"]],
            "Priority": [f"{v:.2f}" for v in table["score"]],
        },
        columns=["#", "Stage", "Touchpoint", "Team", "Participants", "Mean valence", "Priority"],
    )


def team_items(journey: Journey, codebook: Codebook) -> dict[str, list[str]]:
    """Each owning team's pain points among the top priorities, in priority order (teams named
    in the codebook's ``owner``), as every report format lists them."""
    teams: dict[str, list[str]] = {}
    for row in journey.priorities.head(TOP_PRIORITIES).itertuples(index=False):
        text = moment_text(
            journey.stage_labels.get(row.stage, row.stage),
            codebook.label("touchpoints", row.touchpoint) if row.touchpoint else "",
            row.mean_valence,
            row.participants,
            of=journey.n_participants,
        )
        for team in row.owner.split(", "):  # a moment on two teams' touchpoints is both's
            teams.setdefault(team or UNASSIGNED, []).append(text)
    # Last, not left out: a top priority nobody owns is the one most likely to be dropped.
    unowned = teams.pop(UNASSIGNED, [])
    return dict(sorted(teams.items())) | ({UNASSIGNED: unowned} if unowned else {})


def figure_alts(journey: Journey, codebook: Codebook, name: str) -> dict[str, str]:
    """The alt text of each persona figure, the same in the Word and HTML reports: what a
    reader who cannot see the chart needs from it."""

    def stage(code: object) -> str:
        return journey.stage_labels.get(str(code), str(code))

    curve = journey.emotion_curve.dropna(subset=["mean_valence"])
    parts = [
        f"Journey map of {name} across {len(journey.stages)} stages: "
        + ", ".join(stage(s) for s in journey.stages)
        + "."
    ]
    if not curve.empty:
        # The summary's low point (enough evidence) when there is one, so both say the same.
        lowest = curve["mean_valence"].idxmin()
        low, high = journey.lowest_stage or lowest, curve["mean_valence"].idxmax()

        def mean(code: str) -> str:
            flag = ", low evidence" if code in journey.low_evidence else ""
            point = curve.loc[code]
            return f"{signed(float(point['mean_valence']))}, n = {int(point['n'])}{flag}"

        lower = (
            f"; {stage(lowest)}'s mean is lower ({mean(lowest)}) on less sure evidence"
            if lowest != low
            else ""
        )
        parts.append(
            f"The low point is {stage(low)} ({mean(low)}){lower}; the highest mean is in "
            f"{stage(high)} ({mean(high)})."
        )
    top_pain = summarise(journey, lambda t: codebook.label("touchpoints", t), top=1).pain_points
    parts += [f"Top pain point: {line}." for line in top_pain]
    if journey.unspoken:
        parts.append(f"No data for {', '.join(stage(s) for s in journey.unspoken)}.")
    if few := journey.few_segments:
        parts.append(f"Low evidence for {', '.join(stage(s) for s in few)}.")
    points = []
    for code, row in journey.emotion_curve.iterrows():
        n = int(row["n"])
        value = "no data" if n == 0 else f"{signed(float(row['mean_valence']))} (n = {n})"
        points.append(f"{stage(code)} {value}")

    def heatmap(table: pd.DataFrame, dimension: str) -> str:
        cells = table.stack()
        cells = cells[cells > 0].sort_values(ascending=False, kind="stable").head(3)
        kind = "touchpoint" if dimension == "touchpoints" else "emotion"
        if cells.empty:
            return f"Heatmap of {kind}s by stage: nothing was coded."
        top = "; ".join(
            f"{codebook.label(dimension, str(code))} in {stage(s)} ({count})"
            for (code, s), count in cells.items()
        )
        return f"Heatmap of segments per {kind} and stage. Largest cells: {top}."

    return {
        "journey_map": " ".join(parts),
        "emotion_curve": "Line chart of mean valence by stage: " + "; ".join(points) + ".",
        "emotion_heatmap": heatmap(journey.emotion_stage, "emotions"),
        "touchpoint_heatmap": heatmap(journey.touchpoint_stage, "touchpoints"),
    }


def title_lines(journey: Journey, name: str, study_name: str = "", period: str = "") -> list[str]:
    """The title block of a persona report, line by line, in every format: the title, the study,
    the interview period and the counts."""
    counts = (
        f"{plural(journey.n_interviews, 'interview')} · "
        f"{plural(journey.n_participants, 'participant')} · "
        f"{plural(journey.n_segments, 'coded segment')}"
    )
    # "Study: interviews" — the folder's name alone under the title read as a stray word
    study = f"Study: {study_name}" if study_name else ""
    return [f"Customer journey: {name}", *(t for t in (study, period) if t), counts]


def stage_doing_lines(journey: Journey, stage: str) -> list[str]:
    """The stage section's "What customers did": each action phrase of the map with where it was
    said (“rang the courier number” — Participant 02 · Interview 02 · line 40)."""
    actions = journey.actions
    if actions.empty or "provenance" not in actions:
        return []
    rows = actions[actions["stage"] == stage]
    return [f"“{p}” — {where}" for p, where in zip(rows["phrase"], rows["provenance"], strict=True)]


def interview_period(interviews: list[list[str]]) -> str:
    """``"Interviews 2–12 March 2026"`` from each interview's ISO dates (front matter,
    participants.csv), with how many interviews have none (``"… (3 of 4 undated)"``); empty when
    no date parses."""
    parsed = [_iso_dates(dates) for dates in interviews]
    stamps = sorted(d for found in parsed for d in found)
    if not stamps:
        return ""
    first, last = stamps[0], stamps[-1]
    if first == last:
        period = f"Interviews on {first.day} {first:%B %Y}"
    elif (first.year, first.month) == (last.year, last.month):
        period = f"Interviews {first.day}–{last.day} {last:%B %Y}"
    else:
        period = f"Interviews {first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    # "Interviews on 12 November 2026" over four interviews of which one was dated told the
    # reader all four took place that day
    undated = sum(not found for found in parsed)
    return f"{period} ({undated} of {len(parsed)} undated)" if undated else period


def _iso_dates(dates: list[str]) -> list[pd.Timestamp]:
    """The dates that parse as ISO dates."""
    # ISO dates only: "12/03/2026" is 12 March to a British researcher and 3 December to pandas.
    stamps = pd.to_datetime(pd.Series(dates, dtype=object), errors="coerce", format="ISO8601")
    return [d for d in stamps if not pd.isna(d)]
