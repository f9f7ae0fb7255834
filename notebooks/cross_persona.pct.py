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
# # Cross-persona comparison
#
# `cjm reports` runs this notebook once, after the per-persona reports, when the study has two or
# more personas. Open it in JupyterLab to explore: set the parameters below to a study and its
# coded segments table, then run all cells. It writes the figures and the Word report into
# `output_dir` when you set one, else into a new scratch folder it names.

# %% tags=["parameters"]
study_dir: str = "../interviews"  # the study folder (README: The study folder)
segments_path: str = "../interviews/.cjm/segments.parquet"  # cjm reports keeps the coded table here
output_dir: str = ""  # empty: a scratch folder (cjm reports sets its own)
personas: str = ""  # persona ids separated by ";" (empty: every persona in the table)

# %%
from pathlib import Path

from IPython.display import HTML, display

from cjm_research.report import compare as rc
from cjm_research.report import persona as report

output_dir = report.output_folder(output_dir, "cross-persona")
ctx = rc.load_compare_context(study_dir, segments_path, personas)
figures = rc.make_figures(ctx, output_dir)
display(HTML(rc.title_html(ctx)))
display(HTML(rc.summary_html(ctx)))

# %%
display(HTML(rc.emotion_html()))
display(HTML(rc.figure_html(ctx, figures, "persona_curves", 1)))
display(HTML(rc.divergence_html()))
display(HTML(rc.figure_html(ctx, figures, "divergence", 2)))

# %%
display(HTML(rc.touchpoints_html(ctx)))
display(HTML(rc.figure_html(ctx, figures, "touchpoint_personas", 3)))

# %%
display(HTML(rc.stages_html(ctx)))
display(HTML(rc.methodology_html(ctx)))

# %%
docx_path = rc.write_docx(ctx, figures, Path(output_dir) / f"{rc.FILE_STEM}.docx")
