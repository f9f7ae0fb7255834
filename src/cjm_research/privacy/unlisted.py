"""The people participants mention whom nobody listed (``ingest.mentions``): reports print them
as said, so ``cjm validate`` and ``cjm reports`` warn of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cjm_research.ingest.labels import name_key, unaccented
from cjm_research.ingest.mentions import unlisted_mentions
from cjm_research.study import WARNING, Problem, Study

if TYPE_CHECKING:  # the key is privacy's, which imports this module
    from cjm_research.privacy import PseudonymKey

MENTIONED_HINT = "list them in the 'mentioned' column of the participant's row (';' between \
names) or in 'mentioned:' in the transcript's front matter; they then read [name]"


def unlisted_names(study: Study, key: PseudonymKey | None = None) -> list[Problem]:
    """A warning naming the people participants mention whom no list names (``ingest.mentions``):
    the reports print them as said. Empty when there are none."""
    if key is None:
        # the key is built by the package that re-exports this module: imported when used
        from cjm_research.privacy import study_key

        key = study_key(study)
    names = key.names
    found = unlisted_mentions(
        study.transcripts, lambda n: name_key(n) in names or name_key(unaccented(n)) in names
    )
    if not found:
        return []
    # every one of them: a name left out of the list is a name left in the reports
    listed = ", ".join(f"{name} ({first}{f', {n} times' if n > 1 else ''})"
                       for name, n, first in found)  # fmt: skip
    message = f"participants name people nobody listed; reports print them: {listed}"
    return [Problem(WARNING, study.root / "participants.csv", None, message, MENTIONED_HINT)]
