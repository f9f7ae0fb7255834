"""cjm-research: customer-journey research from interview transcripts.

The flow runs one way: ``study.load_study`` (ingest) → ``coding`` → ``analysis`` → ``charts`` /
``render`` → ``batch`` / ``cli``. The names below are the public API.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cjm-research")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
