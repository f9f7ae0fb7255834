"""Where the packaged notebooks and templates live, in a checkout and in an installed wheel."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from cjm_research.exceptions import CJMInputError

_PACKAGE = Path(__file__).resolve().parent


@cache
def _resource_dir(name: str, packaged_name: str = "") -> Path:
    # A wheel carries templates/, notebooks/ and the example study inside the package (pyproject
    # force-include); an editable install or a checkout finds them at the repository root.
    for candidate in (_PACKAGE / (packaged_name or name), _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cjm_research resource folder {name!r} not found near {_PACKAGE}")


def templates_dir() -> Path:
    """The folder holding codebook.yaml, reference.docx and the nbconvert HTML template."""
    return _resource_dir("templates")


def notebooks_dir() -> Path:
    """The folder holding the parameterized report notebooks."""
    return _resource_dir("notebooks")


def default_codebook_path() -> Path:
    """The packaged default codebook (``templates/codebook.yaml``)."""
    return templates_dir() / "codebook.yaml"


def example_study_dir() -> Path:
    """The bundled example study (``interviews/`` in the repository)."""
    return _resource_dir("interviews", "example_study")


def copy_example_study(target: Path | str) -> Path:
    """Copy the example study into ``target``, a new or empty folder (``cjm init``)."""
    target = Path(target)
    if target.is_file():
        raise CJMInputError("is a file, not a folder", target, hint="choose a new folder")
    if target.exists() and any(target.iterdir()):
        raise CJMInputError("folder exists and is not empty", target, hint="choose a new folder")
    # Not the example's own working folder or reports (a demo run leaves them in a checkout).
    ignored = shutil.ignore_patterns(".cjm", "reports")
    shutil.copytree(example_study_dir(), target, dirs_exist_ok=True, ignore=ignored)
    return target
