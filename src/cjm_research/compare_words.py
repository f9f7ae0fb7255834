"""The cross-persona report's words, the same in every format: the summary's sentences, the
touchpoint and stage tables as text, the figures' alt text, the reading guides, the title block
and the methodology appendix. Only what :mod:`compare` computes; no I/O.
"""

from __future__ import annotations

import math

import pandas as pd

from cjm_research.analysis import MIN_EVIDENCE, curve_reading, joined, plural, signed
from cjm_research.compare import (
    MIN_PARTICIPANTS,
    MIN_POINTS,
    MIN_RATIO,
    Comparison,
    printed_points,
    touchpoints_apart,
)
from cjm_research.model import Codebook


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
    apart = touchpoints_apart(c.touchpoint_differences)
    if apart.empty and len(c.personas) > 1:
        sentences.append(touchpoints_note(c))
    for row in apart.head(top).itertuples():
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
            "Difference": [plural(int(p), "point") for p in printed_points(strong)],
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
    # The differences the report claims: a 4 % against 3 % was "largest" here, unclaimed above.
    top = ", ".join(
        f"{codebook.label('touchpoints', r.touchpoint)} ({c.name(r.high)} "
        f"{_percent(r.high_share)} vs {c.name(r.low)} {_percent(r.low_share)})"
        for r in touchpoints_apart(c.touchpoint_differences).head(3).itertuples()
    )
    return {
        "persona_curves": "Line chart of mean valence by stage, one line per persona. "
        + "; ".join(lines)
        + ".",
        "divergence": "Range bars of mean valence per stage, widest spread first: "
        + (bars or "no stage has two personas with enough evidence")
        + ".",
        "touchpoint_personas": "Heatmap of touchpoint mentions per persona as a share of the "
        "persona's segments. " + (f"Largest differences: {top}." if top else touchpoints_note(c)),
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
        f"{plural(MIN_PARTICIPANTS, 'participant')}, it comes up at least {MIN_RATIO:g} times "
        f"as often there and at least {MIN_POINTS} points more often (a small difference "
        "between large shares, or a turn or two between small ones, is left out), and at least "
        f"{MIN_PARTICIPANTS} of its participants each mention it more often than the other "
        "persona does (people, not turns: one talkative participant sets no persona apart); "
        "largest difference first. How often a touchpoint comes up is not how much it hurts: "
        "see each persona's What to fix first."
    ),
    "no_touchpoints": "No touchpoint is mentioned often enough by any persona to compare.",
    "none_apart": (
        f"No touchpoint sets the personas apart: none comes up at least {MIN_RATIO:g} times and "
        f"{MIN_POINTS} points more often for one persona with "
        f"{plural(MIN_PARTICIPANTS, 'participant')} of it behind the gap."
    ),
    "stages": (
        "Mean valence, segments (n) and participants per persona and stage. “—”: nobody of "
        f"that persona spoke of the stage; “low evidence”: fewer than {MIN_EVIDENCE} segments."
    ),
}


def touchpoints_note(comparison: Comparison) -> str:
    """What to say where no touchpoint sets the personas apart: that none does, or, when none
    rests on enough evidence to compare, that."""
    enough = comparison.touchpoint_differences["enough_evidence"].astype(bool).any()
    return GUIDES["none_apart" if enough else "no_touchpoints"]


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
        "A touchpoint sets the personas apart when the persona mentioning it most does so in "
        f"at least {MIN_EVIDENCE} segments from {plural(MIN_PARTICIPANTS, 'participant')}, at "
        f"least {MIN_RATIO:g} times and {MIN_POINTS} percentage points as often as the persona "
        f"mentioning it least, and at least {MIN_PARTICIPANTS} of its participants each "
        "mention it in a larger share of their own segments than that persona's: a gap of a "
        "turn or two, or one talkative participant's, is not called a difference.",
        "Every persona's journey is computed exactly as in its own report; the numbers here "
        "match the per-persona reports.",
    ]
    return sources, measures, f"{codebook.name}, version {codebook.version}."
