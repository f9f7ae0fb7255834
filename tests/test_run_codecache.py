"""The per-interview coding cache: same table as coding afresh, and only new work is done."""

import dataclasses

import pandas as pd

from cjm_research.coding import code_transcripts, get_coder
from cjm_research.run.codecache import code_with_cache
from cjm_research.study import load_study


class Counting:
    """A coder that counts the transcripts it was asked to code."""

    def __init__(self, coder):
        self.coder, self.name, self.version, self.seen = coder, coder.name, coder.version, []

    def __call__(self, transcript):
        self.seen.append(transcript.interview_id)
        return self.coder(transcript)


def test_a_cached_run_equals_a_fresh_one_and_codes_nothing(study_dir, tmp_path):
    study = load_study(study_dir)
    coder = Counting(get_coder("rules", study.codebook))
    cache = tmp_path / "cache" / "coded.parquet"
    first, coded = code_with_cache(study.transcripts, coder, study.codebook, cache)
    assert coded == 9 and len(coder.seen) == 9
    second, coded = code_with_cache(study.transcripts, coder, study.codebook, cache)
    assert coded == 0 and len(coder.seen) == 9
    fresh = code_transcripts(study.transcripts, get_coder("rules", study.codebook))
    pd.testing.assert_frame_equal(second, fresh)
    pd.testing.assert_frame_equal(first, fresh)


def test_an_interview_without_segments_is_coded_once(study_dir, tmp_path):
    # An empty transcript yields no rows: the cache kept nothing of it and every run coded it
    # again ("coded 1/1 interviews, 0 segments").
    (study_dir / "first-home" / "p10-empty.txt").write_bytes(b"")
    study = load_study(study_dir)
    assert "p10-empty" in [t.interview_id for t in study.transcripts]
    coder = Counting(get_coder("rules", study.codebook))
    cache = tmp_path / "coded.parquet"
    first, coded = code_with_cache(study.transcripts, coder, study.codebook, cache)
    assert coded == 10 and "p10-empty" not in set(first["interview_id"])
    second, coded = code_with_cache(study.transcripts, coder, study.codebook, cache)
    assert coded == 0 and coder.seen.count("p10-empty") == 1
    pd.testing.assert_frame_equal(second, first)
    ready = {}
    third, coded = code_with_cache(
        study.transcripts,
        coder,
        study.codebook,
        cache,
        ready=lambda p, rows: ready.update({p: rows}),
    )
    assert coded == 0 and "" not in set(third["segment_id"])
    assert all("" not in set(rows["segment_id"]) for rows in ready.values())


def test_adding_one_interview_codes_one_interview(study_dir, tmp_path):
    cache = tmp_path / "coded.parquet"
    study = load_study(study_dir)
    code_with_cache(study.transcripts, get_coder("rules", study.codebook), study.codebook, cache)
    extra = study_dir / "first-home" / "p10-new.txt"
    extra.write_text(
        "---\nparticipant: P10\npersona: first-home\ninterviewers: [Maya]\n---\n"
        "Maya: How did delivery go?\nSam: The van came two days late and nobody called me.\n"
    )
    study = load_study(study_dir)
    coder = Counting(get_coder("rules", study.codebook))
    table, coded = code_with_cache(study.transcripts, coder, study.codebook, cache)
    assert coder.seen == ["p10-new"] and coded == 1
    assert list(dict.fromkeys(table["interview_id"])) == [t.interview_id for t in study.transcripts]
    assert "two days late" in " ".join(table["text"])


def test_a_changed_codebook_or_coder_version_recodes_everything(study_dir, tmp_path):
    cache = tmp_path / "coded.parquet"
    study = load_study(study_dir)
    code_with_cache(study.transcripts, get_coder("rules", study.codebook), study.codebook, cache)
    book = dataclasses.replace(study.codebook, version="2.0")
    coder = Counting(get_coder("rules", book))
    assert code_with_cache(study.transcripts, coder, book, cache)[1] == 9
    coder = Counting(get_coder("rules", book))
    coder.version = "999"
    assert code_with_cache(study.transcripts, coder, book, cache)[1] == 9


def test_a_damaged_cache_is_only_a_slower_run(study_dir, tmp_path):
    cache = tmp_path / "coded.parquet"
    cache.write_bytes(b"not parquet")
    study = load_study(study_dir)
    table, coded = code_with_cache(
        study.transcripts, get_coder("rules", study.codebook), study.codebook, cache
    )
    assert coded == 9 and len(table) > 400
    assert pd.read_parquet(cache)["cache_key"].nunique() == 9


def test_each_persona_is_ready_with_its_final_rows_while_the_others_are_coded(study_dir, tmp_path):
    study = load_study(study_dir)
    coder = Counting(get_coder("rules", study.codebook))
    cache = tmp_path / "coded.parquet"
    seen: list[tuple[str, int, pd.DataFrame]] = []

    def ready(persona_id, rows):
        seen.append((persona_id, len(coder.seen), rows))

    table, _ = code_with_cache(study.transcripts, coder, study.codebook, cache, ready=ready)
    personas = list(dict.fromkeys(t.persona_id for t in study.transcripts))
    assert [persona for persona, _, _ in seen] == personas
    # The first persona is ready after its own interviews, long before the study is coded.
    assert seen[0][1] == len(study.transcripts_for(personas[0])) < len(study.transcripts)
    for persona, _, rows in seen:
        mine = table[table["persona_id"] == persona].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, mine)
    # Served by the cache, every persona is ready at once, with the same rows.
    again: list[tuple[str, int, pd.DataFrame]] = []
    code_with_cache(
        study.transcripts, coder, study.codebook, cache,
        ready=lambda p, rows: again.append((p, len(coder.seen), rows)),
    )  # fmt: skip
    assert [(p, n) for p, n, _ in again] == [(p, len(study.transcripts)) for p in personas]
    for (_, _, before), (_, _, after) in zip(seen, again, strict=True):
        pd.testing.assert_frame_equal(before, after)
    # One new interview: its persona mixes cached and fresh rows, the same as the final table.
    extra = study_dir / "first-home" / "p10-new.txt"
    extra.write_text(
        "---\nparticipant: P10\npersona: first-home\ninterviewers: [Maya]\n---\n"
        "Maya: How did delivery go?\nSam: The van came two days late and nobody called me.\n"
    )
    study = load_study(study_dir)
    mixed: dict[str, pd.DataFrame] = {}
    table, coded = code_with_cache(
        study.transcripts, coder, study.codebook, cache, ready=mixed.__setitem__
    )
    assert coded == 1 and set(mixed) == set(personas)
    for persona, rows in mixed.items():
        mine = table[table["persona_id"] == persona].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, mine)
