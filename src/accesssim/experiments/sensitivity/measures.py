"""What a study measures: its output names resolved, and each output's value per parameter set.

Why apart: the names are the indicators' (``indicators.INDICATORS``, ``differences()``), a
layer above the study-file parser, which is given ``resolve_outputs`` to check them; the run
(``pipeline``) turns the runs' values into one array per output for the analyses.
"""

from __future__ import annotations

import numpy as np

from accesssim.outputs import indicators, ledger
from accesssim.specs.study import StudyError


def resolve_outputs(names, policy_names, where) -> list[tuple[str, str, str | None]]:
    """(output label, figure, policy or None) for each output name; raise on unknown."""
    diffs = {d.name for d in indicators.differences()} | {indicators.COST_PER_AVOIDED[0]}
    out = []
    for n in names:
        base = n.split(":", 1)[1] if n.startswith(("last:", "horizon:")) else n
        if n in diffs:
            if not policy_names:
                raise StudyError(f"{where}: {n!r} is a policy effect; list [sensitivity].policies")
            out += [(f"{p}: {n}", n, p) for p in policy_names]
        elif base in indicators.INDICATORS:
            key = n if ":" in n else f"last:{n}"
            out.append((n, key, None))
        else:
            known = sorted(diffs | set(indicators.INDICATORS))
            raise StudyError(f"{where}: unknown output {n!r}; expected one of {known}")
    return out


def output_matrix(values: dict, n_sets, baseline, outputs, seeds) -> dict[str, np.ndarray]:
    """Each output per parameter set, averaged over seeds (a ratio: of the seed means)."""
    diff = {d.name: d for d in indicators.differences()}
    ys: dict[str, np.ndarray] = {}
    for label, fig, pol in outputs:
        y = np.empty(n_sets)
        for i in range(n_sets):
            b = [values[(i, baseline, s)] for s in seeds]
            if pol is None:
                y[i] = np.mean([v.get(fig, np.nan) for v in b])
                continue
            p = [values[(i, pol, s)] for s in seeds]
            if fig == indicators.COST_PER_AVOIDED[0]:  # the payers' ledger, public money
                books = [ledger.from_values(bb, pp) for bb, pp in zip(b, p, strict=True)]
                cost = np.mean([k["public_cost_eur"] for k in books])
                av = np.mean([k["forgone_avoided_discounted"] for k in books])
                y[i] = ledger.cost_effectiveness(cost, av)
            else:
                y[i] = np.mean([diff[fig].of(bb, pp) for bb, pp in zip(b, p, strict=True)])
        ys[label] = y
    return ys
