"""Insights, opportunities and what changed: the parts of a report that interpret the journey.

Curated insights come from the researcher's ``insights.yaml`` and are shown with the segments
they cite as evidence; generated ones come from recurring pain points and are always labelled as
generated. A snapshot of each run lets the next report say what moved.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cjm_research.analysis import (
    MIN_EVIDENCE,
    UNASSIGNED,
    Journey,
    Quote,
    curve_reading,
    moment_pairs,
    plural,
    quote_of,
    quote_words,
    repeats,
    signed,
    where,
)
from cjm_research.coding.citations import (
    follow_citations,
    read_citations,
    segment_lines,
    write_citations,
)
from cjm_research.coding.human import study_turns
from cjm_research.exceptions import CJMInputError
from cjm_research.model import Codebook
from cjm_research.segments import read as read_segments
from cjm_research.segments import split_codes
from cjm_research.study import WARNING, Problem, Study, work_dir

CURATED, GENERATED = "curated", "generated"
#: A stage's mean valence must move at least this much between runs to be reported as a shift.
SHIFT = 0.15
_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Insight:
    """One finding with the opportunity it suggests and the evidence behind it."""

    title: str
    detail: str
    opportunity: str
    stage: str
    touchpoint: str
    owner: str
    kind: str
    participants: int
    evidence: tuple[Quote, ...] = ()


def load_insights(study_dir: Path | str, codebook: Codebook) -> list[dict[str, Any]]:
    """The curated insights of ``STUDY/insights.yaml`` (empty when the file is absent).

    Each entry needs a ``title``; ``persona``, ``stage``, ``touchpoint``, ``detail``,
    ``opportunity`` and ``segments`` (segment ids) are optional. Unknown stage or touchpoint ids
    are errors naming the entry, because a typo would silently drop the insight from a report.
    ``segment_lines``: the file line of each cited id, for a warning to name it.
    """
    path = Path(study_dir) / "insights.yaml"
    if not path.exists():
        return []
    raw = path.read_bytes()
    if len(raw) > _MAX_BYTES:
        raise CJMInputError("insights.yaml is larger than 1 MB", path)
    try:
        text = raw.decode("utf-8-sig")
        data = yaml.safe_load(text) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CJMInputError(
            "insights.yaml is not valid YAML",
            path,
            mark.line + 1 if mark is not None else None,
            "check indentation and quoting",
        ) from exc
    entries = data.get("insights") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CJMInputError(
            "insights.yaml must hold a list under 'insights:'", path, hint="see README: Insights"
        )
    stages = set(codebook.stage_ids)
    touchpoints = {c.id for c in codebook.touchpoints}
    checked = []
    lines = segment_lines(text)
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not str(entry.get("title") or "").strip():
            raise CJMInputError(f"insight {n} needs a 'title'", path)
        for key, known in (("stage", stages), ("touchpoint", touchpoints)):
            value = str(entry.get(key) or "")
            if value and value not in known:
                raise CJMInputError(
                    f"insight {n} ({entry['title']!r}): unknown {key} {value!r}",
                    path,
                    hint=f"use one of: {', '.join(sorted(known))}",
                )
        segments = entry.get("segments") or []
        if not isinstance(segments, list):
            raise CJMInputError(f"insight {n}: 'segments' must be a list of segment ids", path)
        at = lines[n - 1] if len(lines) >= n and len(lines[n - 1]) == len(segments) else []
        checked.append({**entry, "segments": [str(s) for s in segments], "segment_lines": at})
    return checked


def readable_insights(study_dir: Path | str, codebook: Codebook) -> list[dict[str, Any]]:
    """:func:`load_insights`, or none when the file does not load: one slip in ``insights.yaml``
    costs the curated insights, not every persona's report (``record_citations`` names it)."""
    try:
        return load_insights(study_dir, codebook)
    except CJMInputError:
        return []


def record_citations(study_root: Path, codebook: Codebook, turns: pd.DataFrame) -> list[Problem]:
    """Before the reports are built from ``insights.yaml``: record the fingerprints of the turns
    it cites for the first time (``STUDY/.cjm/citations.json``) and warn of each citation whose
    words moved or are gone (``follow_citations``; ``turns``: the coded table). A file that does
    not load records nothing and is the one error returned: the reports are built without it."""
    try:
        curated = load_insights(study_root, codebook)
    except CJMInputError as exc:
        return [Problem.from_error(exc)]
    path = Path(study_root) / "insights.yaml"
    followed = follow_citations(curated, turns, read_citations(study_root), path)
    write_citations(study_root, followed.recorded)
    return followed.problems


def insights_for(
    journey: Journey,
    curated: list[dict[str, Any]],
    codebook: Codebook,
    participant_labels: dict[str, str] | None = None,
) -> list[Insight]:
    """This persona's curated insights (with their evidence) followed by generated ones."""
    rows = journey.segments.set_index("segment_id", drop=False)
    owners = {c.id: c.owner for c in codebook.touchpoints}
    found: list[Insight] = []
    for entry in curated:
        cited = [s for s in entry["segments"] if s in rows.index]
        persona = str(entry.get("persona") or "")
        if persona != journey.persona_id and not (not persona and cited):
            continue
        evidence = tuple(quote_of(rows.loc[s], participant_labels) for s in cited)
        touchpoint = str(entry.get("touchpoint") or "")
        found.append(
            Insight(
                title=str(entry["title"]).strip(),
                detail=str(entry.get("detail") or "").strip(),
                opportunity=str(entry.get("opportunity") or "").strip(),
                stage=str(entry.get("stage") or ""),
                touchpoint=touchpoint,
                owner=owners.get(touchpoint, ""),
                kind=CURATED,
                participants=len({q.participant for q in evidence}),
                evidence=evidence,
            )
        )
    quoted = {q.segment_id for insight in found for q in insight.evidence}
    return found + generated_insights(journey, codebook, participant_labels, quoted)


#: Quotes under a generated insight: one per participant, at most this many.
GENERATED_QUOTES = 2


def _evidence(ids: tuple[str, ...], rows: pd.DataFrame, shown: list[str]) -> list[str]:
    """The segments to quote under a generated insight, from those its pain point rests on
    (the strongest first): one per participant, none another insight already quoted (two pain
    points on one turn, or a curated insight citing it, would show the same words twice) nor
    one saying again what a quote of the section says (``repeats``: two participants' same
    sentence). ``shown``: the section's quoted segments so far, extended with the chosen."""
    said = [quote_words(str(rows.loc[sid, "text"])) for sid in shown if sid in rows.index]
    fresh = [sid for sid in ids if sid in rows.index and sid not in shown]
    chosen: list[str] = []
    people: set[str] = set()
    for sid in fresh:
        if len(chosen) == GENERATED_QUOTES:
            break
        person = str(rows.loc[sid, "participant_id"])
        words = quote_words(str(rows.loc[sid, "text"]))
        if person in people or repeats(words, said):
            continue
        chosen.append(sid)
        people.add(person)
        said.append(words)
    shown.extend(chosen)
    return chosen


def generated_insights(
    journey: Journey,
    codebook: Codebook,
    participant_labels: dict[str, str] | None = None,
    quoted: set[str] | None = None,
) -> list[Insight]:
    """Insights from recurring pain points: raised by two or more participants, each with a
    turn no insight before it quotes (one whose turns are all quoted above adds nothing).

    When no pain point recurs, the single highest-priority one with several segments stands in,
    so a small study still gets a lead to follow, clearly labelled as generated. Moments that
    name a touchpoint come first, by priority; those naming none follow.
    """
    table = journey.priorities
    if table.empty:
        return []
    recurring = table[table["participants"] >= 2]
    if recurring.empty:
        recurring = table[table["segments"] >= 2].head(1)
    rows = journey.segments.set_index("segment_id", drop=False)
    found = []
    shown = sorted(quoted or ())  # turns the curated insights quote already
    # A moment naming a channel first: a team can act on it. One naming none gathers whatever
    # hurt in the stage (three unrelated problems, answers to "how did that feel?"), so it
    # follows, as a lead (a stakeholder audit found it leading the list).
    named = recurring["touchpoint"].fillna("").astype(str) != ""
    recurring = pd.concat([recurring[named], recurring[~named]])
    for row in recurring.head(5).itertuples(index=False):
        touchpoint = codebook.label("touchpoints", row.touchpoint) if row.touchpoint else ""
        subject = where(codebook.label("stages", row.stage), touchpoint)
        evidence = tuple(
            quote_of(rows.loc[sid], participant_labels)
            for sid in _evidence(row.evidence, rows, shown)
        )
        if not evidence:  # every turn it rests on is quoted above: a curated insight covers it
            continue
        found.append(
            Insight(
                title=(
                    f"Recurring pain point: {subject}"
                    if row.participants >= 2
                    else f"Pain point to look into: {subject}"
                ),
                detail=(
                    f"{row.participants} of {journey.n_participants} participants voiced "
                    f"negative feelings here in {row.segments} segments "
                    f"(mean valence {signed(row.mean_valence)})."
                ),
                # A lead, not a solution: the data says where it hurts, not what would help.
                opportunity=(
                    f"Read the quotes with the {row.owner} team and decide what would help"
                    if row.owner and row.owner != UNASSIGNED
                    else "Name an owner, read the quotes and decide what would help"
                    if row.touchpoint
                    # No channel named: the problem itself, or the event that brought them
                    # (the crash an insurance claim follows), may be what hurts, not a service.
                    else "Read the quotes first: they name no channel, so what hurts may be the "
                    "problem or event itself rather than something the company did"
                ),
                stage=row.stage,
                touchpoint=row.touchpoint,
                owner=row.owner if row.owner != UNASSIGNED else "",
                kind=GENERATED,
                participants=int(row.participants),
                evidence=evidence,
            )
        )
    return found


def opportunities_by_stage(insights: list[Insight], stages: list[str]) -> dict[str, list[str]]:
    """Short opportunity lines per stage for the journey map's opportunities lane.

    A map cell holds a few words, so each opportunity is cut to its first clause (before a
    parenthesis, comma, semicolon or " and "); the report's insights section has the full text.
    Only the research team's (curated) opportunities: a generated insight offers a lead to read
    ("Read the quotes…"), which on the map would crowd out what the team proposes.
    """
    lanes: dict[str, list[str]] = {s: [] for s in stages}
    for insight in insights:
        if insight.kind == CURATED and insight.stage in lanes and insight.opportunity:
            lanes[insight.stage].append(short_opportunity(insight.opportunity))
    return lanes


def short_opportunity(text: str) -> str:
    """The first clause of an opportunity: ``"Offer paid slots and texts (logistics)"`` → slots."""
    return _CLAUSE.split(text.strip(), maxsplit=1)[0].strip(" .") or text.strip()


_CLAUSE = re.compile(r"\s*[(,;:]|\s+and\s+|\s+—\s+")


def interview_words(segments: pd.DataFrame) -> dict[str, str]:
    """Each interview's words (every turn, the interviewer's too: an edited question codes its
    answers again), fingerprinted: an edited transcript is a change of evidence, not of coding."""

    def fingerprint(texts: pd.Series) -> str:
        return hashlib.sha256("\n".join(texts.astype(str)).encode()).hexdigest()[:16]

    grouped = segments.groupby("interview_id", sort=True)["text"]
    return {str(interview): fingerprint(texts) for interview, texts in grouped}


def snapshot(journey: Journey, words: dict[str, str] | None = None) -> dict[str, Any]:
    """What the next run compares against: interviews, emotion per stage, pain points, and each
    interview's ``words`` (``interview_words`` of all its turns; None: not compared)."""
    curve = journey.emotion_curve
    machine = _machine_coded(journey.segments)
    return {
        "persona_id": journey.persona_id,
        "interviews": sorted(journey.segments["interview_id"].unique().tolist()),
        "stages": {
            stage: {
                "mean_valence": _number(curve.at[stage, "mean_valence"]),
                "n": int(curve.at[stage, "n"]),
                "reading": curve_reading(curve.loc[stage], journey.neutral_band)
                if int(curve.at[stage, "n"])
                else "",
            }
            for stage in journey.stages
        },
        "pain_points": [
            f"{r.stage}/{r.touchpoint}" for r in journey.priorities.itertuples(index=False)
        ],
        "delights": [f"{r.stage}/{r.touchpoint}" for r in journey.delights.itertuples(index=False)],
        # how many raised each, for the top ones' reach to be compared
        "pain_participants": {
            f"{r.stage}/{r.touchpoint}": int(r.participants)
            for r in journey.priorities.itertuples(index=False)
        },
        "lowest": journey.lowest_stage,
        # the key names what is fingerprinted: a snapshot that fingerprinted otherwise (or not at
        # all) is not compared, so an upgrade never reads as every interview edited
        **({"transcript_words": words} if words is not None else {}),
        # what coded the turns: researchers' reviewed turns, and the machine coders' versions
        "reviewed": int((~machine).sum()),
        "machine": sorted(set(journey.segments["coder"][machine])),
        "machine_codes": machine_codes(journey.segments[machine]),
    }


def machine_codes(segments: pd.DataFrame) -> dict[str, str]:
    """Each machine-coded turn's codes, fingerprinted by turn (the snapshot sits in the shareable
    reports: no interview's file name, no words): how many turns nobody reviewed the machine
    codes differently now, after learning from a review."""

    def fingerprint(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    columns = segments.reindex(columns=["segment_id", "stage", "touchpoints", "emotion"])
    cells = columns.fillna("").astype(str)
    return {
        fingerprint(row[0]): fingerprint("|".join(row[1:]))
        for row in cells.itertuples(index=False, name=None)
    }


_EITHER = "a review or a coder update"


def _machine_coded(segments: pd.DataFrame) -> pd.Series:
    return segments["coder"].fillna("").astype(str).str.startswith("auto:")


def _recoded(previous: dict[str, Any], current: dict[str, Any]) -> str:
    """Why the same words read differently: more turns reviewed, another machine coder, or
    (a snapshot from before these were kept) either."""
    if "reviewed" not in previous or "machine" not in previous:
        return _EITHER
    more = current["reviewed"] - previous["reviewed"]
    updated = current["machine"] != previous["machine"]
    said = [f"{plural(more, 'more turn')} reviewed by researchers"] if more > 0 else []
    said += [f"the machine coder now {', '.join(current['machine'])}"] if updated else []
    then, now = previous.get("machine_codes") or {}, current.get("machine_codes") or {}
    # a review moves more than the reviewed turns: the machine learns from it and codes others anew
    moved = sum(then[turn] != codes for turn, codes in now.items() if turn in then)
    if moved:
        learning = f", learning from {'it' if more == 1 else 'them'}," if more > 0 else ""
        said.append(f"the machine{learning} recoded {plural(moved, 'turn')} nobody reviewed")
    return "; ".join(said) or _EITHER


def _reading(point: dict[str, Any], verdict: bool) -> str:
    """``−0.20`` or, with its ``verdict``, ``−0.20, leaning negative`` ("reads leans negative
    −0.20" was no English)."""
    said = signed(point["mean_valence"])
    reading = str(point.get("reading") or "").replace("leans ", "leaning ")
    return f"{said}, {reading}" if verdict and reading else said


def _number(value: object) -> float | None:
    return None if pd.isna(value) else round(float(value), 4)


def read_snapshot(path: Path | str) -> dict[str, Any] | None:
    """The previous run's snapshot, or None when there was none (or it is unreadable)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def changes(
    previous: dict[str, Any] | None, current: dict[str, Any], codebook: Codebook
) -> list[str]:
    """Sentences saying what moved since the previous run (empty list: nothing did).

    Only stages with enough evidence in both runs are compared, so a shift is a finding, not
    noise from one extra segment.
    """
    if previous is None:
        return []
    said: list[str] = []
    before, after = set(previous.get("interviews", [])), set(current["interviews"])
    if after - before:
        said.append(f"New interviews: {', '.join(sorted(after - before))}.")
    if before - after:
        said.append(f"Interviews no longer included: {', '.join(sorted(before - after))}.")
    then_words = previous.get("transcript_words") or {}
    now_words = current.get("transcript_words") or {}
    edited = sorted(
        i for i in before & after if then_words.get(i, now_words.get(i)) != now_words.get(i)
    )
    if edited:
        whose = "transcript's" if len(edited) == 1 else "transcripts'"
        said.append(f"Edited since: {', '.join(edited)} (the {whose} words changed).")
    recoded = _recoded(previous, current)
    if recoded != _EITHER:  # what every line below follows from, said once first
        said.append(f"Since the last report: {recoded}.")
    for stage, now in current["stages"].items():
        then = previous.get("stages", {}).get(stage) or {}
        if now["mean_valence"] is None or then.get("mean_valence") is None:
            continue
        if min(now["n"], then.get("n", 0)) < MIN_EVIDENCE:
            continue
        delta = now["mean_valence"] - then["mean_valence"]
        # A verdict that changed (neutral → negative) is news even when the mean moved little.
        # ("negative" and "leans negative" are one verdict, less or more sure)
        verdict_then = str(then.get("reading") or "").removeprefix("leans ")
        verdict_now = str(now.get("reading") or "").removeprefix("leans ")
        turned = bool(verdict_then) and verdict_then != verdict_now
        if abs(delta) >= SHIFT or turned:
            # Not "improved": the people did not feel differently. The sample changed, or the
            # same words were coded differently (a review, a new coder).
            if before != after:
                cause = (
                    "with the interviews added or removed: a different sample, not a change in "
                    "the same people's experience"
                )
            elif edited:
                cause = (
                    "with the words of edited transcripts: changed evidence, not a change in "
                    "the people's experience"
                )
            else:
                cause = f"the same interviews, coded differently ({recoded})"
            said.append(
                f"Emotion in {codebook.label('stages', stage)} now reads "
                f"{_reading(now, turned)} (was {_reading(then, turned)}), {cause}."
            )
    then_low, now_low = previous.get("lowest"), current.get("lowest")
    if then_low and now_low and then_low != now_low:
        said.append(
            f"The journey's low point moved: {codebook.label('stages', then_low)} → "
            f"{codebook.label('stages', now_low)}."
        )

    def moment(key: str) -> str:
        stage, _, touchpoint = key.partition("/")
        label = codebook.label("touchpoints", touchpoint) if touchpoint else ""
        return where(codebook.label("stages", stage), label)

    # What What to fix first leads with, when it is another moment now.
    then_top, now_top = previous.get("pain_points", [])[:1], current["pain_points"][:1]
    if then_top and now_top and not _pairs(then_top[0]) & _pairs(now_top[0]):
        said.append(f"The top pain point is now {moment(now_top[0])} (was {moment(then_top[0])}).")
    # The top pain points' reach, when it changed: the figure the summary leads with.
    then_reach = previous.get("pain_participants", {})
    for key in current["pain_points"][:3]:
        now_n, then_n = current.get("pain_participants", {}).get(key), then_reach.get(key)
        if then_n is not None and now_n is not None and now_n != then_n:
            said.append(
                f"{moment(key)} is now raised by {plural(now_n, 'participant')} (was {then_n})."
            )
    # By stage and touchpoint, not by the moment's key: "Phone support and Email" splitting in
    # two is no new problem. Delights the same way, the top ones only (an older snapshot has
    # none: nothing said of them).
    touchpoints = {c.id for c in codebook.touchpoints}

    def came_and_went(
        kind: str, then_keys: list[str], now_keys: list[str], top: int | None = None
    ) -> None:
        """Moments of ``kind`` new or gone (among the ``top`` of each run, when given)."""
        then_pairs = {pair for key in then_keys for pair in _pairs(key)}
        now_pairs = {pair for key in now_keys for pair in _pairs(key)}
        for heading, keys, known in (
            (f"New {kind}", now_keys[:top], then_pairs),
            (f"No longer a {kind}", then_keys[:top], now_pairs),
        ):
            for key in [k for k in keys if not _pairs(k) & known][:5]:
                stage, _, named = key.partition("/")
                # gone because its code left the codebook, not because customers stopped
                lost = stage not in codebook.stage_ids or set(split_codes(named)) - touchpoints
                gone = " (its code is no longer in the codebook)" if lost else ""
                said.append(f"{heading}: {moment(key)}{gone}.")

    if "delights" in previous:
        came_and_went("delight", previous["delights"], current.get("delights", []), top=3)
    came_and_went("pain point", previous.get("pain_points", []), current["pain_points"])
    return said


def _placement_problems(
    path: Path, curated: list[dict[str, Any]], coded_path: Path
) -> list[Problem]:
    """Curated insights placed in a stage none of their cited turns is coded with, by the
    study's last coded table (none when it has not been coded)."""
    try:
        coded = read_segments(coded_path, columns=["stage"]).set_index("segment_id")
    except CJMInputError:
        return []
    found = []
    for n, entry in enumerate(curated, 1):
        cited = coded.loc[coded.index.intersection(entry["segments"]), "stage"]
        stages = set(cited.fillna("").astype(str)) - {""}
        if entry.get("stage") and len(cited) and entry["stage"] not in stages:
            found.append(
                Problem(WARNING, path, None,
                        f"insight {n} ({entry['title']!r}) is placed in stage {entry['stage']!r}, "
                        "but none of the turns it cites is coded there "
                        f"({', '.join(sorted(stages)) or 'no stage'})",
                        "check its 'stage', or cite the turns that show it")
            )  # fmt: skip
    return found


def _pairs(key: str) -> set[tuple[str, str]]:
    """A snapshot's pain point ("support/phone_support;email") as (stage, touchpoint) pairs."""
    stage, _, touchpoints = key.partition("/")
    return moment_pairs(stage, touchpoints)


def insight_problems(study: Study) -> list[Problem]:
    """What is wrong with ``STUDY/insights.yaml``: an entry the reports would stop on (an
    error), segment ids it cites that the study does not have (warnings: they are left out of
    the insight's evidence), citations whose words moved to another turn or are gone since a
    report was built from them (``citations.follow_citations``), and, once the study is coded, a
    ``stage`` none of the cited turns carries (the map would put the opportunity where its
    quotes are not; a ``touchpoint`` is the channel to fix, which the quotes need not name)."""
    path = study.root / "insights.yaml"
    try:
        curated = load_insights(study.root, study.codebook)
    except CJMInputError as exc:
        return [Problem.from_error(exc)]
    turns = study_turns(study)
    known = set(turns["segment_id"])
    followed = follow_citations(curated, turns, read_citations(study.root), path)
    problems = _placement_problems(path, curated, work_dir(study.root) / "segments.parquet")
    problems += followed.problems
    for n, entry in enumerate(curated, 1):
        # a recorded citation is placed by its words, and warned of above when they moved
        missing = [s for s in entry["segments"] if s not in known and s not in followed.recorded]
        if missing:
            lines = entry["segment_lines"] or [None] * len(entry["segments"])
            at = dict(zip(entry["segments"], lines, strict=True))
            problems.append(
                Problem(
                    WARNING,
                    path,
                    at.get(missing[0]),
                    f"insight {n} ({entry['title']!r}) cites segments the study does not have: "
                    + ", ".join(missing),
                    "segment ids are <interview id>:<turn>, as `cjm review export` lists them",
                )
            )
    return problems
