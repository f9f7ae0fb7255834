"""The coder learns from the researcher's review (``coding/learning.py``, through the semantic
coder): rounds of the review sheet, then reviewed words met again in another interview."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook

from cjm_research.audit import machine_audit
from cjm_research.cli import main
from cjm_research.coding.human import read_human_codes
from cjm_research.evaluate import read_gold
from cjm_research.model import NOT_CODED
from cjm_research.resources import example_study_dir
from cjm_research.run.batch import code_study
from cjm_research.study import load_study

pytest.importorskip("onnxruntime")
from cjm_research.coding.semantic import SemanticCoder  # after the skip: needs onnxruntime

GOLD = example_study_dir().parent / "tests" / "data" / "gold" / "example-gold.csv"


def _fill_from_gold(rows: dict[str, int], path, gold: pd.DataFrame) -> None:
    book = load_workbook(path)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    for segment_id, row in rows.items():
        truth = gold.loc[segment_id]
        for column in ("stage", "touchpoints", "emotion"):
            value = truth[column] if isinstance(truth[column], str) else ""
            sheet.cell(row, header.index(column) + 1, value)
        sheet.cell(row, header.index("valence") + 1, float(truth["valence"]))
        sheet.cell(row, header.index("review") + 1, "done")
    book.save(path)


def test_review_the_next_turns_and_the_coder_learns_the_study(tmp_path, capsys):
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    gold = read_gold(GOLD).set_index("segment_id")
    before = code_study(load_study(study), "semantic")
    sheet = tmp_path / "next.xlsx"
    assert main(["review", "export", str(sheet), "--study", str(study), "--next", "20"]) == 0
    book = load_workbook(sheet)["review"]
    rows = {book.cell(r, 1).value: r for r in range(2, book.max_row + 1)}
    assert len(rows) == 20
    _fill_from_gold(rows, sheet, gold)
    args = ["review", "import", str(sheet), "--coder", "Maya", "--study", str(study)]
    assert main(args) == 0
    # A second round through CSV: the next turns are new ones.
    second = tmp_path / "next.csv"
    assert main(["review", "export", str(second), "--study", str(study), "--next", "10"]) == 0
    with second.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert not {r["segment_id"] for r in table} & set(rows)
    for row in table:
        truth = gold.loc[row["segment_id"]]
        row.update(
            stage=truth["stage"] if isinstance(truth["stage"], str) else "",
            touchpoints=truth["touchpoints"] if isinstance(truth["touchpoints"], str) else "",
            emotion=truth["emotion"],
            review="done",
        )
    with second.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    assert main(["review", "import", str(second), "--coder", "Maya", "--study", str(study)]) == 0
    capsys.readouterr()

    reviewed = set(read_human_codes(study)["segment_id"])
    assert len(reviewed) == 30
    after = code_study(load_study(study), "semantic", progress=print)
    assert "learned from 30 reviewed turns" in capsys.readouterr().out
    merged = after.segments.set_index("segment_id")
    # Human codes win, untouched, over whatever the machine learned.
    for segment_id in reviewed:
        truth = gold.loc[segment_id]
        assert merged.loc[segment_id, "coder"] == "Maya"
        assert merged.loc[segment_id, "stage"] == (
            truth["stage"] if isinstance(truth["stage"], str) else ""
        )
    machine = after.machine.set_index("segment_id")
    participants = machine[machine["role"] == "participant"]
    assert (participants["coder"] == f"auto:semantic+study@{SemanticCoder.version}").all()
    # The codes of turns nobody reviewed changed: the coder learned from the study (whether for
    # the better is measured on gold studies by benchmarks/bench_review.py, not on 30 turns).
    old = before.machine.set_index("segment_id")
    unreviewed = [s for s in participants.index if s not in reviewed]
    changed = (old.loc[unreviewed, "stage"] != participants.loc[unreviewed, "stage"]).sum()
    assert changed >= 1
    # The audit rests on the machine's codes of the reviewed turns from runs that had not learned
    # from their own interview: not a copy of the human codes.
    stage = machine_audit(study, after.machine)[0]
    assert stage.reviewed == 30 and stage.agreed < 30


def test_near_duplicates_of_reviewed_turns_take_their_codes_and_name_them():
    study = load_study(example_study_dir())
    gold = read_gold(GOLD).set_index("segment_id")
    first, second = study.transcripts[0], study.transcripts[1]
    coder = SemanticCoder(study.codebook)
    untaught = {r["segment_id"]: r for r in coder(second)}
    texts = {f"{second.interview_id}:{t.index}": t.text for t in second.participant_turns}
    wrong = [
        sid
        for sid, text in texts.items()
        if len(text.split()) > 8
        and untaught[sid]["stage"]
        != (gold.loc[sid, "stage"] if isinstance(gold.loc[sid, "stage"], str) else "")
    ]
    assert len(wrong) >= 3
    # The same words, reviewed in another interview with the gold codes.
    reviewed = pd.DataFrame(
        [
            {
                "segment_id": f"{first.interview_id}:{900 + n}",
                "interview_id": first.interview_id,
                "text": texts[sid],
                "stage": gold.loc[sid, "stage"] if isinstance(gold.loc[sid, "stage"], str) else "",
                "touchpoints": "",
                "emotion": gold.loc[sid, "emotion"],
                "valence": gold.loc[sid, "valence"],
            }
            for n, sid in enumerate(wrong)
        ]
    )
    coder.teach(reviewed)
    taught = {r["segment_id"]: r for r in coder(second)}
    fixed = [
        sid
        for sid in wrong
        if taught[sid]["stage"] == reviewed.set_index("text").loc[texts[sid], "stage"]
    ]
    assert len(fixed) >= 0.6 * len(wrong)
    assert all("nearest reviewed turn" in taught[sid]["evidence"] for sid in wrong)
    assert taught[wrong[0]]["coder"] == f"auto:semantic+study@{SemanticCoder.version}"
    coder.teach(reviewed.iloc[:0])
    assert [r.get("stage") for r in coder(second)] == [r.get("stage") for r in untaught.values()]


def test_a_dimension_no_researcher_coded_teaches_nothing():
    """Reviewed turns coded for emotion only (a project coded in another tool) teach emotions
    and leave the stages as the coder read them, not "no stage"."""
    study = load_study(example_study_dir())
    first, second = study.transcripts[0], study.transcripts[1]
    coder = SemanticCoder(study.codebook)
    untaught = coder(second)
    turns = [t for t in second.participant_turns if len(t.text.split()) > 8][:6]
    reviewed = pd.DataFrame(
        [
            {
                "segment_id": f"{first.interview_id}:{900 + n}",
                "interview_id": first.interview_id,
                "text": turn.text,
                "stage": NOT_CODED,
                "touchpoints": NOT_CODED,
                "emotion": "anger",
                "valence": -0.9,
            }
            for n, turn in enumerate(turns)
        ]
    )
    coder.teach(reviewed)
    taught = {r["segment_id"]: r for r in coder(second)}
    for column in ("stage", "touchpoints"):
        assert [taught[r["segment_id"]].get(column) for r in untaught] == [
            r.get(column) for r in untaught
        ]
    # the emotion was coded: the same words read as the reviewed ones
    assert {taught[second.segment_id(t)]["emotion"] for t in turns} == {"anger"}
    assert not any("nearest reviewed turn" in str(r.get("evidence")) for r in taught.values())
