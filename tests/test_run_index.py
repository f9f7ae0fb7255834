"""run.index: the summary table and the reports index."""

from pathlib import Path


def test_summary_table_names_status_seconds_outputs_and_causes():
    from cjm_research.run.index import summary_table
    from cjm_research.run.notebooks import BatchResult, RunResult

    table = summary_table(
        BatchResult(
            Path("s.parquet"),
            [
                RunResult("a", "ok", 3.25, ["/r/a/a.docx", "/r/a/a.html"]),
                RunResult("b", "failed", 1.0, error="KeyError: 'x'", log="/r/b/failed.ipynb"),
            ],
        )
    )
    lines = table.splitlines()
    assert lines[0].split() == ["persona", "status", "seconds", "outputs"]
    assert lines[1].split() == ["a", "ok", "3.2", "2", "files", "(docx,", "html)"]
    assert "cause: KeyError: 'x'" in table and "log: /r/b/failed.ipynb" in table


def test_a_run_of_one_persona_keeps_the_others_reports_in_the_index(tmp_path):
    # `cjm reports --persona busy-parent` rewrote the index with busy-parent alone: the other
    # reports were on disk and no longer linked.
    import shutil

    import pandas as pd

    from cjm_research.resources import example_study_dir
    from cjm_research.run.index import write_index
    from cjm_research.run.notebooks import RunResult
    from cjm_research.study import load_study

    study = load_study(shutil.copytree(example_study_dir(), tmp_path / "study"))
    out = tmp_path / "reports"
    for pid in ("busy-parent", "first-home"):
        (out / pid).mkdir(parents=True)
        for suffix in (".docx", ".html", "-journey_map.png"):
            (out / pid / f"{pid}{suffix}").write_bytes(b"x")
    segments = pd.DataFrame(
        {
            "persona_id": ["busy-parent", "first-home", "design-lover"],
            "interview_id": ["a", "b", "c"],
            "participant_id": ["P1", "P2", "P3"],
            "role": ["participant"] * 3,
        }
    )
    built = [RunResult("busy-parent", "ok", 1.0, [str(out / "busy-parent/busy-parent.html")])]
    page = write_index(out, study, segments, built).read_text(encoding="utf-8")
    assert (
        'href="first-home/first-home.html"' in page and 'href="first-home/first-home.docx"' in page
    )
    assert 'src="first-home/first-home-journey_map.png"' in page
    assert "design-lover" not in page  # no report of it on disk: nothing to link
