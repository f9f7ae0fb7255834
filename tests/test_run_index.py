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
