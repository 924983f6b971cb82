"""The validation table: every check of the territory and its cores against a published figure.

A small registry: each :class:`Check` names what is compared, the published figure, its
tolerance, its status and its source and year, and a function computing the model value from a
shared :class:`Context` (France, APL, travel times, road pairs; computed once, lazily). Status:

* ``fitted``: a model input was chosen to match this figure (never evidence of validity);
* ``set by construction``: the model reproduces it by design (e.g. the APL mean equals national
  supply over demand);
* ``independent``: nothing was tuned on it; the real test;
* ``conditional``: independent, but the model value depends on an assumed parameter (the row
  says which, and shows other values of it);
* ``no reference``: a model output with no published figure beside it (context, not a test).

An access row whose value most people get by construction (0 minutes inside their own commune)
says which share of people it actually tests (``tested``).

A check whose model value falls outside its tolerance is listed under the table with its
``why_missed`` text, or as *unexplained*: a miss is reported, never hidden or tuned away.

Other modules add rows with :func:`register`. ``accesssim validate`` prints the table and
writes it as CSV and markdown (``--out``).

Modules: ``checks`` (the :class:`Check` row and the registry), ``context`` (what the checks
share), ``roads`` (the recalled road pairs read and compared: a secondary check),
``road_references`` (router times split into a fit and a held-out half, the fit, statistics by
trip length), ``territory_checks``, ``road_checks`` (road times by trip length), ``ed_checks``
(the emergency-department list and access to it), ``apl_checks`` (the APL against DREES's
held-out file by département), ``care_checks`` and ``saturation_checks`` (the rows, registered
here in the table's order), ``table`` (the table computed, as markdown, CSV and files, and the
road summaries printed under it).
"""

from accesssim.experiments.validation import (
    apl_checks,
    care_checks,
    ed_checks,
    road_checks,
    saturation_checks,
    territory_checks,
)
from accesssim.experiments.validation.apl_checks import read_drees_apl, region_markdown
from accesssim.experiments.validation.checks import REGISTRY, STATUSES, Check, register
from accesssim.experiments.validation.context import Context
from accesssim.experiments.validation.roads import (
    PAIR_FIELDS,
    ROAD_PAIRS,
    pair_stats,
    read_road_pairs,
    road_pair_ratios,
)
from accesssim.experiments.validation.table import (
    csv_text,
    markdown,
    no_road_footer,
    pairs_markdown,
    run,
    write,
)

for _check in (
    *territory_checks.CHECKS,
    *road_checks.CHECKS,
    *ed_checks.CHECKS,
    *apl_checks.CHECKS,
    *care_checks.CHECKS,
    *saturation_checks.CHECKS,
):
    register(_check)

__all__ = [
    "PAIR_FIELDS",
    "REGISTRY",
    "ROAD_PAIRS",
    "STATUSES",
    "Check",
    "Context",
    "csv_text",
    "markdown",
    "no_road_footer",
    "pair_stats",
    "pairs_markdown",
    "read_drees_apl",
    "read_road_pairs",
    "region_markdown",
    "register",
    "road_pair_ratios",
    "run",
    "write",
]
