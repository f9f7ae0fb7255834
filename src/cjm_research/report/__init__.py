"""The reports: what they say (``sections``), their figures (``charts``) and formats (``render``).

``persona`` and ``compare`` are what the persona and cross-persona notebooks call: they load the
coded table, draw the figures and write the Word and HTML reports; ``memo`` keeps study-wide
work between the notebooks of one warm kernel.
"""
