"""The semantic coder: throughput against the raw model in the same run, and quality on the gold.

Throughput: participant segments per second of the semantic coder with its embedding cache cold
(every text goes through the model) and warm (a re-run over unchanged transcripts), beside the
raw onnxruntime encode of the same texts (the floor the coder pays) and the rules coder. Issue 3
targets: semantic >= 150 segments/s, rules >= 5,000/s on this 2-core machine — read the ratios,
the machine is shared and noisy.

Quality: stage macro-F1 and touchpoint micro-F1 of rules and semantic against the example study's
gold file (tests/data/gold/example-gold.csv), scored by ``cjm evaluate``'s functions. Targets 0.80
and 0.80. Nothing was fitted on the gold file (see semantic.py: every parameter comes from the
codebook's own examples or is a stated prior).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cjm_research.coding import code_transcripts, get_coder
from cjm_research.coding.embeddings import Embedder
from cjm_research.coding.semantic import SemanticCoder
from cjm_research.evaluate import evaluate, read_gold
from cjm_research.model import INTERVIEWER
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold" / "example-gold.csv"
REPEATS = 3


def timed(work: Callable[[], object]) -> float:
    """Seconds of one run of ``work``."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    study = load_study(example_study_dir())
    transcripts = study.transcripts
    texts = [t.text for tr in transcripts for t in tr.turns]
    segments = sum(1 for tr in transcripts for t in tr.turns if t.role != INTERVIEWER)

    with tempfile.TemporaryDirectory() as cache:
        build_started = time.perf_counter()
        semantic = SemanticCoder(study.codebook, embedder=Embedder(cache))
        build = time.perf_counter() - build_started
        raw = semantic.embedder  # same session, no cache: the model's own cost
        raw_seconds = min(timed(lambda: raw.encode_uncached(texts)) for _ in range(REPEATS))
        cold = timed(lambda: code_transcripts(transcripts, semantic))
        warm_coder = SemanticCoder(study.codebook, embedder=Embedder(cache))
        warm = min(timed(lambda: code_transcripts(transcripts, warm_coder)) for _ in range(REPEATS))
        assert warm_coder.embedder.model_texts == 0, "the warm run must not run the model"
    rules = get_coder("rules", study.codebook)
    rules_seconds = min(timed(lambda: code_transcripts(transcripts, rules)) for _ in range(REPEATS))

    raw_rate = segments / raw_seconds
    print(f"{len(texts)} turns ({segments} participant segments); coder built in {build:.1f} s")
    print(f"{'run':<28}{'segments/s':>12}{'x raw encode':>14}")
    for name, seconds in (
        ("raw onnxruntime encode", raw_seconds),
        ("semantic, cache cold", cold),
        ("semantic, cache warm", warm),
        ("rules", rules_seconds),
    ):
        rate = segments / seconds
        print(f"{name:<28}{rate:>12,.0f}{rate / raw_rate:>14.2f}")

    if not GOLD.is_file():
        print(f"\n(no gold file at {GOLD}: quality skipped)")
        return
    gold = read_gold(GOLD)
    print(f"\n{'coder':<12}{'stage macro-F1':>16}{'stage acc':>11}{'touchpoints micro-F1':>22}")
    for name, coder in (("rules", rules), ("semantic", semantic)):
        result = evaluate(gold, code_transcripts(transcripts, coder), coder=name)
        assert result.stage is not None and result.touchpoints is not None
        print(
            f"{name:<12}{result.stage.macro_f1:>16.3f}{result.stage.accuracy:>11.3f}"
            f"{result.touchpoints.micro_f1:>22.3f}"
        )
    print("targets: stage macro-F1 >= 0.80, touchpoints micro-F1 >= 0.80")


if __name__ == "__main__":
    main()
