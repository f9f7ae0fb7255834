"""Inter-coder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha per dimension.

A *unit* is a participant segment; a *coder* is a table of codes for some units (a person's file in
``STUDY/coding/``, the machine layer, or any coded CSV/XLSX/parquet table). Stage and emotion are
nominal; touchpoints are sets, compared with the MASI distance (Passonneau 2006) for alpha and as
exact sets for percent agreement and kappa. Every code also gets a binary present/absent breakdown.

Units a coder did not see are *missing* (Krippendorff's alpha uses every unit with two or more
coders), and so is a dimension a coder did not code (``(not coded)`` in their file: a project
coded for touchpoints only). Units a coder saw but left without a code in a dimension are
*uncoded*: by default they are excluded from that dimension, because counting "nothing" as
agreement inflates kappa; ``uncoded="as-code"`` counts them as a category of their own instead.
The choice is reported.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cjm_research import segments
from cjm_research.coding.human import study_human_codes
from cjm_research.exceptions import CJMInputError
from cjm_research.model import NOT_CODED, PARTICIPANT, UNCODED_POLICIES, Codebook
from cjm_research.segments import code_set, split_codes

#: Table columns compared, with the codebook dimension each one draws its codes from.
DIMENSIONS: dict[str, str] = {
    "stage": "stages",
    "touchpoints": "touchpoints",
    "emotion": "emotions",
}
#: The category "no code" becomes under ``uncoded="as-code"``.
UNCODED = "(uncoded)"
MACHINE = "machine"
SUMMARY_COLUMNS = (
    "dimension",
    "distance",
    "coders",
    "units",
    "excluded",
    "agreement",
    "kappa",
    "alpha",
)
CODE_COLUMNS = ("dimension", "code", "label", "units", "agreement", "kappa", "alpha")


@dataclass
class Agreement:
    """Agreement among ``coders``: one summary row per dimension, one breakdown row per code.

    ``codes`` has one count column per coder (units where that coder applied the code).
    ``kappa`` is Cohen's for two coders and the mean of pairwise Cohen's kappas (Light's) for more.
    """

    coders: list[str]
    uncoded: str
    summary: pd.DataFrame
    codes: pd.DataFrame

    def weakest_codes(self, dimension: str, n: int = 3) -> pd.DataFrame:
        """The ``n`` codes of ``dimension`` with the lowest alpha (codes without an alpha last)."""
        rows = self.codes[self.codes["dimension"] == dimension]
        return rows.sort_values(["alpha", "code"], na_position="last").head(n)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: coders, the uncoded policy, the summary and the per-code rows."""
        codes = []
        for row in self.codes.to_dict("records"):
            counts = {c: int(row.pop(c)) for c in self.coders}
            codes.append({k: _json_value(v) for k, v in row.items()} | {"counts": counts})
        return {
            "coders": self.coders,
            "uncoded": self.uncoded,
            "kappa": "cohen" if len(self.coders) == 2 else "mean pairwise cohen (light)",
            "dimensions": [
                {k: _json_value(v) for k, v in row.items()}
                for row in self.summary.to_dict("records")
            ],
            "codes": codes,
        }


def _json_value(value: object) -> object:
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value


# --- reading coders ---------------------------------------------------------------------------


def read_coded_table(path: Path | str) -> pd.DataFrame:
    """A coded table (CSV, XLSX or parquet, by suffix) as text columns; participant rows only.

    It needs ``segment_id`` and at least one of stage, touchpoints and emotion; read as the
    segments table is (``segments.read``), so ids keep their leading zeros.
    """
    table = segments.read(path)
    dims = [c for c in DIMENSIONS if c in table.columns]
    if "segment_id" not in table.columns or not dims:
        raise CJMInputError(
            "table lacks segment_id or the stage/touchpoints/emotion columns",
            path,
            1,
            "export it with `cjm code --out` or `cjm review export`",
        )
    if "role" in table.columns:
        table = table[table["role"].astype(str).isin([PARTICIPANT, ""])]
    return table.reset_index(drop=True)


def study_coders(study_root: Path | str, machine: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Every coder of a study: the machine layer (named by its coder id) and each human coder."""
    tables: dict[str, pd.DataFrame] = {}
    if machine is not None and len(machine):
        name, rows = machine_coder(machine)
        tables[name] = rows
    human = study_human_codes(study_root, machine)  # codes follow their words
    for coder, rows in human.groupby("coder", sort=True):
        tables[str(coder)] = rows.reset_index(drop=True)
    return tables


def machine_coder(machine: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The machine layer's participant rows, named by its coder id (``auto:rules@1``)."""
    rows = machine[machine["role"] == PARTICIPANT] if "role" in machine else machine
    ids = sorted(set(rows["coder"].astype(str)) - {""})
    return (ids[0] if len(ids) == 1 else MACHINE), rows.reset_index(drop=True)


def resolve_coders(
    specs: Sequence[str],
    study_root: Path | str | None,
    machine: Callable[[], pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """Tables for ``specs``: each a table file, or a coder of the study (``machine`` or a name).

    ``machine`` is called only when a spec asks for the machine layer (coding takes a while).
    """
    tables: dict[str, pd.DataFrame] = {}
    human: dict[str, pd.DataFrame] | None = None
    for spec in specs:
        path = Path(spec)
        if path.suffix.lower() in (".csv", ".xlsx", ".parquet") or path.is_file():
            name = _unique(path.stem, tables)
            tables[name] = read_coded_table(path)
            continue
        if study_root is None:
            raise CJMInputError(
                f"{spec!r} is neither a table file nor a coder",
                hint="give a .csv/.xlsx/.parquet file, or --study DIR with coder names",
            )
        if spec.lower() == MACHINE or spec.startswith("auto:"):
            if machine is None:
                raise CJMInputError("the machine layer is not available here")
            name, rows = machine_coder(machine())
            tables[_unique(name, tables)] = rows
            continue
        if human is None:
            human = study_coders(study_root, None)
        match = [n for n in human if n.casefold() == spec.casefold()]
        if not match:
            known = ", ".join(sorted(human)) or "none yet"
            raise CJMInputError(
                f"no coder {spec!r} in the study",
                Path(study_root) / "coding",
                hint=f"coders with files there: {known}; or use 'machine'",
            )
        tables[_unique(match[0], tables)] = human[match[0]]
    return tables


def _unique(name: str, taken: Mapping[str, object]) -> str:
    candidates = (name if n == 1 else f"{name}#{n}" for n in itertools.count(1))
    return next(c for c in candidates if c not in taken)


# --- the statistics ---------------------------------------------------------------------------
#
# Everything works on a ratings matrix: one row per unit, one column per coder, each cell the index
# of a value in a list of distinct values, or -1 where the coder did not code the unit.


def nominal_distance(a: object, b: object) -> float:
    """0 when two values are equal, else 1."""
    return 0.0 if a == b else 1.0


def masi_distance(a: frozenset[str], b: frozenset[str]) -> float:
    """MASI distance between two code sets: 1 - Jaccard x monotonicity (Passonneau 2006)."""
    if a == b:
        return 0.0
    common, union = len(a & b), len(a | b)
    if common == min(len(a), len(b)):
        monotonicity = 2 / 3
    elif common:
        monotonicity = 1 / 3
    else:
        monotonicity = 0.0
    return 1.0 - common / union * monotonicity


def ratings_matrix(values: pd.DataFrame, coders: Sequence[str]) -> tuple[np.ndarray, list[object]]:
    """The (units x coders) matrix of value indices (-1: not coded) of a long table, and values."""
    codes, uniques = pd.factorize(values["value"])
    units, _ = pd.factorize(values["unit"])
    column = {c: i for i, c in enumerate(coders)}
    matrix = np.full((units.max() + 1 if len(units) else 0, len(coders)), -1, dtype=int)
    # dtype=int: an empty long table maps to an empty *object* array, which numpy refuses as
    # an index (a dimension nobody coded in common, e.g. one human code on one segment).
    matrix[units, values["coder"].map(column).to_numpy(dtype=int)] = codes
    return matrix, list(uniques)


def _value_counts(matrix: np.ndarray, k: int) -> np.ndarray:
    """(units x values) counts of how many coders gave each value, for units with 2+ values."""
    counts = np.zeros((matrix.shape[0], k))
    rows, cols = np.nonzero(matrix >= 0)
    np.add.at(counts, (rows, matrix[rows, cols]), 1.0)
    return counts[counts.sum(axis=1) >= 2]


def alpha_of(matrix: np.ndarray, delta: np.ndarray) -> float:
    """Krippendorff's alpha of a ratings matrix with the value distance matrix ``delta``.

    NaN when fewer than two values are pairable or no pairable values differ.
    """
    counts = _value_counts(matrix, len(delta))
    n = counts.sum()
    if n < 2:
        return math.nan
    per_unit = np.einsum("uk,kl,ul->u", counts, delta, counts) / (counts.sum(axis=1) - 1)
    totals = counts.sum(axis=0)
    expected = totals @ delta @ totals / (n * (n - 1))
    return math.nan if expected == 0 else float(1.0 - per_unit.sum() / n / expected)


def agreement_of(matrix: np.ndarray, k: int) -> float:
    """The share of coder pairs within a unit that gave the same value, averaged over units."""
    counts = _value_counts(matrix, k)
    if not len(counts):
        return math.nan
    m = counts.sum(axis=1)
    return float(np.mean((counts * (counts - 1)).sum(axis=1) / (m * (m - 1))))


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two coders' value indices (-1: not coded); NaN when undefined."""
    both = (a >= 0) & (b >= 0)
    a, b = a[both], b[both]
    if not len(a):
        return math.nan
    k = int(max(a.max(), b.max())) + 1
    expected = float(np.bincount(a, minlength=k) @ np.bincount(b, minlength=k)) / len(a) ** 2
    observed = float((a == b).mean())
    return math.nan if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def kappa_of(matrix: np.ndarray) -> float:
    """Cohen's kappa for two coders; the mean over coder pairs (Light's kappa) for more."""
    pairs = itertools.combinations(range(matrix.shape[1]), 2)
    kappas = [cohen_kappa(matrix[:, i], matrix[:, j]) for i, j in pairs]
    kappas = [k for k in kappas if not math.isnan(k)]
    return float(np.mean(kappas)) if kappas else math.nan


def _distances(uniques: list[object], distance: Callable[[Any, Any], float]) -> np.ndarray:
    return np.array([[distance(a, b) for b in uniques] for a in uniques]).reshape(
        len(uniques), len(uniques)
    )


# --- putting it together ----------------------------------------------------------------------


def dimension_values(
    tables: Mapping[str, pd.DataFrame], dimension: str, uncoded: str = "exclude"
) -> tuple[pd.DataFrame, int]:
    """The long table (unit, coder, value) compared for ``dimension``, and units excluded.

    Values are strings (stage, emotion) or frozensets (touchpoints). Only units coded by two or
    more coders are kept; under ``uncoded="exclude"`` a unit any of them left uncoded is dropped.
    """
    if uncoded not in UNCODED_POLICIES:
        raise CJMInputError(
            f"uncoded must be one of {', '.join(UNCODED_POLICIES)}, not {uncoded!r}",
            hint="--uncoded exclude (the default) or --uncoded as-code",
        )
    convert = code_set if dimension == "touchpoints" else _to_value
    frames = [
        pd.DataFrame(
            {
                "unit": table["segment_id"].astype(str),
                "coder": coder,
                "value": table[dimension].map(convert),
            }
        ).drop_duplicates("unit", keep="last")
        for coder, table in tables.items()
        if dimension in table.columns
        # a dimension its coder did not code is a unit they did not see there, not "no code"
        for table in [table[table[dimension].astype(str) != NOT_CODED]]
    ]
    if not frames:
        return pd.DataFrame(columns=["unit", "coder", "value"]), 0
    long = pd.concat(frames, ignore_index=True)
    long = long[long.groupby("unit")["coder"].transform("size") >= 2]
    empty = long["value"].map(len) == 0
    if uncoded == "exclude":
        dropped = long.loc[empty, "unit"].unique()
        kept = long[~long["unit"].isin(dropped)]
        return kept.reset_index(drop=True), len(dropped)
    filler: object = frozenset({UNCODED}) if dimension == "touchpoints" else UNCODED
    values = [filler if e else v for v, e in zip(long["value"], empty, strict=True)]
    return long.assign(value=values).reset_index(drop=True), 0


def _to_value(value: object) -> str:
    codes = split_codes(value)
    return codes[0].strip() if codes else ""


def compute_agreement(
    tables: Mapping[str, pd.DataFrame],
    codebook: Codebook | None = None,
    *,
    uncoded: str = "exclude",
) -> Agreement:
    """Agreement among two or more coders' tables (name → table with segment_id + code columns).

    ``codebook`` orders and labels the per-code rows; codes a coder used that it does not know
    are listed after the codebook's.
    """
    if len(tables) < 2:
        raise CJMInputError(
            f"agreement needs two or more coders, got {len(tables)}",
            hint="name two tables or coders, e.g. `cjm agreement machine Maya --study DIR`",
        )
    coders = list(tables)
    summary, codes = [], []
    for dimension, book_dim in DIMENSIONS.items():
        values, excluded = dimension_values(tables, dimension, uncoded)
        matrix, uniques = ratings_matrix(values, coders)
        is_set = dimension == "touchpoints"
        summary.append(
            {
                "dimension": dimension,
                "distance": "MASI" if is_set else "nominal",
                "coders": int(values["coder"].nunique()),
                "units": len(matrix),
                "excluded": excluded,
                "agreement": agreement_of(matrix, len(uniques)),
                "kappa": kappa_of(matrix),
                "alpha": alpha_of(
                    matrix, _distances(uniques, masi_distance if is_set else nominal_distance)
                ),
            }
        )
        codes.extend(_code_rows(matrix, uniques, dimension, book_dim, codebook, coders))
    return Agreement(
        coders,
        uncoded,
        pd.DataFrame(summary, columns=list(SUMMARY_COLUMNS)),
        pd.DataFrame(codes, columns=[*CODE_COLUMNS, *coders]),
    )


_BINARY = np.array([[0.0, 1.0], [1.0, 0.0]])


def _code_rows(
    matrix: np.ndarray,
    uniques: list[object],
    dimension: str,
    book_dim: str,
    codebook: Codebook | None,
    coders: list[str],
) -> list[dict[str, object]]:
    """Each code as a binary present/absent rating of the same units."""
    is_set = dimension == "touchpoints"
    used = sorted(set().union(*uniques) if is_set else set(uniques), key=str)
    known = [c.id for c in codebook.dimension(book_dim)] if codebook else []
    rows = []
    for code in known + [c for c in used if c not in known]:
        has = np.array([code in v if is_set else v == code for v in uniques], dtype=int)
        binary = np.where(matrix >= 0, has[np.maximum(matrix, 0)] if len(has) else 0, -1)
        rows.append(
            {
                "dimension": dimension,
                "code": code,
                "label": codebook.label(book_dim, code) if codebook else code,
                "units": len(matrix),
                "agreement": agreement_of(binary, 2),
                "kappa": kappa_of(binary),
                "alpha": alpha_of(binary, _BINARY),
            }
            | {c: int((binary[:, i] == 1).sum()) for i, c in enumerate(coders)}
        )
    return rows


def study_agreement(
    study_root: Path | str,
    machine: pd.DataFrame | None,
    codebook: Codebook | None = None,
    *,
    uncoded: str = "exclude",
) -> Agreement | None:
    """Agreement among every coder of a study (the machine counts as one); None if fewer than 2."""
    tables = study_coders(study_root, machine)
    return compute_agreement(tables, codebook, uncoded=uncoded) if len(tables) >= 2 else None


def agreement_table(
    study_root: Path | str,
    machine: pd.DataFrame | None,
    codebook: Codebook | None = None,
    *,
    uncoded: str = "exclude",
) -> pd.DataFrame:
    """The methodology appendix table: one row per dimension (empty when there is one coder).

    Columns: Dimension, Coders, Units, Excluded, Agreement (%), Kappa, Alpha, Weakest codes.
    """
    result = study_agreement(study_root, machine, codebook, uncoded=uncoded)
    columns = ["Dimension", "Coders", "Units", "Excluded", "Agreement (%)", "Kappa", "Alpha"]
    if result is None:
        return pd.DataFrame(columns=[*columns, "Weakest codes"])
    s = result.summary
    table = pd.DataFrame(
        {
            "Dimension": s["dimension"].str.capitalize() + " (" + s["distance"] + ")",
            "Coders": s["coders"],
            "Units": s["units"],
            "Excluded": s["excluded"],
            "Agreement (%)": (s["agreement"] * 100).round(1),
            "Kappa": s["kappa"].round(3),
            "Alpha": s["alpha"].round(3),
        }
    )
    table["Weakest codes"] = [_weakest_text(result, d) for d in s["dimension"]]
    return table


def _weakest_text(result: Agreement, dimension: str, n: int = 3) -> str:
    """Up to ``n`` codes the coders agreed on least, as "Label (0.42)"; a code on which they
    agreed fully is no weak code ("Aftercare at home (1.00)" was listed as one)."""
    rows = result.weakest_codes(dimension, n).dropna(subset=["alpha"])
    rows = rows[rows["alpha"] < 1 - 1e-9]
    return ", ".join(f"{r.label} ({r.alpha:.2f})" for r in rows.itertuples()) or "none"


def require_min_alpha(
    result: Agreement | None, threshold: float, where: Path | None = None
) -> None:
    """Raise :class:`CJMInputError` naming the weakest codes when any dimension's alpha is low.

    A dimension whose alpha is undefined does not fail the gate; a study without two coders does,
    because the gate was asked for and cannot be checked.
    """
    if result is None:
        raise CJMInputError(
            "--min-alpha needs two or more coders, but the study has only one",
            where,
            hint="double-code a sample (STUDY/coding/<name>.csv, e.g. via `cjm review`)",
        )
    low = result.summary[result.summary["alpha"] < threshold]
    if low.empty:
        return
    parts = [
        f"{r.dimension} alpha {r.alpha:.3f} (weakest codes: {_weakest_text(result, r.dimension)})"
        for r in low.itertuples()
    ]
    raise CJMInputError(
        f"inter-coder agreement below --min-alpha {threshold}: " + "; ".join(parts),
        where,
        hint="revisit those codes' definitions in the codebook, re-code, then build the reports",
    )


def format_agreement(result: Agreement, *, codes: bool = True) -> str:
    """A readable plain-text report: the summary table and, optionally, the per-code breakdown."""
    kappa = "Cohen's kappa" if len(result.coders) == 2 else "mean pairwise Cohen's kappa"
    head = [
        f"coders: {', '.join(result.coders)}",
        f"uncoded units: {result.uncoded}"
        + (
            " (a unit any coder left uncoded is left out of that dimension)"
            if result.uncoded == "exclude"
            else f" (no code counts as the category {UNCODED})"
        ),
        f"kappa: {kappa}; alpha: Krippendorff's (nominal; MASI for touchpoint sets); "
        "agreement: exact match",
        "",
    ]
    summary = result.summary.copy()
    summary["agreement"] = summary["agreement"].map(_percent)
    for column in ("kappa", "alpha"):
        summary[column] = summary[column].map(_number)
    text = "\n".join(head) + summary.to_string(index=False)
    if codes and len(result.codes):
        table = result.codes.drop(columns="label").copy()
        table["agreement"] = table["agreement"].map(_percent)
        for column in ("kappa", "alpha"):
            table[column] = table[column].map(_number)
        table = table.rename(columns={c: f"n:{c}" for c in result.coders})
        text += "\n\nper code (present vs absent):\n" + table.to_string(index=False)
    return text + "\n"


def _percent(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 100:.1f}%"


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"
