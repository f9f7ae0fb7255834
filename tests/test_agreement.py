"""Inter-coder agreement, checked against NLTK's AnnotationTask on real double-coded turns.

tests/data/agreement/: rules.csv is the rules coder's codes for 60 participant turns of the example
study (p01-dana, p02-luis, the first 11 of p05-aisha), frozen so the data does not move with the
coder; maya.csv is a researcher's hand coding of the same 60 turns; ana.csv a third researcher's
coding of p01-dana only (24 turns), which makes the three-coder data incomplete, as in real studies.
"""

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import binary_distance
from nltk.metrics.distance import masi_distance as nltk_masi

from cjm_research.agreement import (
    DIMENSIONS,
    UNCODED,
    _weakest_text,
    agreement_table,
    compute_agreement,
    dimension_values,
    format_agreement,
    masi_distance,
    read_coded_table,
    require_min_alpha,
    resolve_coders,
    study_agreement,
)
from cjm_research.cli import main
from cjm_research.codebook import load_codebook
from cjm_research.coding.human import append_human_codes
from cjm_research.coding.rules import RulesCoder
from cjm_research.exceptions import CJMInputError
from cjm_research.resources import default_codebook_path, example_study_dir

DATA = Path(__file__).parent / "data" / "agreement"


@pytest.fixture(scope="module")
def tables():
    return {name: read_coded_table(DATA / f"{name}.csv") for name in ("rules", "maya", "ana")}


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def nltk_task(values, dimension):
    distance = nltk_masi if dimension == "touchpoints" else binary_distance
    triples = [(row.coder, row.unit, row.value) for row in values.itertuples()]
    return AnnotationTask(triples, distance=distance)


def test_the_test_data_is_real_double_coding(tables):
    rules, maya = tables["rules"], tables["maya"]
    assert len(rules) == len(maya) == 60
    assert set(rules["segment_id"]) == set(maya["segment_id"])
    merged = rules.merge(maya, on="segment_id", suffixes=("_r", "_m"))
    # Realistic: the coders agree on some turns and disagree on many others, in every dimension.
    for dim in DIMENSIONS:
        same = (merged[f"{dim}_r"] == merged[f"{dim}_m"]).mean()
        assert 0.2 < same < 0.8, dim


@pytest.mark.parametrize("uncoded", ["exclude", "as-code"])
def test_two_coders_match_nltk_to_four_decimals(tables, codebook, uncoded):
    pair = {"rules": tables["rules"], "maya": tables["maya"]}
    result = compute_agreement(pair, codebook, uncoded=uncoded)
    summary = result.summary.set_index("dimension")
    for dim in DIMENSIONS:
        values, _ = dimension_values(pair, dim, uncoded)
        task = nltk_task(values, dim)
        assert summary.loc[dim, "alpha"] == pytest.approx(task.alpha(), abs=5e-5)
        # Percent agreement and kappa compare exact values (sets too): NLTK with binary distance.
        exact = AnnotationTask([(r.coder, r.unit, r.value) for r in values.itertuples()])
        assert summary.loc[dim, "kappa"] == pytest.approx(exact.kappa(), abs=5e-5)
        assert summary.loc[dim, "agreement"] == pytest.approx(exact.avg_Ao(), abs=5e-5)
        assert summary.loc[dim, "units"] == values["unit"].nunique()
    assert summary.loc["touchpoints", "distance"] == "MASI"


def test_per_code_breakdown_matches_nltk_on_binary_labels(tables, codebook):
    pair = {"rules": tables["rules"], "maya": tables["maya"]}
    result = compute_agreement(pair, codebook)
    checked = 0
    for row in result.codes.itertuples():
        values, _ = dimension_values(pair, row.dimension, "exclude")
        hit = values["value"].map(
            (lambda v, c=row.code: c in v)
            if row.dimension == "touchpoints"
            else (lambda v, c=row.code: v == c)
        )
        binary = values.assign(value=hit)
        assert row.rules == int(binary[binary["coder"] == "rules"]["value"].sum())
        assert row.maya == int(binary[binary["coder"] == "maya"]["value"].sum())
        if binary["value"].nunique() < 2:
            assert math.isnan(row.alpha)  # nobody used the code: no variation to agree on
            continue
        task = nltk_task(binary, "stage")
        assert row.alpha == pytest.approx(task.alpha(), abs=5e-5), row.code
        assert row.kappa == pytest.approx(task.kappa(), abs=5e-5), row.code
        checked += 1
    assert checked >= 25
    # Every codebook code is listed, in codebook order.
    stages = result.codes[result.codes["dimension"] == "stage"]["code"].tolist()
    assert stages == codebook.stage_ids


@pytest.mark.parametrize("uncoded", ["exclude", "as-code"])
def test_three_coders_with_missing_data_match_nltk(tables, codebook, uncoded):
    result = compute_agreement(tables, codebook, uncoded=uncoded)
    summary = result.summary.set_index("dimension")
    for dim in DIMENSIONS:
        values, _ = dimension_values(tables, dim, uncoded)
        # Alpha uses every unit with two or more coders (Krippendorff's missing-data design).
        assert summary.loc[dim, "alpha"] == pytest.approx(nltk_task(values, dim).alpha(), abs=5e-5)
    # Kappa needs complete data in NLTK: the 24 turns all three coded.
    dana = {n: t[t["segment_id"].str.startswith("p01-dana:")] for n, t in tables.items()}
    complete = compute_agreement(dana, codebook, uncoded=uncoded).summary.set_index("dimension")
    for dim in DIMENSIONS:
        values, _ = dimension_values(dana, dim, uncoded)
        exact = AnnotationTask([(r.coder, r.unit, r.value) for r in values.itertuples()])
        assert complete.loc[dim, "kappa"] == pytest.approx(exact.kappa(), abs=5e-5)
        assert complete.loc[dim, "agreement"] == pytest.approx(exact.avg_Ao(), abs=5e-5)


def test_masi_distance_matches_nltk():
    sets = [frozenset(s) for s in ({"a"}, {"a", "b"}, {"b"}, {"a", "b", "c"}, {"c", "d"})]
    for a in sets:
        for b in sets:
            assert masi_distance(a, b) == pytest.approx(nltk_masi(set(a), set(b)))


def test_uncoded_policy_is_explicit_and_changes_what_is_compared(tables, codebook):
    pair = {"rules": tables["rules"], "maya": tables["maya"]}
    merged = tables["rules"].merge(tables["maya"], on="segment_id", suffixes=("_r", "_m"))
    either_empty = ((merged["stage_r"] == "") | (merged["stage_m"] == "")).sum()
    excluded = compute_agreement(pair, codebook).summary.set_index("dimension")
    assert excluded.loc["stage", "excluded"] == either_empty > 0
    assert excluded.loc["stage", "units"] == 60 - either_empty
    as_code = compute_agreement(pair, codebook, uncoded="as-code")
    assert as_code.summary.set_index("dimension").loc["stage", "units"] == 60
    uncoded_row = as_code.codes[
        (as_code.codes["dimension"] == "stage") & (as_code.codes["code"] == UNCODED)
    ].iloc[0]
    assert uncoded_row["rules"] == (merged["stage_r"] == "").sum()
    assert uncoded_row["maya"] == (merged["stage_m"] == "").sum()
    assert "uncoded units: exclude" in format_agreement(compute_agreement(pair, codebook))
    assert f"as the category {UNCODED}" in format_agreement(as_code)
    with pytest.raises(ValueError, match="uncoded"):
        compute_agreement(pair, codebook, uncoded="ignore")


def test_identical_coders_agree_perfectly_and_one_coder_is_refused(tables, codebook):
    same = compute_agreement({"a": tables["maya"], "b": tables["maya"]}, codebook)
    assert (same.summary["alpha"] == 1.0).all() and (same.summary["kappa"] == 1.0).all()
    # codes agreed on fully are no weak codes (the table listed "Aftercare at home (1.00)")
    assert {_weakest_text(same, d) for d in same.summary["dimension"]} == {"none"}
    with pytest.raises(CJMInputError, match="two or more coders"):
        compute_agreement({"a": tables["maya"]}, codebook)


def test_json_form_and_the_min_alpha_gate(tables, codebook):
    result = compute_agreement({"rules": tables["rules"], "maya": tables["maya"]}, codebook)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["coders"] == ["rules", "maya"] and data["uncoded"] == "exclude"
    stage = next(d for d in data["dimensions"] if d["dimension"] == "stage")
    assert stage["alpha"] == pytest.approx(result.summary["alpha"][0])
    onboarding = next(c for c in data["codes"] if c["code"] == "onboarding")
    assert onboarding["counts"] == {"rules": 4, "maya": 11}
    require_min_alpha(result, 0.2)  # every dimension is above 0.2
    with pytest.raises(CJMInputError) as failed:
        require_min_alpha(result, 0.5)
    message = str(failed.value)
    weakest = result.weakest_codes("stage", 1).iloc[0]
    assert "stage alpha 0.290" in message and weakest["label"] in message
    assert "touchpoints" not in message.split("--min-alpha 0.5:")[1].split(";")[0]
    with pytest.raises(CJMInputError, match="two or more coders"):
        require_min_alpha(None, 0.5)


def test_table_readers_take_csv_xlsx_and_parquet_and_keep_participant_rows(tmp_path, tables):
    rules = tables["rules"]
    with_interviewer = pd.concat(
        [rules, rules.head(1).assign(segment_id="p01-dana:1", role="interviewer", stage="")]
    )
    with_interviewer.to_excel(tmp_path / "r.xlsx", index=False)
    rules.to_parquet(tmp_path / "r.parquet", index=False)
    assert (
        read_coded_table(tmp_path / "r.xlsx")["segment_id"].tolist() == rules["segment_id"].tolist()
    )
    assert len(read_coded_table(tmp_path / "r.parquet")) == 60
    (tmp_path / "bad.csv").write_text("id,code\n1,x\n", encoding="utf-8")
    with pytest.raises(CJMInputError, match="segment_id"):
        read_coded_table(tmp_path / "bad.csv")


def test_study_coders_by_name_and_the_appendix_table(tmp_path, tables, codebook):
    for name in ("maya", "ana"):
        rows = tables[name].drop(columns="coder")
        append_human_codes(
            tmp_path, name.capitalize(), rows.assign(coded_at="2026-03-20T10:00:00Z")
        )
    machine = tables["rules"]
    resolved = resolve_coders(["machine", "maya"], tmp_path, lambda: machine)
    assert list(resolved) == ["auto:rules@1", "Maya"]
    with pytest.raises(CJMInputError, match="coders with files there: Ana, Maya"):
        resolve_coders(["Zoe"], tmp_path, lambda: machine)
    result = study_agreement(tmp_path, machine, codebook)
    assert result.coders == ["auto:rules@1", "Ana", "Maya"]
    table = agreement_table(tmp_path, machine, codebook)
    assert table["Dimension"].tolist() == [
        "Stage (nominal)",
        "Touchpoints (MASI)",
        "Emotion (nominal)",
    ]
    assert table["Alpha"].tolist() == result.summary["alpha"].round(3).tolist()
    assert table["Weakest codes"].str.len().gt(0).all()
    assert agreement_table(tmp_path / "none", None).empty


@pytest.fixture(scope="module")
def double_coded_study(tmp_path_factory, tables):
    root = tmp_path_factory.mktemp("agreement") / "study"
    shutil.copytree(example_study_dir(), root)
    rows = tables["maya"].drop(columns="coder").assign(coded_at="2026-03-20T10:00:00Z")
    append_human_codes(root, "Maya", rows)
    return root


def test_cli_agreement_on_files_and_on_study_coders(double_coded_study, tmp_path, capsys):
    out = tmp_path / "agreement.json"
    files = [str(DATA / "rules.csv"), str(DATA / "maya.csv")]
    assert main(["agreement", *files, "--json", str(out), "--uncoded", "as-code"]) == 0
    printed = capsys.readouterr().out
    assert "uncoded units: as-code" in printed and "per code" in printed
    assert json.loads(out.read_text())["uncoded"] == "as-code"
    study = str(double_coded_study)
    assert main(["agreement", "machine", "maya", "--study", study, "--coder", "rules"]) == 0
    printed = capsys.readouterr().out
    assert f"coders: auto:rules@{RulesCoder.version}, Maya" in printed
    assert main(["agreement", "machine", "Nobody", "--study", study, "--coder", "rules"]) == 2
    capsys.readouterr()
    # a code the study's codebook lost still counts in the agreement, and the run says so
    book = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    book["stages"] = [c for c in book["stages"] if c["id"] != "onboarding"]
    (double_coded_study / "codebook.yaml").write_text(yaml.safe_dump(book), encoding="utf-8")
    try:
        assert main(["agreement", "machine", "maya", "--study", study, "--coder", "rules"]) == 0
        assert "note: Maya: stage 'onboarding' is not in the codebook (" in capsys.readouterr().err
    finally:
        (double_coded_study / "codebook.yaml").unlink()


def test_reports_refuse_below_min_alpha_naming_the_weakest_codes(double_coded_study, capsys):
    study = str(double_coded_study)
    assert main(["reports", "--study", study, "--coder", "rules", "--min-alpha", "0.95"]) == 2
    err = capsys.readouterr().err
    assert "below --min-alpha 0.95" in err and "weakest codes" in err
    assert not (double_coded_study / "reports" / "index.html").exists()


def test_a_dimension_with_no_comparable_units_does_not_crash():
    import pandas as pd

    from cjm_research.agreement import ratings_matrix

    empty = pd.DataFrame({"unit": [], "coder": [], "value": []}, dtype=object)
    matrix, values = ratings_matrix(empty, ["machine", "Maya"])
    assert matrix.shape == (0, 2) and values == []


def test_tables_of_a_study_codebook_read_outside_the_study_say_to_pass_study(
    tmp_path, monkeypatch, capsys
):
    """Run from elsewhere, --study is the current folder: the packaged default codebook knows
    none of a study codebook's codes, so the run says how to read them right."""
    table = pd.DataFrame({"segment_id": ["p01:2", "p01:4"], "stage": ["discover", "leave"]})
    table.to_csv(tmp_path / "a.csv", index=False)
    table.to_csv(tmp_path / "b.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["agreement", "a.csv", "b.csv"]) == 0
    err = capsys.readouterr().err
    assert "has no codebook.yaml, so the tables are read against the packaged default" in err
    assert "pass --study with the study folder whose codebook they use" in err
