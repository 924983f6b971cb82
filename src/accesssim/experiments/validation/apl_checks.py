"""The APL against DREES's 2022-2024 file by département, held out: nothing in the territory
build or the APL reads it (GP placement, age weights and supply were set without it).

The file (``data/apl_drees_by_departement_francemonitor.json``, a byte copy of France-Monitor's
``public/data/apl-2024.json`` built from DREES data set 530; DATA.md, "APL held out") gives per
département the APL to GPs of 2023 and 2024 (means weighted by standardised population), the
population, and the population of communes with an APL under 2.5 in 2024 (all-ages APL, not the
under-65 variant); France's shares for 2022-2024. Mayotte is absent. Shares by région are summed
here from the départements (derived, not a DREES table).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from accesssim.core import access, metrics
from accesssim.experiments.validation.checks import Check

DATA = Path(__file__).resolve().parents[2] / "data"
DREES_APL = DATA / "apl_drees_by_departement_francemonitor.json"  # shipped in the wheel
DEPARTMENT_FIELDS = ("code", "pop", "popUnder25", "apl", "apl2023")
# France's APL-MG in the file, 2023 (its mean; the level-matched row scales supply to it)
DREES_FILE_MEAN_2023 = 3.74
FILE_SOURCE = "DREES APL (data set 530) by département, France-Monitor apl-2024.json; held out"
# Derived from the file by summing its départements (tests/test_apl_drees.py recomputes them)
DREES_2024_METRO_UNDER_2_5 = 0.1833
DREES_2024_OVERSEAS_UNDER_2_5 = 0.1426  # Guadeloupe, Martinique, Guyane, La Réunion


def read_drees_apl(path: str | Path = DREES_APL) -> dict:
    """The held-out file's départements ({code: row}) and France's yearly figures; a missing
    or malformed file is named with the field."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"DREES APL file {path} is missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        deps = data["departments"]
        by_year = data["france"]["byYear"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"DREES APL file {path}: no 'departments' or 'france.byYear' ({exc})"
        ) from None
    out = {}
    for k, row in enumerate(deps):
        missing = [f for f in DEPARTMENT_FIELDS if f not in row]
        if missing or "mg" not in row.get("apl", {}) or "mg" not in row.get("apl2023", {}):
            raise ValueError(
                f"DREES APL file {path}: département #{k} lacks field(s) "
                f"{', '.join(missing) or 'apl.mg / apl2023.mg'}"
            )
        out[str(row["code"])] = row
    return {"departments": out, "by_year": {int(y["year"]): y for y in by_year}}


@functools.cache
def _drees() -> dict:
    """The shipped DREES file, read once (the rows only read it)."""
    return read_drees_apl()


def _in_file(ctx) -> np.ndarray:
    """Communes of the départements the file covers (all but Mayotte)."""
    deps = list(_drees()["departments"])
    return np.isin(ctx.t.communes.departement.astype(str), deps)


def _share(apl, ctx, sel) -> float:
    return metrics.share_below(apl[sel], ctx.pop[sel], access.SUBDENSE_THRESHOLD)


def _metro_share(ctx) -> float:
    return _share(ctx.apl, ctx, ~ctx.overseas)


def _overseas_share(ctx) -> float:
    return _share(ctx.apl, ctx, ctx.overseas & _in_file(ctx))


def _level_matched_share(ctx) -> float:
    sel = _in_file(ctx)
    mean = metrics.weighted_mean(ctx.apl[sel], ctx.pop[sel])
    return _share(ctx.apl * DREES_FILE_MEAN_2023 / mean, ctx, sel)


def _under_65_share(ctx) -> float:
    return metrics.share_below(ctx.apl_under_65, ctx.pop, access.SUBDENSE_THRESHOLD)


def region_shares(ctx) -> dict[str, tuple[float, float]]:
    """Share of people under 2.5 by région: (model, DREES 2024 summed from its départements)."""
    c = ctx.t.communes
    deps = _drees()["departments"]
    region_of = dict(zip(c.departement.tolist(), c.region.tolist(), strict=True))
    ref: dict[str, list[float]] = {}
    for code, row in deps.items():
        if code in region_of:
            acc = ref.setdefault(region_of[code], [0.0, 0.0])
            acc[0] += row["popUnder25"]
            acc[1] += row["pop"]
    out = {}
    for reg, (under, pop) in sorted(ref.items()):
        sel = c.region == reg
        out[reg] = (_share(ctx.apl, ctx, sel), under / pop)
    return out


def _region_spearman(ctx) -> float:
    from scipy.stats import spearmanr

    model, ref = np.array(list(region_shares(ctx).values())).T
    return float(spearmanr(model, ref).statistic)


def _region_mad(ctx) -> float:
    model, ref = np.array(list(region_shares(ctx).values())).T
    return float(np.mean(np.abs(model - ref)))


def _departement_spearman(ctx) -> float:
    from scipy.stats import spearmanr

    c = ctx.t.communes
    deps = _drees()["departments"]
    codes = [k for k in deps if np.any(c.departement == k)]
    model = [
        metrics.weighted_mean(ctx.apl[c.departement == k], ctx.pop[c.departement == k])
        for k in codes
    ]
    return float(spearmanr(model, [deps[k]["apl2023"]["mg"] for k in codes]).statistic)


def region_markdown(ctx) -> str:
    """The by-région table printed under the validation table."""
    names = ctx.t.names["region"]
    lines = [
        "Share of people in a commune with an APL under 2.5, by région: model (all GPs, "
        "standardised demand) | DREES 2024 (summed from its départements; held out)",
        "",
        "| région | model | DREES 2024 |",
        "|---|---:|---:|",
    ]
    for reg, (model, ref) in region_shares(ctx).items():
        lines.append(f"| {names.get(reg, reg)} | {100 * model:.1f}% | {100 * ref:.1f}% |")
    return "\n".join(lines) + "\n"


WHY_SHARE = (
    "GP placement follows SIRENE 2019 establishments, which gather GPs in towns (DATA.md); ages "
    "are the département's, so a commune's own age mix is lost; and the model's APL level "
    "(3.3, DREES's 2023 publication) is below this file's 3.74 (see the level-matched row)"
)
CHECKS = (
    Check(
        "population with APL < 2.5, France (all GPs, age-standardised demand)",
        0.166,
        "16.6% (2023)",
        "14.9-18.2% (2022-2024)",
        0.149,
        0.182,
        "independent",
        FILE_SOURCE + "; France's yearly shares",
        "2022-2024",
        lambda ctx: ctx.apl_summary["share_below_2_5"],
        percent=True,
        note="the comparable figure: same all-ages APL, by commune, same years; the 4-12% row "
        "comes from 2015-2018 variants of another APL version",
        why_missed=WHY_SHARE,
    ),
    Check(
        "population with APL < 2.5, metropolitan France",
        DREES_2024_METRO_UNDER_2_5,
        "18.3% (2024)",
        "reported",
        None,
        None,
        "independent",
        FILE_SOURCE + "; summed from its départements",
        "2024",
        _metro_share,
        percent=True,
    ),
    Check(
        "population with APL < 2.5, overseas (Guadeloupe, Martinique, Guyane, La Réunion)",
        DREES_2024_OVERSEAS_UNDER_2_5,
        "14.3% (2024)",
        "reported",
        None,
        None,
        "independent",
        FILE_SOURCE + "; summed from its départements (Mayotte absent from the file)",
        "2024",
        _overseas_share,
        percent=True,
    ),
    Check(
        "population with APL < 2.5, supply scaled to the file's 2023 mean (3.74)",
        0.166,
        "16.6% (2023)",
        "14.9-18.2% (2022-2024)",
        0.149,
        0.182,
        "independent",
        FILE_SOURCE + "; its France mean of 2023 sets the level only",
        "2023",
        _level_matched_share,
        percent=True,
        note="the spread of APL across communes at DREES's level: the level is the file's, so "
        "this row tests only how supply is spread",
        why_missed="GP placement by SIRENE 2019 establishments gathers GPs in towns, and ages are "
        "the département's (DATA.md)",
    ),
    Check(
        "population with APL < 2.5, GPs under 65 only (DREES's variant)",
        None,
        "none comparable",
        "reported",
        None,
        None,
        "no reference",
        "the DREES file has the all-ages APL only; DREES's under-65 shares of 2015-2019 are of "
        "an older APL version (docs/sources.md §1.3)",
        "2023",
        _under_65_share,
        percent=True,
        note="GPs aged 65+ are the national share of the model's GP age distribution (14%, an "
        "assumption) in every département: no public file of GP ages by département was found",
    ),
    Check(
        "régions: Spearman correlation of the share under 2.5, model vs DREES 2024",
        None,
        "no expected figure",
        "reported",
        None,
        None,
        "independent",
        FILE_SOURCE + "; summed by région (table under the validation table)",
        "2024",
        _region_spearman,
    ),
    Check(
        "régions: mean absolute gap of the share under 2.5, model vs DREES 2024 (points)",
        None,
        "no expected figure",
        "reported",
        None,
        None,
        "independent",
        FILE_SOURCE + "; summed by région",
        "2024",
        _region_mad,
        percent=True,
    ),
    Check(
        "départements: Spearman correlation of the mean APL, model vs DREES 2023",
        None,
        "no expected figure",
        "reported",
        None,
        None,
        "independent",
        FILE_SOURCE,
        "2023",
        _departement_spearman,
        note="model means weighted by population, DREES's by standardised population",
    ),
)
