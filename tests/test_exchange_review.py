"""The review round-trip: export, edit in a spreadsheet, import, re-code — the edit survives."""

import csv
import io
import shutil
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cjm_research import coding
from cjm_research.cli import main
from cjm_research.codebook import load_codebook
from cjm_research.coding.human import append_human_codes, coder_file, read_human_codes
from cjm_research.exceptions import CJMInputError
from cjm_research.exchange.review_export import (
    COLUMNS,
    LOW_CONFIDENCE,
    REVIEW_FLAG,
    current_codes,
    export_review,
    review_table,
)
from cjm_research.exchange.review_import import import_review, read_review
from cjm_research.resources import example_study_dir
from cjm_research.run.batch import code_study
from cjm_research.segments import frame as segments_frame
from cjm_research.study import load_study


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """The example study coded once and exported once; tests copy both."""
    root = tmp_path_factory.mktemp("pristine")
    shutil.copytree(example_study_dir(), root / "study")
    study = load_study(root / "study")
    segments = code_study(study, "rules").segments
    export_review(root / "review.xlsx", segments, study.codebook)
    return root, segments, study.codebook


@pytest.fixture
def study(tmp_path, pristine, monkeypatch):
    # The round trip is the same whichever coder is best installed; the rules coder is fastest.
    monkeypatch.setattr(coding, "auto_coder", lambda: "rules")
    root, _, _ = pristine
    shutil.copytree(root / "study", tmp_path / "study")
    shutil.copy(root / "review.xlsx", tmp_path / "review.xlsx")
    return tmp_path / "study"


def edit_xlsx(path, edits):
    """Set cells by (segment_id, column) the way a researcher would, then save."""
    book = load_workbook(path)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for (segment_id, column), value in edits.items():
        sheet.cell(rows[segment_id], header.index(column) + 1, value)
    book.save(path)
    return {segment_id: rows[segment_id] for segment_id, _ in edits}


def participant_rows(segments):
    return segments[segments["role"] == "participant"].reset_index(drop=True)


def test_round_trip_edits_survive_recoding(study, pristine, capsys):
    _, segments, _ = pristine
    rows = participant_rows(segments)
    first = rows[rows["stage"] != "support"].iloc[3]
    second = rows[(rows["emotion"] != "anger") & (rows["segment_id"] != first.segment_id)].iloc[9]
    sheet = study.parent / "review.xlsx"
    edit_xlsx(
        sheet, {(first.segment_id, "stage"): "support", (second.segment_id, "emotion"): "anger"}
    )

    args = ["review", "import", str(sheet), "--coder", "Maya L.", "--study", str(study)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "recorded for Maya L." in err and "2 changed rows" in err
    assert "stage 1" in err and "emotion 1" in err and "0 confirmed rows" in err
    human = read_human_codes(study)
    assert list(human["segment_id"]) == [first.segment_id, second.segment_id]
    assert set(human["coder"]) == {"Maya L."} and human["coded_at"].str.endswith("Z").all()

    def check(table):
        table = table.set_index("segment_id")
        assert table.loc[first.segment_id, "stage"] == "support"
        assert table.loc[first.segment_id, "emotion"] == first.emotion, "untouched cells kept"
        assert table.loc[second.segment_id, "emotion"] == "anger"
        assert table.loc[second.segment_id, "valence"] == -0.8, "codebook valence of anger"
        assert (table.loc[[first.segment_id, second.segment_id], "coder"] == "Maya L.").all()
        others = table.drop([first.segment_id, second.segment_id])
        assert not others["coder"].eq("Maya L.").any()

    check(code_study(load_study(study)).segments)
    # A second `cjm code` (machine layer rebuilt from scratch) keeps the researcher's codes.
    assert main(["code", "--study", str(study)]) == 0
    check(pd.read_parquet(study / ".cjm" / "segments.parquet"))

    # Importing the very same sheet again records nothing new.
    before = coder_file(study, "Maya L.").read_bytes()
    assert main(args) == 0
    assert "0 changed rows" in capsys.readouterr().err
    assert coder_file(study, "Maya L.").read_bytes() == before


def test_xlsx_has_codebook_dropdowns_flags_and_fixed_metadata(pristine, tmp_path):
    root, segments, codebook = pristine
    book = load_workbook(root / "review.xlsx")
    sheet, codes = book["review"], book["codebook"]
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMNS) and all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "B2"
    column = {name: get_column_letter(header.index(name) + 1) for name in header}
    assert sheet.column_dimensions[column["exported_stage"]].hidden
    assert not sheet.column_dimensions[column["text"]].hidden
    assert sheet.max_row - 1 == (segments["role"] == "participant").sum()

    def listed(column):
        letter = chr(ord("A") + header.index(column))
        [check] = [v for v in sheet.data_validations.dataValidation if letter + "2" in str(v.sqref)]
        assert check.type == "list" and check.formula1.startswith("codebook!")
        cells = codes[check.formula1.split("!")[1].replace("$", "")]
        return [row[0].value for row in cells]

    assert listed("stage") == [f"{c.label} ({c.id})" for c in codebook.stages]
    assert listed("emotion") == [f"{c.label} ({c.id})" for c in codebook.emotions]
    described = {row[1].value: row[3].value for row in codes.iter_rows(min_row=2)}
    assert described["website"] == codebook.touchpoints[0].description
    # "review" is read on import ("done"): an editable header and a drop-down that allows any text
    review = header.index("review") + 1
    assert (
        sheet.cell(1, review).fill.fgColor.rgb
        == sheet.cell(1, header.index("stage") + 1).fill.fgColor.rgb
    )
    [done] = [
        v for v in sheet.data_validations.dataValidation if column["review"] + "2" in str(v.sqref)
    ]
    assert done.formula1 == '"done,check"' and not done.showErrorMessage

    # Flags: "check" exactly where the coder flagged a stage or touchpoint code below the
    # threshold (as the table's evidence says), highlighted by conditional formatting that
    # clears once the row is done or a code differs from the export, with the confidence that
    # raised it.
    table = participant_rows(segments).set_index("segment_id")
    low = table["evidence"].str.contains(REVIEW_FLAG, regex=False)
    review = header.index("review") + 1
    for r in range(2, sheet.max_row + 1):
        flagged = sheet.cell(r, review).value == "check"
        assert flagged == low[sheet.cell(r, 1).value]
    # Some turns, not all: the rules coder's calibrated stage confidences flag about two turns in
    # three of the example study (its keyword stages are right about four times in ten).
    assert 0 < low.sum() < len(low)
    rules = {
        str(area.sqref): [rule.formula[0] for rule in group]
        for area, group in sheet.conditional_formatting._cf_rules.items()
    }
    letter = {name: get_column_letter(header.index(name) + 1) for name in header}
    [check] = rules[f"{letter['review']}2:{letter['review']}{sheet.max_row}"]
    assert f'${letter["review"]}2="check"' in check
    assert f'${letter["stage"]}2&""=${letter["exported_stage"]}2&""' in check
    [stage_low] = rules[
        f"{letter['stage_confidence']}2:{letter['stage_confidence']}{sheet.max_row}"
    ]
    assert stage_low.startswith(f"AND({check},") and f"<{LOW_CONFIDENCE}" in stage_low
    assert not any(letter["emotion_confidence"] in area for area in rules)
    # Readable outside Excel: rows as tall as their wrapped text, the header on every page.
    heights = [sheet.row_dimensions[r].height for r in range(2, sheet.max_row + 1)]
    assert all(h and h >= 15 for h in heights) and max(heights) >= 45
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert {"persona", "before", "question", "after"} <= set(header)
    assert sheet.column_dimensions[letter["stage"]].width >= len("Consideration (consideration)")

    assert book.properties.creator == "cjm-research"
    assert book.properties.created == book.properties.modified == datetime(2000, 1, 1)
    export_review(tmp_path / "again.xlsx", segments, codebook)
    assert (tmp_path / "again.xlsx").read_bytes() == (root / "review.xlsx").read_bytes()


@pytest.mark.parametrize(
    ("column", "bad", "named"),
    [
        ("stage", "shopping", "awareness, consideration"),
        ("touchpoints", "website; fax", "website, mobile_app"),
        ("emotion", "meh", "joy, trust"),
        ("valence", "2", "-1 to 1"),
    ],
)
def test_an_unknown_code_names_file_row_value_and_records_nothing(
    study, pristine, column, bad, named
):
    _, segments, codebook = pristine
    table = participant_rows(segments)
    sheet = study.parent / "review.xlsx"
    rows = edit_xlsx(
        sheet,
        {(table.segment_id[0], "stage"): "advocacy", (table.segment_id[7], column): bad},
    )
    with pytest.raises(CJMInputError) as err:
        import_review(sheet, segments, codebook, study, "Maya")
    message = str(err.value)
    assert f"{sheet}:{rows[table.segment_id[7]]}:" in message
    assert repr(bad.split("; ")[-1]) in message and named in message
    assert not (study / "coding").exists(), "all or nothing"


def test_an_unchanged_sheet_records_nothing_and_labels_are_accepted(study, pristine):
    _, segments, codebook = pristine
    sheet = study.parent / "review.xlsx"
    result = import_review(sheet, segments, codebook, study, "Maya")
    assert result.recorded.empty and not (study / "coding").exists()
    assert result.rows == len(participant_rows(segments)) and result.unknown_segments == []
    target = participant_rows(segments).query("stage != 'purchase'").segment_id.iloc[0]
    edit_xlsx(sheet, {(target, "stage"): "Purchase", (target, "note"): "typed the label"})
    result = import_review(sheet, segments, codebook, study, "Maya")
    assert list(result.recorded["stage"]) == ["purchase"]
    assert result.changed == {"stage": 1, "touchpoints": 0, "emotion": 0, "valence": 0, "note": 1}


def test_csv_round_trip_via_the_cli(study, capsys):
    table_path, sheet = study / "segments.csv", study / "review.csv"
    assert main(["code", "--study", str(study), "--out", str(table_path)]) == 0
    assert (
        main(["review", "export", str(sheet), "--study", str(study), "--segments", str(table_path)])
        == 0
    )
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbfsegment_id,")
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    target = rows[4]
    target["touchpoints"], target["note"] = "chat, website", "re-read the audio"
    rows.append({c: "" for c in COLUMNS} | {"segment_id": "gone:99", "stage": "usage"})
    # Saved back the way a European Excel does: semicolons, no byte-order mark.
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    capsys.readouterr()
    # The row for a segment the study lacks carries a code: work that could not be recorded,
    # so the import says so as an error (exit 2), after recording every row it could.
    assert main(["review", "import", str(sheet), "--study", str(study), "--coder", "Ana"]) == 2
    err = capsys.readouterr().err
    assert "1 changed rows" in err
    assert "1 rows you changed or marked done were NOT recorded" in err and "gone:99" in err
    coded = code_study(load_study(study)).segments.set_index("segment_id")
    row = coded.loc[target["segment_id"]]
    assert row["touchpoints"] == "website;chat" and row["coder"] == "Ana"
    assert "re-read the audio" in row["evidence"]
    assert read_human_codes(study)["segment_id"].tolist() == [target["segment_id"]]


def test_a_sheet_saved_as_plain_csv_by_excel_on_windows_is_imported(study, capsys):
    """Excel's plain "CSV" on a European Windows: Windows-1252, semicolons, CRLF."""
    table_path, sheet = study / "segments.csv", study / "review.csv"
    assert main(["code", "--study", str(study), "--out", str(table_path)]) == 0
    args = ["review", "export", str(sheet), "--study", str(study), "--segments", str(table_path)]
    assert main(args) == 0
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    target = rows[3]
    target["stage"], target["note"] = "Support", "café — checked"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    sheet.write_bytes(text.getvalue().encode("cp1252", errors="replace"))
    capsys.readouterr()
    assert main(["review", "import", str(sheet), "--study", str(study), "--coder", "Ana"]) == 0
    [recorded] = read_human_codes(study).to_dict("records")
    assert recorded["segment_id"] == target["segment_id"] and recorded["stage"] == "support"
    assert recorded["note"] == "café — checked"


def test_the_question_column_is_the_one_the_reports_print():
    # A nudge is no question (analysis.asked_before, the reports' rule): the answer after
    # "Right." still answers "How did you first hear of us?" (hannah-otter:8 of a new study);
    # "It was, yes." takes up the remark "That sounds stressful." itself.
    segments = segments_frame(
        [
            turn("a:1", 1, "interviewer", "How did you first hear of us?"),
            turn("a:2", 2, "participant", "I saw the cars at the end of my road."),
            turn("a:3", 3, "interviewer", "Right."),
            turn("a:4", 4, "participant", "And then my neighbour mentioned he used one."),
            turn("a:5", 5, "participant", "So I looked it up."),
            turn("a:6", 6, "interviewer", "That sounds stressful."),
            turn("a:7", 7, "participant", "It was, yes."),
            turn("a:8", 8, "interviewer", "I see. What made you look into it?"),
            turn("a:9", 9, "participant", "My sister's wedding."),
        ]
    )
    table = review_table(segments).set_index("segment_id")
    assert table["question"].to_dict() == {
        "a:2": "How did you first hear of us?",
        "a:4": "How did you first hear of us?",
        "a:5": "How did you first hear of us?",  # the same answer going on
        "a:7": "That sounds stressful.",
        "a:9": "I see. What made you look into it?",
    }


def test_a_reply_in_a_group_shows_the_turn_it_replies_to_as_the_reports_do():
    # A focus group: the sheet asked Gwen "How did each of you learn…?" beside her reaction to
    # Abdi's story, where the reports print "Replying to G02: …".
    def voice(row: dict, who: str, pid: str) -> dict:
        return {**row, "speaker": who, "participant_id": pid}

    segments = segments_frame(
        [
            turn("a:1", 1, "interviewer", "How did each of you learn what goes in which bin?"),
            voice(turn("a:2", 2, "participant", "The leaflet, years ago."), "Gwen", "G01"),
            voice(
                turn("a:3", 3, "participant", "We got a letter about side waste."), "Abdi", "G02"
            ),
            voice(turn("a:4", 4, "participant", "That's awful, honestly."), "Gwen", "G01"),
        ]
    )
    table = review_table(segments).set_index("segment_id")
    assert table.loc["a:2", "question"] == "How did each of you learn what goes in which bin?"
    assert table.loc["a:4", "question"] == "Replying to G02: We got a letter about side waste."


def test_current_human_codes_are_what_the_reviewer_sees(tmp_path):
    segments = segments_frame(
        [
            turn("a:1", 1, "interviewer", "Where did you buy it?"),
            turn("a:2", 2, "participant", "=1+1 honestly, online.", stage="purchase", conf=0.9),
            turn("a:3", 3, "participant", "And then it broke.", stage="usage", conf=0.3),
            turn("a:4", 4, "interviewer", "What next?"),
            turn("a:5", 5, "participant", "Called them.", stage="support", conf=0.8),
        ]
    )
    append_human_codes(tmp_path, "Ana", pd.DataFrame([{"segment_id": "a:3", "stage": "support"}]))
    codebook = load_codebook()
    table = review_table(current_codes(segments, tmp_path, codebook)).set_index("segment_id")
    assert list(table.index) == ["a:2", "a:3", "a:5"]
    assert list(table["question"]) == ["Where did you buy it?"] * 2 + ["What next?"]
    assert table.loc["a:3", ["stage", "coder", "review"]].tolist() == ["support", "Ana", ""]
    assert table.loc["a:2", "review"] == "" and table.loc["a:2", "time"] == "0:00:02"
    # The turns around it, so the reviewer needs no transcript.
    assert table["before"].tolist() == [
        "",
        "Pat: =1+1 honestly, online.",
        "Pat: And then it broke.",
    ]
    assert table["after"].tolist() == ["Pat: And then it broke.", "Interviewer: What next?", ""]
    export_review(tmp_path / "r.xlsx", segments, codebook)
    sheet = load_workbook(tmp_path / "r.xlsx")["review"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(2, header.index("text") + 1)
    assert (cell.value, cell.data_type) == ("=1+1 honestly, online.", "s")
    export_review(tmp_path / "r.csv", segments, codebook)
    assert read_review(tmp_path / "r.csv").loc[0, "text"] == "'=1+1 honestly, online."


def turn(segment_id, number, role, text, stage="", conf=None):
    return {
        "segment_id": segment_id,
        "interview_id": "a",
        "participant_id": "P1",
        "persona_id": "parent",
        "source": "a.txt",
        "touchpoints": "",
        "evidence": "",
        "speaker": "Interviewer" if role == "interviewer" else "Pat",
        "role": role,
        "turn": number,
        "line": number,
        "text": text,
        "start": number * 100,
        "end": number * 100 + len(text),
        "time_start": float(number),
        "stage": stage,
        "emotion": "neutral" if conf else "",
        "stage_confidence": conf,
        "touchpoint_confidence": conf,
        "emotion_confidence": conf,
        "coder": "auto:rules@1" if conf else "",
    }


def test_rows_marked_done_are_recorded_as_confirmed_codes(study, pristine, capsys):
    _, segments, _ = pristine
    rows = participant_rows(segments)
    confirmed, corrected, untouched = rows.iloc[2], rows.iloc[5], rows.iloc[7]
    sheet = study.parent / "review.xlsx"
    stage = "usage" if corrected.stage != "usage" else "support"
    edit_xlsx(
        sheet,
        {
            (confirmed.segment_id, "review"): "Done",
            # As the drop-down offers it: "Usage (usage)".
            (corrected.segment_id, "stage"): f"{stage.capitalize()} ({stage})",
            (corrected.segment_id, "review"): "done",
        },
    )
    args = ["review", "import", str(sheet), "--coder", "Ines", "--study", str(study)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "1 changed rows" in err and "1 confirmed rows" in err
    human = read_human_codes(study).set_index("segment_id")
    assert set(human.index) == {confirmed.segment_id, corrected.segment_id}
    assert untouched.segment_id not in human.index
    # A confirmation records the machine's codes as the reviewer's, valence included.
    row = human.loc[confirmed.segment_id]
    assert (row["stage"], row["emotion"]) == (confirmed.stage, confirmed.emotion)
    assert row["touchpoints"] == confirmed.touchpoints
    assert float(row["valence"]) == round(float(confirmed.valence), 2)
    assert human.loc[corrected.segment_id, "stage"] == stage


def test_a_confirmed_emotion_keeps_a_valence_that_reads_as_it(study, pristine, capsys):
    # The new user's case: "frustration" confirmed at −0.03 was recorded at −0.03, so the
    # confirmed frustration counted as neutral and fell out of What to fix first.
    _, segments, _ = pristine
    rows = participant_rows(segments)
    book = load_study(study).codebook
    negative = rows[rows["emotion"].map(book.valences).fillna(0) < 0]
    flat, strong = negative.iloc[0], negative.iloc[1]
    sheet = study.parent / "review.xlsx"
    edits = {(flat.segment_id, "review"): "done", (strong.segment_id, "review"): "done"}
    for column in ("valence", "exported_valence"):  # as if the machine had said −0.03 and −0.5
        edits[(flat.segment_id, column)] = -0.03
        edits[(strong.segment_id, column)] = -0.5
    edit_xlsx(sheet, edits)
    assert main(["review", "import", str(sheet), "--coder", "Ines", "--study", str(study)]) == 0
    said = capsys.readouterr().err  # never silent: a re-check found the change unannounced
    expected = f"{book.valences[flat.emotion]:g}"
    assert "1 confirmed rows recorded at their emotion's codebook valence" in said
    assert f"{flat.segment_id} ({flat.emotion} -0.03 → {expected})" in said
    human = read_human_codes(study).set_index("segment_id")
    assert float(human.loc[flat.segment_id, "valence"]) == book.valences[flat.emotion]
    assert float(human.loc[strong.segment_id, "valence"]) == -0.5  # reads negative: kept


def test_next_chooses_uncertain_turns_across_personas_and_never_a_coded_one(study, capsys):
    from cjm_research.exchange.selection import next_for_review

    segments = code_study(load_study(study)).segments
    rows = participant_rows(segments)
    coded = rows.sort_values("stage_confidence").iloc[:3]  # the three least sure: coded by hand
    append_human_codes(study, "Ana", coded[["segment_id", "stage"]])
    merged = code_study(load_study(study)).segments
    picked = next_for_review(merged, 12)
    assert len(picked) == 12 and picked["segment_id"].is_unique
    assert not set(picked["segment_id"]) & set(coded["segment_id"])
    assert set(picked["persona_id"]) == set(rows["persona_id"])
    assert picked["stage"].nunique() >= 5, "a round covers the stages, not one confusion"
    assert picked["stage_confidence"].astype(float).mean() < rows["stage_confidence"].mean()
    # Through the CLI: a sheet of just those turns, in that order, with their context.
    sheet = study.parent / "next.csv"
    args = ["review", "export", str(sheet), "--study", str(study), "--next", "12"]
    assert main(args) == 0
    assert "the 12 turns that teach the coder most" in capsys.readouterr().err
    written = read_review(sheet)
    assert list(written["segment_id"]) == list(picked["segment_id"])
    assert (written["question"] != "").sum() >= 10 and (written["after"] != "").sum() >= 10


def exported_csv_rows(study):
    """The study coded and exported as a CSV review sheet through the CLI: (path, rows)."""
    table_path, sheet = study / "segments.csv", study / "review.csv"
    assert main(["code", "--study", str(study), "--out", str(table_path)]) == 0
    argv = ["review", "export", str(sheet), "--study", str(study), "--segments", str(table_path)]
    assert main(argv) == 0
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        return sheet, list(csv.DictReader(handle))


def save_csv_rows(sheet, rows):
    """Write ``rows`` back as a spreadsheet would, every column kept."""
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_ids_a_spreadsheet_mangled_are_found_again_by_their_words(study, capsys):
    """Excel saves ``01:2`` back as the time ``01:02:00``: the row's words still say which turn."""
    sheet, rows = exported_csv_rows(study)
    target = rows[3]  # the sheet holds participant turns only
    real_id = target["segment_id"]
    target["segment_id"], target["stage"] = (
        "01:02:00",
        "usage" if target["stage"] != "usage" else "support",
    )
    save_csv_rows(sheet, rows)
    assert main(["review", "import", str(sheet), "--study", str(study), "--coder", "Ana"]) == 0
    recorded = read_human_codes(study)
    assert recorded["segment_id"].tolist() == [real_id]
    assert recorded["stage"].tolist() == [target["stage"]]


def test_a_done_row_whose_emotion_changed_takes_the_new_emotions_valence(study, pristine):
    # Marking a row done must not pin the machine's valence to an emotion the reviewer replaced:
    # "relief" at the machine's -0.2 would put a relieved turn among the pain points.
    _, segments, codebook = pristine
    rows = participant_rows(segments)
    row = rows[rows["emotion"] != "relief"].iloc[0]
    sheet = study.parent / "review.xlsx"
    edit_xlsx(sheet, {(row.segment_id, "emotion"): "relief", (row.segment_id, "review"): "done"})
    assert main(["review", "import", str(sheet), "--coder", "Ines", "--study", str(study)]) == 0
    human = read_human_codes(study).set_index("segment_id")
    assert human.loc[row.segment_id, "valence"] == ""
    merged = code_study(load_study(study)).segments.set_index("segment_id")
    relief = next(c.valence for c in codebook.emotions if c.id == "relief")
    assert merged.loc[row.segment_id, "valence"] == pytest.approx(relief)


def test_a_code_the_codebook_lost_does_not_block_an_import_when_left_as_exported(study):
    # Ana coded a stage the codebook later dropped; her code shows in every export. Ines's
    # sheet must still import, and Ana's cell (untouched, not done) records nothing for Ines.
    sheet = study.parent / "review.csv"
    segments = code_study(load_study(study)).segments
    rows = participant_rows(segments)
    stale, mine = rows.iloc[0], rows.iloc[1]
    append_human_codes(
        study, "Ana", pd.DataFrame({"segment_id": [stale.segment_id], "stage": ["trial"]})
    )
    export_review(sheet, code_study(load_study(study)).segments, load_codebook())
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert table.set_index("segment_id").at[stale.segment_id, "stage"] == "trial"
    table.loc[table["segment_id"] == mine.segment_id, "review"] = "done"
    table.to_csv(sheet, index=False, encoding="utf-8-sig")
    assert main(["review", "import", str(sheet), "--coder", "Ines", "--study", str(study)]) == 0
    ines = read_human_codes(study).query("coder == 'Ines'")
    assert ines["segment_id"].tolist() == [mine.segment_id]


def test_a_sheet_whose_words_differ_from_the_study_is_imported_with_a_warning(study, capsys):
    sheet, rows = exported_csv_rows(study)
    target = rows[2]
    target["review"] = "done"
    target["text_sha"] = "0123456789ab"  # the words of another study's turn with this id
    save_csv_rows(sheet, rows)
    capsys.readouterr()
    assert main(["review", "import", str(sheet), "--study", str(study), "--coder", "Ana"]) == 0
    err = capsys.readouterr().err
    said = "1 recorded rows show words the study's turn of that id no longer has"
    assert f"{said}: {target['segment_id']}" in err


def test_a_valence_copied_from_a_report_is_read():
    from cjm_research.exchange.review_import import _valence

    assert _valence("\u22120.5") == (-0.5, "")
    assert _valence("-0,3") == (-0.3, "")
    assert _valence("minus") == (None, "valence 'minus' is not a number")
