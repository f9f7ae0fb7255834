"""The cross-persona view: every persona's journey side by side, and where they differ.

Pure functions of the coded segments table and the codebook, like :mod:`analysis` (whose
:func:`~cjm_research.analysis.build_journey` computes each persona's journey): no I/O, no plotting.
Differences are only claimed where each side rests on enough evidence; everything else is kept in
the tables, flagged, so a reader sees what could not be compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from cjm_research.analysis import (
    MIN_EVIDENCE,
    Journey,
    build_journey,
    curve_reading,
    joined,
    participant_segments,
    plural,
    signed,
)
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
        touchpoint_differences=touchpoint_differences(shares, min_participants=min_participants),
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


def touchpoint_differences(
    shares: pd.DataFrame, *, min_participants: int = MIN_PARTICIPANTS
) -> pd.DataFrame:
    """Touchpoints that matter to one persona more than to another, largest difference first.

    For each touchpoint, the persona with the highest share is set against the one with the
    lowest; ``difference`` is in share points (0.25 = 25 percentage points) and ``ratio`` is how
    many times more often (inf when the other persona never names it). ``enough_evidence`` holds
    when the high side rests on at least ``MIN_EVIDENCE`` segments from ``min_participants``
    participants; rows without it rank after every row with it.
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


def _percent(share: float) -> str:
    return f"{share:.0%}"


def summary_sentences(comparison: Comparison, codebook: Codebook, top: int = 3) -> list[str]:
    """The comparison's headline findings as sentences with their numbers (Word and HTML)."""
    c = comparison
    sentences = []
    ranked = c.divergence.dropna(subset=["spread"])
    # A spread narrower than the neutral band (−band … +band) is no gap: both means could read
    # neutral. The widest is still named, as such, when nothing is wider; every such stage is
    # listed in one sentence.
    width = 2 * max((j.neutral_band for j in c.journeys.values()), default=0.0)
    narrow = (ranked["spread"] < width) & ~ranked["separated"]
    diverging = ranked[~narrow].head(top)
    within = ranked[narrow]
    if diverging.empty and not within.empty:
        diverging, within = within.head(1), within.iloc[1:]
    for rank, row in enumerate(diverging.itertuples()):
        label = c.stage_labels.get(row.stage, row.stage)
        # "Differ" only where the intervals say so: a gap within the noise is a lead.
        if row.separated:
            opening = "The journeys diverge most in" if rank == 0 else "They also differ in"
            gap = "; their 95 % intervals do not overlap"
        elif row.spread < width:
            opening = "The widest spread is in"
            gap = f", narrower than the neutral band ({width:.2f} wide): no gap to speak of"
        else:
            opening = "The widest gap is in" if rank == 0 else "A narrower gap is in"
            gap = (
                "; the intervals overlap, so treat the gap as a lead, not a difference"
                if row.intervals
                else "; one side has too few participants for an interval, so treat the gap "
                "as a lead, not a difference"
            )
        sentences.append(
            f"{opening} {label}: {c.name(row.lowest)} "
            f"at {signed(row.lowest_valence)} (n = {row.lowest_n}) against "
            f"{c.name(row.highest)} at {signed(row.highest_valence)} "
            f"(n = {row.highest_n}), a spread of {row.spread:.2f} on the −1 to +1 scale{gap}."
        )
    if len(within):
        labels = [c.stage_labels.get(s, s) for s in within["stage"]]
        sentences.append(
            f"{joined(labels)}: the personas' means spread less than the neutral band's "
            f"width ({width:.2f}), no gap to speak of."
        )
    if diverging.empty:
        sentences.append(
            f"No stage has at least {MIN_EVIDENCE} coded segments for two personas, so no "
            "difference in emotion can be claimed yet."
        )
    for row in touchpoints_apart(c.touchpoint_differences).head(top).itertuples():
        label = codebook.label("touchpoints", row.touchpoint)
        high, low = (
            _alike(c, row.touchpoint, row.high_share),
            _alike(c, row.touchpoint, row.low_share),
        )
        times = (
            f"{row.ratio:.1f} times as often"
            if math.isfinite(row.ratio)
            else f"while {_names(c, low)} never mention{'s' if len(low) == 1 else ''} it"
        )
        if len(high) > 1:  # "more for Pat than for Sam" while Jo names it as often as Pat
            sentences.append(
                f"{label} comes up more often for {_names(c, high)} ({_percent(row.high_share)} "
                f"of their segments each) than for {_names(c, low)} "
                f"({_percent(row.low_share)}), {times}{_between(c, row.touchpoint, high + low)}."
            )
            continue
        sentences.append(
            f"{label} comes up more often for {c.name(row.high)} than for {_names(c, low)}: "
            f"{_percent(row.high_share)} of their "
            f"segments mention it ({plural(int(row.high_segments), 'segment')} from "
            f"{plural(int(row.high_participants), 'participant')}) against "
            f"{_percent(row.low_share)} "
            f"({plural(int(row.low_segments), 'segment')}) for {c.name(row.low)}"
            f"{_also(c, low, row.low)}, "
            f"{times}{_between(c, row.touchpoint, high + low)}."
        )
    thin = c.divergence[c.divergence["compared"] < 2]["stage"]
    if len(thin):
        sentences.append(
            "Too little evidence to compare "
            + ", ".join(c.stage_labels.get(s, s) for s in thin)
            + f" (fewer than two personas with {MIN_EVIDENCE} or more segments)."
        )
    return sentences


def _shares(c: Comparison, touchpoint: str) -> list[tuple[str, float]]:
    """(persona, share of its segments) for ``touchpoint``, in the personas' order."""
    rows = c.touchpoint_shares[c.touchpoint_shares["touchpoint"] == touchpoint]
    return list(zip(rows["persona"], rows["share"], strict=True))


def _alike(c: Comparison, touchpoint: str, share: float) -> list[str]:
    """The personas whose share of ``touchpoint`` prints as ``share`` does (ties named alike)."""
    return [p for p, s in _shares(c, touchpoint) if _percent(s) == _percent(share)]


def _also(c: Comparison, alike: list[str], named: str) -> str:
    """The others ``alike`` beside the one ``named``, as a sentence adds them ("as little for
    Jo")."""
    others = [p for p in alike if p != named]
    return f" (as little for {_names(c, others)})" if others else ""


def _between(c: Comparison, touchpoint: str, named: list[str]) -> str:
    """The personas a sentence did not name, with their shares: "(Sam: 12%)"."""
    rest = [f"{c.name(p)}: {_percent(s)}" for p, s in _shares(c, touchpoint) if p not in named]
    return f" ({'; '.join(rest)})" if rest else ""


def _names(c: Comparison, personas: list[str]) -> str:
    return joined([c.name(p) for p in personas])


def touchpoints_apart(differences: pd.DataFrame) -> pd.DataFrame:
    """The touchpoint differences a report may call a difference: enough evidence on the side it
    comes up more for, and ``MIN_RATIO`` times as often there."""
    apart = differences[differences["enough_evidence"] & (differences["ratio"] >= MIN_RATIO)]
    # Largest difference first as the reader sees it: in points of the shares as printed.
    printed = (apart["high_share"] * 100).round() - (apart["low_share"] * 100).round()
    return apart.loc[printed.sort_values(ascending=False, kind="stable").index]


def touchpoint_table(comparison: Comparison, codebook: Codebook, top: int = 10) -> pd.DataFrame:
    """The touchpoint differences a report may claim (``touchpoints_apart``) as display text
    (Word and HTML)."""
    c = comparison
    strong = touchpoints_apart(c.touchpoint_differences).head(top)
    return pd.DataFrame(
        {
            "Touchpoint": [codebook.label("touchpoints", t) for t in strong["touchpoint"]],
            "Most": [
                f"{_names(c, _alike(c, t, s))}: {_percent(s)}"
                for t, s in zip(strong["touchpoint"], strong["high_share"], strict=True)
            ],
            "Least": [
                f"{_names(c, _alike(c, t, s))}: {_percent(s)}"
                for t, s in zip(strong["touchpoint"], strong["low_share"], strict=True)
            ],
            # from the shares as printed, so that the columns add up for the reader
            "Difference": [
                plural(round(h * 100) - round(lo * 100), "point")
                for h, lo in zip(strong["high_share"], strong["low_share"], strict=True)
            ],
            # infinite: the least persona never names it (its 0 % is in Least; a third persona
            # may name it, so not "only them"), and a persona's name wrapped the narrow column
            "Ratio": [f"{r:.1f}×" if math.isfinite(r) else "—" for r in strong["ratio"]],
        }
    )


def stage_table(comparison: Comparison, sep: str = " · ") -> pd.DataFrame:
    """Per stage, each persona's mean valence (read with its coder's neutral band), n and
    participants, and the spread, as text (``sep`` joins the parts of a cell)."""
    c = comparison
    curves = c.curves.set_index(["persona", "stage"])
    coverage = c.coverage.set_index(["persona", "stage"])
    totals = c.totals.set_index("persona")["participants"]
    spread = c.divergence.set_index("stage")["spread"]

    def cell(pid: str, stage: str) -> str:
        point = curves.loc[(pid, stage)]
        if int(point["n"]) == 0:
            return "—"
        people = int(coverage.loc[(pid, stage), "participants"])
        mean = float(point["mean_valence"])
        reading = curve_reading(point, c.journeys[pid].neutral_band)
        parts = [
            f"{signed(mean)} {reading} (n = {int(point['n'])})",
            f"{people} of {int(totals[pid])} participants",
        ]
        return sep.join(parts + (["low evidence"] if point["low_evidence"] else []))

    table = pd.DataFrame({"Stage": [c.stage_labels.get(s, s) for s in c.stages]})
    for pid in c.personas:
        table[c.name(pid)] = [cell(pid, s) for s in c.stages]
    table["Spread"] = ["—" if pd.isna(spread.get(s)) else f"{spread[s]:.2f}" for s in c.stages]
    return table


def alt_texts(comparison: Comparison, codebook: Codebook) -> dict[str, str]:
    """What each cross-persona figure shows, in words: alt text for Word and HTML alike."""
    c = comparison
    lines = []
    for pid in c.personas:
        mine = c.curves[(c.curves["persona"] == pid) & (c.curves["n"] > 0)]
        points = ", ".join(
            f"{c.stage_labels.get(r.stage, r.stage)} {signed(r.mean_valence)} (n = {r.n})"
            for r in mine.itertuples()
        )
        lines.append(f"{c.name(pid)}: {points or 'no data'}")
    ranked = c.divergence.dropna(subset=["spread"])
    bars = "; ".join(
        f"{c.stage_labels.get(r.stage, r.stage)} {r.spread:.2f} ({c.name(r.lowest)} "
        f"{signed(r.lowest_valence)} to {c.name(r.highest)} {signed(r.highest_valence)})"
        for r in ranked.itertuples()
    )
    differences = c.touchpoint_differences
    top = ", ".join(
        f"{codebook.label('touchpoints', r.touchpoint)} ({c.name(r.high)} "
        f"{_percent(r.high_share)} vs {c.name(r.low)} {_percent(r.low_share)})"
        for r in differences[differences["enough_evidence"]].head(3).itertuples()
    )
    return {
        "persona_curves": "Line chart of mean valence by stage, one line per persona. "
        + "; ".join(lines)
        + ".",
        "divergence": "Range bars of mean valence per stage, widest spread first: "
        + (bars or "no stage has two personas with enough evidence")
        + ".",
        "touchpoint_personas": "Heatmap of touchpoint mentions per persona as a share of the "
        "persona's segments. "
        + (f"Largest differences: {top}." if top else "No touchpoint differs enough to list."),
    }


#: The cross-persona report's reading guides, word for word in every format.
GUIDES = {
    "divergence": (
        "Each bar runs from the persona who feels a stage worst to the one who feels it best, "
        f"among personas with at least {MIN_EVIDENCE} segments there; stages are ranked by that "
        "spread."
    ),
    "touchpoints": (
        "For each touchpoint, the persona whose segments mention it most often against the one "
        "mentioning it least, as a share of each persona's coded segments. Listed when the "
        f"higher side rests on at least {MIN_EVIDENCE} segments from "
        f"{plural(MIN_PARTICIPANTS, 'participant')} and it comes up at least {MIN_RATIO:g} times "
        "as often there (a small difference between large shares is left out); largest "
        "difference first. How often a touchpoint comes up is not how much it hurts: see each "
        "persona's What to fix first."
    ),
    "no_touchpoints": "No touchpoint is mentioned often enough by any persona to compare.",
    "stages": (
        "Mean valence, segments (n) and participants per persona and stage. “—”: nobody of "
        f"that persona spoke of the stage; “low evidence”: fewer than {MIN_EVIDENCE} segments."
    ),
}


def title_lines(comparison: Comparison, study_name: str = "") -> list[str]:
    """The comparison's title block, line by line: title, study, counts."""
    totals = comparison.totals
    counts = (
        f"{plural(len(totals), 'persona')} · "
        f"{plural(int(totals['interviews'].sum()), 'interview')} · "
        f"{plural(int(totals['participants'].sum()), 'participant')} · "
        f"{plural(int(totals['segments'].sum()), 'coded segment')}"
    )
    return ["Cross-persona comparison", *([f"Study: {study_name}"] if study_name else []), counts]


def persona_totals(comparison: Comparison) -> pd.DataFrame:
    """The personas compared, with their interviews, participants and coded segments."""
    return (
        comparison.totals[["name", "interviews", "participants", "segments"]]
        .set_axis(["Persona", "Interviews", "Participants", "Coded segments"], axis=1)
        .astype({"Interviews": str, "Participants": str, "Coded segments": str})
    )


def methodology(comparison: Comparison, codebook: Codebook) -> tuple[list[str], list[str], str]:
    """The comparison's methodology appendix: sources, measures and the codebook sentence."""
    sources = [
        f"{r.name}: {plural(r.interviews, 'interview')}, "
        f"{plural(r.participants, 'participant')}, {plural(r.segments, 'coded segment')}"
        for r in comparison.totals.itertuples(index=False)
    ]
    measures = [
        "Valence runs from −1 (very negative) to +1 (very positive); a persona's emotion in a "
        "stage is the mean valence of its segments there, with Student's t 95 % interval "
        "over its participants (cluster-robust: one person's many segments are one voice; "
        "one degree of freedom fewer than the participants).",
        "The spread of a stage is the highest minus the lowest persona mean, among personas with "
        f"at least {MIN_EVIDENCE} segments in the stage; stages with fewer than two such "
        "personas are not ranked.",
        "A touchpoint's share is the fraction of a persona's coded participant segments that "
        "mention it, so personas interviewed at different lengths compare fairly.",
        "Every persona's journey is computed exactly as in its own report; the numbers here "
        "match the per-persona reports.",
    ]
    return sources, measures, f"{codebook.name}, version {codebook.version}."
