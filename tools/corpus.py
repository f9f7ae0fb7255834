"""The interview corpus (tests/data/corpus): list its turns, check a coding file, count it.

    python tools/corpus.py turns FOLDER            participant turns: id, question, answer
    python tools/corpus.py check CODES.csv FOLDER... [--subset]  ids exist, all coded, codes valid
    python tools/corpus.py stats [CORPUS]          interviews, turns, industries, code counts
    python tools/corpus.py agreement [CORPUS] [--only FILE...]  the first coder against the
                                                   second (second/; --only: those files)
    python tools/corpus.py keywords [CORPUS]       touchpoint keywords the coded corpus contradicts
    python tools/corpus.py emotion-keywords [CORPUS]   the same for emotion keywords
    python tools/corpus.py transitions [CORPUS]    next staged turn: same, later or earlier stage

Coding files use the gold format (`segment_id,stage,touchpoints,emotion,valence,note`) and the
packaged default codebook.
"""

from __future__ import annotations

import csv
import itertools
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from cjm_research.codebook import load_codebook
from cjm_research.resources import default_codebook_path
from cjm_research.study import load_study

if TYPE_CHECKING:  # pandas loads only for the commands that read coding files
    import pandas as pd

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus"
COLUMNS = ["segment_id", "stage", "touchpoints", "emotion", "valence", "note"]


def participant_turns(folder: Path) -> list[tuple[str, str, str]]:
    """(segment_id, question before it, turn text) for every participant turn under ``folder``."""
    study = load_study(folder)
    for problem in study.problems:
        print(problem.display(study.root), file=sys.stderr)
    rows = []
    for transcript in study.transcripts:
        question = ""
        for turn in transcript.turns:
            if turn.role == "participant":
                rows.append((transcript.segment_id(turn), question, turn.text))
            else:
                question = turn.text
    return rows


def check(codes_file: Path, folders: list[Path], complete: bool = True) -> list[str]:
    """Problems with a coding file against the transcripts under ``folders``.

    ``complete``: every participant turn of the folders must be coded (not so for a second coder's
    subset).
    """
    codebook = load_codebook(default_codebook_path())
    stages = {c.id for c in codebook.stages}
    touchpoints = {c.id for c in codebook.touchpoints}
    emotions = {c.id: c for c in codebook.emotions}
    ids = {row[0] for folder in folders for row in participant_turns(folder)}
    problems: list[str] = []
    seen: set[str] = set()
    with codes_file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or reader.fieldnames[:5] != COLUMNS[:5]:
            return [f"{codes_file}: header must start {','.join(COLUMNS[:5])}"]
        for line, row in enumerate(reader, start=2):
            where = f"{codes_file}:{line}"
            sid = row["segment_id"]
            if sid in seen:
                problems.append(f"{where}: {sid} coded twice")
            seen.add(sid)
            if sid not in ids:
                problems.append(f"{where}: {sid} is not a participant turn")
            if row["stage"] and row["stage"] not in stages:
                problems.append(f"{where}: unknown stage {row['stage']!r}")
            for tp in filter(None, (row["touchpoints"] or "").split(";")):
                if tp not in touchpoints:
                    problems.append(f"{where}: unknown touchpoint {tp!r}")
            emotion = emotions.get(row["emotion"])
            if emotion is None:
                problems.append(f"{where}: unknown emotion {row['emotion']!r}")
            try:
                valence = float(row["valence"])
            except ValueError:
                problems.append(f"{where}: valence {row['valence']!r} is not a number")
                continue
            if not -1 <= valence <= 1:
                problems.append(f"{where}: valence {valence} outside [-1, 1]")
            sign = emotion.valence if emotion is not None else 0.0
            if sign and valence and (sign > 0) != (valence > 0):
                problems.append(f"{where}: valence {valence} has the wrong sign for {emotion.id}")
    missing = sorted(ids - seen)
    if missing and complete:
        problems.append(f"{codes_file}: {len(missing)} turns not coded, e.g. {missing[:5]}")
    return problems


def stats(corpus: Path) -> None:
    """Print the corpus's size and code counts."""
    turns = participant_turns(corpus)
    industries = Counter(sid.split("-")[0] for sid, _, _ in turns)
    interviews = {sid.split(":")[0] for sid, _, _ in turns}
    print(
        f"{len(interviews)} interviews, {len(turns)} participant turns, "
        f"{len(industries)} industries"
    )
    for name, count in sorted(industries.items()):
        print(f"  {name:14} {count}")
    counts: dict[str, Counter[str]] = {
        "stage": Counter(),
        "touchpoints": Counter(),
        "emotion": Counter(),
    }
    for codes_file in sorted((corpus / "codes").glob("*.csv")):
        with codes_file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                counts["stage"][row["stage"] or "(none)"] += 1
                counts["emotion"][row["emotion"]] += 1
                for tp in filter(None, row["touchpoints"].split(";")):
                    counts["touchpoints"][tp] += 1
    for dimension, counter in counts.items():
        print(dimension, dict(counter.most_common()))


def read_codes(corpus: Path, folder: str = "codes", only: list[str] | None = None) -> pd.DataFrame:
    """Every coding file under ``corpus/folder`` (``only``: those file names) in one table, cells
    as text ("" when empty)."""
    import pandas as pd

    files = [f for f in sorted((corpus / folder).glob("*.csv")) if not only or f.name in only]
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])


def agreement(corpus: Path, only: list[str] | None = None) -> str:
    """Agreement of the double-coded turns: the first coder (codes/) against the second
    (second/; ``only``: those files), per dimension (Cohen's kappa, Krippendorff's alpha; MASI
    for touchpoints), and valence correlation."""
    import numpy as np

    from cjm_research.agreement import compute_agreement, format_agreement

    first, second = read_codes(corpus), read_codes(corpus, "second", only)
    first = first[first["segment_id"].isin(second["segment_id"])]
    result = compute_agreement(
        {"first coder": first, "second coder": second}, load_codebook(None), uncoded="as-code"
    )
    both = first.merge(second, on="segment_id", suffixes=("_1", "_2"))
    r = np.corrcoef(both["valence_1"].astype(float), both["valence_2"].astype(float))[0, 1]
    return f"{format_agreement(result, codes=False)}valence: Pearson r {r:.3f} (n={len(both)})\n"


#: A keyword is dropped from the default codebook when the corpus turns it matches are coded with
#: its code less than this often (among at least KEYWORD_MIN_TURNS turns): "box" matched 66 turns,
#: 17 % of them about packaging (the rest: routers, street cabinets, boxes of paperwork); `trust*`
#: matched "Trustpilot" (46 turns, 7 % trust) and "honest" was mostly "to be honest" (99 turns,
#: 12 %). A keyword decides on its own in both coders. (Wildcards whose other endings held were
#: spelt out without the failing one: "stress*" -> "stressed", "stressful", "stressing".)
KEYWORD_MIN_PRECISION = 0.25
KEYWORD_MIN_TURNS = 5


def keyword_precision(
    corpus: Path, dimension: str = "touchpoints"
) -> list[tuple[str, str, int, float]]:
    """(code, matched words, turns matched, share coded with that code) for every keyword match
    of ``dimension`` (``touchpoints`` or ``emotion``; negated matches left out) in the corpus,
    lowest share first."""
    from cjm_research.coding.rules import RulesCoder

    rules = RulesCoder(load_codebook(None))
    matcher = rules._touchpoints if dimension == "touchpoints" else rules._emotions
    codes = read_codes(corpus).set_index("segment_id")[dimension]
    matched, agreed = Counter(), Counter()
    for sid, _, text in participant_turns(corpus):
        gold = set(filter(None, codes.get(sid, "").split(";")))
        hits = [hit for hit, negated in matcher.hits(text) if not negated]
        for key in {(hit.code, hit.phrase) for hit in hits}:
            matched[key] += 1
            agreed[key] += key[0] in gold
    rows = [(code, phrase, n, agreed[code, phrase] / n) for (code, phrase), n in matched.items()]
    return sorted(rows, key=lambda r: (r[3], -r[2]))


def transitions(corpus: Path) -> tuple[int, float, float, float]:
    """Over consecutive staged participant turns of each interview (turns without a stage
    skipped), in the default codebook's stage order: how many pairs, and the shares where the
    next turn stays in the stage, moves to a later one, goes back to an earlier one: what the
    journey context's STAY, FORWARD, BACK (``coding/context.py``) are compared with."""
    order = {c.id: n for n, c in enumerate(load_codebook(None).stages)}
    codes = read_codes(corpus)
    parts = codes["segment_id"].str.rsplit(":", n=1)
    codes = codes.assign(interview=parts.str[0], turn=parts.str[1].astype(int))
    moves = Counter()
    for _, interview in codes.sort_values(["interview", "turn"]).groupby("interview"):
        staged = [order[s] for s in interview["stage"] if s in order]
        for a, b in itertools.pairwise(staged):
            moves["stay" if a == b else "forward" if b > a else "back"] += 1
    n = sum(moves.values())
    return n, moves["stay"] / n, moves["forward"] / n, moves["back"] / n


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "turns":
        for sid, question, text in participant_turns(Path(argv[1])):
            print(f"{sid}\tQ: {question[:160]}\n\tA: {text}\n")
        return 0
    if len(argv) >= 3 and argv[0] == "check":
        complete = "--subset" not in argv
        paths = [Path(a) for a in argv[2:] if a != "--subset"]
        problems = check(Path(argv[1]), paths, complete=complete)
        print("\n".join(problems) or "ok")
        return 1 if problems else 0
    if argv and argv[0] == "agreement":
        rest, only = argv[1:], None
        if "--only" in rest:
            at = rest.index("--only")
            rest, only = rest[:at], rest[at + 1 :]
        print(agreement(Path(rest[0]) if rest else CORPUS, only), end="")
        return 0
    if argv and argv[0] in ("keywords", "emotion-keywords"):
        dimension = "touchpoints" if argv[0] == "keywords" else "emotion"
        rows = keyword_precision(Path(argv[1]) if len(argv) > 1 else CORPUS, dimension)
        print(f"{dimension:<15}{'matched words':<22}{'turns':>6}{'coded so':>10}")
        for code, phrase, n, share in rows:
            if n >= KEYWORD_MIN_TURNS and share < KEYWORD_MIN_PRECISION:
                print(f"{code:<15}{phrase:<22}{n:>6}{share:>10.0%}")
        return 0
    if argv and argv[0] == "transitions":
        n, stay, forward, back = transitions(Path(argv[1]) if len(argv) > 1 else CORPUS)
        print(f"{n} pairs of staged turns: stay {stay:.3f}, forward {forward:.3f}, back {back:.3f}")
        return 0
    if argv and argv[0] == "stats":
        stats(Path(argv[1]) if len(argv) > 1 else CORPUS)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
