"""The saturation rows, read from the baseline run of the care rows (``Context.care``): the
appointment delay, the GPs refusing new médecin-traitant patients, the spread of GP load,
forgone care by APL class, and priority-EPCI averages with metropolitan and overseas EPCIs
apart (core/saturation.py, docs/ODD.md §3 "Saturation and delay").

Nothing in the model was tuned on these rows: the supply (acts delivered per GP, its spread,
the flex under pressure) comes from CNAM, IQVIA and Insee/DREES figures that are not these;
the calibration's four targets are not these either.
"""

from __future__ import annotations

from accesssim.experiments.validation.care_checks import ALL_CAUSE_ED_PER_1000
from accesssim.experiments.validation.checks import Check

DELAY_SOURCE = (
    "DREES Études et Résultats n°1085 (2018; 23,500 appointment requests, June 2016 - May "
    "2017), via France Bleu, Europe 1 and espace-social.com (docs/sources.md, checks)"
)
DELAY_NOTE = (
    "model: 7 × backlog ÷ consultations served a week per commune (Little's law), weighted "
    "by consultations served; a request served in the week it is made counts 0 days (the "
    "weekly step does not resolve days); the median and the tails take each commune's delays "
    "as exponential around its mean"
)
DELAY_WHY = (
    "the model's delay is only the queue carried from one week to the next; DREES's includes "
    "the days within the week. With give-up at 0.15 a week (giveup_unserved, no figure), "
    "need beyond capacity is given up within weeks rather than waited for, so the queue stays "
    "short: 0.01-0.03 a week gives 3-4 days on France (docs/calibration.md, 'Supply as "
    "delivered'), the rest being days within the week the model does not resolve; patience "
    "is a candidate for the recalibration"
)
REFUSAL_SOURCE = (
    "DREES GP panel (early 2022, published 25 May 2023): 65 % say they have to refuse new "
    "patients as médecin traitant (53 % in 2019), via ORS PACA and France Bleu "
    "(docs/sources.md, checks)"
)
FORGONE_SOURCE = (
    "DREES ER 1200 (SRCV 2017): 3.1 % forwent care; poor people in very under-served GP zones "
    "more than ×8 the rest (APL threshold of 'very under-served' not published; no income in "
    "the model)"
)


def _national(key: str):
    return lambda ctx: float(ctx.care["national"][key])


def _delay_gap(ctx) -> float:
    n = ctx.care["national"]
    return float(n["delay_days_mean_below_2_5"] - n["delay_days_mean_4_and_above"])


def _ed_per_1000(priority: bool, overseas: bool):
    def compute(ctx) -> float:
        rows = [
            r
            for r in ctx.care["epcis"]
            if bool(r["priority_confirmed"]) == priority and bool(r["overseas"]) == overseas
        ]
        pop = sum(r["population"] for r in rows)
        return 1000 * sum(r["ed_visits"] for r in rows) / pop if pop > 0 else float("nan")

    return compute


def _reported(name, key, source, year, percent=False, note="") -> Check:
    return Check(
        name, None, "not published", "reported", None, None, "independent", source, year,
        _national(key), percent=percent, note=note,
    )  # fmt: skip


def _ed_context(name: str, value, note: str = "") -> Check:
    """A GP-treatable ED rate by group of EPCIs: no published rate by EPCI, so no status but
    "no reference"; the all-cause rate is given as context (it bounds the row trivially)."""
    return Check(
        name,
        None,
        f"all-cause {ALL_CAUSE_ED_PER_1000:.0f} (context)",
        "reported",
        None,
        None,
        "no reference",
        "no published GP-treatable rate by EPCI; the all-cause rate, 20.9 M passages / 68.35 M "
        "inhabitants (DREES ER 1320), bounds it trivially and is shown as context only",
        "2023",
        value,
        note=note,
    )


CHECKS = (
    Check(
        "appointment delay for a GP, mean (days, model run)",
        6.0,
        "6",
        "4 to 8",
        4.0,
        8.0,
        "fitted",
        DELAY_SOURCE,
        "2016-2017",
        _national("delay_days_mean"),
        note=DELAY_NOTE,
        why_missed=DELAY_WHY,
    ),
    Check(
        "appointment delay for a GP, median (days, model run)",
        2.0,
        "2",
        "1 to 4",
        1.0,
        4.0,
        "independent",
        DELAY_SOURCE,
        "2016-2017",
        _national("delay_days_median"),
        note=DELAY_NOTE,
        why_missed=DELAY_WHY + "; most requests are served in their week, so the median is near 0",
    ),
    Check(
        "appointment delay: APL < 2.5 minus APL ≥ 4 (days)",
        None,
        "> 0 (longer where accessibility is low)",
        "above 0",
        1e-9,
        float("inf"),
        "independent",
        DELAY_SOURCE,
        "2016-2017",
        _delay_gap,
    ),
    Check(
        "requests waiting over 1 day (model run)",
        0.51,
        "51% (49% the same or next day)",
        "reported",
        None,
        None,
        "independent",
        DELAY_SOURCE,
        "2016-2017",
        _national("share_delay_over_1_day"),
        percent=True,
        note="exponential delays around each commune's mean; a request served in its week "
        "counts 0 days, so the model's share is a lower bound",
    ),
    Check(
        "requests waiting 5 days or more (model run)",
        0.25,
        "a quarter",
        "reported",
        None,
        None,
        "independent",
        DELAY_SOURCE,
        "2016-2017",
        _national("share_delay_over_5_days"),
        percent=True,
        note="exponential delays around each commune's mean",
    ),
    Check(
        "GPs refusing new médecin-traitant patients (model run)",
        0.65,
        "65%",
        "55% to 75%",
        0.55,
        0.75,
        "independent",
        REFUSAL_SOURCE,
        "2022",
        _national("share_gps_refusing"),
        percent=True,
        note="model: GPs holding a list whose patients asked, on average over the year, for "
        "all their delivered activity (load ≥ 1), or whose list is at its cap",
        why_missed="the share follows how much of the delivered supply binds; 2019's 53 % "
        "and 2022's 65 % bracket the model's period",
    ),
    _reported(
        "GP load, 1st decile (acts ÷ delivered activity)",
        "gp_load_p10",
        "no published distribution of GP load found; deciles over GPs",
        "-",
    ),
    _reported(
        "GP load, median (acts ÷ delivered activity)",
        "gp_load_p50",
        "no published distribution of GP load found; deciles over GPs",
        "-",
    ),
    _reported(
        "GP load, 9th decile (acts ÷ delivered activity)",
        "gp_load_p90",
        "no published distribution of GP load found; at most 1 + capacity_flex",
        "-",
    ),
    _reported(
        "people 15+ who forwent care, APL < 1.5",
        "forwent_apl_below_1_5",
        FORGONE_SOURCE,
        "2017",
        percent=True,
    ),
    _reported(
        "people 15+ who forwent care, APL 1.5 to 2.5",
        "forwent_apl_1_5_to_2_5",
        FORGONE_SOURCE,
        "2017",
        percent=True,
    ),
    _reported(
        "people 15+ who forwent care, APL 2.5 to 4",
        "forwent_apl_2_5_to_4",
        FORGONE_SOURCE,
        "2017",
        percent=True,
    ),
    _reported(
        "people 15+ who forwent care, APL ≥ 4",
        "forwent_apl_4_and_above",
        FORGONE_SOURCE,
        "2017",
        percent=True,
    ),
    _ed_context(
        "GP-treatable ED visits per 1,000, metropolitan confirmed priority EPCIs",
        _ed_per_1000(priority=True, overseas=False),
        note="compare with the metropolitan EPCIs outside the list (next row)",
    ),
    _ed_context(
        "GP-treatable ED visits per 1,000, other metropolitan EPCIs",
        _ed_per_1000(priority=False, overseas=False),
    ),
    Check(
        "GP-treatable ED visits per 1,000, overseas confirmed priority EPCIs",
        None,
        "reported",
        "reported",
        None,
        None,
        "no reference",
        "DREES ER 1320 gives no overseas all-cause rate; reported apart so that it does not "
        "set the priority average",
        "2023",
        _ed_per_1000(priority=True, overseas=True),
    ),
)
