"""Coding throughput, measured against a baseline in the same run (machines are noisy).

Prints segments per second of each coder and its ratio to VADER alone over the same turns (the
floor any coder pays for valence). Issue targets are benchmark targets: read the ratios.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cjm_research.coding import coders, get_coder
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

REPEATS = 5


def best_rate(work: Callable[[], int]) -> float:
    """Units per second of the fastest of REPEATS runs (the least disturbed by noise)."""
    rates = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        units = work()
        rates.append(units / (time.perf_counter() - started))
    return max(rates)


def main() -> None:
    study = load_study(example_study_dir())
    transcripts = study.transcripts * 10  # ~2,200 participant turns
    turns = [t.text for tr in transcripts for t in tr.participant_turns]
    vader = SentimentIntensityAnalyzer()

    def baseline() -> int:
        for text in turns:
            vader.polarity_scores(text)
        return len(turns)

    base = best_rate(baseline)
    print(f"{'coder':<12}{'segments/s':>12}{'x VADER alone':>16}")
    print(f"{'vader-only':<12}{base:>12,.0f}{1.0:>16.2f}")
    for name in coders():
        coder = get_coder(name, study.codebook)

        def run(coder: Callable = coder) -> int:
            return sum(1 for tr in transcripts for row in coder(tr) if row["role"] == "participant")

        rate = best_rate(run)
        print(f"{name:<12}{rate:>12,.0f}{rate / base:>16.2f}")
    lengths = [len(t.split()) for t in turns]
    print(f"\n{len(turns)} participant turns, median {statistics.median(lengths):.0f} words")


if __name__ == "__main__":
    main()
