# ---
# jupyter:
#   jupytext:
#     formats: ipynb,.pct.py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore a study
#
# The whole study's coded turns as one pandas table, with the researchers' codes (under
# `STUDY/coding/`) laid over the machine's, and the queries a QDA tool offers as one line each.
# Nothing here writes a report. Coding reuses the cache `cjm reports` keeps in `STUDY/.cjm/`, so
# after a `cjm reports` run it takes seconds.

# %% tags=["parameters"]
study_dir: str = "../interviews"  # the study folder (README: The study folder)
coder: str = "auto"  # auto, semantic or rules (README: How coding works)
redact: bool = True  # pseudonyms and no names, e-mails, phones, cards or URLs in the text

# %%
import pandas as pd

from cjm_research import tables
from cjm_research.analysis import participant_segments
from cjm_research.run.batch import explore_study
from cjm_research.study import load_study

pd.set_option("display.max_colwidth", 120)
study = load_study(study_dir)
codebook = study.codebook
coded = explore_study(study, coder, redact=redact)
segments, machine = coded.segments, coded.machine  # machine: its codes before learning from yours
turns = participant_segments(segments)
print(f"{len(turns)} participant turns, {turns['interview_id'].nunique()} interviews")

# %% [markdown]
# ## Code frequencies per persona
# Change `"stages"` to `"touchpoints"` or `"emotions"`.

# %%
tables.frequencies_by_persona(segments, codebook, "stages")

# %% [markdown]
# ## Where touchpoints come up: stage by touchpoint

# %%
tables.stage_by_touchpoint(segments, codebook).style.background_gradient(cmap="Blues")

# %% [markdown]
# ## Quotes for any pair of codes
# Any code ids of any dimension: a stage, a touchpoint, an emotion (ids as in the codebook).

# %%
tables.segments_with(segments, "support", "frustration")

# %% [markdown]
# ## Compare two personas
# Each stage's share of a persona's turns, largest differences first.

# %%
first, second = sorted(segments["persona_id"].unique())[:2]
tables.compare_two_personas(segments, codebook, first, second, "stages")

# %% [markdown]
# ## Where the machine and the researcher disagree
# Every turn a researcher coded (`cjm review import`) whose machine code, from before the machine
# learned from it, differs. Empty until someone has reviewed turns (README: Teach the coder).

# %%
tables.machine_disagreements(segments, machine)

# %% [markdown]
# ## Your own query
# `segments` is an ordinary DataFrame: one row per turn, columns as in the README's "The coded
# segments table". For example, the most negative turns per stage:

# %%
turns.sort_values("valence").groupby("stage").head(1)[["stage", "valence", "emotion", "text"]]
