"""Running the reports: code once, then one notebook per report on a pool or a Dask cluster.

``batch`` plans a run (what changed, what to rebuild) and ``notebooks`` runs one report notebook
and promotes its outputs only on success; ``kernels`` keeps a warm Jupyter kernel per worker,
``executors`` makes the pool, ``manifest`` and ``codecache`` remember what was built and coded
from what, and ``index`` writes ``reports/index.html`` and the summary table.
"""
