"""Shared fixtures: a copy of the example study, and real notebook runs (one pair, for speed)."""

import shutil

import pytest

from cjm_research.resources import example_study_dir
from study_runs import Runs, build


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory) -> Runs:
    """`cjm reports` twice on a planted copy of the example study (see study_runs.py)."""
    return build(tmp_path_factory.mktemp("runs"))


@pytest.fixture
def study_dir(tmp_path):
    """A copy of the example study that a test may change."""
    root = tmp_path / "study"
    shutil.copytree(example_study_dir(), root)
    return root
