"""cjm-research: customer-journey research from interview transcripts.

The flow runs one way: ingest (``study.load_study``) → ``coding`` → ``analysis`` → ``report``
(figures, Word, HTML) → ``run`` (batches of notebooks) and ``cli``. The public API:

- ``load_study(root)``: a study folder as a :class:`~cjm_research.study.Study` (bad files become
  problems to show, never a crash);
- ``code_study(study, coder="auto")``: every turn coded, the researchers' codes laid over;
- ``run_reports(study, out_dir, ...)``: every persona's Word and HTML report, rebuilt only when
  its inputs changed;
- ``evaluate(gold, machine)``: the machine's codes scored against a hand-coded gold table;
- ``CJMInputError``: a problem with the user's input, naming the file, the line and a fix;
- ``register_reader(suffix, reader)``: read another transcript format;
- ``register_coder(name, factory)``: code with another coder (``cjm code --coder NAME``).

Names are imported on first use, so ``import cjm_research`` (and ``cjm --help``) stays instant.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("cjm-research")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

_WHERE = {
    "load_study": "cjm_research.study",
    "code_study": "cjm_research.run.batch",
    "run_reports": "cjm_research.run.batch",
    "evaluate": "cjm_research.evaluate",
    "CJMInputError": "cjm_research.exceptions",
    "register_reader": "cjm_research.ingest",
    "register_coder": "cjm_research.coding",
}

__all__ = [
    "CJMInputError",
    "__version__",
    "code_study",
    "evaluate",
    "load_study",
    "register_coder",
    "register_reader",
    "run_reports",
]

if TYPE_CHECKING:
    from cjm_research.coding import register_coder
    from cjm_research.evaluate import evaluate
    from cjm_research.exceptions import CJMInputError
    from cjm_research.ingest import register_reader
    from cjm_research.run.batch import code_study, run_reports
    from cjm_research.study import load_study


def __getattr__(name: str) -> object:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cjm_research' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
