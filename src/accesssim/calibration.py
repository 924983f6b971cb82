"""Calibration: fit the free parameters to published national figures, and report the fit.

Procedure (rerunnable: ``accesssim calibrate --write PATH``): run the baseline on all of France
(or a given selection) for two years, compare the second year with the targets, and update each free
parameter multiplicatively towards its target; repeat. Each parameter has one target that
it drives almost alone, so the fixed point converges in a few rounds:

=========================== =============================================== ==============
parameter                   target                                          source
=========================== =============================================== ==============
consultations_per_inhabitant GP consultations served per inhabitant, 3.4     sources §2 (D)
forgo_base                  people 15+ who forwent care in the year, 3.1 %  DREES ER 1200
ed_without_mt_rate          (1 - ed_unmet_share) × 5.64 M avoidable ED      DREES ER 1320
ed_unserved_rate            ed_unmet_share × 5.64 M avoidable ED visits     DREES ER 1320
mt_registration_rate        adults without a médecin traitant, 11 %         CNAM 2021
=========================== =============================================== ==============

Targets are national, so on a selection they are scaled by population (ED visits) or used as
rates. The fitted values and every round are written where ``--write PATH`` says; the package
ships the fit of ``data/calibration.json`` (``parameters.SHIPPED_CALIBRATION``).
"""

from __future__ import annotations

import datetime as dt
import json

from accesssim import __version__, parameters
from accesssim import io as aio
from accesssim import territory as terr
from accesssim.model import AccessModel

FRANCE_POPULATION = parameters.PARAMETERS["france_population"].default
TARGETS = {
    "consultations_per_inhabitant": 3.4,
    "share_people_forwent_15plus": 0.031,
    "share_without_mt_15plus": 0.11,
}
FREE = (
    "consultations_per_inhabitant",
    "forgo_base",
    "ed_without_mt_rate",
    "ed_unserved_rate",
    "mt_registration_rate",
)


YEARS = 2  # fit on the 2nd year: the 1st year-end's exits and registrations have acted


def run_year(territory, params: dict, seed: int = 1, calibration=None) -> dict:
    m = AccessModel(territory, params=params, rng=seed, calibration=calibration)
    m.run_for(52 * YEARS)
    return m.last_year


def fit(
    territory=None,
    rounds: int = 5,
    seed: int = 1,
    log=print,
    start=parameters.SHIPPED_CALIBRATION,
) -> dict:
    """Fit the free parameters from the values of calibration ``start`` (the shipped one
    unless told; None: the table's defaults); returns the record ``write`` saves."""
    t = territory or terr.load()
    base = parameters.defaults(start)
    params = {k: base[k] for k in FREE}
    scale = t.communes.population[t.communes.core].sum() / FRANCE_POPULATION
    ed_target = base["avoidable_ed_visits"] * scale
    s = base["ed_unmet_share"]
    history = []
    for r in range(rounds):
        got = run_year(t, params, seed, start)
        history.append({"round": r, "params": dict(params), "observed": got})
        log(f"round {r}: " + ", ".join(f"{k}={v:.4g}" for k, v in params.items()))
        log(
            f"  served/inh {got['consultations_per_inhabitant']:.3f}, forwent "
            f"{got['share_people_forwent_15plus']:.4f}, ED no-MT {got['ed_from_no_mt']:,.0f} "
            f"unserved {got['ed_from_unserved']:,.0f}, without MT "
            f"{got['share_without_mt_15plus']:.4f}"
        )
        params["consultations_per_inhabitant"] *= (
            TARGETS["consultations_per_inhabitant"] / got["consultations_per_inhabitant"]
        )
        params["forgo_base"] *= TARGETS["share_people_forwent_15plus"] / max(
            got["share_people_forwent_15plus"], 1e-9
        )
        params["ed_without_mt_rate"] = min(
            0.9,
            params["ed_without_mt_rate"] * (1 - s) * ed_target / max(got["ed_from_no_mt"], 1e-9),
        )
        params["ed_unserved_rate"] = min(
            1 - base["giveup_unserved"],
            params["ed_unserved_rate"] * s * ed_target / max(got["ed_from_unserved"], 1e-9),
        )
        params["mt_registration_rate"] = min(
            1.0,
            params["mt_registration_rate"]
            * got["share_without_mt_15plus"]
            / TARGETS["share_without_mt_15plus"],
        )
    final = run_year(t, params, seed, start)
    history.append({"round": rounds, "params": dict(params), "observed": final})
    return {
        "fitted": params,
        "observed": final,
        "targets": {
            **TARGETS,
            "avoidable_ed_visits": ed_target,
            "ed_unmet_share (assumption, sensitivity)": s,
        },
        "territory": t.label,
        "seed": seed,
        "years": YEARS,
        "rounds": history,
        "accesssim_version": __version__,
        "date": dt.date.today().isoformat(),
        "procedure": "accesssim.calibration.fit (multiplicative fixed point, one target per "
        "parameter); rerun with `accesssim calibrate --write PATH`",
    }


def write(record: dict, path) -> None:
    """Write a calibration record to ``path`` (atomically); use it with
    ``[scenario] calibration = "PATH"`` or ``AccessModel(..., calibration=PATH)``."""
    aio.atomic_write_text(path, json.dumps(record, indent=1, ensure_ascii=False, default=float))
