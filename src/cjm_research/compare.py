"""The cross-persona view: every persona's journey side by side, and where they differ.

Pure functions of the coded segments table and the codebook, like :mod:`analysis` (whose
:func:`~cjm_research.analysis.build_journey` computes each persona's journey): no I/O, no plotting.
Differences are only claimed where each side rests on enough evidence; everything else is kept in
the tables, flagged, so a reader sees what could not be compared. The report's words are
:mod:`compare_words`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from cjm_research.analysis import MIN_EVIDENCE, Journey, build_journey, participant_segments
from cjm_research.model import Codebook
from cjm_research.segments import split_codes

#: A touchpoint difference is reported only when the persona it matters to has this many
#: participants mentioning it: one talkative participant is an anecdote, not a persona trait.
MIN_PARTICIPANTS = 2
#: ... and said to come up more often only when it is this many times as common in that
#: persona's segments: 4 against 4 segments (24 % against 19 %) is no difference. (Not also "in
#: more segments than the other side": that held a small persona's 7 of 50 segments to a large
#: one's 7 of 170, against the shares the comparison is made of.)
MIN_RATIO = 1.5
#: ... and only when the gap is this many percentage points of the shares as printed or more: in
#: a persona of 75 segments one segment is 1.3 points, so 4 % against 3 % is a turn or two (the
#: audit's Social media, listed as setting two personas apart), and a difference of shares of
#: that size is within what two samples of interview turns differ by anyway.
MIN_POINTS = 5


@dataclass
class Comparison:
    """All personas' journeys and the tables that compare them."""

    personas: list[str]
    names: dict[str, str]
    stages: list[str]
    stage_labels: dict[str, str]
    journeys: dict[str, Journey]
    #: persona, name, interviews, participants, segments
    totals: pd.DataFrame
    #: tidy: persona, stage, mean_valence, n, ci_low, ci_high, low_evidence
    curves: pd.DataFrame
    #: tidy: persona, stage, segments, participants, participant_share
    coverage: pd.DataFrame
    #: tidy: touchpoint, persona, segments, participants, share (of the persona's segments)
    touchpoint_shares: pd.DataFrame
    #: one row per touchpoint, ranked: high/low persona, their shares, difference, ratio, evidence
    #: and ``behind``, the high persona's participants who mention it more often than the low one
    touchpoint_differences: pd.DataFrame
    #: one row per stage, ranked by spread of mean valence across personas with enough evidence
    divergence: pd.DataFrame

    def name(self, persona_id: str) -> str:
        """The display name of a persona (its id when no persona notes named it)."""
        return self.names.get(persona_id) or persona_id


def compare_personas(
    segments: pd.DataFrame,
    codebook: Codebook,
    personas: list[str] | None = None,
    *,
    names: dict[str, str] | None = None,
    min_participants: int = MIN_PARTICIPANTS,
) -> Comparison:
    """Compare the journeys of ``personas`` (default: every persona with participant segments)."""
    rows = participant_segments(segments)
    if personas is None:
        personas = sorted(set(rows["persona_id"].astype(str)) - {""})
    # Counts, curves and code tables only: the comparison shows no quotes, pain points or
    # actions, and computing them for 40 personas was most of building the comparison.
    journeys = {pid: build_journey(segments, codebook, pid, detail=False) for pid in personas}
    names = {pid: (names or {}).get(pid) or pid for pid in personas}
    curves = persona_curves(journeys)
    shares = touchpoint_shares(journeys, codebook)
    voices = touchpoint_voices(journeys)
    return Comparison(
        personas=list(personas),
        names=names,
        stages=codebook.stage_ids,
        stage_labels={c.id: c.label for c in codebook.stages},
        journeys=journeys,
        totals=pd.DataFrame(
            {
                "persona": list(personas),
                "name": [names[p] for p in personas],
                "interviews": [journeys[p].n_interviews for p in personas],
                "participants": [journeys[p].n_participants for p in personas],
                "segments": [journeys[p].n_segments for p in personas],
            }
        ),
        curves=curves,
        coverage=persona_coverage(journeys),
        touchpoint_shares=shares,
        touchpoint_differences=touchpoint_differences(
            shares, min_participants=min_participants, voices=voices
        ),
        divergence=stage_divergence(curves, codebook.stage_ids),
    )


def persona_curves(journeys: dict[str, Journey]) -> pd.DataFrame:
    """Every persona's emotion curve as one tidy table, stages in codebook order per persona."""
    columns = ["persona", "stage", "mean_valence", "n", "ci_low", "ci_high", "low_evidence"]
    frames = [
        journey.emotion_curve.reindex(journey.stages)
        .rename_axis("stage")
        .reset_index()
        .assign(persona=pid)
        for pid, journey in journeys.items()
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    curves = pd.concat(frames, ignore_index=True)
    curves["n"] = curves["n"].fillna(0).astype(int)
    curves["low_evidence"] = curves["n"] < MIN_EVIDENCE
    return curves[columns]


def persona_coverage(journeys: dict[str, Journey]) -> pd.DataFrame:
    """Segments, participants and participant share per persona and stage, as one tidy table."""
    columns = ["persona", "stage", "segments", "participants", "participant_share"]
    frames = [
        journey.coverage.reset_index().assign(persona=pid) for pid, journey in journeys.items()
    ]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def touchpoint_shares(journeys: dict[str, Journey], codebook: Codebook) -> pd.DataFrame:
    """Per touchpoint and persona: segments and participants naming it, share of all segments.

    The share is out of all the persona's participant segments, so personas interviewed at
    different lengths compare fairly. Touchpoints nobody named are left out.
    """
    order = [c.id for c in codebook.touchpoints]
    frames = []
    for pid, journey in journeys.items():
        rows = journey.segments
        named = rows.assign(touchpoint=rows["touchpoints"].map(split_codes)).explode("touchpoint")
        named = named.dropna(subset=["touchpoint"])
        counts = named.groupby("touchpoint").agg(
            segments=("segment_id", "nunique"), participants=("participant_id", "nunique")
        )
        counts = counts.reindex(order, fill_value=0).rename_axis("touchpoint").reset_index()
        counts["persona"] = pid
        counts["share"] = counts["segments"] / journey.n_segments if journey.n_segments else 0.0
        frames.append(counts)
    columns = ["touchpoint", "persona", "segments", "participants", "share"]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True)[columns]
    mentioned = table.groupby("touchpoint")["segments"].transform("sum") > 0
    # .loc with a bool array: an empty object-dtype mask given to [] selects columns instead.
    return table.loc[mentioned.to_numpy(dtype=bool)].reset_index(drop=True)


def touchpoint_voices(journeys: dict[str, Journey]) -> pd.DataFrame:
    """Per touchpoint, persona and participant mentioning it: the share of that participant's
    segments that do (the reports count people: one talkative participant is one voice)."""
    frames = []
    for pid, journey in journeys.items():
        rows = journey.segments
        turns = rows.groupby("participant_id")["segment_id"].nunique()
        named = rows.assign(touchpoint=rows["touchpoints"].map(split_codes)).explode("touchpoint")
        named = named.dropna(subset=["touchpoint"])
        counts = named.groupby(["touchpoint", "participant_id"])["segment_id"].nunique()
        share = counts / turns.reindex(counts.index.get_level_values(1)).to_numpy()
        frames.append(share.rename("share").reset_index().assign(persona=pid))
    columns = ["touchpoint", "persona", "participant_id", "share"]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def touchpoint_differences(
    shares: pd.DataFrame,
    *,
    min_participants: int = MIN_PARTICIPANTS,
    voices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Touchpoints that matter to one persona more than to another, largest difference first.

    For each touchpoint, the persona with the highest share is set against the one with the
    lowest; ``difference`` is in share points (0.25 = 25 percentage points) and ``ratio`` is how
    many times more often (inf when the other persona never names it). ``enough_evidence`` holds
    when the high side rests on at least ``MIN_EVIDENCE`` segments from ``min_participants``
    participants; rows without it rank after every row with it. ``behind``: how many of the high
    persona's participants mention it in a larger share of their own segments than the low
    persona's share (``touchpoint_voices``; without them, every participant mentioning it).
    """
    columns = [
        "touchpoint",
        "high",
        "high_share",
        "high_segments",
        "high_participants",
        "low",
        "low_share",
        "low_segments",
        "difference",
        "ratio",
        "enough_evidence",
        "behind",
    ]
    if shares.empty or shares["persona"].nunique() < 2:
        # Typed, so that filtering on enough_evidence works on the empty table too.
        return pd.DataFrame(
            {c: pd.Series(dtype=bool if c == "enough_evidence" else object) for c in columns}
        )
    # Stable sorts keep the personas' given order as the tie-break for highest and lowest.
    by_share = shares.sort_values("share", ascending=False, kind="stable").groupby(
        "touchpoint", sort=False
    )
    high, low = by_share.head(1).set_index("touchpoint"), by_share.tail(1).set_index("touchpoint")
    low = low.reindex(high.index)
    table = pd.DataFrame(
        {
            "touchpoint": high.index,
            "high": high["persona"].to_numpy(),
            "high_share": high["share"].to_numpy(),
            "high_segments": high["segments"].to_numpy(),
            "high_participants": high["participants"].to_numpy(),
            "low": low["persona"].to_numpy(),
            "low_share": low["share"].to_numpy(),
            "low_segments": low["segments"].to_numpy(),
        }
    )
    table["difference"] = table["high_share"] - table["low_share"]
    table["ratio"] = [
        h / lo if lo > 0 else math.inf
        for h, lo in zip(table["high_share"], table["low_share"], strict=True)
    ]
    table["enough_evidence"] = (table["high_segments"] >= MIN_EVIDENCE) & (
        table["high_participants"] >= min_participants
    )
    table["behind"] = table["high_participants"]
    if voices is not None:
        mine = voices.merge(
            table, left_on=["touchpoint", "persona"], right_on=["touchpoint", "high"]
        )
        above = mine[mine["share"] > mine["low_share"]].groupby("touchpoint").size()
        table["behind"] = table["touchpoint"].map(above).fillna(0).astype(int)
    table = table.sort_values(
        ["enough_evidence", "difference", "touchpoint"],
        ascending=[False, False, True],
        kind="stable",
    )
    return table.reset_index(drop=True)[columns]


def stage_divergence(curves: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """Stages ranked by how far the personas' mean valence spreads (max − min), widest first.

    Only personas with at least ``MIN_EVIDENCE`` segments in a stage take part; a stage with fewer
    than two such personas has no spread and ranks last. ``separated`` says whether the lowest
    and highest personas' 95 % intervals do not overlap: a gap the data can carry, not noise.
    """
    columns = [
        "stage",
        "spread",
        "lowest",
        "lowest_valence",
        "lowest_n",
        "highest",
        "highest_valence",
        "highest_n",
        "compared",
        "separated",
        "intervals",
    ]
    records = []
    for stage in stages:
        enough = curves[(curves["stage"] == stage) & ~curves["low_evidence"]]
        enough = enough.sort_values("mean_valence", kind="stable")
        record: dict[str, object] = {
            "stage": stage,
            "compared": len(enough),
            "separated": False,
            "intervals": False,
        }
        if len(enough) >= 2:
            lo, hi = enough.iloc[0], enough.iloc[-1]
            record.update(
                spread=float(hi["mean_valence"] - lo["mean_valence"]),
                lowest=lo["persona"],
                lowest_valence=float(lo["mean_valence"]),
                lowest_n=int(lo["n"]),
                highest=hi["persona"],
                highest_valence=float(hi["mean_valence"]),
                highest_n=int(hi["n"]),
                # NaN bounds (too few participants) never prove a gap.
                separated=bool(lo["ci_high"] < hi["ci_low"]),
                intervals=bool(pd.notna(lo["ci_high"]) and pd.notna(hi["ci_low"])),
            )
        records.append(record)
    table = pd.DataFrame.from_records(records, columns=columns)
    table = table.astype(
        {"lowest_n": "Int64", "highest_n": "Int64", "separated": bool, "intervals": bool}
    )
    order = {s: i for i, s in enumerate(stages)}
    table = table.assign(_order=table["stage"].map(order)).sort_values(
        ["spread", "_order"], ascending=[False, True], na_position="last", kind="stable"
    )
    return table.drop(columns="_order").reset_index(drop=True)


def printed_points(differences: pd.DataFrame) -> pd.Series:
    """Each difference in percentage points of the shares as the report prints them (so that
    its columns add up for the reader)."""
    return (differences["high_share"] * 100).round() - (differences["low_share"] * 100).round()


def touchpoints_apart(differences: pd.DataFrame) -> pd.DataFrame:
    """The touchpoint differences a report may say set the personas apart: enough evidence on
    the side it comes up more for, ``MIN_RATIO`` times as often there, a gap of ``MIN_POINTS``
    points or more as printed, and ``MIN_PARTICIPANTS`` participants behind it (``behind``:
    people, not turns, each mentioning it more often than the other persona does)."""
    points = printed_points(differences)
    apart = differences[
        differences["enough_evidence"]
        & (differences["ratio"] >= MIN_RATIO)
        & (points >= MIN_POINTS)
        & (differences["behind"] >= MIN_PARTICIPANTS)
    ]
    # Largest difference first as the reader sees it: in points of the shares as printed.
    return apart.loc[points[apart.index].sort_values(ascending=False, kind="stable").index]
