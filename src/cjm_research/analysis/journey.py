"""The journey model of one persona, computed from the coded segments table.

Everything here is a pure function of the table and the codebook: no I/O, no plotting. Charts and
renderers read a :class:`Journey`; notebooks display it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd

from cjm_research.analysis.actions import stage_actions, stage_doings
from cjm_research.analysis.curve import NEUTRAL_BANDS, emotion_curve
from cjm_research.analysis.quotes import Quote, pick_quotes, prompts, quote_of
from cjm_research.model import PARTICIPANT, Codebook
from cjm_research.segments import split_codes

#: A stage with fewer coded segments than this is flagged as low-evidence in reports.
MIN_EVIDENCE = 3
#: An interview with fewer segments than this in a journey stage (and under a third of the
#: persona's median) is named in the summary: it is one participant in every "of N" while it says
#: next to nothing of the journey.
THIN_INTERVIEW = 5
#: A persona resting on fewer participants than this is flagged at the top of its report: one
#: person decides its rankings, and "2 of 2" reads as "everyone".
FEW_PARTICIPANTS = 4
#: A turn at or below the first valence can make a pain point, at or above the second a delight,
#: by the coder that coded it. The semantic coder's valences are compressed as its neutral band is
#: narrow: on the example study's gold (development) turns of six words or more, telling those a
#: person scored -0.4 or lower, -0.15 gives F1 0.72 and -0.25 0.52 (recall 0.74 against 0.37);
#: telling +0.5 or higher, +0.2 gives 0.65 and +0.35 0.25 (broadband, for information: 0.63 /
#: 0.55 and 0.42 / 0.34). The rules coder's wider scale keeps -0.25 / +0.35.
MOMENT_VALENCES = {"semantic": (-0.15, 0.2), "rules": (-0.25, 0.35)}
#: A pain point or delight rests on turns of at least this many words.
MIN_MOMENT_WORDS = 6
#: The owner of a pain point no team owns (no touchpoint named, or no ``owner`` in the codebook).
UNASSIGNED = "unassigned"
#: How a moment without a touchpoint is named, in every section and on the map.
NO_TOUCHPOINT = "no touchpoint named"


@dataclass
class Journey:
    """The journey of one persona: what every chart, table and report section is drawn from."""

    persona_id: str
    stages: list[str]
    stage_labels: dict[str, str]
    segments: pd.DataFrame
    n_interviews: int
    n_participants: int
    coverage: pd.DataFrame
    touchpoint_stage: pd.DataFrame
    emotion_stage: pd.DataFrame
    emotion_curve: pd.DataFrame
    pain_points: pd.DataFrame = field(default_factory=pd.DataFrame)
    delights: pd.DataFrame = field(default_factory=pd.DataFrame)
    quotes: dict[str, list[Quote]] = field(default_factory=dict)
    low_evidence: list[str] = field(default_factory=list)
    phrases: dict[str, list[str]] = field(default_factory=dict)
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)  # stage_actions
    funnel: pd.DataFrame = field(default_factory=pd.DataFrame)
    priorities: pd.DataFrame = field(default_factory=pd.DataFrame)
    neutral_band: float = NEUTRAL_BANDS["semantic"]
    #: the valences at or beyond which a turn makes a pain point or a delight (its coder's)
    moment_valences: tuple[float, float] = MOMENT_VALENCES["semantic"]
    #: emotion id → its codebook valence: the sign that counts a segment negative or positive
    emotion_signs: dict[str, float] = field(default_factory=dict)

    @property
    def n_segments(self) -> int:
        """How many coded participant segments the journey rests on."""
        return len(self.segments)

    @property
    def unspoken(self) -> list[str]:
        """The stages no participant segment was coded with: no evidence, not low evidence (a
        part of ``low_evidence``)."""
        coded = set(self.segments["stage"]) if len(self.segments) else set()
        return [s for s in self.low_evidence if s not in coded]

    @property
    def few_segments(self) -> list[str]:
        """The stages some segments were coded with, too few to go on (``low_evidence`` less
        ``unspoken``)."""
        unspoken = set(self.unspoken)
        return [s for s in self.low_evidence if s not in unspoken]

    @property
    def thin_interviews(self) -> pd.Series:
        """Interviews with fewer than ``THIN_INTERVIEW`` segments in a journey stage and under a
        third of the persona's median interview (how many): each still counts as a participant
        in every "of N". (Relative too: a study of short interviews has no thin one.)"""
        if not len(self.segments):
            return pd.Series(dtype=int)
        rows = self.segments
        staged = rows[rows["stage"].isin(self.stages)].groupby("interview_id").size()
        staged = staged.reindex(sorted(rows["interview_id"].unique()), fill_value=0)
        thin = (staged < THIN_INTERVIEW) & (staged < staged.median() / 3)
        return staged[thin].astype(int)

    @property
    def lowest_stage(self) -> str | None:
        """The journey's low point: among stages with enough evidence, the one surely lowest —
        whose 95 % interval reaches least high (then the lowest mean). Five segments at −0.20
        whose interval reaches neutral do not outrank eighty at −0.11 that stay negative. Only a
        stage that reads negative can be it; when none does, or on a persona of fewer than
        ``FEW_PARTICIPANTS`` people, the lowest mean."""
        curve = self.emotion_curve[self.emotion_curve["n"] >= MIN_EVIDENCE]
        if curve.empty:
            return None
        # Only a stage that reads negative can be surely lowest: a precise near-neutral stage
        # (ninety segments at −0.06) must not hide one at −0.21 whose interval reaches −0.05.
        negative = curve[curve["mean_valence"] < -self.neutral_band]
        # On a persona of a few people every interval rests on two or three voices: the mean
        # decides, and the summary says to read every figure as a lead.
        if negative.empty or self.n_participants < FEW_PARTICIPANTS:
            return str(curve["mean_valence"].idxmin())
        # A stage too few people spoke of for an interval is sure of nothing: it ranks last.
        ranked = negative.assign(bound=negative["ci_high"].fillna(1.0))
        return str(ranked.sort_values(["bound", "mean_valence"], kind="stable").index[0])


def stage_quotes(
    journey: Journey,
    participant_labels: dict[str, str] | None = None,
    limit: int = 3,
    avoid: Collection[str] = (),
) -> dict[str, list[Quote]]:
    """The quotes that stand for each stage (``pick_quotes``); ``avoid``: turns the report quotes
    elsewhere (its insights), used only when a stage has nothing else as good."""
    rows, signs = journey.segments, journey.emotion_signs or None
    return {
        stage: pick_quotes(rows[rows["stage"] == stage], limit, participant_labels, avoid, signs)
        for stage in journey.stages
    }


def participant_segments(segments: pd.DataFrame, persona_id: str | None = None) -> pd.DataFrame:
    """Participant rows of the coded table, for one persona when ``persona_id`` is given."""
    rows = segments[segments["role"] == PARTICIPANT]
    if persona_id is not None:
        rows = rows[rows["persona_id"] == persona_id]
    return rows.reset_index(drop=True)


def build_journey(
    segments: pd.DataFrame,
    codebook: Codebook,
    persona_id: str,
    *,
    quotes_per_stage: int = 3,
    participant_labels: dict[str, str] | None = None,
    detail: bool = True,
) -> Journey:
    """Compute the journey model of ``persona_id`` from the coded segments table.

    ``participant_labels`` maps participant ids to the names shown in quotes (pseudonyms); ids are
    shown when it is missing. Without ``detail`` only the counts, curves and code tables are
    computed (what the cross-persona comparison reads): no pain points, delights, priorities,
    actions, funnel or quotes.
    """
    if detail and "question" not in segments:
        # Each answer's question, from the interviewer turns about to be left out: a quote
        # prints it when it needs it, redacted as the table is (it is the table's own text). In
        # a group interview, the other participant's turn a turn replies to instead.
        segments = segments.assign(**prompts(segments))
    rows = participant_segments(segments, persona_id)
    # A code the codebook no longer has (a researcher's, from before the edit) is left out, a
    # touchpoint as a stage is: both are warned of with their coder file (coding.human)
    known = {c.id for c in codebook.touchpoints}
    rows["touchpoints"] = (
        rows["touchpoints"]
        .fillna("")
        .astype(str)
        .map(lambda value: ";".join(t for t in split_codes(value) if t in known))
    )
    stages = codebook.stage_ids
    labels = {c.id: c.label for c in codebook.stages}
    coded = rows[rows["stage"].isin(stages)]
    method = coder_method(rows)
    band = NEUTRAL_BANDS[method]
    n_participants = rows["participant_id"].nunique()
    journey = Journey(
        persona_id=persona_id,
        stages=stages,
        stage_labels=labels,
        segments=rows,
        n_interviews=rows["interview_id"].nunique(),
        n_participants=n_participants,
        coverage=stage_coverage(coded, stages, n_participants),
        touchpoint_stage=touchpoint_by_stage(coded, codebook),
        emotion_stage=_crosstab(coded, "emotion", [c.id for c in codebook.emotions], stages),
        emotion_curve=emotion_curve(coded, stages, band, emotion_signs(codebook)),
        emotion_signs=emotion_signs(codebook),
        low_evidence=[s for s in stages if (coded["stage"] == s).sum() < MIN_EVIDENCE],
        neutral_band=band,
        moment_valences=MOMENT_VALENCES[method],
    )
    if not detail:
        return journey
    pain, delight = journey.moment_valences
    signs = moment_signs(method, codebook)
    pains = moments(coded, negative=True, threshold=pain, signs=signs)
    actions = stage_actions(coded, codebook)
    if len(actions):
        # Where each phrase was said, as a quote's provenance: the stage section shows it.
        by_id = coded.set_index(coded["segment_id"].astype(str), drop=False)
        actions["provenance"] = [
            quote_of(by_id.loc[sid], participant_labels).provenance for sid in actions["segment_id"]
        ]
    journey.pain_points = pains
    journey.delights = moments(coded, negative=False, threshold=delight, signs=signs)
    journey.quotes = stage_quotes(journey, participant_labels, quotes_per_stage)
    journey.phrases = stage_doings(actions, stages)
    journey.actions = actions
    journey.funnel = funnel(coded, stages, n_participants)
    journey.priorities = priorities(coded, codebook, n_participants, pains)
    return journey


def emotion_signs(codebook: Codebook) -> dict[str, float]:
    """Each emotion's codebook valence, whose sign says whether it is negative or positive."""
    return codebook.valences


def moment_signs(method: str, codebook: Codebook) -> dict[str, float] | None:
    """The emotion valences a pain point's or delight's emotion must agree with, for a coder
    (``coder_method``) whose emotions are read with its valence (the semantic coder's heads, and
    people); None for the rules coder, whose keyword emotions leave most strongly negative turns
    Neutral."""
    return emotion_signs(codebook) if method != "rules" else None


def coder_method(rows: pd.DataFrame) -> str:
    """The machine coder that coded most of ``rows`` (``semantic`` or ``rules``; ``semantic``
    for a researcher's own codes, which the valence scales follow)."""
    if "coder" not in rows or rows.empty:
        return "semantic"
    method = rows["coder"].astype(str).str.extract(r"^auto:([a-z_]+)", expand=False).value_counts()
    most = str(method.index[0]) if len(method) else "semantic"
    return most if most in NEUTRAL_BANDS else "semantic"


def neutral_band(rows: pd.DataFrame) -> float:
    """The neutral band (``NEUTRAL_BANDS``) of the coder that coded most of ``rows``."""
    return NEUTRAL_BANDS[coder_method(rows)]


def share_text(point: pd.Series) -> str:
    """``42 % of them with a negative emotion, 5 % with a positive one``: a stage's highs and lows
    (``emotion_curve``). Said of the emotions, which decide the shares, so that a mean that leans
    positive beside "0 % with a positive emotion" reads as what it is, not a contradiction."""
    negative, positive = float(point["negative_share"]), float(point["positive_share"])
    if int(point.get("n", 0)) == 1:  # "100 % of them" of one segment overstates it
        sign = "a negative" if negative else "a positive" if positive else "no negative or positive"
        return f"coded with {sign} emotion"
    said = f"{negative:.0%} of them with a negative emotion, {positive:.0%} with a positive one"
    return said.replace("%", " %")


def evidence(point: pd.Series) -> str:
    """``3 segments from 2 participants``: what a stage's reading (``emotion_curve``) rests on,
    the people beside the segments, since two people's turns are two voices however many."""
    said = plural(int(point["n"]), "segment")
    if "participants" in point.index and int(point["participants"]) > 0:
        said += f" from {plural(int(point['participants']), 'participant')}"
        most = int(point.get("most_from_one", 0))
        if int(point["participants"]) > 1 and most > int(point["n"]) / 2:
            said += f", {most} of them one participant's"
    return said


def stage_coverage(coded: pd.DataFrame, stages: list[str], n_participants: int) -> pd.DataFrame:
    """Per stage: coded segments, participants and interviews speaking of it, participant share."""
    grouped = coded.groupby("stage")
    table = pd.DataFrame(
        {
            "segments": grouped.size(),
            "participants": grouped["participant_id"].nunique(),
            "interviews": grouped["interview_id"].nunique(),
        }
    ).reindex(stages, fill_value=0)
    table["participant_share"] = table["participants"] / n_participants if n_participants else 0.0
    table.index.name = "stage"
    return table


def touchpoint_by_stage(coded: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Counts of segments naming each touchpoint (rows) in each stage (columns)."""
    exploded = coded.assign(touchpoint=coded["touchpoints"].map(split_codes)).explode("touchpoint")
    return _crosstab(
        exploded.dropna(subset=["touchpoint"]),
        "touchpoint",
        [c.id for c in codebook.touchpoints],
        codebook.stage_ids,
    )


def top_counts(table: pd.DataFrame, stage: str, k: int) -> list[tuple[str, int]]:
    """The ``k`` largest non-zero counts in a stage's column of a code-by-stage table.

    Codebook order (the table's row order) breaks ties.
    """
    if table.empty or stage not in table.columns:
        return []
    column = table[stage]
    column = column[column > 0]
    order = sorted(range(len(column)), key=lambda j: (-int(column.iloc[j]), j))
    return [(str(column.index[j]), int(column.iloc[j])) for j in order[:k]]


def _crosstab(
    frame: pd.DataFrame, column: str, index: list[str], stages: list[str]
) -> pd.DataFrame:
    table = pd.crosstab(frame[column], frame["stage"]) if len(frame) else pd.DataFrame()
    table = table.reindex(index=index, columns=stages, fill_value=0).fillna(0).astype(int)
    table.index.name, table.columns.name = column, "stage"
    return table


def moments(
    coded: pd.DataFrame,
    *,
    negative: bool,
    top: int | None = None,
    threshold: float | None = None,
    signs: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Pain points (``negative``) or delights: stage x touchpoint cells ranked by reach, strength.

    A moment is a (stage, touchpoint) pair where participants voiced clearly negative (or positive)
    feelings. Touchpoints of a stage that rest on exactly the same turns are one moment, their ids
    ``;``-joined ("phone_support;email"): one complaint that names two channels is one problem,
    not two. Pain points are ranked by priority, how many participants raised it times how
    negative it was (``priorities`` ranks the same way), delights by participants; then by
    segments and strength, so that what many people felt comes first. A turn that only reacts to
    another participant's story in a group interview (a ``reaction`` column, ``prompts``) is
    no one's moment: its speaker did not live it, and the story's teller counts already. A turn
    counts at or beyond ``threshold``, by default its coder's (``MOMENT_VALENCES``), and, given
    the codebook's emotion valences (``signs``: ``moment_signs``), only when coded with an
    emotion of that sign: a description coded Neutral at -0.17 is no pain point (example gold,
    semantic coder: pain points' precision 0.71 -> 0.83, F1 0.72 -> 0.73; broadband 0.63 ->
    0.62).
    """
    columns = [
        "stage", "touchpoint", "participants", "segments", "mean_valence", "example", "evidence"
    ]  # fmt: skip
    # Short answers ("No. Not really.") carry too little to call a pain point or a delight (and
    # are where sentiment models misfire); they still count in the emotion curve. So does a
    # bare reaction to another participant's story (``prompts``): "That's awful." made Gwen a
    # participant raising Abdi's pain.
    substantive = coded[coded["text"].str.split().str.len() >= MIN_MOMENT_WORDS]
    if "reaction" in substantive:
        substantive = substantive[~substantive["reaction"].fillna(False).astype(bool)]
    if threshold is None:
        threshold = MOMENT_VALENCES[coder_method(coded)][0 if negative else 1]
    strong = (
        substantive[substantive["valence"] <= threshold]
        if negative
        else substantive[substantive["valence"] >= threshold]
    )
    if signs is not None:
        sign = strong["emotion"].map(signs).fillna(0.0)
        strong = strong[sign < 0] if negative else strong[sign > 0]
    if strong.empty:
        return pd.DataFrame(columns=columns)
    exploded = strong.assign(
        touchpoint=strong["touchpoints"].map(lambda v: split_codes(v) or [""])
    ).explode("touchpoint")
    exploded = exploded.sort_values("valence", ascending=negative, kind="stable")
    turns = exploded.groupby(["stage", "touchpoint"], sort=False)["segment_id"].agg(
        lambda ids: tuple(sorted(set(ids)))
    )
    together: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (stage, touchpoint), ids in turns.items():
        together.setdefault((stage, ids), []).append(touchpoint)
    joined = {(s, t): ";".join(tps) for (s, _), tps in together.items() for t in tps}
    exploded["touchpoint"] = [
        joined[key] for key in zip(exploded["stage"], exploded["touchpoint"], strict=True)
    ]
    exploded = exploded.drop_duplicates(["stage", "touchpoint", "segment_id"])
    table = (
        exploded.groupby(["stage", "touchpoint"], sort=False)
        .agg(
            participants=("participant_id", "nunique"),
            segments=("segment_id", "nunique"),
            mean_valence=("valence", "mean"),
            example=("segment_id", "first"),
            # every segment it rests on, the strongest first (``example`` is the first)
            evidence=("segment_id", lambda ids: tuple(dict.fromkeys(ids))),
        )
        .reset_index()
    )
    strength = table["mean_valence"] if negative else -table["mean_valence"]
    reach = table["participants"] * -table["mean_valence"] if negative else table["participants"]
    table = table.assign(_reach=reach, _strength=strength).sort_values(
        ["_reach", "segments", "_strength"], ascending=[False, False, True], kind="stable"
    )
    table = table.drop(columns=["_reach", "_strength"])
    return (table if top is None else table.head(top)).reset_index(drop=True)[columns]


def moment_pairs(stage: str, touchpoint: str) -> set[tuple[str, str]]:
    """A moment as (stage, touchpoint) pairs: "phone_support;email" is two, "" (no touchpoint
    named) one. How moments are compared when one splits or merges between runs or tables."""
    return {(stage, t) for t in str(touchpoint).split(";")}


def where(stage: str, touchpoint: str) -> str:
    """Where a moment happened, in a report's words: "Delivery during Support", or the stage alone.

    ``stage`` and ``touchpoint`` are labels; a moment with no touchpoint named is its stage's,
    and says so ("Support, no touchpoint named"): the stage alone reads as the team.
    """
    return f"{touchpoint} during {stage}" if touchpoint else f"{stage}, {NO_TOUCHPOINT}"


def moment_text(
    stage: str,
    touchpoint: str,
    mean_valence: float,
    participants: int,
    *,
    segments: int | None = None,
    of: int | None = None,
) -> str:
    """One line on a pain point or delight, the same in every report format.

    "Delivery during Support: 3 participants, 5 segments (mean valence −0.49)"; with ``of``
    (the persona's participants) and no ``segments``: "…: 3 of 5 participants (…)".
    """
    people = f"{participants} of {of}" if of is not None else str(participants)
    said = f"{people} participant{'' if participants == 1 and of is None else 's'}"
    if segments is not None:
        said += f", {segments} segment{'' if segments == 1 else 's'}"
    return f"{where(stage, touchpoint)}: {said} (mean valence {signed(mean_valence)})"


def signed(value: float, keep_sign: bool = False) -> str:
    """A valence as a report prints it: two decimals, always signed, a true minus sign ("+0.00",
    never "−0.00", for what rounds to zero). ``keep_sign``: a value that rounds to zero keeps a
    third decimal and its sign ("−0.005"), for an interval bound whose sign is the point."""
    if keep_sign and value and round(value, 2) == 0:
        return f"{value:+.3f}".replace("-", "\u2212")
    return f"{round(value, 2) + 0.0:+.2f}".replace("-", "\u2212")


def joined(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list as a sentence says it."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def plural(count: int, noun: str) -> str:
    """ "1 segment", "3 segments"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def priorities(
    coded: pd.DataFrame,
    codebook: Codebook,
    n_participants: int,
    pains: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What to fix first: every pain point with its owning team, reach, and a priority score.

    The score is the share of the persona's participants who raised it times how negative it
    was (|mean valence|): a problem many people felt strongly comes first. Ties keep the
    pain-point order (participants, then segments). ``pains`` are ``coded``'s pain points
    (``moments(coded, negative=True)``) when the caller has them already.
    """
    columns = [
        "rank", "stage", "touchpoint", "owner", "participants", "share", "segments",
        "mean_valence", "score", "example", "evidence",
    ]  # fmt: skip
    if pains is None:
        pains = moments(coded, negative=True, signs=moment_signs(coder_method(coded), codebook))
    if pains.empty or not n_participants:
        return pd.DataFrame(columns=columns)
    owners = {c.id: c.owner for c in codebook.touchpoints}

    def owner(touchpoints: str) -> str:
        named = dict.fromkeys(owners.get(t, "") for t in split_codes(touchpoints))
        return ", ".join(o for o in named if o) or UNASSIGNED

    table = pains.assign(
        owner=pains["touchpoint"].map(owner),
        share=pains["participants"] / n_participants,
    )
    table["score"] = (table["share"] * -table["mean_valence"]).round(3)
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = range(1, len(table) + 1)
    return table[columns]


def stage_pain_reach(journey: Journey) -> pd.DataFrame:
    """Per stage, how many participants voiced any pain point there (all touchpoints together)
    and the most any one pain point reached, for stages where the touchpoints split a theme
    into smaller rows (``reached`` > ``largest``), widest first: four of seven complaining about
    renewal, as four rows of one or two, would drop out of every top 3."""
    columns = ["stage", "reached", "largest"]
    pains = journey.priorities
    if pains.empty:
        return pd.DataFrame(columns=columns)
    who = dict(zip(journey.segments["segment_id"], journey.segments["participant_id"], strict=True))
    rows = []
    for stage, group in pains.groupby("stage", sort=False):
        people = {str(who.get(s)) for evidence in group["evidence"] for s in evidence}
        rows.append((stage, len(people), int(group["participants"].max())))
    table = pd.DataFrame(rows, columns=columns)
    table = table[table["reached"] > table["largest"]]
    return table.sort_values(["reached", "largest"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def funnel(coded: pd.DataFrame, stages: list[str], n_participants: int) -> pd.DataFrame:
    """How many participants spoke of each stage, in journey order: how far journeys reach."""
    reached = coded.groupby("stage")["participant_id"].nunique().reindex(stages, fill_value=0)
    table = pd.DataFrame({"participants": reached.astype(int)})
    table["share"] = table["participants"] / n_participants if n_participants else 0.0
    table.index.name = "stage"
    return table


def code_frequencies(segments: pd.DataFrame, codebook: Codebook) -> dict[str, pd.Series]:
    """How often each code of each dimension was applied to participant segments."""
    rows = participant_segments(segments)
    touchpoints = rows["touchpoints"].map(split_codes).explode().dropna()
    return {
        "stages": rows["stage"].value_counts().reindex(codebook.stage_ids, fill_value=0),
        "touchpoints": touchpoints.value_counts().reindex(
            [c.id for c in codebook.touchpoints], fill_value=0
        ),
        "emotions": rows["emotion"]
        .value_counts()
        .reindex([c.id for c in codebook.emotions], fill_value=0),
    }
