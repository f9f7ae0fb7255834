"""The executive summary of a persona report, once for both formats: what it rests on, the
cautions to read it with, the low point, the top pain points and delights (``sections`` holds
the rest of what a report says)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cjm_research.analysis import (
    FEW_PARTICIPANTS,
    MIN_EVIDENCE,
    THIN_INTERVIEW,
    Journey,
    curve_reading,
    evidence,
    joined,
    moment_pairs,
    moment_text,
    plural,
    share_text,
    signed,
    stage_pain_reach,
)


@dataclass(frozen=True)
class Summary:
    """A persona's executive summary in words: the same sentences in the Word and HTML reports."""

    counts: str  # what the report rests on
    lowest: str  # the journey's low point, or why none is named
    pain_points: list[str]  # the top moments (``moment_text``); empty when none
    delights: list[str]
    no_pain_points: str  # what to say instead when there are none
    no_delights: str
    cautions: str  # what to read every figure with (``evidence_cautions``); "" when nothing
    #: stages whose pain, split by touchpoint, reaches more people than the top rows show
    pain_by_stage: str = ""


def summarise(journey: Journey, touchpoint_label: Callable[[str], str], top: int = 3) -> Summary:
    """The executive summary of ``journey``; ``touchpoint_label`` names a touchpoint id."""
    stage = journey.stage_labels.get
    lowest = journey.lowest_stage
    if lowest is None:
        low = (
            f"No stage has enough evidence (at least {MIN_EVIDENCE} segments) to name the low "
            "point of the journey."
        )
    else:
        point = journey.emotion_curve.loc[lowest]
        mean = float(point["mean_valence"])
        reading = curve_reading(point, journey.neutral_band)
        opening = (
            f"The journey is at its lowest in {stage(lowest, lowest)}"
            if reading.endswith("negative")
            # "Lowest" must not make a stage the stakeholder reads as fine sound like a trough.
            else f"No stage with at least {MIN_EVIDENCE} segments is clearly negative; the "
            f"lowest is {stage(lowest, lowest)}"
        )
        low = (
            f"{opening}: mean valence {signed(mean)} ({reading}) over {evidence(point)}, "
            f"{share_text(point)}."
        )
        # Stages whose mean is lower but less sure (``Journey.lowest_stage``), with why.
        curve = journey.emotion_curve
        lower = curve[(curve["n"] > 0) & (curve["mean_valence"] < min(mean, -journey.neutral_band))]
        low += "".join(
            f" {stage(s, s)} reads lower ({signed(float(r['mean_valence']))}) on only "
            f"{plural(int(r['n']), 'segment')}."
            if r["n"] < MIN_EVIDENCE
            else f" {stage(s, s)} reads lower ({signed(float(r['mean_valence']))}) on "
            f"{evidence(r)}: too few participants for an interval."
            if math.isnan(float(r["ci_high"]))
            else f" {stage(s, s)} reads lower ({signed(float(r['mean_valence']))}) on "
            f"{evidence(r)}, less surely: its 95 % interval reaches "
            f"{signed(float(r['ci_high']))}, against {signed(float(point['ci_high']))} here."
            for s, r in lower.sort_values("mean_valence").iterrows()
        )

    segments = journey.segments
    person = dict(zip(segments["segment_id"], segments["participant_id"], strict=True))
    painful: dict[tuple[str, str], set[str]] = {}  # each painful pair → who voiced it
    for row in journey.pain_points.itertuples(index=False):
        for pair in moment_pairs(row.stage, row.touchpoint):
            painful.setdefault(pair, set()).update(str(person.get(s)) for s in row.evidence)

    def also_painful(row: Any) -> str:
        """A moment both painful and delightful: fix it or protect it? Both. For whom?"""
        pairs = moment_pairs(row.stage, row.touchpoint) & set(painful)
        if not pairs:
            return ""
        pained = set().union(*(painful[p] for p in pairs))
        pleased = {str(person.get(s)) for s in row.evidence}
        if pained == pleased:  # the same people felt both: no two groups to tell apart
            same = "participant" if len(pleased) == 1 else "participants"
            return f" — also a pain point, for the same {same}: mixed feelings"
        if pleased <= pained:  # all who praised it complained of it too, as others did
            return (
                " — also a pain point, for more participants, among them everyone who praised "
                "it: mixed feelings"
            )
        if pleased & pained:
            return " — also a pain point: experiences differed, and some felt both"
        return " — also a pain point: experiences differed"

    def lines(table: pd.DataFrame, mixed: bool = False) -> list[str]:
        return [
            moment_text(
                stage(row.stage, row.stage),
                touchpoint_label(row.touchpoint) if row.touchpoint else "",
                float(row.mean_valence),
                int(row.participants),
                segments=int(row.segments),
            )
            + (also_painful(row) if mixed else "")
            for row in table.head(top).itertuples(index=False)
        ]

    # the summary names the split stages only when the top rows reach fewer people
    top_reach = journey.pain_points.head(top)["participants"]
    coded = journey.segments["stage"].fillna("").astype(str)
    staged = int(coded.isin(journey.stages).sum())
    # The stage counts further on add up to the staged ones: say where the others went. A stage
    # the codebook no longer has (a researcher's code from before an edit) is not small talk.
    removed = int(((coded != "") & ~coded.isin(journey.stages)).sum())
    other = journey.n_segments - staged - removed
    parts = [f"{staged} of them in a journey stage"]
    parts += (
        [f"{other} in none: introductions, closing talk and other turns coded as not about the "
         "journey"]
        if other
        else []
    )  # fmt: skip
    if removed:
        parts.append(f"{removed} coded with a stage no longer in the codebook, left out")
    aside = f" ({', '.join(parts)})" if other or removed else ""
    return Summary(
        counts=(
            f"This report rests on {plural(journey.n_segments, 'coded segment')} from "
            f"{plural(journey.n_participants, 'participant')} in "
            f"{plural(journey.n_interviews, 'interview')}{aside}."
        ),
        lowest=low,
        pain_points=lines(journey.pain_points),
        delights=lines(journey.delights, mixed=True),
        no_pain_points=(
            "No segment of this persona was coded with valence at or below "
            f"{signed(journey.moment_valences[0])}."
        ),
        no_delights=(
            "No segment of this persona was coded with valence at or above "
            f"{signed(journey.moment_valences[1])}."
        ),
        cautions=" ".join(evidence_cautions(journey)),
        pain_by_stage=split_pain(journey, at_least=int(top_reach.min()) if len(top_reach) else 0),
    )


def split_pain(journey: Journey, at_least: int = 0) -> str:
    """The stages whose pain points, split by touchpoint, reach more participants together than
    any one row (``stage_pain_reach``), those reaching ``at_least`` participants: said under What
    to fix first, and in the summary when the top rows hide them."""
    rows = stage_pain_reach(journey)
    rows = rows[rows["reached"] >= max(at_least, 2)]
    if rows.empty:
        return ""
    n = journey.n_participants
    named = "; ".join(
        f"{journey.stage_labels.get(r.stage, r.stage)}, {r.reached} of {n} participants "
        f"(the largest row {r.largest})"
        for r in rows.itertuples(index=False)
    )
    return (
        "Counting every touchpoint, more participants voiced a pain point than any one row "
        f"shows in {named}."
    )


def evidence_cautions(journey: Journey, persona: bool = True) -> list[str]:
    """What a reader must know before any figure (the summary's warning, and without the
    ``persona``'s size, the appendix's limitations): a persona on few participants, interviews
    that say next to nothing of the journey yet count in every "of N", stages nobody spoke of,
    and stages on few segments."""
    label = journey.stage_labels.get
    said = []
    n = journey.n_participants
    if persona and n == 1:
        said.append(
            "This persona rests on 1 participant: every figure is one person's account, not a "
            "persona's. Read it as a lead."
        )
    elif persona and 0 < n < FEW_PARTICIPANTS:
        said.append(
            f"This persona rests on {plural(n, 'participant')}: a count such as “{n} of {n}” "
            "means these people, not everyone, and one person can decide a ranking. Read every "
            "figure as a lead."
        )
    thin = journey.thin_interviews
    if len(thin):
        names, counts = list(thin.index), [str(int(k)) for k in thin]
        one = len(thin) == 1
        amount = (
            "no segment"
            if set(counts) == {"0"}
            else f"only {joined(counts)} {'segment' if counts == ['1'] else 'segments'}"
        )
        said.append(
            f"{joined(names)} {'has' if one else 'have'} {amount} in a journey stage (fewer than "
            f"{THIN_INTERVIEW}), yet {'counts' if one else 'each counts'} as a participant in "
            "every count of participants."
        )
    if journey.unspoken:
        said.append(
            f"No evidence for {', '.join(label(s, s) for s in journey.unspoken)}: no participant "
            "segment was coded with "
            f"{'this stage' if len(journey.unspoken) == 1 else 'these stages'}."
        )
    if few := journey.few_segments:
        said.append(
            f"Low evidence (fewer than {MIN_EVIDENCE} coded segments) for "
            f"{', '.join(label(s, s) for s in few)}: read what this report says about "
            f"{'this stage' if len(few) == 1 else 'these stages'} as indicative only."
        )
    return said
