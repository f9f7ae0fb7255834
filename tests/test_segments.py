"""The segments table contract: one reader and one writer, ids always text."""

import pandas as pd
import pytest

from cjm_research.exceptions import CJMInputError
from cjm_research.segments import COLUMNS, frame, read, write


def table():
    return frame(
        [
            {
                "segment_id": "0012-int:3",
                "interview_id": "0012-int",
                "participant_id": "0012",
                "persona_id": "007",
                "turn": 3,
                "line": 14,
                "text": "It came late.",
                "touchpoints": "web;email",
                "valence": -0.5,
                "stage_confidence": 0.9,
            }
        ]
    )


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".xlsx"])
def test_a_table_comes_back_as_it_was_written(tmp_path, suffix):
    back = read(write(table(), tmp_path / f"segments{suffix}"))
    assert list(back.columns) == list(COLUMNS)
    row = back.iloc[0]
    # Ids keep their leading zeros in every format (CSV used to turn "0012" into 12).
    assert (row["participant_id"], row["persona_id"]) == ("0012", "007")
    assert row["touchpoints"] == "web;email" and row["text"] == "It came late."
    assert row["valence"] == -0.5 and row["turn"] == 3 and row["line"] == 14
    assert row["emotion"] == "" and pd.isna(row["start"])
    assert str(back["turn"].dtype) == "Int64" and back["valence"].dtype == "float64"


def test_bad_tables_name_the_file(tmp_path):
    with pytest.raises(CJMInputError, match="unsupported"):
        read(tmp_path / "segments.json")
    with pytest.raises(CJMInputError, match="not found"):
        read(tmp_path / "missing.csv")
    (tmp_path / "no-ids.csv").write_text("text\nhello\n", encoding="utf-8")
    with pytest.raises(CJMInputError, match="segment_id") as info:
        read(tmp_path / "no-ids.csv")
    assert "no-ids.csv" in str(info.value)
    with pytest.raises(CJMInputError, match="unsupported"):
        write(table(), tmp_path / "segments.txt")


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".xlsx"])
def test_read_one_persona_and_some_columns(tmp_path, suffix):
    from journey_data import make_segments

    table = make_segments()
    other = table.head(3).assign(persona_id="0012", segment_id=["x:1", "x:2", "x:3"])
    path = write(pd.concat([table, other]), tmp_path / f"coded{suffix}")
    mine = read(path, persona_id="0012")
    assert mine["segment_id"].tolist() == ["x:1", "x:2", "x:3"]
    assert list(mine.columns) == list(COLUMNS)
    narrow = read(path, columns=["interview_id", "speaker"])
    assert list(narrow.columns) == ["segment_id", "interview_id", "speaker"]
    assert len(narrow) == len(table) + 3
