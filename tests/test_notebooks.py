"""The notebooks: paired with their jupytext sources, parameterized, thin."""

import jupytext
import nbformat
import pytest

from cjm_research.resources import notebooks_dir

NOTEBOOKS = ["journey_report", "coding", "cross_persona"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_ipynb_matches_its_py_percent_source(name):
    source = jupytext.read(notebooks_dir() / f"{name}.py")
    paired = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    assert [c.source for c in paired.cells] == [c.source for c in source.cells], (
        "run: .venv/bin/jupytext --sync notebooks/*.py"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_has_a_parameters_cell_and_no_outputs(name):
    nb = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
