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
# # Coding run
#
# What the machine coded in a study: how often each stage, touchpoint and emotion was used, and
# the least confident segments to review first. `cjm reports` executes this notebook into
# `reports/coding.ipynb` as the audit trail of each run. In JupyterLab, point `study_dir` at a
# study; leave `segments_path` empty to code it here as `cjm reports` codes it (with `coder`, from
# its cache in `STUDY/.cjm/`, the researchers' codes over the machine's).

# %% tags=["parameters"]
study_dir: str = "../interviews"  # the study folder (README: The study folder)
coder: str = "auto"  # auto, semantic or rules (README: How coding works)
segments_path: str = ""  # a coded table to read (empty: code the study here, as the reports do)
redact: bool = True  # pseudonyms and redacted text here too (the coded table stays full)

# %%
from IPython.display import HTML, display

from cjm_research.report.coding import coding_overview
from cjm_research.run.batch import explore_study
from cjm_research.segments import read as read_segments
from cjm_research.study import load_study

study = load_study(study_dir)
if segments_path:
    segments = read_segments(segments_path)
else:  # the overview redacts what it shows
    segments = explore_study(study, coder, redact=False).segments
overview = coding_overview(study, segments, redact=redact)
display(HTML(overview.intro))

# %%
for dimension, table in overview.frequencies.items():
    display(HTML(f"<h3>{dimension.capitalize()}</h3>"))
    display(table)

# %%
display(HTML("<h3>Least sure stage or touchpoint codes (review these first)</h3>"))
display(overview.review_first)

# %%
if len(overview.problems):
    display(HTML("<h3>Input problems</h3>"))
    display(overview.problems)
