"""The recalled road pairs (``validation/road_pairs.csv``): 74 town pairs whose times were
recalled from general knowledge, no planner queried. A secondary check only, never fitted on any
more (the road model is fitted on router times: ``road_references``); their old ``set`` column
(fit / held_out) is kept as read but no longer means anything."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from accesssim.geo import territory as terr
from accesssim.geo import travel

ROAD_PAIRS = Path(__file__).resolve().parents[2] / "data" / "road_pairs.csv"  # shipped in the wheel
PAIR_FIELDS = ("id", "origin_code", "destination_code", "reference_minutes", "set", "source")


def read_commune_pairs(path: str | Path, territory: terr.Territory, fields, what: str):
    """The rows of a CSV of commune pairs (``origin_code``, ``destination_code``) and their
    commune indices; a missing file or field and unknown codes are named with the file.
    Shared by the recalled pairs and the router references (``road_references``)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {path} is missing")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [f for f in fields if f not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{what} {path}: missing field(s) {', '.join(missing)}")
        rows = list(reader)
    idx = {str(k): i for i, k in enumerate(territory.communes.code)}
    unknown = sorted({r[f] for r in rows for f in ("origin_code", "destination_code")} - set(idx))
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        raise ValueError(f"{what} {path}: unknown commune code(s) {shown}")
    origin = np.array([idx[r["origin_code"]] for r in rows], np.int64)
    destination = np.array([idx[r["destination_code"]] for r in rows], np.int64)
    return rows, origin, destination


def read_road_pairs(path: str | Path, territory: terr.Territory) -> dict:
    """The validation pairs as commune indices; unknown codes and bad rows are named."""
    rows, origin, destination = read_commune_pairs(path, territory, PAIR_FIELDS, "road pair file")
    ref = []
    for line, r in enumerate(rows, start=2):
        try:
            ref.append(float(r["reference_minutes"]))
        except ValueError:
            raise ValueError(
                f"road pair file {path}, line {line}, field 'reference_minutes': expected "
                f"minutes, got {r['reference_minutes']!r}"
            ) from None
        if r["set"] not in ("fit", "held_out"):
            raise ValueError(
                f"road pair file {path}, line {line}, field 'set': expected fit or held_out, "
                f"got {r['set']!r}"
            )
    return {
        "rows": rows,
        "origin": origin,
        "destination": destination,
        "reference": np.array(ref),
        "fit": np.array([r["set"] == "fit" for r in rows]),
    }


def road_pair_ratios(territory, path=ROAD_PAIRS, params=travel.METRIC, graph=None) -> dict:
    p = read_road_pairs(path, territory)
    model = travel.pair_minutes(territory, p["origin"], p["destination"], params, graph)
    return {**p, "model": model, "ratio": model / p["reference"]}


def pair_stats(ratio: np.ndarray) -> dict:
    """Geometric mean, spread (sd of log ratio) and the share off by more than ×1.5."""
    lr = np.log(ratio[np.isfinite(ratio)])
    return {
        "geometric_mean": float(np.exp(lr.mean())),
        "sd_log": float(lr.std()),
        "min": float(np.exp(lr.min())),
        "max": float(np.exp(lr.max())),
        "off_by_1_5": int(np.sum(np.abs(lr) > np.log(1.5))),
        "n": int(lr.size),
        "no_road": int(np.sum(~np.isfinite(ratio))),
    }
