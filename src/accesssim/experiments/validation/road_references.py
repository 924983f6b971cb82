"""Reference car times from a router run on OpenStreetMap (OSRM, 2021), split once into a fit
half and a held-out half, and the statistics reported on them by trip length.

The split is fixed by the INSEE code alone (:func:`is_held_out`), decided before any model time
was compared with a reference time: a commune is held out when the SHA-256 of its code is odd.
A trip between two communes is held out when both ends are held out and in the fit half when both
are in it (trips that straddle the halves are dropped); a trip to Paris is split by its origin.
The fit (:func:`fit_road_references`) reads the fit file only, so the held-out ratios cannot have
shaped the parameters. Files, sources and licence: ``validation/roads/SOURCES.md``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from accesssim.experiments.validation import roads
from accesssim.geo import travel

ROAD_REFERENCE_DIR = Path(__file__).resolve().parents[4] / "validation" / "roads"
FIT_FILE = "fit_osrm_2021.csv"
HELD_OUT_FILE = "heldout_osrm_2021.csv"
REFERENCE_FIELDS = ("origin_code", "destination_code", "reference_minutes", "source")
# trip-length classes by reference minutes, as the targets of issue 18 are stated
SHORT_MINUTES = 20.0
LONG_MINUTES = 60.0
WITHIN_FACTOR = 1.25
VILLAGE_MAX_POP = 2_000  # "village": fewer inhabitants (assumption, stated in docs/travel.md)
TOWN_MIN_POP = 10_000  # "town": a pôle of the fast level (same threshold as the road graph)


def is_held_out(code: str) -> bool:
    """The split rule: a commune is held out when the SHA-256 of its INSEE code is odd."""
    return int(hashlib.sha256(str(code).encode("ascii")).hexdigest(), 16) % 2 == 1


def read_references(path: str | Path, territory) -> dict:
    """A reference file as commune indices; missing fields, unknown codes and bad minutes are
    named with the file, line and field."""
    rows, origin, destination = roads.read_commune_pairs(
        path, territory, REFERENCE_FIELDS, "road reference file"
    )
    ref = np.empty(len(rows))
    for k, r in enumerate(rows):
        try:
            ref[k] = float(r["reference_minutes"])
        except ValueError:
            ref[k] = np.nan
        if not (np.isfinite(ref[k]) and ref[k] > 0):
            raise ValueError(
                f"road reference file {path}, line {k + 2}, field 'reference_minutes': expected "
                f"positive minutes, got {r['reference_minutes']!r}"
            )
    return {
        "origin": origin,
        "destination": destination,
        "reference": ref,
        "source": np.array([r["source"] for r in rows]),
    }


def length_weights(reference_minutes: np.ndarray) -> np.ndarray:
    """Fit weights: short (< 20 min), medium and long (>= 60 min) trips weigh the same in total,
    so that the many short trips of one département do not drown the long ones (the targets are
    stated per trip length)."""
    ref = np.asarray(reference_minutes, float)
    cls = np.digitize(ref, [SHORT_MINUTES, LONG_MINUTES])
    counts = np.bincount(cls, minlength=3).astype(float)
    present = counts > 0
    return 1.0 / (counts[cls] * present.sum())


def fit_road_references(territory, fit_path: str | Path | None = None, max_evaluations=400):
    """The road model fitted on the fit file only (``travel.fit_road_levels``)."""
    p = read_references(fit_path or ROAD_REFERENCE_DIR / FIT_FILE, territory)
    return travel.fit_road_levels(
        territory,
        p["origin"],
        p["destination"],
        p["reference"],
        weights=length_weights(p["reference"]),
        max_evaluations=max_evaluations,
    )


def model_minutes(territory, p: dict, params=travel.METRIC, graph=None) -> np.ndarray:
    return travel.pair_minutes(territory, p["origin"], p["destination"], params, graph)


def ratio_stats(ratio: np.ndarray) -> dict:
    """Geometric mean of model/reference, share within ×1.25 either way, count; trips with no
    road count as outside."""
    ratio = np.asarray(ratio, float)
    n = int(ratio.size)
    if n == 0:
        return {"geometric_mean": float("nan"), "within_1_25": float("nan"), "n": 0}
    finite = np.isfinite(ratio) & (ratio > 0)
    lr = np.log(ratio[finite])
    within = np.abs(lr) <= np.log(WITHIN_FACTOR) + 1e-12
    return {
        "geometric_mean": float(np.exp(lr.mean())) if lr.size else float("nan"),
        "within_1_25": float(within.sum() / n),
        "n": n,
    }


def trip_classes(territory, p: dict) -> dict[str, np.ndarray]:
    """Boolean selections of the reported trip classes (short, village-to-town, village-to-ED,
    medium, long)."""
    ref = p["reference"]
    pop = territory.communes.population
    po, pd_ = pop[p["origin"]], pop[p["destination"]]
    short = ref < SHORT_MINUTES
    village_town = ((po < VILLAGE_MAX_POP) & (pd_ >= TOWN_MIN_POP)) | (
        (pd_ < VILLAGE_MAX_POP) & (po >= TOWN_MIN_POP)
    )
    ed = np.zeros(len(pop), bool)
    ed[np.asarray(territory.emergency.commune, np.int64)] = True
    village_ed = ((po < VILLAGE_MAX_POP) & ed[p["destination"]]) | (
        (pd_ < VILLAGE_MAX_POP) & ed[p["origin"]]
    )
    return {
        "short": short,
        "short village-to-town": short & village_town,
        "short village-to-ED commune": short & village_ed,
        "medium": (ref >= SHORT_MINUTES) & (ref < LONG_MINUTES),
        "long": ref >= LONG_MINUTES,
    }


def road_reference_ratios(territory, params, graph) -> dict:
    """Model/reference ratios and trip classes of both halves (a half whose file is absent is
    ``None``)."""
    out = {}
    for half, name in (("fit", FIT_FILE), ("held_out", HELD_OUT_FILE)):
        path = ROAD_REFERENCE_DIR / name
        if not path.is_file():
            out[half] = None
            continue
        p = read_references(path, territory)
        model = model_minutes(territory, p, params, graph)
        out[half] = {**p, "ratio": model / p["reference"], "classes": trip_classes(territory, p)}
    return out
