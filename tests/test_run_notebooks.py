"""run.notebooks: one report run, promoted only on success."""

from cjm_research.segments import write as write_segments


def test_a_persona_over_its_time_limit_fails_and_keeps_its_notebook_as_far_as_it_ran(
    study_dir, tmp_path
):
    import nbformat

    from cjm_research.coding import get_coder
    from cjm_research.run.codecache import code_with_cache
    from cjm_research.run.index import summary_table
    from cjm_research.run.notebooks import BatchResult, PersonaTask, run_persona
    from cjm_research.study import load_study

    study = load_study(study_dir)
    table, _ = code_with_cache(
        study.transcripts, get_coder("rules", study.codebook), study.codebook, None
    )
    segments = write_segments(table, tmp_path / "segments.parquet")
    out, logs = tmp_path / "reports" / "first-home", tmp_path / ".cjm" / "logs"
    task = PersonaTask("first-home", "F", str(study_dir), str(segments), str(out), timeout=1,
                       log_dir=str(logs))  # fmt: skip
    result = run_persona(task)
    assert result.status == "failed"
    assert "timed out after 1 s" in result.error
    assert not (out / "first-home.docx").exists() and not list(out.glob(".build-*"))
    # The notebook as far as it ran is kept as a failed one is, the cell it stopped in marked.
    kept = logs / "first-home.failed.ipynb"
    assert result.log == str(kept) and f"log: {kept}" in summary_table(BatchResult(kept, [result]))
    cells = nbformat.read(kept, as_version=4).cells
    stopped = [n for n, c in enumerate(cells) if any(
        "ran past its time limit of 1 s here" in o.get("evalue", "") for o in c.get("outputs", [])
    )]  # fmt: skip
    assert stopped == [result.failure.cell] and cells[stopped[0]].cell_type == "code"
    assert all(c.metadata.papermill.status != "completed" for c in cells[stopped[0] + 1 :])


def test_a_failed_cell_becomes_a_run_error_that_names_report_cell_and_error(tmp_path):
    import pickle

    import nbformat

    from cjm_research.exceptions import ReportRunError
    from cjm_research.run import notebooks

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    nb.cells = [
        nbformat.v4.new_code_cell("output_dir = ''", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise KeyError('no such persona: p9')"),
    ]
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(nb, folder / "broken.ipynb")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "broken.docx").write_bytes(b"the good report")
    original = notebooks.notebooks_dir
    notebooks.notebooks_dir = lambda: folder
    try:
        result = notebooks.run_notebook("broken.ipynb", "broken", {}, out, formats=("docx",))
    finally:
        notebooks.notebooks_dir = original
    assert result.status == notebooks.FAILED
    failure = result.failure
    assert isinstance(failure, ReportRunError)
    # The cell counts in the executed notebook (the failure log), where papermill's injected
    # parameters cell follows the parameters cell.
    assert (failure.persona, failure.cell, failure.ename) == ("broken", 3, "KeyError")
    assert "no such persona: p9" in failure.evalue and result.error == str(failure)
    copy = pickle.loads(pickle.dumps(failure))  # it crosses to the parent from a worker process
    assert (copy.persona, copy.cell, copy.ename, copy.evalue) == (
        "broken",
        3,
        "KeyError",
        failure.evalue,
    )
    assert (out / "broken.docx").read_bytes() == b"the good report"
    assert (out / "broken.failed.ipynb").is_file()


def test_an_input_error_pickles_with_its_file_line_and_hint():
    import pickle

    from cjm_research.exceptions import CJMInputError

    error = pickle.loads(pickle.dumps(CJMInputError("bad stage", "codes.csv", 4, hint="use s1")))
    assert (error.message, error.path.name, error.line, error.hint) == (
        "bad stage",
        "codes.csv",
        4,
        "use s1",
    )
    assert str(error) == "codes.csv:4: bad stage — use s1"


def test_strip_paths_leaves_no_absolute_path_in_the_executed_notebook(tmp_path):
    import json as json_lib

    from cjm_research.run.notebooks import strip_paths

    study = tmp_path / "sarah.jones" / "acme-study"
    out = study / "reports" / "p"
    nb = tmp_path / "x.ipynb"
    parameters = {
        "study_dir": str(study),
        "segments_path": str(study / ".cjm" / "s.parquet"),
        "output_dir": str(out / ".build-1"),
        "previous_dir": str(out),
    }
    nb.write_text(
        json_lib.dumps({"metadata": {"papermill": {"parameters": parameters}}}), encoding="utf-8"
    )
    strip_paths(nb, str(study), out)
    params = json_lib.loads(nb.read_text(encoding="utf-8"))["metadata"]["papermill"]["parameters"]
    assert params == {"study_dir": "STUDY", "segments_path": "STUDY/.cjm/s.parquet",
                      "output_dir": "./.build-1", "previous_dir": "."}  # fmt: skip


def test_a_format_not_built_this_run_is_not_left_beside_the_new_one(tmp_path):
    # `--format docx` left last run's HTML beside the new Word report: unlinked, and free to
    # say other things than it.
    from cjm_research.run.notebooks import _promote

    out, build = tmp_path / "reports" / "p", tmp_path / "build"
    out.mkdir(parents=True)
    build.mkdir()
    (out / "p.html").write_text("last run", encoding="utf-8")
    for name in ("p.ipynb", "p.docx"):
        (build / name).write_text("this run", encoding="utf-8")
    outputs = _promote(build, out, "p", ["docx"])
    assert sorted(o.rsplit("/", 1)[-1] for o in outputs) == ["p.docx", "p.ipynb"]
    assert sorted(f.name for f in out.iterdir()) == ["p.docx", "p.ipynb"]
