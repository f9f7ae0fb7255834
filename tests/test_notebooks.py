"""The notebooks: paired with their jupytext sources, parameterized, thin."""

import shutil

import jupytext
import nbformat
import papermill
import pytest

from cjm_research.resources import notebooks_dir
from study_runs import CANARY_NAME, HUMAN_CODER

NOTEBOOKS = ["journey_report", "coding", "cross_persona", "explore"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_ipynb_matches_its_py_percent_source(name):
    source = jupytext.read(notebooks_dir() / f"{name}.pct.py")
    paired = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    assert [c.source for c in paired.cells] == [c.source for c in source.cells], (
        "run: .venv/bin/jupytext --sync notebooks/*.pct.py"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_has_a_parameters_cell_and_no_outputs(name):
    nb = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_papermill_knows_every_parameters_type(name):
    parameters = papermill.inspect_notebook(str(notebooks_dir() / f"{name}.ipynb"))
    types = {p["inferred_type_name"] for p in parameters.values()}
    assert parameters and types <= {"str", "bool"}


@pytest.mark.slow
def test_explore_notebook_answers_the_qda_queries_on_a_reviewed_study(report_runs, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(report_runs.study, study)
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "explore.ipynb"),
        str(out),
        parameters={"study_dir": str(study)},
        cwd=str(notebooks_dir()),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    texts = [
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    ]
    everything = "\n".join(texts)
    frequencies = next(t for t in texts if "total" in t and "persona" in t)
    assert "Support" in frequencies and "first-home" in frequencies
    assert "difference_pp" in everything  # the two personas compared
    # The researcher's one code (a stage the machine did not give) is the disagreement shown,
    # under its pseudonym: the planted name never appears in a redacted exploration.
    disagreements = next(t for t in texts if "stage_machine" in t)
    assert report_runs.human_stage in disagreements and HUMAN_CODER in disagreements
    assert CANARY_NAME not in everything
    assert all(t not in everything for t in ("Traceback", "Error"))


@pytest.mark.slow
def test_the_coding_notebook_run_by_hand_shows_the_codes_the_reports_used(report_runs, tmp_path):
    """Without a coded table the notebook codes the study as ``cjm reports`` does (its cache,
    the researcher's code over the machine's), so it shows what the reports read."""
    study = tmp_path / "study"
    shutil.copytree(report_runs.study, study)

    def outputs(**parameters):
        out = tmp_path / "coding.ipynb"
        papermill.execute_notebook(
            str(notebooks_dir() / "coding.ipynb"),
            str(out),
            parameters={"study_dir": str(study), **parameters},
            cwd=str(notebooks_dir()),
            progress_bar=False,
        )
        nb = nbformat.read(out, as_version=4)
        return [
            o.get("data", o.get("text"))
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
        ]

    by_hand = outputs()
    assert by_hand == outputs(segments_path=str(study / ".cjm" / "segments.parquet"))
    assert HUMAN_CODER in str(by_hand[0])  # "coded by …": the researcher's code is in
