"""Per-interview coding cache: adding one interview codes one interview.

Machine codes of an interview depend only on the transcript as loaded (its turns, ids, persona),
the codebook and the coder. The cache keeps each interview's rows under a key hashing exactly
those, in one parquet table (``STUDY/.cjm/cache/coded.parquet``), so a re-run codes only interviews
whose key is new and drops entries no interview uses any more. Human codes are laid over the
result afterwards (they are cheap and change independently).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from cjm_research.coding import TranscriptCoder, code_transcripts
from cjm_research.model import Codebook, Transcript
from cjm_research.run.manifest import coding_sources, sha_json
from cjm_research.segments import COLUMNS, frame, typed

KEY = "cache_key"


def coder_key(coder: TranscriptCoder, codebook: Codebook) -> str:
    """What every interview's key shares: the coder's name, version and source, the codebook."""
    book = dataclasses.asdict(dataclasses.replace(codebook, path=None))
    return sha_json([coder.name, coder.version, coding_sources(), book])


def transcript_key(transcript: Transcript, shared: str) -> str:
    """One interview's key: the transcript as the coder sees it, plus the coder key."""
    return sha_json(
        [
            shared,
            transcript.interview_id,
            transcript.participant_id,
            transcript.speakers,
            transcript.persona_id,
            transcript.path.name,
            transcript.meta,
            [dataclasses.astuple(t) for t in transcript.turns],
        ]
    )


def code_with_cache(
    transcripts: list[Transcript],
    coder: TranscriptCoder,
    codebook: Codebook,
    cache_path: Path | None,
    *,
    say: Callable[[str], None] | None = None,
    ready: Callable[[str, pd.DataFrame], None] | None = None,
) -> tuple[pd.DataFrame, int]:
    """The machine-coded table of ``transcripts`` and how many interviews were actually coded.

    ``ready(persona_id, rows)`` is called as soon as every interview of a persona is coded (at
    once for a persona served wholly by the cache), with that persona's rows exactly as they
    stand in the returned table: interviews are coded persona after persona for it.
    """
    shared = coder_key(coder, codebook)
    keys = {t.interview_id: transcript_key(t, shared) for t in transcripts}
    order = {t.interview_id: i for i, t in enumerate(transcripts)}
    cached = _read(cache_path)
    hit = cached[cached[KEY].isin(set(keys.values()))] if len(cached) else cached
    have = set(hit[KEY])
    rows_hit = hit[hit["segment_id"] != ""]  # an interview without segments: its marker only
    todo = [t for t in transcripts if keys[t.interview_id] not in have]
    on_coded: Callable[[Transcript, list[dict[str, object]]], None] | None = None
    if ready is not None:
        rank = {p: n for n, p in enumerate(dict.fromkeys(t.persona_id for t in transcripts))}
        todo.sort(key=lambda t: rank[t.persona_id])  # stable: one persona at a time
        left = Counter(t.persona_id for t in todo)
        fresh_rows: dict[str, list[dict[str, object]]] = {p: [] for p in rank}
        cached_rows = {
            str(p): rows
            for p, rows in rows_hit.drop(columns=[KEY]).groupby("persona_id", sort=False)
        }

        def persona_done(persona_id: str) -> None:
            rows = frame(fresh_rows.pop(persona_id))  # typed already
            mine = cached_rows.pop(persona_id, None)
            if mine is not None:
                mine = typed(mine)
                rows = pd.concat([mine, rows], ignore_index=True) if len(rows) else mine
            ready(persona_id, _ordered(rows, order, retype=False))

        def on_coded(transcript: Transcript, rows: list[dict[str, object]]) -> None:
            fresh_rows[transcript.persona_id].extend(rows)
            left[transcript.persona_id] -= 1
            if not left[transcript.persona_id]:
                persona_done(transcript.persona_id)

        for persona_id in rank:
            if not left[persona_id]:
                persona_done(persona_id)
    fresh = _code(todo, coder, say, on_coded).assign(**{KEY: lambda f: f["interview_id"].map(keys)})
    # An interview that yields no segment (an empty transcript) is kept as one row without a
    # segment id under its key: without it, every run coded it again.
    coded = set(fresh["interview_id"])
    markers = _markers([t for t in todo if t.interview_id not in coded], keys)
    parts = [t for t in (hit, fresh, markers) if len(t)]
    table = pd.concat(parts, ignore_index=True) if parts else fresh
    if cache_path is not None and (len(todo) or len(hit) != len(cached)):
        _write(table, cache_path, say)
    rows = table[table["segment_id"] != ""].drop(columns=[KEY])
    return _ordered(rows, order), len(todo)


def _markers(empty: list[Transcript], keys: dict[str, str]) -> pd.DataFrame:
    """One row per interview in ``empty`` that says only that it was coded (no segment id)."""
    ids = [{"interview_id": t.interview_id, "persona_id": t.persona_id} for t in empty]
    return frame(ids).assign(**{KEY: lambda f: f["interview_id"].map(keys)})


def _write(table: pd.DataFrame, cache_path: Path, say: Callable[[str], None] | None) -> None:
    """Keep the coded table for the next run; a study folder one cannot write to (a read-only
    share) only makes the next run code again."""
    from cjm_research.iorw import atomic_path

    try:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cache_path) as tmp:
            table.to_parquet(tmp, index=False)
    except OSError as exc:
        if say is not None:
            say(f"warning: the coding cache was not saved ({exc}); the next run codes again")


def _ordered(table: pd.DataFrame, order: dict[str, int], *, retype: bool = True) -> pd.DataFrame:
    """Rows in transcript order (turn order within one), with the contract's dtypes (``retype``
    false: they have them already; typing costs ~20 ms a call, a persona's rows twice each)."""
    table = table.sort_values("interview_id", key=lambda s: s.map(order), kind="stable")
    table = table.reset_index(drop=True)
    return typed(table) if retype else table


def _read(cache_path: Path | None) -> pd.DataFrame:
    if cache_path is not None and cache_path.is_file():
        try:
            table = pd.read_parquet(cache_path)
            if list(table.columns) == [*COLUMNS, KEY]:
                return table
        except (OSError, ValueError):  # a damaged cache is only a slower run
            pass
    return pd.DataFrame(columns=[*COLUMNS, KEY])


def _code(
    todo: list[Transcript],
    coder: TranscriptCoder,
    say: Callable[[str], None] | None,
    on_coded: Callable[[Transcript, list[dict[str, object]]], None] | None = None,
) -> pd.DataFrame:
    """Code ``todo`` with a live bar (interviews, segments) or, off a terminal, log lines."""
    # nothing to code (all from the cache): no bar ("0interview [00:00]" said nothing)
    quiet = None if todo else True
    bar = tqdm(total=len(todo), unit="interview", desc="coding", disable=quiet, file=sys.stderr)
    done, segments, last = 0, 0, time.monotonic()

    def step(transcript: Transcript, rows: list[dict[str, object]]) -> None:
        nonlocal done, segments, last
        done, segments = done + 1, segments + len(rows)
        bar.update()
        bar.set_postfix(segments=segments, refresh=False)
        if bar.disable and say is not None and (time.monotonic() - last > 2 or done == len(todo)):
            last = time.monotonic()
            say(f"coded {done}/{len(todo)} interviews, {segments} segments")
        if on_coded is not None:
            on_coded(transcript, rows)

    try:
        return code_transcripts(todo, coder, progress=step)
    finally:
        bar.close()
