"""The rows checking the territory and its cores: APL, travel times to GPs, road pairs, GP
placement, priority EPCIs (the ED rows are in ``ed_checks``)."""

from __future__ import annotations

import numpy as np

from accesssim.core import access, metrics
from accesssim.experiments.validation.checks import Check
from accesssim.experiments.validation.roads import pair_stats

APL_MEAN_2015 = 4.11  # DREES Dossier n°17 (2017), the year of its 8 % under 2.5 by commune


def _urban(ctx):
    return ctx.t.communes.density_class <= 1


def _priority_overlap(ctx) -> float:
    c, e = ctx.t.communes, ctx.t.epcis
    epci_apl = metrics.group_mean(ctx.apl, ctx.pop, c.epci, len(e))
    ok = np.isfinite(epci_apl)
    cut = np.quantile(epci_apl[ok], 0.1)
    low = ok & (epci_apl <= cut)
    return float(np.sum(low & e.priority_confirmed))


def _apl_2015_share(ctx) -> float:
    # level and spread at the same year: supply scaled so that the mean is 2015's
    scale = APL_MEAN_2015 / ctx.apl_summary["mean"]
    return metrics.share_below(ctx.apl * scale, ctx.pop, access.SUBDENSE_THRESHOLD)


DREES_2023 = "DREES, Accessibilité aux soins de premier recours en 2023 (20/12/2024)"
CHECKS = (
    Check(
        "APL mean",
        3.3,
        "3.3",
        "± 0.2",
        3.1,
        3.5,
        "set by construction",
        DREES_2023,
        "2023",
        lambda ctx: ctx.apl_summary["mean"],
        note="mean = supply / demand: 230 M acts / 68.35 M inhabitants (unreachable supply lost)",
    ),
    Check(
        "APL, mean of the 10% lowest",
        1.4,
        "1.4",
        "± 0.3",
        1.1,
        1.7,
        "independent",
        "DREES 2023 via Caisse des dépôts blog",
        "2023",
        lambda ctx: ctx.apl_summary["bottom_decile_mean"],
    ),
    Check(
        "APL, mean of the 10% highest",
        5.6,
        "5.6",
        "± 0.8",
        4.8,
        6.4,
        "independent",
        "DREES 2023 via Caisse des dépôts blog",
        "2023",
        lambda ctx: ctx.apl_summary["top_decile_mean"],
    ),
    Check(
        "population with APL < 2.5, at the 2023 level",
        None,
        "4-12%",
        "range",
        0.04,
        0.12,
        "independent",
        "none published since 2018; range of 2015-2018 variants (DREES ER 1144, Dossier 17); "
        "a 2023 bottom-decile mean of 1.4 alone implies at least 10%",
        "2015-2018",
        lambda ctx: ctx.apl_summary["share_below_2_5"],
        percent=True,
        why_missed=(
            "demand is not age-standardised and the under-65 supply variant is missing (the "
            "shipped data have no per-commune ages and no GP ages), and GP placement follows "
            "SIRENE 2019 establishments, which concentrate GPs in towns (densities by commune "
            "class in DATA.md); the published range dates from 2015-2018, when the mean was "
            "3.8-4.1, so at the 2023 mean a higher share is expected (see the 2015-level row)"
        ),
    ),
    Check(
        "population with APL < 2.5, at the 2015 level",
        0.08,
        "8%",
        "± 3 pt",
        0.05,
        0.11,
        "independent",
        "DREES Dossier n°17 (2017): communes under 2.5 at a mean of 4.11; model supply scaled "
        "to that mean (the 5.7% of 2018 is by territoire de vie-santé, not by commune)",
        "2015",
        _apl_2015_share,
        percent=True,
        why_missed=(
            "same causes as the 2023-level row: no age standardisation, no under-65 variant, "
            "SIRENE placement; placing GPs by population instead does not fix it (22% at the 2023"
            " level, DATA.md), so no placement knob was moved to land on this figure"
        ),
    ),
    Check(
        "population ≤ 10 min from a GP",
        0.98,
        "98%",
        "≥ 97%",
        0.97,
        1.0,
        "independent",
        "DREES Dossier n°17 (Vergier & Chaput, 2017), via JIM 19/05/2017",
        "2017",
        lambda ctx: ctx.share_within(ctx.gp_minutes, 10),
        percent=True,
        note="METRIC convention: no intra-commune time",
    ),
    Check(
        "population ≤ 20 min from a GP",
        None,
        "> 99%",
        "≥ 99%",
        0.99,
        1.0,
        "independent",
        "DREES 2011 via Sénat rapport 2012-2013 n°335: under 1% beyond 15 min",
        "2007",
        lambda ctx: ctx.share_within(ctx.gp_minutes, 20),
        percent=True,
    ),
    Check(
        "road pairs, held out: geometric-mean ratio model/reference",
        1.0,
        "1.0",
        "0.9-1.1",
        0.9,
        1.1,
        "independent",
        "validation/road_pairs.csv, held-out half (recalled route-planner times, ±10%)",
        "2026",
        lambda ctx: pair_stats(ctx.pairs["ratio"][~ctx.pairs["fit"]])["geometric_mean"],
    ),
    Check(
        "road pairs, held out: pairs off by more than ×1.5",
        0,
        "0",
        "0",
        0,
        0,
        "independent",
        "validation/road_pairs.csv, held-out half",
        "2026",
        lambda ctx: float(pair_stats(ctx.pairs["ratio"][~ctx.pairs["fit"]])["off_by_1_5"]),
        why_missed="the graph has no terrain and no congestion: mountain roads (Ajaccio-Bastia, "
        "Mende-Rodez) come out too fast and short suburban trips (Mérignac-Bordeaux) too fast; "
        "the pairs are listed under the table",
    ),
    Check(
        "road pairs, fit set: geometric-mean ratio model/reference",
        1.0,
        "1.0",
        "0.9-1.1",
        0.9,
        1.1,
        "fitted",
        "validation/road_pairs.csv, fit half (speeds fitted on it)",
        "2026",
        lambda ctx: pair_stats(ctx.pairs["ratio"][ctx.pairs["fit"]])["geometric_mean"],
    ),
    Check(
        "population living in a commune with a GP",
        0.84,
        "84%",
        "± 1 pt",
        0.83,
        0.85,
        "fitted",
        "DREES 2011 via Sénat rapport 2012-2013 n°335 (GP placement mix chosen on it)",
        "2010",
        lambda ctx: float(ctx.pop[ctx.t.communes.gp > 0].sum() / ctx.pop.sum()),
        percent=True,
    ),
    Check(
        "confirmed priority EPCIs (of 58) in the 10% of EPCIs with the lowest APL",
        None,
        "no expected figure",
        "reported",
        None,
        None,
        "independent",
        "ministry list of June 2025 (58 confirmed of 151), data/priority_epci_2025",
        "2025",
        _priority_overlap,
        note="APL is one of five criteria of the list: full overlap is not expected",
    ),
)
