"""Every model parameter in one place: default, unit, status, source, bounds and, for the
uncertain ones, the range sampled by ``accesssim sensitivity``.

Status: ``S`` sourced (docs/sources.md, with the reference), ``D`` derived from sourced figures,
``A`` assumption (no source found; a free or sensitivity parameter), ``C`` calibrated by
``accesssim calibrate`` (the fitted values live in ``data/calibration.json`` with the
procedure's record, loaded by ``params.calibration``; the default here is the value used before
any calibration).

Scenario files override parameters by name under ``[parameters]`` (checked by
``params.checks.validate``).
"""

from __future__ import annotations

from dataclasses import dataclass

AGE_BANDS = ("0-14", "15-29", "30-44", "45-59", "60-74", "75+")
ADULT_BANDS = slice(1, None)  # 15+ (médecin traitant and renoncement are adult measures)


@dataclass(frozen=True)
class Param:
    default: float | tuple
    unit: str
    status: str  # S, D, A or C
    source: str
    low: float | None = None  # validation bounds (inclusive)
    high: float | None = None
    kind: str = "number"  # number, integer, bool, choice (one of options), sirens
    options: tuple = ()
    # plausible range for sensitivity and uncertainty (every A and C parameter has one, or
    # "fixed" with its reason): ``distribution`` is "uniform", "loguniform", "scale" (a vector
    # × a factor in ``range``) or "fixed" (not sampled; ``range_source`` says why). Read by
    # `accesssim sensitivity` and `compare --uncertainty` (sensitivity.py); fitted parameters
    # use the calibration's "draws" when the calibration file has them
    # (sensitivity.parameter_ranges), else the range here, around the shipped fit.
    range: tuple | None = None
    distribution: str = ""
    range_source: str = ""
    step: float | None = None  # sampled values rounded to multiples of this (cached matrices)


PARAMETERS: dict[str, Param] = {
    # --- demand
    "consultations_per_inhabitant": Param(
        3.4,
        "GP consultations per inhabitant per year",
        "D",
        "230-254 M GP acts / ~68 M inhabitants (docs/sources.md §2, parameter table)",
        0.5,
        10,
    ),
    "age_shares": Param(
        (0.170, 0.174, 0.186, 0.197, 0.173, 0.100),
        "share of population per age band",
        "A",
        "approximate INSEE 2024 age pyramid (not in docs/sources.md); per-commune ages not shipped",
        distribution="fixed",
        range_source="INSEE age pyramid: national shares known within ~1 point",
    ),
    "age_share_density_adjustment": Param(
        (0.85, 0.95, 1.10, 1.30),
        "multiplier of the 60+ shares by density class",
        "A",
        "older rural population, younger cities (labelled assumption)",
        distribution="scale",
        range=(0.9, 1.1),
        range_source="±10 % on the 60+ multipliers: rural ageing well documented, its size by "
        "class not",
    ),
    "age_consultation_weights": Param(
        (0.85, 0.65, 0.80, 1.00, 1.40, 1.95),
        "relative GP use per age band",
        "A",
        "age weights not found (docs/sources.md §2); a plausible gradient scaled so the national "
        "mean is consultations_per_inhabitant",
        distribution="fixed",
        range_source="its level is rescaled to consultations_per_inhabitant; only the shape "
        "matters and no alternative shape is sourced",
    ),
    "apl_age_weights": Param(
        (0.80, 0.725, 0.95, 1.40, 1.95),
        "relative GP use per Insee age band 0-19, 20-39, 40-59, 60-74, 75+ (APL demand)",
        "A",
        "consumption by age not found (docs/sources.md §2: REPSS 1.6.3 gives only the share "
        "with a GP contact by age); the model's age_consultation_weights averaged over the "
        "years of each Insee band; normalised so the national standardised population equals "
        "the population",
        distribution="fixed",
        range_source="range: the gradient's exponent (weights ** k): k = 0 is no "
        "standardisation (every band 1), k = 2 doubles the gradient; the validate rows are "
        "reported at k = 0 and 1 (DATA.md, APL); not sampled because no shape is sourced",
    ),
    # --- supply
    "acts_per_gp": Param(
        230e6 / 55_546,
        "consultations+visits a GP delivers per year (mean over GPs, head count)",
        "D",
        "acts delivered: national_gp_acts / gps_france = 230 M / 55,546 = 4,141 (the APL's "
        "supply per GP, access.ACTS_PER_GP). Capacity follows what GPs deliver, not IQVIA's "
        "~5,000 acts of a full-time GP (docs/sources.md §3.3), which part-time and older GPs "
        "do not reach",
        1000,
        12000,
    ),
    "national_gp_acts": Param(
        230e6,
        "GP consultations+visits a year in France (APL supply: per GP, / gps_france)",
        "S",
        "government figure quoted by Egora 17/02/2026; derived figures 230-254 M (DATA.md). "
        "The APL counts supply as DREES does, activity not heads: 230 M / 55,546 GPs = 4,141 "
        "acts per full-time-equivalent GP (access.ACTS_PER_GP), the mean of acts_per_gp",
        1e6,
        1e9,
    ),
    "activity_cv": Param(
        0.55,
        "coefficient of variation of GP activity (gamma, before the 65+ factor)",
        "D",
        "CNAM Charges et produits 2023 (2021 data, docs/sources.md §3.3): médecin-traitant "
        "patients per GP mean 960, median 927, half of GPs between 600 and 1,300; a gamma "
        "with those quartiles (1,300 / 600) has cv 0.55 and mean/median 1.11 (file active: "
        "1,643 / 1,498 = 1.10). The list stands in for activity: no distribution of acts per "
        "GP was found",
        0,
        1,
        distribution="uniform",
        range=(0.35, 0.65),
        range_source="cv from the MT-list quartiles (0.55), its mean/median (1.036: ~0.35) "
        "and the file active's mean/median (1.097: ~0.53); a list is not activity",
    ),
    "activity_factor_65plus": Param(
        0.6,
        "activity of GPs aged 65+ relative to others",
        "A",
        "cumul emploi-retraite GPs work less (docs/sources.md §3.1)",
        0,
        1,
        distribution="uniform",
        range=(0.4, 0.8),
        range_source="cumul emploi-retraite GPs work part-time (docs/sources.md §3.1): half to "
        "most",
    ),
    "gp_age_bands": Param(
        (
            (30, 40, 0.22),
            (40, 50, 0.25),
            (50, 60, 0.25),
            (60, 65, 0.14),
            (65, 70, 0.09),
            (70, 76, 0.05),
        ),
        "GP age distribution (from, to, share)",
        "A",
        "60+ ~0.28 (CNOM, all doctors, docs/sources.md §3.1), mean ~51 vs 50.3 for GPs (S)",
        distribution="fixed",
        range_source="anchored on the CNOM 60+ share and the GP mean age",
    ),
    "practice_shares": Param(
        (0.31, 0.534, 0.156, 0.0),
        "solo / group / MSP / health centre shares",
        "S",
        "group 69% (DREES 2022), MSP 15.6% (CNAM 2023); health centres: extension",
    ),
    "msp_activity_gain": Param(
        0.02,
        "extra acts of a GP in an MSP",
        "S",
        "IRDES rapport 559: acts +2% (docs/sources.md §3.4)",
        0,
        0.5,
    ),
    "msp_list_gain": Param(
        0.13,
        "extra registered patients of a GP in an MSP",
        "S",
        "IRDES rapport 559: file active +13% (docs/sources.md §3.4)",
        0,
        1,
    ),
    "msp_exit_factor": Param(
        0.8,
        "exit hazard of MSP GPs relative to others (retention)",
        "A",
        "MSPs retain GPs (IRDES QES 247, qualitative); size not found",
        0,
        2,
        distribution="uniform",
        range=(0.6, 1.0),
        range_source="MSPs retain GPs (IRDES, qualitative): from no effect to a 40 % lower hazard",
    ),
    "list_size_per_gp": Param(
        960.0,
        "adult médecin-traitant patients per GP (mean)",
        "S",
        "CNAM 2021 (docs/sources.md §3.3)",
        100,
        5000,
    ),
    "list_cap_factor": Param(
        1.3,
        "a GP stops accepting above this × mean list size",
        "A",
        "no source",
        1,
        5,
        distribution="uniform",
        range=(1.1, 1.6),
        range_source="GPs closing lists at 10-60 % above the mean list (no source)",
    ),
    # --- flows
    "cessations_per_year": Param(
        2327.0, "GP cessations per year, France", "S", "CNAM 2022 (docs/sources.md §3.2)", 0, 20000
    ),
    "installations_per_year": Param(
        2357.0,
        "GP installations per year, France",
        "S",
        "CNAM 2022 (docs/sources.md §3.2)",
        0,
        20000,
    ),
    "installation_age": Param(
        35.0, "mean age at installation", "S", "CNAM 2023 (docs/sources.md §3.2)", 25, 60
    ),
    "install_beta_colleagues": Param(
        0.5,
        "logit weight of log(1 + GPs per 10,000) in EPCI",
        "A",
        "no source; young GPs seek group practice",
        -5,
        5,
        distribution="uniform",
        range=(0.0, 1.0),
        range_source="no source: from none to twice 0.5",
    ),
    "install_beta_msp": Param(
        0.4,
        "logit weight of an MSP present in the EPCI",
        "A",
        "IRDES QES 247: MSPs attract young GPs (qualitative)",
        -5,
        5,
        distribution="uniform",
        range=(0.0, 0.8),
        range_source="IRDES QES 247 (sign only): none to twice",
    ),
    "install_beta_priority": Param(
        0.2,
        "logit weight of priority status (installation aid)",
        "A",
        "aid amounts not retrieved (docs/sources.md §7.4)",
        -5,
        5,
        distribution="uniform",
        range=(0.0, 0.5),
        range_source="aid amounts not retrieved: none to 2.5×",
    ),
    "install_beta_urban": Param(
        0.5,
        "logit weight of the EPCI's dense-commune share",
        "A",
        "no source",
        -5,
        5,
        distribution="uniform",
        range=(0.0, 1.0),
        range_source="no source: from none to twice 0.5",
    ),
    # --- access and allocation
    "allocation_cutoff_minutes": Param(
        30.0,
        "furthest GP a patient considers, minutes",
        "A",
        "APL uses 20; patients bypass the nearest GP by ~15 min (docs/sources.md §2)",
        5,
        60,
        distribution="uniform",
        range=(20.0, 45.0),
        range_source="APL's 20 min to the ~45 min a sparse-area patient travels (docs/sources.md "
        "§2); 5-minute steps so travel matrices are reused from the cache",
        step=5.0,
    ),
    "gravity_tau_minutes": Param(
        8.0,
        "distance decay exp(-t/tau) of the GP choice",
        "A",
        "~60% of consultations in the nearest equipped commune (docs/sources.md §2) is the check",
        1,
        60,
        distribution="uniform",
        range=(5.0, 15.0),
        range_source="decay of GP choice; 60 % of consultations in the nearest equipped commune "
        "is met roughly across this span",
    ),
    "capacity_flex": Param(
        0.10,
        "extra share of its delivered activity a GP gives when demand exceeds it",
        "C",
        "fitted by the calibration inside the range its evidence allows: DREES panel 3 "
        "(2014-2017) in Insee Analyses n°51 (2020): GPs in zones that became "
        "ZIP give 10 % more consultations a year than other GPs in the same weekly hours "
        "(52.7 vs 53.2 h; consultations 10 % shorter), adjusted for the GPs' and patients' "
        "characteristics (docs/sources.md §3.3). A cross-sectional contrast, not a measured "
        "response to pressure: weak evidence, hence the range",
        0,
        1,
        distribution="uniform",
        range=(0.05, 0.20),
        range_source="ZIP vs other GPs +10 % consultations (Insee Analyses n°51); lower: part "
        "of it is who settles there; upper: hours with patients differ by 13 % between GPs "
        "over and under 50 (41 vs 46.5 h, DREES panel 4)",
    ),
    "allocation_rounds": Param(
        3,
        "rounds of the capacity-constrained allocation",
        "A",
        "numerical: unserved demand retries GPs with capacity left",
        1,
        10,
        distribution="fixed",
        range_source="numerical setting, not an empirical uncertainty",
    ),
    "without_mt_adults": Param(
        0.11,
        "share of adults without a médecin traitant",
        "S",
        "CNAM 2021, Pacte 2025 (docs/sources.md §4.3)",
        0,
        1,
    ),
    "mt_registration_rate": Param(
        0.35,
        "yearly share of people without MT who find one, where GPs accept",
        "C",
        "fitted so the baseline share without MT stays near 11%: "
        "exits free ~4% of adults a year (2,327 × 960 / 55 M)",
        0,
        1,
        distribution="uniform",
        range=(0.15, 0.28),
        range_source="fitted (0.212 shipped); ±30 %; the calibration's draws are used when present",
    ),
    "without_mt_access_elasticity": Param(
        1.0,
        "exponent of (mean APL / local APL) for no-MT",
        "A",
        "no source; less MT where GPs are scarce",
        0,
        3,
        distribution="uniform",
        range=(0.0, 2.0),
        range_source="no source: none to twice 1",
    ),
    # --- telemedicine
    "tele_share": Param(
        0.03,
        "teleconsultation share of GP acts",
        "S",
        "Cour des comptes 2025, DREES ER 1249 (docs/sources.md §6)",
        0,
        1,
    ),
    "tele_cap_per_gp": Param(
        0.20,
        "maximum teleconsultation share of a GP's activity",
        "S",
        "avenant 9, convention 2024 (docs/sources.md §6)",
        0,
        1,
    ),
    "tele_uptake_75plus": Param(
        0.5,
        "tele uptake of 75+ relative to others",
        "A",
        "elderly use it little (Cour des comptes 2025), no figure",
        0,
        1,
        distribution="uniform",
        range=(0.3, 0.8),
        range_source="elderly use teleconsultation little (Cour des comptes 2025), no figure",
    ),
    "tele_uptake_very_sparse": Param(
        0.7,
        "tele uptake in very sparse communes",
        "A",
        "TC users more urban (DREES ER 1249), no figure",
        0,
        1,
        distribution="uniform",
        range=(0.5, 1.0),
        range_source="users more urban (DREES ER 1249), no figure",
    ),
    # --- unmet need
    "forgo_base": Param(
        0.004,
        "weekly share of new need forgone at baseline friction",
        "C",
        "fitted to renoncement 3.1% of people a year (DREES ER 1200)",
        0,
        1,
        distribution="uniform",
        range=(0.0042, 0.0078),
        range_source="fitted (0.0060 shipped); ±30 %; the calibration's draws are used when "
        "present",
    ),
    "forgo_travel_per_10min": Param(
        0.5,
        "relative rise of forgoing per 10 min to nearest GP",
        "A",
        "distance is a reason of renoncement (DREES ER 1200); no figure",
        0,
        10,
        distribution="loguniform",
        range=(0.1, 1.5),
        range_source="no figure: a tenfold span around 0.5",
    ),
    "forgo_wait_per_week": Param(
        0.5,
        "relative rise of forgoing per week of waiting",
        "A",
        "waiting is the main reason in polls (docs/sources.md §4.2)",
        0,
        10,
        distribution="loguniform",
        range=(0.1, 1.5),
        range_source="no figure: a tenfold span around 0.5",
    ),
    "forgo_age_rr": Param(
        (1.2, 1.4, 1.2, 1.0, 0.7, 0.6),
        "relative risk of forgoing by band",
        "A",
        "renoncement decreases with age (DREES ER 1200), shape assumed",
        distribution="fixed",
        range_source="its level is absorbed by the fitted forgo_base; the age shape follows DREES "
        "ER 1200",
    ),
    "giveup_unserved": Param(
        0.15,
        "weekly probability that an unserved request is given up, before any waiting",
        "C",
        "patience: fitted to the mean appointment delay, 6 days (DREES ER 1085, 2018; "
        "docs/calibration.md); no direct figure. Rises with waiting (giveup_wait_per_week)",
        0,
        0.9,
        distribution="uniform",
        range=(0.05, 0.3),
        range_source="patience: no figure; about ÷3 to ×2 around 0.15",
    ),
    "need_monthly_profile": Param(
        (1.0,) * 12,
        "GP need by calendar month, relative (January .. December; rescaled to average 1)",
        "A",
        "not found: no monthly series of GP consultations or of GP-treatable ED visits was "
        "found in the sources searched (docs/sources.md, 'Seasons'); flat by default. A "
        "profile given here spreads the same yearly need over the months",
        distribution="fixed",
        range_source="no sourced profile to vary around",
    ),
    "ed_monthly_profile": Param(
        (1.0,) * 12,
        "GP-treatable ED propensity by calendar month, relative (rescaled to average 1)",
        "A",
        "not found (docs/sources.md, 'Seasons'); flat by default",
        distribution="fixed",
        range_source="no sourced profile to vary around",
    ),
    "warm_up_weeks": Param(
        26,
        "weeks of the care path simulated before week 0 (not recorded)",
        "A",
        "numerical setting: runs start with no backlog and no perceived wait; these weeks "
        "(baseline capacity, no policy, no GP flows, the season of the previous year's end) "
        "bring backlog and waits near their settled level before anything is recorded, so the "
        "first year's rows are not a warm-up (docs/ODD.md §7)",
        0,
        104,
        kind="integer",
        distribution="fixed",
        range_source="numerical setting, not an empirical uncertainty",
    ),
    "wait_smoothing_weeks": Param(
        4.0,
        "time constant of the perceived wait (exponential average of weekly waits), weeks",
        "A",
        "no figure found on how fast patients' sense of GP waiting times follows the real "
        "wait; about a month (a few contacts with the practice). Needed for the weekly step "
        "to settle: with the raw weekly ratio (0) communes with a steep give-up response "
        "alternate between two states (docs/ODD.md §3)",
        0,
        52,
        distribution="uniform",
        range=(2.0, 8.0),
        range_source="no figure: half to twice a month",
    ),
    "giveup_wait_per_week": Param(
        0.5,
        "relative rise of the weekly give-up probability per week of waiting",
        "A",
        "waiting is the main reason of renoncement in polls (docs/sources.md §4.2); no figure",
        0,
        10,
        distribution="uniform",
        range=(0.0, 1.0),
        range_source="no figure: from no rise to twice 0.5",
    ),
    "ed_base_rate": Param(
        0.02,
        "weekly probability that a GP-treatable request of a person with an MT, ED as near as "
        "the GP, no waiting, goes to the ED",
        "C",
        "fitted: GP-treatable ED visits 27% of 20.9 M (docs/sources.md §5)",
        0,
        0.5,
        distribution="uniform",
        range=(0.017, 0.031),
        range_source="fitted (0.024 shipped); ±30 %; the calibration's draws are used when present",
    ),
    "ed_without_mt_rr": Param(
        2.0,
        "relative ED propensity of people without a médecin traitant",
        "A",
        "CNAM Charges et produits 2024: having an MT goes with much lower ED use; no figure "
        "(docs/sources.md §5). Sensitivity 1-4 (compare --ed-sensitivity)",
        1,
        10,
        distribution="uniform",
        range=(1.0, 4.0),
        range_source="CNAM: an MT goes with much lower ED use, no figure; the --ed-sensitivity "
        "span",
    ),
    "ed_distance_per_10min": Param(
        0.2,
        "fall of ED propensity per 10 min the ED is further than the nearest GP, exp(-k·Δt/10)",
        "A",
        "ED use falls with distance to the ED; no French figure (docs/sources.md §5)",
        0,
        3,
        distribution="uniform",
        range=(0.0, 0.5),
        range_source="no French figure: none to 2.5× 0.2",
    ),
    "ed_wait_per_week": Param(
        0.3,
        "relative rise of ED propensity per week of waiting for a GP",
        "A",
        "BVA 2019: 17% went to an ED because no doctor was available quickly enough "
        "(docs/sources.md §5); no rate",
        0,
        10,
        distribution="uniform",
        range=(0.0, 1.0),
        range_source="BVA 2019 (share only, no rate): none to ×3",
    ),
    "avoidable_ed_visits": Param(
        5.64e6,
        "ED visits a same-day GP could have handled, per year",
        "D",
        "0.27 × 20.9 M (DREES ER 1320, Enquête urgences 2013)",
    ),
    "installation_solo_share": Param(
        0.13,
        "share of new GPs outside an MSP commune who install alone",
        "A",
        "young GPs mostly join groups (DREES 2022: 69 % in groups overall); no figure for "
        "installations",
        0,
        1,
        distribution="uniform",
        range=(0.05, 0.25),
        range_source="no installation figure; 13 % ± 8",
    ),
    "exit_hazard_age_limits": Param(
        (60, 65, 70),
        "ages where the yearly exit hazard steps up",
        "A",
        "retirement ages; the hazards below are scaled to cessations_per_year",
        distribution="fixed",
        range_source="legal retirement ages (structural)",
    ),
    "exit_hazards": Param(
        (0.01, 0.06, 0.18, 0.35),
        "relative yearly exit hazard before 60, 60-64, 65-69, 70+",
        "A",
        "shape assumed (CNOM: 60+ are ~28 % of doctors); the level is scaled so exits equal "
        "cessations_per_year at the start",
        distribution="fixed",
        range_source="the level is rescaled to cessations_per_year; the shape is anchored on CNOM "
        "ages",
    ),
    # --- national totals that scale national figures to a territory
    "france_population": Param(
        68_350_798,
        "inhabitants of France (metropolitan + DROM), 2026",
        "S",
        "INSEE populations légales as embedded in data/territory.npz (DATA.md)",
        1,
        1e9,
    ),
    "gps_france": Param(
        55_546,
        "private-practice GPs in France",
        "S",
        "CNAM 2024 head-counts (DATA.md)",
        1,
        1e6,
    ),
    # =====================================================================================
    # --- travel: the road model (travel.py, DATA.md "Road links", docs/travel.md). TravelParams
    # takes its defaults from these entries. Speeds, the detour's area exponent, the fast speed and
    # the access time are fitted on validation/roads/fit_osrm_2021.csv (OSRM 2021 on
    # OpenStreetMap) by travel.fit_road_levels (`accesssim validate --fit-roads`: weighted least
    # squares on log ratios, Nelder-Mead, 500 evaluations, objective 0.0562 from 0.1328; stopped
    # at its evaluation limit); the held-out file is reported by `accesssim validate`.
    "road_local_detour": Param(
        1.0,
        "base road length / great-circle length on a local link (at the median area, 11 km²)",
        "A",
        "1.0: times alone cannot separate a detour from a speed, so the fitted local speeds are "
        "effective speeds along the straight chain of town halls; the area term "
        "(road_local_detour_area_exponent) carries terrain",
        1.0,
        2.0,
        distribution="uniform",
        range=(1.0, 1.3),
        range_source="1.0 to the generic 1.3 road/straight ratio",
    ),
    "road_local_detour_area_exponent": Param(
        -0.518,
        "power of (commune area / 11 km²) in the local detour (terrain and road-density proxy)",
        "C",
        "fitted on validation/roads/fit_osrm_2021.csv (OSRM 2021 on OpenStreetMap): negative, "
        "so links between small communes wind more (the detour never falls below 1)",
        -2.0,
        2.0,
        distribution="uniform",
        range=(-0.618, -0.418),
        range_source="fitted -0.518 ± 0.1",
    ),
    "road_local_speed_kmh": Param(
        (27.8, 44.4, 38.6, 42.1),
        "speed on local links by density class of the commune crossed (dense .. very sparse)",
        "C",
        "25/40 and 55/60 ratios assumed; one scale for dense+intermediate (1.111) and one for "
        "sparse+very sparse (0.702) fitted on validation/roads/fit_osrm_2021.csv",
        distribution="scale",
        range=(0.9, 1.1),
        range_source="fitted speeds ± 10 %",
    ),
    "road_fast_speed_kmh": Param(
        93.6,
        "effective speed on fast links (pôle to pôle, over the land path length)",
        "C",
        "fitted on validation/roads/fit_osrm_2021.csv",
        20,
        200,
        distribution="uniform",
        range=(80.0, 108.0),
        range_source="fitted 93.6; ±15 %",
    ),
    "road_fast_access_minutes": Param(
        6.42,
        "minutes to get onto and off the fast level, once per trip",
        "C",
        "fitted on validation/roads/fit_osrm_2021.csv",
        0,
        60,
        distribution="uniform",
        range=(1.5, 11.5),
        range_source="fitted 6.42; ±5 minutes",
    ),
    "road_intra_area_cap_km2": Param(
        25.0,
        "area cap of the intra-commune time (0 = Insee METRIC convention)",
        "A",
        "behaviour model: residents reach services spread across a large commune; APL and "
        "published access figures use 0 (METRIC, DREES)",
        0,
        1e6,
        distribution="uniform",
        range=(0.0, 50.0),
        range_source="0 (METRIC convention) to twice the behavioural 25 km²",
    ),
    # --- costs: the payers' ledger (outputs/ledger.py; URLs in docs/sources.md)
    "consultation_fee_eur": Param(
        30.0,
        "euros per GP consultation in person (tariff G)",
        "S",
        "convention médicale 2024-2029: G from 26.50 to 30 EUR on 22 Dec 2024 (varactu.fr, "
        "mutuelleverte.com; docs/sources.md)",
        0,
        200,
    ),
    "teleconsultation_fee_eur": Param(
        26.5,
        "euros per GP teleconsultation (tariff TCG)",
        "S",
        "convention médicale 2024-2029: teleconsultation stays at 26.50 EUR "
        "(mutuelleverte.com, vivamagazine.fr; docs/sources.md)",
        0,
        200,
    ),
    "fee_am_share": Param(
        0.7,
        "share of a consultation fee paid by the Assurance maladie (the rest: complementary "
        "insurers and patients)",
        "S",
        "70 % Assurance maladie obligatoire, 30 % complémentaires (mutuelleverte.com, "
        "argentone.fr; docs/sources.md)",
        0,
        1,
    ),
    "ed_visit_cost_eur": Param(
        146.0,
        "euros per ED visit (passage), to the Assurance maladie",
        "D",
        "Cour des comptes RPA 2019 ch. 6: 21.2 M passages cost 3.1 Md EUR in 2016, i.e. 146 EUR "
        "a passage (docs/sources.md); the visit only, not the hospital stay that may follow",
        0,
        2000,
    ),
    "discount_rate": Param(
        0.032,
        "yearly discount rate of costs and effects",
        "S",
        "France Stratégie: public discount rate 1.2 % + beta x 2 %, beta = 1 by convention, "
        "i.e. 3.2 % (strategie.gouv.fr infographie 'Taux d'actualisation : un bêta sensible'; "
        "docs/sources.md)",
        0,
        0.2,
    ),
}


def check_range(name: str, dist: str, rng, where: str, param: Param | None = None) -> None:
    """A range must lie within the parameter's validation bounds (a scale: the scaled vector
    within them). ``param``: a ``Param`` not in the table (a policy key's)."""
    if dist == "fixed":
        return
    p = param or PARAMETERS[name]
    if dist not in ("uniform", "loguniform", "scale"):
        raise ValueError(f"{where}.{name}: unknown distribution {dist!r}")
    if not isinstance(rng, list | tuple) or len(rng) != 2 or not rng[0] < rng[1]:
        raise ValueError(f"{where}.{name}: expected a range [low, high] with low < high")
    if (dist == "scale") != isinstance(p.default, tuple):
        raise ValueError(f"{where}.{name}: 'scale' is for vector parameters only")
    if dist == "loguniform" and rng[0] <= 0:
        raise ValueError(f"{where}.{name}: a log-uniform range must be positive")
    lo, hi = rng
    if dist == "scale":
        return
    if (p.low is not None and lo < p.low) or (p.high is not None and hi > p.high):
        raise ValueError(
            f"{where}.{name}: range [{lo}, {hi}] leaves the valid bounds [{p.low}, {p.high}]"
        )


def _check_ranges() -> None:
    """Fail at import if a declared range leaves its parameter's bounds."""
    for name, p in PARAMETERS.items():
        if p.distribution or p.range is not None:
            check_range(name, p.distribution, p.range, where="parameters.PARAMETERS")


_check_ranges()
