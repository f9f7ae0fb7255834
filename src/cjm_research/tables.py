"""Code frequency and code co-occurrence tables, for a persona or the whole study.

These are the tables QDA tools show next to the codebook: how often each code was applied, and how
often two codes were applied to the same participant segment. Pure functions of the coded
segments table and the codebook, returning DataFrames for the report appendix and for notebooks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cjm_research.analysis import participant_segments, questions_shown, touchpoint_by_stage
from cjm_research.coding.human import is_human
from cjm_research.model import Codebook
from cjm_research.segments import split_codes

#: Segments-table column of each codebook dimension.
COLUMNS = {"stages": "stage", "touchpoints": "touchpoints", "emotions": "emotion"}


def code_indicators(segments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per segment, one boolean column per code, indexed (dimension, code) on columns."""
    columns = pd.MultiIndex.from_tuples(
        [(dim, c.id) for dim in COLUMNS for c in codebook.dimension(dim)],
        names=["dimension", "code"],
    )
    flags = np.zeros((len(segments), len(columns)), dtype=bool)
    position = {key: i for i, key in enumerate(columns)}
    for dim, column in COLUMNS.items():
        for row, value in enumerate(segments[column]):
            for code in split_codes(value):
                if (dim, code) in position:
                    flags[row, position[(dim, code)]] = True
    return pd.DataFrame(flags, index=segments.index, columns=columns)


def code_frequency_table(
    segments: pd.DataFrame, codebook: Codebook, persona_id: str | None = None
) -> pd.DataFrame:
    """Every code with the segments, participants and interviews it was applied to.

    Columns: dimension, code, label, segments, share (of the participant segments), participants,
    interviews. Codes are in codebook order; codes never applied have zeros.
    """
    rows = participant_segments(segments, persona_id)
    flags = code_indicators(rows, codebook)
    records = []
    for dim, code in flags.columns:
        hit = rows[flags[(dim, code)].to_numpy()]
        records.append(
            {
                "dimension": dim,
                "code": code,
                "label": codebook.label(dim, code),
                "segments": len(hit),
                "share": len(hit) / len(rows) if len(rows) else 0.0,
                "participants": hit["participant_id"].replace("", pd.NA).nunique(),
                "interviews": hit["interview_id"].nunique(),
            }
        )
    return pd.DataFrame(records)


def code_cooccurrence(
    segments: pd.DataFrame,
    codebook: Codebook,
    persona_id: str | None = None,
    *,
    drop_unused: bool = True,
) -> pd.DataFrame:
    """How many participant segments carry both codes: a symmetric code x code count table.

    Rows and columns are indexed (dimension, code) in codebook order; the diagonal is each code's
    own frequency. Codes never applied are dropped unless ``drop_unused`` is false.
    """
    flags = code_indicators(participant_segments(segments, persona_id), codebook)
    matrix = flags.to_numpy(dtype=np.int64)
    table = pd.DataFrame(matrix.T @ matrix, index=flags.columns, columns=flags.columns)
    if drop_unused:
        used = np.diag(table.to_numpy()) > 0
        table = table.loc[used, used]
    return table


def top_pairs(
    cooccurrence: pd.DataFrame, codebook: Codebook, top: int = 10, *, skip_neutral: bool = True
) -> pd.DataFrame:
    """The code pairs from different dimensions that most often share a segment.

    Pairs within one dimension are left out (a segment has one stage and one emotion, so only
    touchpoint pairs could co-occur there, and those read better across dimensions anyway).
    Neutral emotions (valence 0) pair with everything and say nothing, so they are skipped.
    Columns: first, second (code labels), segments.
    """
    records = []
    neutral = {("emotions", c.id) for c in codebook.emotions if skip_neutral and not c.valence}
    keys = [k for k in cooccurrence.index if k not in neutral]
    # Positional reads: a MultiIndex .loc per pair costs ~0.5 ms, and there are hundreds.
    counts = cooccurrence.to_numpy()
    row = {k: i for i, k in enumerate(cooccurrence.index)}
    column = {k: j for j, k in enumerate(cooccurrence.columns)}
    for i, (dim_a, code_a) in enumerate(keys):
        for dim_b, code_b in keys[i + 1 :]:
            count = int(counts[row[(dim_a, code_a)], column[(dim_b, code_b)]])
            if dim_a != dim_b and count:
                records.append(
                    {
                        "first": codebook.label(dim_a, code_a),
                        "second": codebook.label(dim_b, code_b),
                        "segments": count,
                    }
                )
    table = pd.DataFrame(records, columns=["first", "second", "segments"])
    return (
        table.sort_values("segments", ascending=False, kind="stable")
        .head(top)
        .reset_index(drop=True)
    )


# The queries a researcher runs in a QDA tool, as one call each (notebooks/explore.ipynb).


def frequencies_by_persona(
    segments: pd.DataFrame, codebook: Codebook, dimension: str = "stages"
) -> pd.DataFrame:
    """Segments carrying each code of ``dimension`` (rows, codebook order) for each persona
    (columns), with a ``total`` column."""
    rows = participant_segments(segments)
    flags = code_indicators(rows, codebook)[dimension]
    table = flags.groupby(rows["persona_id"].to_numpy()).sum().T.astype(int)
    table.index = [codebook.label(dimension, c) for c in table.index]
    table.index.name, table.columns.name = dimension, "persona"
    return table.assign(total=table.sum(axis=1))


def stage_by_touchpoint(segments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Co-occurrence of stage and touchpoint: segments naming each touchpoint (rows) in each
    stage (columns), both labelled as the codebook labels them."""
    table = touchpoint_by_stage(participant_segments(segments), codebook)
    table.index = [codebook.label("touchpoints", c) for c in table.index]
    table.columns = [codebook.label("stages", c) for c in table.columns]
    table.index.name, table.columns.name = "touchpoint", "stage"
    return table


def segments_with(segments: pd.DataFrame, *codes: str) -> pd.DataFrame:
    """Participant segments carrying every one of ``codes`` (ids of any dimension: a stage, a
    touchpoint, an emotion), as quotes with their provenance and, where the answer needs it,
    the interviewer's question (``question``)."""
    rows = participant_segments(segments.assign(question=questions_shown(segments)))
    keep = np.ones(len(rows), dtype=bool)
    for code in codes:
        keep &= (
            (rows["stage"] == code).to_numpy()
            | (rows["emotion"] == code).to_numpy()
            | rows["touchpoints"].map(lambda value, c=code: c in split_codes(value)).to_numpy()
        )
    columns = ["persona_id", "participant_id", "segment_id", "stage", "touchpoints", "emotion"]
    return rows.loc[keep, [*columns, "question", "text"]].reset_index(drop=True)


def compare_two_personas(
    segments: pd.DataFrame, codebook: Codebook, first: str, second: str, dimension: str = "stages"
) -> pd.DataFrame:
    """Each code's share of a persona's participant segments, for two personas side by side,
    with the difference in percentage points (largest differences first)."""
    table = frequencies_by_persona(segments, codebook, dimension)
    totals = participant_segments(segments)["persona_id"].value_counts()
    shares = pd.DataFrame({p: table[p] / totals[p] if p in table else 0.0 for p in (first, second)})
    shares["difference_pp"] = 100 * (shares[first] - shares[second])
    return shares.sort_values("difference_pp", key=abs, ascending=False, kind="stable")


def machine_disagreements(segments: pd.DataFrame, machine: pd.DataFrame) -> pd.DataFrame:
    """The researcher-coded turns where the machine's own code differs, one row per turn, with
    both codes per dimension (``stage_machine`` beside ``stage``). ``machine`` is the machine
    layer (``STUDY/.cjm/segments.machine.parquet``), coded before it learned from each turn."""
    human = participant_segments(segments)
    human = human[human["coder"].astype(str).map(is_human).to_numpy()]
    dims = ["stage", "touchpoints", "emotion"]
    both = human[["segment_id", "participant_id", "coder", *dims, "text"]].merge(
        machine[["segment_id", *dims]], on="segment_id", suffixes=("", "_machine")
    )
    differs = np.zeros(len(both), dtype=bool)
    for dim in dims:
        if dim == "touchpoints":
            same = [
                set(split_codes(a)) == set(split_codes(b))
                for a, b in zip(both[dim], both[f"{dim}_machine"], strict=True)
            ]
            differs |= ~np.array(same, dtype=bool)
        else:
            differs |= (both[dim].astype(str) != both[f"{dim}_machine"].astype(str)).to_numpy()
    order = ["segment_id", "participant_id", "coder"]
    order += [c for dim in dims for c in (dim, f"{dim}_machine")] + ["text"]
    return both.loc[differs, order].reset_index(drop=True)
