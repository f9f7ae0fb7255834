"""How good are the machine codes? Compare a coded table with a hand-coded gold file.

The gold file (CSV or XLSX) has a ``segment_id`` column and any of ``stage``, ``touchpoints``
(codes joined by ``;``), ``emotion`` and ``valence`` (a number in [-1, 1]). A blank stage, emotion
or touchpoints cell is a code too: "none" (the turn is not about the journey, shows no feeling,
names no touchpoint), and a machine code there counts as wrong. A blank valence cell is left out.
A dimension without a column is not scored. Stage and emotion get accuracy, macro-F1, Cohen's
kappa, per-code precision/recall/F1 and the commonest confusions; touchpoints micro and macro F1,
exact-set accuracy, the mean per-code kappa, the codes most often missed or added; valence Pearson
and Spearman; with confidences, how often codes at each confidence were right (reliability, ECE).

It also audits the machine against the researcher (``machine_audit``, for the methodology): its
codes of the turns a researcher reviewed, from a run that had not learned from them. Metrics use
numpy and pandas only (no scikit-learn in the default install); a gold row follows its words.
"""

from __future__ import annotations

import itertools
import math
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cjm_research.agreement import cohen_kappa
from cjm_research.coding.human import follow_words
from cjm_research.exceptions import CJMInputError
from cjm_research.iorw import read_csv_table
from cjm_research.model import CODE_SEPARATORS, TYPED_NUMBER, Codebook
from cjm_research.segments import code_set

LABEL_DIMENSIONS = ("stage", "emotion")
#: Confidence bands of the reliability table: [0, 0.5) is what the review sheet flags.
CONFIDENCE_BANDS = (0.0, 0.5, 0.7, 0.9, 1.0)
GOLD_COLUMNS = ("stage", "touchpoints", "emotion", "valence")
NONE = "(none)"  # how an empty code shows in scores and confusions


@dataclass
class CodeScore:
    """Precision, recall and F1 of one code; ``support`` = gold segments carrying it."""

    code: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class LabelScores:
    """Single-label agreement of machine with gold over ``n`` segments."""

    n: int
    accuracy: float
    macro_f1: float
    kappa: float
    per_code: list[CodeScore]
    confusions: list[tuple[str, str, int]]  # (gold, machine, count), commonest first


@dataclass
class SetScores:
    """Multi-label agreement of machine with gold over ``n`` segments."""

    n: int
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_f1: float
    exact_match: float
    kappa: float  # mean over codes of the present/absent kappa
    per_code: list[CodeScore]
    missed: list[tuple[str, int]]  # gold codes the machine left out, commonest first
    added: list[tuple[str, int]]  # machine codes the gold does not have


@dataclass
class Correlation:
    """Pearson and Spearman correlation of gold and machine valence over ``n`` segments."""

    n: int
    pearson: float
    spearman: float


@dataclass
class Band:
    """Codes given with a confidence in [low, high): how many, how sure, how often right."""

    low: float
    high: float
    n: int
    confidence: float  # mean confidence of the codes in the band
    accuracy: float  # share of them that agree with the gold


@dataclass
class Calibration:
    """Does a confidence mean what it says? Per band, and the n-weighted mean gap (ECE)."""

    n: int
    bands: list[Band]
    ece: float  # expected calibration error: mean |confidence - accuracy|, weighted by n


@dataclass
class Evaluation:
    """Everything ``cjm evaluate`` reports."""

    gold: str
    coder: str
    gold_segments: int
    matched: int
    unknown_ids: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # "old → new": gold turns that shifted
    stage: LabelScores | None = None
    touchpoints: SetScores | None = None
    emotion: LabelScores | None = None
    valence: Correlation | None = None
    calibration: dict[str, Calibration] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (NaN becomes null)."""
        return _clean(asdict(self))


def _clean(value: object) -> object:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _f1(tp: float, fp: float, fn: float) -> float:
    return _ratio(2 * tp, 2 * tp + fp + fn)


def label_scores(gold: pd.Series, machine: pd.Series) -> LabelScores:
    """Accuracy, macro-F1, kappa, per-code scores and confusions of two aligned label Series."""
    gold = gold.astype(str).replace("", NONE).reset_index(drop=True)
    machine = machine.astype(str).replace("", NONE).reset_index(drop=True)
    codes = sorted(set(gold) | set(machine))
    per_code = []
    for code in codes:
        tp = int(((gold == code) & (machine == code)).sum())
        fp = int(((gold != code) & (machine == code)).sum())
        fn = int(((gold == code) & (machine != code)).sum())
        per_code.append(
            CodeScore(code, _ratio(tp, tp + fp), _ratio(tp, tp + fn), _f1(tp, fp, fn), tp + fn)
        )
    index = {code: i for i, code in enumerate(codes)}
    kappa = cohen_kappa(gold.map(index).to_numpy(), machine.map(index).to_numpy())
    wrong = Counter(zip(gold[gold != machine], machine[gold != machine], strict=True))
    return LabelScores(
        n=len(gold),
        accuracy=float((gold == machine).mean()) if len(gold) else math.nan,
        macro_f1=float(np.mean([c.f1 for c in per_code])) if per_code else math.nan,
        kappa=kappa,
        per_code=per_code,
        confusions=[(g, m, n) for (g, m), n in wrong.most_common()],
    )


def calibration(right: pd.Series | np.ndarray, confidence: pd.Series | np.ndarray) -> Calibration:
    """How often codes were ``right`` (bool per code) at each ``confidence`` (CONFIDENCE_BANDS).

    Codes without a confidence (NaN) are left out; the top band includes 1.0.
    """
    right = np.asarray(right, dtype=bool)
    confidence = np.asarray(confidence, dtype=float)
    known = ~np.isnan(confidence)
    right, confidence = right[known], np.clip(confidence[known], 0.0, 1.0)
    last = len(CONFIDENCE_BANDS) - 2  # the top band, which takes 1.0 too
    band = np.clip(np.searchsorted(CONFIDENCE_BANDS, confidence, side="right") - 1, 0, last)
    bands = []
    for i, (low, high) in enumerate(itertools.pairwise(CONFIDENCE_BANDS)):
        inside = band == i
        n = int(inside.sum())
        bands.append(
            Band(
                low,
                high,
                n,
                float(confidence[inside].mean()) if n else math.nan,
                float(right[inside].mean()) if n else math.nan,
            )
        )
    gaps = [b.n * abs(b.confidence - b.accuracy) for b in bands if b.n]
    return Calibration(len(right), bands, float(sum(gaps) / len(right)) if len(right) else math.nan)


def set_scores(gold: list[frozenset[str]], machine: list[frozenset[str]]) -> SetScores:
    """Micro/macro F1, exact match, mean per-code kappa and per-code scores of aligned code sets."""
    codes = sorted(set().union(*gold, *machine))
    per_code, kappas = [], []
    missed, added = Counter(), Counter()
    total = {"tp": 0, "fp": 0, "fn": 0}
    for code in codes:
        g = np.array([code in s for s in gold])
        m = np.array([code in s for s in machine])
        tp, fp, fn = int((g & m).sum()), int((~g & m).sum()), int((g & ~m).sum())
        total["tp"] += tp
        total["fp"] += fp
        total["fn"] += fn
        missed[code], added[code] = fn, fp
        per_code.append(
            CodeScore(code, _ratio(tp, tp + fp), _ratio(tp, tp + fn), _f1(tp, fp, fn), tp + fn)
        )
        kappas.append(cohen_kappa(g.astype(int), m.astype(int)))
    kappas = [k for k in kappas if not math.isnan(k)]
    tp, fp, fn = total["tp"], total["fp"], total["fn"]
    return SetScores(
        n=len(gold),
        micro_precision=_ratio(tp, tp + fp),
        micro_recall=_ratio(tp, tp + fn),
        micro_f1=_f1(tp, fp, fn),
        macro_f1=float(np.mean([c.f1 for c in per_code])) if per_code else math.nan,
        exact_match=float(np.mean([g == m for g, m in zip(gold, machine, strict=True)]))
        if gold
        else math.nan,
        kappa=float(np.mean(kappas)) if kappas else math.nan,
        per_code=per_code,
        missed=[(c, n) for c, n in missed.most_common() if n],
        added=[(c, n) for c, n in added.most_common() if n],
    )


def correlation(gold: pd.Series, machine: pd.Series) -> Correlation:
    """Pearson and Spearman (Pearson of average ranks) correlation; NaN when a side is constant."""
    x, y = gold.astype(float).to_numpy(), machine.astype(float).to_numpy()

    def pearson(a: np.ndarray, b: np.ndarray) -> float:
        if len(a) < 2 or a.std() == 0 or b.std() == 0:
            return math.nan
        return float(np.corrcoef(a, b)[0, 1])

    ranks = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    return Correlation(len(x), pearson(x, y), pearson(*ranks))


def read_gold(path: Path | str) -> pd.DataFrame:
    """A gold file (CSV or XLSX): ``segment_id`` plus any of stage/touchpoints/emotion/valence."""
    path = Path(path)
    if not path.is_file():
        raise CJMInputError("gold file not found", path, hint="give a .csv or .xlsx file")
    try:
        if path.suffix.lower() == ".csv":
            gold = read_csv_table(path)
        elif path.suffix.lower() == ".xlsx":
            gold = pd.read_excel(path, dtype=str).fillna("")
        else:
            raise CJMInputError("unsupported gold file", path, hint="use .csv or .xlsx")
    except (OSError, ValueError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        if isinstance(exc, CJMInputError):
            raise
        raise CJMInputError(f"cannot read gold file: {exc}", path) from exc
    gold.columns = [str(c).strip().lower() for c in gold.columns]
    present = [c for c in GOLD_COLUMNS if c in gold.columns]
    if "segment_id" not in gold.columns or not present:
        raise CJMInputError(
            "gold file needs a segment_id column and one of " + ", ".join(GOLD_COLUMNS),
            path,
            1,
            "see README: Evaluating the machine codes",
        )
    words = [c for c in ("text_sha", "text") if c in gold.columns]  # to follow shifted turns
    gold = gold[["segment_id", *present, *words]].apply(lambda s: s.astype(str).str.strip())
    gold = gold[gold["segment_id"] != ""]
    duplicated = gold["segment_id"].duplicated()
    if duplicated.any():
        row = int(np.argmax(duplicated.to_numpy()))
        raise CJMInputError(
            f"segment {gold['segment_id'].iloc[row]!r} appears twice",
            path,
            int(gold.index[row]) + 2,
            "keep one row per segment",
        )
    if "valence" in gold.columns:
        gold["valence"] = gold["valence"].str.strip().str.translate(TYPED_NUMBER)
        numbers = pd.to_numeric(gold["valence"].replace("", np.nan), errors="coerce")
        bad = numbers.isna() & (gold["valence"] != "")
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise CJMInputError(
                f"valence {gold['valence'].iloc[row]!r} is not a number",
                path,
                int(gold.index[row]) + 2,
                "write a number between -1 and 1, or leave the cell blank",
            )
    return gold.reset_index(drop=True)


def gold_ids(
    gold: pd.DataFrame, codebook: Codebook, path: Path | str, known: set[str] | None = None
) -> pd.DataFrame:
    """Gold codes read as the review sheet reads them (id, label or "Label (id)", any case;
    touchpoints split on ``;`` or ``,``) and stored as ids. An unknown code of a row in ``known``
    (default: every row) raises with its row, rather than scoring as a machine miss."""
    gold = gold.copy()
    dims = (("stage", "stages"), ("emotion", "emotions"), ("touchpoints", "touchpoints"))
    for column, dim in dims:
        codes = codebook.dimension(dim) if column in gold.columns else ()
        lookup = codebook.lookup(dim)
        for index, cell in gold[column].items() if codes else ():
            several = column == "touchpoints"
            parts = [p.strip() for p in (CODE_SEPARATORS.split(cell) if several else [cell])]
            bad = [p for p in parts if p and p.lower() not in lookup]
            if bad and (known is None or gold.at[index, "segment_id"] in known):
                raise CJMInputError(
                    f"unknown {column} {bad[0]!r} for segment {gold.at[index, 'segment_id']}",
                    path,
                    int(index) + 2,
                    f"use one of {', '.join(c.id for c in codes)} (or a label), or leave it blank",
                )
            ids = dict.fromkeys(lookup.get(p.lower(), p) for p in parts if p)
            gold.at[index, column] = ";".join(ids)
    return gold


def evaluate(
    gold: pd.DataFrame, machine: pd.DataFrame, *, gold_name: str = "", coder: str = ""
) -> Evaluation:
    """Score the ``machine`` coded table against ``gold`` (both keyed by ``segment_id``). Gold
    rows that record their words (``text_sha`` or ``text``) follow them to the turn now holding
    them, as human codes do (``moved``); those that cannot be placed safely are left out."""
    moved: list[str] = []
    if {"text", "interview_id"} <= set(machine.columns):  # the gold's words, where they are now
        gold = follow_words(gold, machine)
        moved = [f"{a} → {b}" for a, b in gold[["moved_from", "segment_id"]].to_numpy() if a]
    machine = machine.drop_duplicates("segment_id").set_index("segment_id")
    known = gold["segment_id"].isin(machine.index)
    unknown = gold.loc[~known, "segment_id"].tolist()
    if len(gold) and not known.any():  # scores of nothing read "nan" and passed for a result
        raise CJMInputError(
            f"none of the gold file's {len(gold)} segment ids is a coded turn "
            f"(first: {', '.join(map(str, unknown[:3]))})",
            gold_name or None,
            hint="is it this study's gold file? Its segment_id column must hold the study's ids "
            "(interview:turn, as cjm code --out writes them)",
        )
    result = Evaluation(gold_name, coder, len(gold), int(known.sum()), unknown, moved)
    gold = gold[known]
    for dimension in LABEL_DIMENSIONS:
        if dimension in gold.columns and dimension in machine.columns:
            predicted = machine.loc[gold["segment_id"], dimension].fillna("")
            setattr(result, dimension, label_scores(gold[dimension], predicted))
            if f"{dimension}_confidence" in machine.columns:
                right, given = _right_and_confidence(gold, machine, dimension)
                result.calibration[dimension] = calibration(right, given)
    if "touchpoints" in gold.columns and "touchpoints" in machine.columns:
        predicted = machine.loc[gold["segment_id"], "touchpoints"].fillna("")
        result.touchpoints = set_scores(
            [code_set(v) for v in gold["touchpoints"]], [code_set(v) for v in predicted]
        )
    if "valence" in gold.columns and "valence" in machine.columns:
        rows = gold[gold["valence"] != ""]
        predicted = pd.to_numeric(machine.loc[rows["segment_id"], "valence"], errors="coerce")
        both = predicted.notna().to_numpy()
        result.valence = correlation(rows["valence"][both], predicted[both])
    return result


def right_and_confidence(
    gold: pd.DataFrame, machine: pd.DataFrame, dimension: str = "stage"
) -> tuple[np.ndarray, np.ndarray]:
    """Per gold turn the ``machine`` table coded: whether its ``dimension`` code (stage or
    emotion) agrees with the gold's, and the confidence it gave (NaN where none)."""
    machine = machine.drop_duplicates("segment_id").set_index("segment_id")
    return _right_and_confidence(gold[gold["segment_id"].isin(machine.index)], machine, dimension)


def _right_and_confidence(
    gold: pd.DataFrame, machine: pd.DataFrame, dimension: str
) -> tuple[np.ndarray, np.ndarray]:
    """``right_and_confidence`` of gold rows all in ``machine`` (indexed by segment id)."""
    rows = machine.loc[gold["segment_id"]]
    predicted = rows[dimension].fillna("").astype(str).to_numpy()
    right = gold[dimension].fillna("").astype(str).to_numpy() == predicted
    return right, pd.to_numeric(rows[f"{dimension}_confidence"], errors="coerce").to_numpy()


def _number(value: float) -> str:
    return "  n/a" if math.isnan(value) else f"{value:5.2f}"


def format_evaluation(result: Evaluation, *, top: int = 5) -> str:
    """A readable report: one headline table, then per-dimension details."""
    lines = [
        f"gold: {result.gold} ({result.gold_segments} segments, {result.matched} matched)"
        + (f"; coder: {result.coder}" if result.coder else ""),
    ]
    for ids, said in (
        (result.moved, "gold rows moved with their words (a transcript changed)"),
        (result.unknown_ids, "gold segment ids not in the coded table, left out"),
    ):
        if ids:
            lines.append(f"{len(ids)} {said}: {', '.join(ids[:5])}{' …' if len(ids) > 5 else ''}")
    lines += [
        "",
        f"{'dimension':<13}{'n':>5}{'accuracy':>10}{'macro-F1':>10}{'micro-F1':>10}{'kappa':>8}",
    ]
    for name in ("stage", "emotion"):
        s = getattr(result, name)
        if s is not None:
            lines.append(
                f"{name:<13}{s.n:>5}{_number(s.accuracy):>10}{_number(s.macro_f1):>10}"
                f"{'':>10}{_number(s.kappa):>8}"
            )
    t = result.touchpoints
    if t is not None:
        lines.append(
            f"{'touchpoints':<13}{t.n:>5}{_number(t.exact_match):>10}"
            f"{_number(t.macro_f1):>10}{_number(t.micro_f1):>10}{_number(t.kappa):>8}"
        )
    if result.valence is not None:
        v = result.valence
        lines.append(
            f"{'valence':<13}{v.n:>5}   Pearson r {_number(v.pearson).strip()}, "
            f"Spearman rho {_number(v.spearman).strip()}"
        )
    for name in ("stage", "emotion"):
        s = getattr(result, name)
        if s is None:
            continue
        lines += ["", f"{name}: weakest codes (F1)  " + _weakest(s.per_code, top)]
        if name in result.calibration:
            bands = calibration_bands(result.calibration[name])
            lines.append(f"{name}: right by confidence  {bands}")
        if s.confusions:
            lines.append(
                f"{name}: top confusions (gold → machine)  "
                + ", ".join(f"{g} → {m} ×{n}" for g, m, n in s.confusions[:top])
            )
    if t is not None:
        lines += ["", "touchpoints: weakest codes (F1)  " + _weakest(t.per_code, top)]
        if t.missed:
            lines.append("touchpoints: most missed  " + _counts(t.missed[:top]))
        if t.added:
            lines.append("touchpoints: most added  " + _counts(t.added[:top]))
    return "\n".join(lines)


def _weakest(per_code: list[CodeScore], top: int) -> str:
    scored = sorted((c for c in per_code if c.support), key=lambda c: (c.f1, -c.support))
    return ", ".join(f"{c.code} {c.f1:.2f} (n={c.support})" for c in scored[:top]) or "—"


def calibration_bands(calibration: Calibration) -> str:
    """ "0.5–0.7: 62% of 65 (mean 0.62), …; calibration error 0.03": a Calibration in a line."""
    shown = [
        f"{b.low:.1f}–{b.high:.1f}: {b.accuracy:.0%} of {b.n} (mean {b.confidence:.2f})"
        for b in calibration.bands
        if b.n
    ]
    return ", ".join(shown) + f"; calibration error {calibration.ece:.2f}"


def _counts(items: list[tuple[str, int]]) -> str:
    return ", ".join(f"{code} ×{n}" for code, n in items)
