"""What a warm kernel keeps between persona notebooks, and when it lets go."""

import os
import shutil

import pytest

from cjm_research import privacy
from cjm_research.report import memo
from cjm_research.report import persona as report
from cjm_research.resources import example_study_dir
from cjm_research.run.batch import code_study
from cjm_research.segments import write as write_segments
from cjm_research.study import load_study


@pytest.fixture(autouse=True)
def fresh():
    memo.forget()
    yield
    memo.forget()


def test_a_value_is_kept_while_its_state_holds():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert memo.remember("n", ("a",), compute) == 1
    assert memo.remember("n", ("a",), compute) == 1
    assert memo.remember("n", ("b",), compute) == 2  # another state: computed again, and kept
    assert memo.remember("n", ("b",), compute) == 2
    assert len(calls) == 2


def test_study_state_follows_inputs_not_reports(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    before = memo.study_state(study)
    (study / "reports").mkdir(exist_ok=True)
    (study / "reports" / "index.html").write_text("generated")
    assert memo.study_state(study) == before
    transcript = next(p for p in sorted(study.rglob("*.txt")) if "reports" not in p.parts)
    transcript.write_text(transcript.read_text() + "\nMaya: Thanks.\n")
    assert memo.study_state(study) != before
    assert memo.files_state([tmp_path / "missing.csv"]) == (
        (str((tmp_path / "missing.csv").resolve()), -1, 0),
    )


def test_load_context_builds_the_study_key_once_per_state(tmp_path, monkeypatch):
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    table = write_segments(code_study(load_study(study), "rules").segments, tmp_path / "s.parquet")
    built = []
    original = privacy.study_key

    def counting(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(privacy, "study_key", counting)
    first = report.load_context(study, "busy-parent", table)
    report.load_context(study, "first-home", table)
    assert len(built) == 1, "a second persona of the same study reuses the key"
    # A renamed participant must show under the new pseudonym at once, not the kept one.
    csv = study / "participants.csv"
    text = csv.read_text(encoding="utf-8")
    old = first.participant_labels
    pseudonym = next(iter(sorted(old)))
    csv.write_text(text.replace(pseudonym, "Zeta"), encoding="utf-8")
    stat = csv.stat()
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = report.load_context(study, "busy-parent", table)
    assert len(built) == 2
    assert "Zeta" in again.participant_labels and pseudonym not in again.participant_labels
