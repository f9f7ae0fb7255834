import math
from pathlib import Path

import pandas as pd
import pytest

from cjm_research.batch import check_parameters, safe_child, write_segments
from cjm_research.iorw import atomic_path, write_text


def test_parameters_must_be_json_primitives_with_identifier_names():
    ok = {"study_dir": "/x", "jobs": 2, "ratio": 0.5, "flag": True, "none": None}
    assert check_parameters(ok) == ok
    for bad in ({"a\nimport os": "x"}, {"1x": 1}, {"x": ("", '"')}, {"x": [1]},
                {"x": math.nan}, {"x": Path("/p")}):  # fmt: skip
        with pytest.raises(ValueError):
            check_parameters(bad)


@pytest.mark.parametrize("name", ["..", "", ".", "a/b", "../up", "/abs"])
def test_safe_child_refuses_names_that_escape(tmp_path, name):
    with pytest.raises(ValueError):
        safe_child(tmp_path, name)


def test_safe_child_accepts_a_plain_id(tmp_path):
    assert safe_child(tmp_path, "busy-parent") == (tmp_path / "busy-parent").resolve()


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".xlsx"])
def test_segments_round_trip_by_suffix(tmp_path, suffix):
    from cjm_research.report import read_segments

    table = pd.DataFrame({"segment_id": ["a:1"], "touchpoints": ["web;email"], "valence": [0.5]})
    path = write_segments(table, tmp_path / f"segments{suffix}")
    back = read_segments(path)
    assert back.loc[0, "touchpoints"] == "web;email"
    assert back.loc[0, "valence"] == 0.5


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = write_text(tmp_path / "report.html", "good")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)
