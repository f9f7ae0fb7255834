"""Coding throughput, measured against a baseline in the same run (machines are noisy).

Prints segments per second of each coder and its ratio to VADER alone over the same turns (the
floor any coder pays for valence). Issue targets are benchmark targets: read the ratios. Every
round times each contestant once, baseline included, so a burst of load elsewhere on the
machine hits them alike; each reports its best round.

The study is coded ten times over, so what a coder remembers between transcripts counts:

* the rules coder memoises which keywords can start at each word pair (never a text's codes:
  every turn is matched and read by the emotion model each time). ``rules`` is that steady
  state; ``rules, cold`` builds a fresh coder every round and codes each transcript once, so
  every word pair is new to it — the worst case, a first transcript.
* the semantic coder caches embeddings by text, so after the first round its repeats are
  nearly free: ``semantic (warm)`` is that, not its throughput; ``bench_semantic.py``
  measures it cold (every text through the model).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cjm_research.coding import coders, get_coder
from cjm_research.model import PARTICIPANT, Transcript
from cjm_research.resources import example_study_dir
from cjm_research.study import load_study

ROUNDS = 5


def coded(coder: Callable, transcripts: list[Transcript]) -> int:
    """Participant segments coded by ``coder`` over ``transcripts``."""
    return sum(1 for tr in transcripts for row in coder(tr) if row["role"] == PARTICIPANT)


def best_rates(contestants: dict[str, Callable[[], Callable[[], int]]]) -> dict[str, float]:
    """Units per second of each contestant's fastest of ROUNDS interleaved rounds.

    A contestant is a setup (not timed) returning the work to time, which returns its units.
    """
    rates: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(ROUNDS):
        for name, setup in contestants.items():
            work = setup()
            started = time.perf_counter()
            units = work()
            rates[name].append(units / (time.perf_counter() - started))
    return {name: max(found) for name, found in rates.items()}


def main() -> None:
    study = load_study(example_study_dir())
    transcripts = study.transcripts * 10  # ~2,200 participant turns
    turns = [t.text for tr in transcripts for t in tr.participant_turns]
    vader = SentimentIntensityAnalyzer()

    def baseline() -> int:
        for text in turns:
            vader.polarity_scores(text)
        return len(turns)

    def cold_rules() -> Callable[[], int]:
        fresh = get_coder("rules", study.codebook)  # built untimed; every word pair is new to it
        return lambda: coded(fresh, study.transcripts)

    contestants: dict[str, Callable[[], Callable[[], int]]] = {"vader-only": lambda: baseline}
    for name in coders():
        coder = get_coder(name, study.codebook)
        label = f"{name} (warm)" if name == "semantic" else name
        contestants[label] = lambda coder=coder: lambda: coded(coder, transcripts)
        if name == "rules":
            contestants["rules, cold"] = cold_rules
    rates = best_rates(contestants)
    base = rates["vader-only"]
    print(f"{'coder':<18}{'segments/s':>12}{'x VADER alone':>16}")
    for label, rate in rates.items():
        print(f"{label:<18}{rate:>12,.0f}{rate / base:>16.2f}")
    lengths = [len(t.split()) for t in turns]
    print(f"\n{len(turns)} participant turns, median {statistics.median(lengths):.0f} words")
    print("target: rules >= 5,000 segments/s on this 2-core machine, steady and cold")


if __name__ == "__main__":
    main()
