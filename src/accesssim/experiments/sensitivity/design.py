"""SALib: Morris and Sobol designs over the unit cube, and their indices.

Why apart: the only module that knows SALib (an optional dependency, ``[sensitivity]``);
``Range.value`` maps the unit cube to parameter values.
"""

from __future__ import annotations

import numpy as np

from accesssim.specs.ranges import Range
from accesssim.specs.scenario import ScenarioError


def problem(ranges: list[Range]) -> dict:
    """A SALib problem over the unit cube (``Range.value`` maps it to the parameter)."""
    return {
        "num_vars": len(ranges),
        "names": [r.name for r in ranges],
        "bounds": [[0, 1]] * len(ranges),
    }


def _salib(module: str):
    import importlib

    try:
        return importlib.import_module(f"SALib.{module}")
    except ImportError:
        raise ScenarioError(
            "SALib is not installed: pip install SALib (or -e '.[sensitivity]' from a checkout)"
        ) from None


def morris_design(ranges, r, levels, seed=1) -> np.ndarray:
    morris = _salib("sample.morris")

    return morris.sample(problem(ranges), N=r, num_levels=levels, seed=seed)


def morris_indices(ranges, unit, ys, levels, seed=1) -> list[dict]:
    morris = _salib("analyze.morris")

    rows = []
    for out, y in ys.items():
        ok = np.isfinite(y).all()
        # elementary effects below float round-off of the output are no effect
        tiny = 1e-9 * (1 + float(np.nanmax(np.abs(y)))) if ok else 0
        res = morris.analyze(problem(ranges), unit, y, num_levels=levels, seed=seed) if ok else None
        for j, r in enumerate(ranges):
            rows.append(
                {
                    "output": out,
                    "parameter": r.name,
                    "mu_star": _clean(res["mu_star"][j], tiny) if ok else np.nan,
                    "mu_star_conf": _clean(res["mu_star_conf"][j], tiny) if ok else np.nan,
                    "mu": _clean(res["mu"][j], tiny) if ok else np.nan,
                    "sigma": _clean(res["sigma"][j], tiny) if ok else np.nan,
                    "note": "" if ok else f"{int((~np.isfinite(y)).sum())} sets undefined",
                }
            )
    return rows


def _clean(v, tiny) -> float:
    return 0.0 if abs(v) < tiny else float(v)


def kept(morris_rows, keep: float) -> list[str]:
    """Parameters whose mu* reaches ``keep`` × the largest mu* for at least one output."""
    out = []
    by: dict[str, list[dict]] = {}
    for r in morris_rows:
        by.setdefault(r["output"], []).append(r)
    for rows in by.values():
        top = max((r["mu_star"] for r in rows if np.isfinite(r["mu_star"])), default=0)
        out += [r["parameter"] for r in rows if top > 0 and r["mu_star"] >= keep * top]
    return list(dict.fromkeys(out))


def sobol_design(ranges, n, seed=1) -> np.ndarray:
    sobol = _salib("sample.sobol")

    return sobol.sample(problem(ranges), n, calc_second_order=False, scramble=True, seed=seed)


def sobol_indices(ranges, ys, seed=1) -> list[dict]:
    sobol = _salib("analyze.sobol")

    rows = []
    for out, y in ys.items():
        ok = np.isfinite(y).all() and np.std(y) > 0
        res = sobol.analyze(problem(ranges), y, calc_second_order=False, seed=seed) if ok else None
        for j, r in enumerate(ranges):
            rows.append(
                {
                    "output": out,
                    "parameter": r.name,
                    **{
                        k: float(res[k][j]) if ok else np.nan
                        for k in ("S1", "S1_conf", "ST", "ST_conf")
                    },
                    "note": "" if ok else "output undefined or constant",
                }
            )
    return rows
