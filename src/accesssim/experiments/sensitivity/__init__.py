"""Which assumptions decide the answer: Morris screening, Sobol indices, parameter uncertainty.

A study file (``specs.study``) names a baseline, policies, parameters and outputs; every
parameter set runs the baseline and each policy with the same seeds (common random numbers),
so an effect's sensitivity is not seed noise. Runs go through the sweep engine (``sweep.sweep``:
process pool, Dask, atomic per-run folders, resumable, failures recorded); each run writes only
the figures analysed here. Ranges: ``specs.ranges``.

Modules: ``pipeline`` (load and run a study: the entry points), ``execute`` (a design's runs
through the sweep engine), ``measures`` (output names and their values per parameter set),
``design`` (SALib designs and indices), ``noise`` (numerical noise of unsettled runs),
``figures``, ``report`` (report.md) and ``uncertainty`` (``compare --uncertainty``).
"""
