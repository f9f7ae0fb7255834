"""Session-wide fixtures that run real notebooks (kept to one pair of runs for speed)."""

import pytest

from study_runs import Runs, build


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory) -> Runs:
    """`cjm reports` twice on a planted copy of the example study (see study_runs.py)."""
    return build(tmp_path_factory.mktemp("runs"))
