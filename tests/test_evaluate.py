"""Evaluation metrics against hand-computed examples, and ``cjm evaluate`` end to end."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from cjm_research.cli import main
from cjm_research.codebook import load_codebook
from cjm_research.evaluate import (
    calibration,
    correlation,
    evaluate,
    format_evaluation,
    gold_ids,
    label_scores,
    read_gold,
    right_and_confidence,
    set_scores,
)
from cjm_research.exceptions import CJMInputError
from cjm_research.resources import example_study_dir

GOLD = ["a", "a", "b", "b", "c"]
MACHINE = ["a", "b", "b", "b", "a"]
GOLD_SETS = [{"x"}, {"x", "y"}, set(), {"y"}]
MACHINE_SETS = [{"x"}, {"x"}, {"y"}, {"x", "y"}]


def test_single_label_scores_match_hand_computation():
    s = label_scores(pd.Series(GOLD), pd.Series(MACHINE))
    assert s.n == 5
    assert s.accuracy == pytest.approx(0.6)
    f1 = {c.code: c.f1 for c in s.per_code}
    assert f1 == pytest.approx({"a": 0.5, "b": 0.8, "c": 0.0})
    assert s.macro_f1 == pytest.approx((0.5 + 0.8) / 3)
    # observed 0.6, chance (2*2 + 2*3 + 1*0) / 25 = 0.4
    assert s.kappa == pytest.approx((0.6 - 0.4) / 0.6)
    assert sorted(s.confusions) == [("a", "b", 1), ("c", "a", 1)]


def test_an_empty_machine_code_is_a_wrong_answer_named_none():
    s = label_scores(pd.Series(["a", "b"]), pd.Series(["a", ""]))
    assert s.accuracy == 0.5
    assert s.confusions == [("b", "(none)", 1)]
    blank_gold = label_scores(pd.Series(["", "b"]), pd.Series(["", "b"]))
    assert blank_gold.accuracy == 1.0


def test_multi_label_scores_match_hand_computation():
    s = set_scores([frozenset(g) for g in GOLD_SETS], [frozenset(m) for m in MACHINE_SETS])
    assert (s.micro_precision, s.micro_recall) == pytest.approx((0.6, 0.75))
    assert s.micro_f1 == pytest.approx(2 / 3)
    assert s.macro_f1 == pytest.approx((0.8 + 0.5) / 2)
    assert s.exact_match == pytest.approx(0.25)
    assert s.kappa == pytest.approx((0.5 + 0.0) / 2)
    assert s.missed == [("y", 1)]
    assert sorted(s.added) == [("x", 1), ("y", 1)]


def test_correlations_match_hand_computation():
    c = correlation(pd.Series([1, 2, 3, 4]), pd.Series([1, 3, 2, 4]))
    assert (c.pearson, c.spearman) == pytest.approx((0.8, 0.8))
    monotone = correlation(pd.Series([1, 2, 3, 4]), pd.Series([1, 9, 4, 16]))
    assert monotone.spearman == pytest.approx(0.8)
    assert monotone.pearson != pytest.approx(0.8)


def test_metrics_agree_with_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    s = label_scores(pd.Series(GOLD), pd.Series(MACHINE))
    assert s.macro_f1 == pytest.approx(metrics.f1_score(GOLD, MACHINE, average="macro"))
    assert s.kappa == pytest.approx(metrics.cohen_kappa_score(GOLD, MACHINE))
    binarizer = preprocessing.MultiLabelBinarizer().fit(GOLD_SETS + MACHINE_SETS)
    g, m = binarizer.transform(GOLD_SETS), binarizer.transform(MACHINE_SETS)
    t = set_scores([frozenset(x) for x in GOLD_SETS], [frozenset(x) for x in MACHINE_SETS])
    assert t.micro_f1 == pytest.approx(metrics.f1_score(g, m, average="micro"))
    assert t.macro_f1 == pytest.approx(metrics.f1_score(g, m, average="macro"))


def test_calibration_bands_count_how_often_each_confidence_was_right():
    right = [True, False, True, True, False, True, True]
    given = [0.2, 0.4, 0.6, 0.95, 0.92, 1.0, float("nan")]  # the NaN is left out
    c = calibration(right, given)
    assert c.n == 6
    [low, middle, high, top] = c.bands
    assert (low.n, low.accuracy, low.confidence) == (2, 0.5, pytest.approx(0.3))
    assert (middle.n, middle.accuracy) == (1, 1.0)
    assert high.n == 0
    assert (top.n, top.accuracy, top.confidence) == (
        3,
        pytest.approx(2 / 3),
        pytest.approx(2.87 / 3),
    )
    # |0.3 - 0.5| * 2 + |0.6 - 1| * 1 + |0.9567 - 0.6667| * 3, over 6
    assert c.ece == pytest.approx((0.4 + 0.4 + abs(2.87 - 2)) / 6)


def _segments(tmp_path):
    table = pd.DataFrame(
        {
            "segment_id": ["i:1", "i:2", "i:3", "i:4", "i:5"],
            "role": ["participant"] * 5,
            "stage": MACHINE,
            "touchpoints": ["x", "x", "y", "x;y", ""],
            "emotion": ["joy", "joy", "anger", "neutral", "joy"],
            "valence": [0.8, 0.5, -0.7, 0.0, 0.6],
            "stage_confidence": [0.95, 0.6, 0.3, 0.99, 0.92],
        }
    )
    path = tmp_path / "segments.csv"
    table.to_csv(path, index=False)
    return path


def test_blank_codes_mean_none_but_blank_valence_is_left_out(tmp_path):
    gold = pd.DataFrame(
        {
            "segment_id": ["i:1", "i:2", "i:3", "i:4"],
            "stage": ["a", "", "b", "b"],
            "touchpoints": ["x", "x;y", "", "y"],
            "valence": ["1", "2", "", "4"],
        }
    )
    result = evaluate(gold, pd.read_csv(_segments(tmp_path), dtype={"touchpoints": str}))
    assert result.stage.n == 4
    assert ("(none)", "b", 1) in result.stage.confusions
    assert result.touchpoints.n == 4
    assert result.touchpoints.micro_f1 == pytest.approx(2 / 3)
    assert result.valence.n == 3


def test_cli_reports_scores_unknown_ids_and_json(tmp_path, capsys):
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "segment_id,stage,touchpoints,emotion,valence\n"
        "i:1,a,x,joy,0.9\ni:2,a,x;y,joy,0.4\ni:3,b,,anger,-0.8\n"
        "i:4,b,y,sadness,-0.2\ni:5,c,,joy,0.7\nnowhere:9,a,,joy,0.1\n"
    )
    segments = _segments(tmp_path)
    assert main(["evaluate", "--gold", str(gold), "--segments", str(segments)]) == 0
    out = capsys.readouterr().out
    assert "1 gold segment ids not in the coded table, left out: nowhere:9" in out
    assert "a → b ×1" in out
    stage_line = next(line for line in out.splitlines() if line.startswith("stage "))
    assert stage_line.split()[1:4] == ["5", "0.60", "0.43"]
    # right a, wrong a->b at 0.6, right b at 0.3, right b, wrong c->a at 0.92
    assert "stage: right by confidence  0.0–0.5: 100% of 1 (mean 0.30), 0.5–0.7: 0% of 1" in out
    assert "emotion: right by confidence" not in out  # the table has no emotion confidences
    assert main(["evaluate", "--gold", str(gold), "--segments", str(segments), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unknown_ids"] == ["nowhere:9"]
    assert data["emotion"]["accuracy"] == pytest.approx(0.8)
    assert data["touchpoints"]["micro_f1"] == pytest.approx(2 / 3)
    assert data["valence"]["n"] == 5
    assert [b["n"] for b in data["calibration"]["stage"]["bands"]] == [1, 1, 0, 3]


def test_a_comma_separated_gold_cell_scores_as_its_codes_without_a_study(tmp_path, capsys):
    gold = tmp_path / "gold.csv"  # no --study: no codebook to read the gold's codes with
    gold.write_text('segment_id,touchpoints\ni:1,x\ni:2,"x, y"\ni:4,y;x\n')
    segments = _segments(tmp_path)
    assert main(["evaluate", "--gold", str(gold), "--segments", str(segments), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["touchpoints"]["n"] == 3
    assert data["touchpoints"]["micro_f1"] == pytest.approx(8 / 9)  # 4 right, 1 missed (was 6 / 9)


def test_a_gold_file_of_another_study_is_refused_not_scored_as_nan(tmp_path, capsys):
    gold = tmp_path / "gold.csv"
    gold.write_text("segment_id,stage\nother:1,a\nother:2,b\n")
    segments = _segments(tmp_path)
    assert main(["evaluate", "--gold", str(gold), "--segments", str(segments)]) == 2
    err = capsys.readouterr().err
    assert "none of the gold file's 2 segment ids is a coded turn (first: other:1, other:2)" in err
    assert "is it this study's gold file?" in err


def test_cli_codes_the_study_when_no_table_is_given(tmp_path, capsys):
    gold = tmp_path / "gold.xlsx"
    pd.DataFrame({"segment_id": ["p04-mark:2", "missing:1"], "stage": ["awareness", "x"]}).to_excel(
        gold, index=False
    )
    study = str(shutil.copytree(example_study_dir(), tmp_path / "study"))  # its cache goes there
    assert main(["evaluate", "--gold", str(gold), "--study", study, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["coder"].startswith("auto:")
    assert data["unknown_ids"] == ["missing:1"]
    assert data["stage"]["n"] == 1


def test_bad_gold_files_name_the_line(tmp_path):
    no_columns = tmp_path / "a.csv"
    no_columns.write_text("id,notes\n1,x\n")
    with pytest.raises(CJMInputError, match="segment_id"):
        read_gold(no_columns)
    twice = tmp_path / "b.csv"
    twice.write_text("segment_id,stage\ni:1,a\ni:2,b\ni:1,c\n")
    with pytest.raises(CJMInputError) as info:
        read_gold(twice)
    assert info.value.line == 4
    bad_valence = tmp_path / "c.csv"
    bad_valence.write_text("segment_id,valence\ni:1,0.5\ni:2,happy\n")
    with pytest.raises(CJMInputError, match="not a number") as info:
        read_gold(bad_valence)
    assert info.value.line == 3


def test_readable_report_lists_every_dimension(tmp_path):
    gold = read_gold(_segments(tmp_path))
    text = format_evaluation(evaluate(gold, pd.read_csv(_segments(tmp_path)), gold_name="g"))
    for heading in ("stage ", "emotion ", "touchpoints ", "valence ", "Pearson r 1.00"):
        assert heading in text


def test_right_and_confidence_pairs_each_gold_turn_with_the_machines_code():
    gold = pd.DataFrame(
        {"segment_id": ["i:1", "i:2", "i:3", "gone:9"], "stage": ["a", "", "b", "a"]}
    )
    machine = pd.DataFrame(
        {
            "segment_id": ["i:3", "i:1", "i:2", "i:1"],  # any order; a duplicate row is dropped
            "stage": ["a", "a", None, "b"],
            "stage_confidence": ["0.6", 0.9, None, 0.1],
        }
    )
    right, confidence = right_and_confidence(gold, machine)
    assert right.tolist() == [True, True, False]  # "no stage" agrees with an empty gold cell
    assert confidence[[0, 2]].tolist() == [0.9, 0.6] and np.isnan(confidence[1])


def test_gold_codes_are_read_as_the_review_sheet_reads_them(tmp_path):

    codebook = load_codebook()
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "segment_id,stage,touchpoints,emotion\n"
        'a:1,Support,"Website, phone_support",Frustration\n'
        "a:2,Purchase (purchase),,neutral\n",
        encoding="utf-8",
    )
    read = gold_ids(read_gold(gold), codebook, gold)
    assert read["stage"].tolist() == ["support", "purchase"]
    assert read["emotion"].tolist() == ["frustration", "neutral"]
    assert read.at[0, "touchpoints"] in {"website;phone_support", "phone_support;website"}


def test_an_unknown_gold_code_names_its_row(tmp_path):

    gold = tmp_path / "gold.csv"
    gold.write_text("segment_id,stage\na:1,support\na:2,renwal\n", encoding="utf-8")
    with pytest.raises(CJMInputError, match="renwal") as caught:
        gold_ids(read_gold(gold), load_codebook(), gold)
    assert caught.value.line == 3


def test_a_gold_file_saved_by_a_european_excel_is_read(tmp_path):
    # Semicolons, a BOM, comma decimals and the minus sign the reports print.
    path = tmp_path / "gold.csv"
    path.write_text("segment_id;stage;valence\ni:1;a;\u22120,5\ni:2;b;0,25\n", encoding="utf-8-sig")
    gold = read_gold(path)
    assert list(gold["segment_id"]) == ["i:1", "i:2"]
    assert list(gold["valence"].astype(float)) == [-0.5, 0.25]


def test_gold_rows_follow_their_words_when_a_transcript_gained_turns(tmp_path, capsys):
    """A review sheet used as gold, then two turns inserted at the top of the transcript: the
    gold rows are scored on the turns now holding their words, and the moves are listed."""
    machine = pd.DataFrame(
        {
            "segment_id": [f"i:{n}" for n in range(1, 6)],
            "interview_id": "i",
            "role": "participant",
            "text": ["Can you hear me?", "Yes.", "I saw an advert.", "Then I paid.", "Hi."],
            "stage": ["", "", "awareness", "purchase", "purchase"],
        }
    )
    gold_rows = {"segment_id": ["i:1", "i:2"], "text": ["I saw an advert.", "Then I paid."]}
    gold = pd.DataFrame({**gold_rows, "stage": ["awareness", "purchase"]})
    result = evaluate(gold, machine)
    assert result.matched == 2 and result.stage.accuracy == 1.0
    assert result.moved == ["i:1 → i:3", "i:2 → i:4"] and result.unknown_ids == []
    # Words that are nowhere now: left out and listed, not scored against another turn.
    result = evaluate(gold.assign(text=["I saw an advert.", "Gone words."]), machine)
    assert result.matched == 1 and result.unknown_ids == ["i:2 (text changed)"]
    said = format_evaluation(result)
    assert "1 gold rows moved with their words (a transcript changed): i:1 → i:3" in said
    assert "1 gold segment ids not in the coded table, left out: i:2 (text changed)" in said
    # The sheet's own columns, as read: text_sha and text are kept.
    path = tmp_path / "gold.csv"
    gold.assign(text_sha="abc").to_csv(path, index=False)
    assert {"text", "text_sha"} <= set(read_gold(path).columns)
