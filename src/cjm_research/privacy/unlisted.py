"""The people participants mention whom nobody listed (``ingest.mentions``): reports print them
as said, so ``cjm validate`` and ``cjm reports`` warn of them."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from cjm_research.ingest.labels import name_key, unaccented
from cjm_research.ingest.mentions import Mention, unlisted_mentions
from cjm_research.iorw import write_text
from cjm_research.study import WARNING, Problem, Study, work_dir

if TYPE_CHECKING:  # the key is privacy's, which imports this module
    from cjm_research.privacy import PseudonymKey

#: How many names the warning lists on a terminal; the whole list goes to ``UNLISTED_FILE``.
SHOWN = 12
#: The whole list, when longer, in the study's working folder (``study.work_dir``).
UNLISTED_FILE = "unlisted-names.csv"
MENTIONED_HINT = "list them in the 'mentioned' column of the participant's row (';' between \
names) or in 'mentioned:' in the transcript's front matter; they then read [name]"


def unlisted_names(study: Study, key: PseudonymKey | None = None) -> list[Problem]:
    """A warning naming the people participants mention whom no list names (``ingest.mentions``):
    the reports print them as said. One line a name, the most mentioned first, with where it is
    first said (``file:line``); beyond ``SHOWN`` names the whole list is written to
    ``STUDY/.cjm/unlisted-names.csv``. Empty when there are none."""
    if key is None:
        # the key is built by the package that re-exports this module: imported when used
        from cjm_research.privacy import study_key

        key = study_key(study)
    names = key.names
    found = unlisted_mentions(
        study.transcripts, lambda n: name_key(n) in names or name_key(unaccented(n)) in names
    )
    listed = work_dir(study.root) / UNLISTED_FILE
    if len(found) <= SHOWN + 3:  # "and 2 more: see …" would say less than the two lines
        with contextlib.suppress(OSError):
            listed.unlink(missing_ok=True)  # a longer list of an earlier run is no longer true
    if not found:
        return []
    width = min(16, max(len(m.name) for m in found[:SHOWN]))
    lines = [f"{m.name:<{width}}  {_times(m.times):>9}  {_where(m, study.root)}" for m in found]
    if len(found) > SHOWN + 3:
        more = f"and {len(found) - SHOWN} more"
        rows = [("name", "times", "first said at")]
        rows += [(m.name, str(m.times), _where(m, study.root)) for m in found]
        try:
            listed.parent.mkdir(exist_ok=True)
            write_text(listed, _csv(rows))
        except OSError as exc:  # a study on a read-only share: the terminal gets them all
            lines.insert(SHOWN, f"{more} (not written to {listed}: {exc.strerror}):")
        else:
            lines = [*lines[:SHOWN], f"{more}: see {listed.relative_to(study.root).as_posix()}"]
    message = (
        f"participants name {len(found)} {'person' if len(found) == 1 else 'people'} nobody "
        "listed, and reports print them as said (the most mentioned first, where each is first "
        "said)"
    )
    return [
        Problem(
            WARNING,
            study.root / "participants.csv",
            None,
            message,
            MENTIONED_HINT,
            details=tuple(lines),
        )
    ]


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _where(mention: Mention, root: Path) -> str:
    """``file:line`` of a mention, the file as the study folder holds it."""
    path = mention.path
    if path.is_relative_to(root):
        path = path.relative_to(root)
    return path.as_posix() + (f":{mention.line}" if mention.line else "")


def _csv(rows: list[tuple[str, str, str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
