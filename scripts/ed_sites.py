"""Emergency-department sites for the territory build (``scripts/build_territory.py``).

Why a list of authorisations: the FINESS hospital file has no emergency flag, so an earlier
build guessed EDs from hospital types and names and kept pharmacies, rehabilitation centres and
a prison unit while missing every private clinic's ED. The input here is the list of sites
holding an authorisation of emergency care in the DREES SAE (``URGENCES.AUTSU = 1``), with their
SAE flags (general, paediatric, seasonal, antenna) and FINESS coordinates, as extracted by
github.com/FraidFraid/France-Monitor (``scripts/inputs/SOURCES.md``).

Each site is placed in the commune of its source: the point must fall in the commune whose name
and département the source gives; ``place_sites`` writes down what was done when it does not
(rules in DATA.md, "Emergency departments"). ``read_sites`` stops with the file, the site and
the field named on any malformed input.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np
from territory_inputs import InputError  # the build's one input error: file, site, field

ED_FILE = "hospitals-urgences_francemonitor_74abb51.json"
ED_SOURCE = "DREES SAE 2025 (URGENCES.AUTSU=1) + FINESS 2026-05-12, via France-Monitor 74abb51"
SITE_FIELDS = (
    "finess",
    "name",
    "commune",
    "dept",
    "category",
    "lat",
    "lon",
    "general",
    "pediatric",
    "seasonal",
    "antenna",
    "passages",
)
FLAG_FIELDS = ("general", "pediatric", "seasonal", "antenna")
# FINESS category groups as the extractor labels them (its build-hospitals.mjs): CHU/CHR, CH,
# army hospitals, private (FINESS categories 365/128/129/122: for-profit clinics and non-profit
# private hospitals alike) and cooperation groups (GCS).
CATEGORIES = ("chu", "ch", "army", "private", "gcs")
# Sites with a general authorisation whose emergency care is one specialty only: outside the
# DREES count of 719 (which excludes specialised EDs) and not an ED for the model's GP-treatable
# requests. Decided from the site's name and known activity, not from any validation figure.
SPECIALISED = {
    "750000481": "CHNO des Quinze-Vingts, the national ophthalmology hospital: an ophthalmic ED",
}
# A site counts for "ED access" (the sites the model sends patients to and measures travel to)
# when the SAE authorises general emergency care there (AUTGEN) and it is not specialised.
# Paediatric-only sites are kept in the file with their flags but not counted: adult requests
# cannot go there.
ACCESS_RULE = "SAE general authorisation (AUTGEN = 1) and not a specialised ED"
# Communes of this size or more must hold at least this many ED sites counting for access
# (the build stops otherwise): Paris, where a previous list had none.
PARIS_CODE, PARIS_MIN_SITES = "75056", 10


# A point this close to the commune its source names is a geocoding at the border: kept there.
BORDER_KM = 1.0


def normalise_place(name: str) -> str:
    """Upper case, no accents, no punctuation, SAINT/SAINTE spelled out, CEDEX and
    arrondissement numbers dropped (``PARIS 13E ARRONDISSEMENT`` -> ``PARIS``)."""
    s = name.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().upper()
    s = re.sub(r"\bCEDEX\b.*$", "", s)
    s = re.sub(r"[^A-Z0-9]+", " ", s).strip()
    s = re.sub(r"\bSTE\b", "SAINTE", s)
    s = re.sub(r"\bST\b", "SAINT", s)
    s = re.sub(r"\b(\d+E?R?|ARRONDISSEMENT)\b", "", s)
    return re.sub(r"\s+", " ", s).strip()


def _where(path: Path, k: int, site: dict) -> str:
    fid = site.get("finess") if isinstance(site, dict) else None
    return f"ED sites: file {path}, site {k + 1}" + (f" (finess {fid})" if fid else "")


def _coordinate(value, path, k, site, field, bound) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or abs(value) > bound:
        raise InputError(
            f"{_where(path, k, site)}, field {field!r}: expected a number of degrees within "
            f"±{bound}, got {value!r}"
        )
    return float(value)


def read_sites(path: Path, departements: set[str]) -> dict:
    """The sites of the ED file, checked field by field; ``departements``: the known codes."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"ED sites: file {path} is missing; see scripts/inputs/SOURCES.md (or pass a "
            "file of the same layout with --ed-sites)"
        )
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"ED sites: file {path} is not UTF-8 JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sites"), list) or not doc["sites"]:
        raise InputError(f"ED sites: file {path} has no field 'sites' (a non-empty list)")
    for field in ("vintage", "finessDate"):
        if field not in doc:
            raise InputError(f"ED sites: file {path} has no field {field!r} (source vintage)")
    sites, seen = [], set()
    for k, s in enumerate(doc["sites"]):
        if not isinstance(s, dict):
            raise InputError(f"{_where(path, k, s)}: expected an object, got {s!r}")
        for field in SITE_FIELDS:
            if field not in s:
                raise InputError(f"{_where(path, k, s)}, field {field!r} is missing")
        fid = s["finess"]
        if not isinstance(fid, str) or not re.fullmatch(r"[0-9][0-9AB][0-9]{7}", fid):
            raise InputError(
                f"{_where(path, k, s)}, field 'finess': expected a 9-character FINESS id, "
                f"got {fid!r}"
            )
        if fid in seen:
            raise InputError(f"{_where(path, k, s)}, field 'finess': {fid} listed twice")
        seen.add(fid)
        if s["dept"] not in departements:
            raise InputError(
                f"{_where(path, k, s)}, field 'dept': unknown département {s['dept']!r} (expected "
                "a code of the decoupage-administratif list)"
            )
        if s["category"] not in CATEGORIES:
            raise InputError(
                f"{_where(path, k, s)}, field 'category': expected one of {', '.join(CATEGORIES)}"
                f", got {s['category']!r}"
            )
        for field in FLAG_FIELDS:
            if not isinstance(s[field], bool):
                raise InputError(
                    f"{_where(path, k, s)}, field {field!r}: expected true or false, "
                    f"got {s[field]!r}"
                )
        passages = s["passages"]
        if passages is not None and (not isinstance(passages, int) or passages < 0):
            raise InputError(
                f"{_where(path, k, s)}, field 'passages': expected a count or null, "
                f"got {passages!r}"
            )
        if not isinstance(s["name"], str) or not isinstance(s["commune"], str):
            raise InputError(f"{_where(path, k, s)}, field 'name'/'commune': expected text")
        sites.append(
            {
                **{f: s[f] for f in SITE_FIELDS},
                "lat": _coordinate(s["lat"], path, k, s, "lat", 90),
                "lon": _coordinate(s["lon"], path, k, s, "lon", 180),
                "passages": -1 if passages is None else passages,
            }
        )
    return {"vintage": doc["vintage"], "finess_date": doc["finessDate"], "sites": sites}


def name_index(communes: list[dict], delegated: list[dict], idx_of: dict) -> dict:
    """(département, normalised name) -> territory commune indices; delegated and associated
    communes (old names still used in addresses) point to their chef-lieu."""
    by_name = defaultdict(set)
    for i, c in enumerate(communes):
        by_name[(c["departement"], normalise_place(c["nom"]))].add(i)
    for d in delegated:
        target = idx_of.get(d.get("chefLieu", ""))
        key = (d["departement"], normalise_place(d["nom"]))
        if target is not None and key not in by_name:
            by_name[key].add(target)
    return {k: sorted(v) for k, v in by_name.items()}


def place_sites(sites, shapely, tree, polys, dep_arr, lon, lat, by_name, selected):
    """Each site's commune, checked against the commune and département of its source.

    Rules (DATA.md): the point lies in the commune the source names -> kept; it lies within
    ``BORDER_KM`` of it -> kept, in the named commune; farther -> moved to the town hall of the
    named commune (the address's commune is trusted over the geocoding); the source's commune
    name is neither a 2026 commune nor a delegated one but the point lies in the source's
    département -> kept in the commune it lies in; otherwise dropped with the reason in the
    metadata. Sites of départements outside ``selected`` are skipped.
    """
    todo = [s for s in sites if s["dept"] in selected]
    pts = shapely.points([s["lon"] for s in todo], [s["lat"] for s in todo])
    s_idx, c_idx = tree.query(pts, predicate="intersects")
    inside = np.full(len(todo), -1)
    inside[s_idx[::-1]] = c_idx[::-1]  # first match wins
    placed, dropped, counts = [], [], defaultdict(int)
    for k, s in enumerate(todo):
        ci = int(inside[k])
        named = by_name.get((s["dept"], normalise_place(s["commune"])), [])
        x, y = s["lon"], s["lat"]
        if ci >= 0 and ci in named:
            check = "point in the source's commune"
        elif named:
            d = shapely.distance(polys[named], shapely.points(x, y)) * 111.32
            ci = named[int(np.argmin(d))]
            if d.min() <= BORDER_KM:
                check = f"point {float(d.min()):.1f} km outside the source's commune; kept"
            else:
                check = (
                    f"point {float(d.min()):.1f} km outside the source's commune; "
                    "moved to its town hall"
                )
                x, y = float(lon[ci]), float(lat[ci])
        elif ci >= 0 and dep_arr[ci] == s["dept"]:
            check = "source's commune name not a 2026 commune; point in its département kept"
        else:
            where = "outside every commune of the territory" if ci < 0 else f"in {dep_arr[ci]}"
            reason = f"commune {s['commune']!r} not found in {s['dept']} and point {where}"
            dropped.append({"finess": s["finess"], "name": s["name"], "reason": reason})
            counts["dropped"] += 1
            continue
        counts[check if "km outside" not in check else check.split("; ")[1]] += 1
        placed.append({**s, "commune_index": ci, "x": x, "y": y, "check": check})
    placed.sort(key=lambda s: (s["commune_index"], s["finess"]))
    return placed, dropped, dict(sorted(counts.items()))


def counts_for_access(site: dict) -> bool:
    return bool(site["general"]) and site["finess"] not in SPECIALISED


def check_sites(placed, codes, dep_arr, selected) -> dict:
    """Stop the build when a selected département has no ED site counting for access, or Paris
    has fewer than ``PARIS_MIN_SITES``; return the counts recorded in the metadata."""
    access = [s for s in placed if counts_for_access(s)]
    have = {dep_arr[s["commune_index"]] for s in access}
    built = set(dep_arr.tolist())
    missing = sorted((built & selected) - have)
    if missing:
        raise InputError(
            f"ED sites: département(s) {', '.join(missing)} have no site counting for ED access "
            f"({ACCESS_RULE})"
        )
    paris = sum(codes[s["commune_index"]] == PARIS_CODE for s in access)
    if PARIS_CODE in codes and paris < PARIS_MIN_SITES:
        raise InputError(f"ED sites: Paris has {paris} ED sites, expected ≥ {PARIS_MIN_SITES}")
    general = sum(s["general"] and s["finess"] not in SPECIALISED for s in placed)
    paediatric = sum(s["pediatric"] and s["finess"] not in SPECIALISED for s in placed)
    return {
        "sites_listed": len(placed),
        "sites_counting_for_access": len(access),
        "paediatric_only_sites": sum(s["pediatric"] and not s["general"] for s in placed),
        "specialised_sites": sum(s["finess"] in SPECIALISED for s in placed),
        "points_general_plus_paediatric": general + paediatric,
        "drees_points_daccueil_2023": 719,
        "paris_sites_counting_for_access": int(paris),
    }


def arrays(placed, source: str) -> dict:
    """The ``ed_*`` arrays of territory.npz (one row per listed site)."""

    def text(values):
        values = list(values)
        width = max((len(v) for v in values), default=1) or 1
        return np.array(values, dtype=f"<U{width}")

    return {
        "ed_commune": np.array([s["commune_index"] for s in placed], dtype=np.int32),
        "ed_lon": np.array([s["x"] for s in placed], dtype=np.float64),
        "ed_lat": np.array([s["y"] for s in placed], dtype=np.float64),
        "ed_finess": text(s["finess"] for s in placed),
        "ed_name": text(s["name"] for s in placed),
        "ed_city": text(s["commune"] for s in placed),
        "ed_departement": text(s["dept"] for s in placed),
        "ed_category": text(s["category"] for s in placed),
        "ed_general": np.array([s["general"] for s in placed], dtype=bool),
        "ed_pediatric": np.array([s["pediatric"] for s in placed], dtype=bool),
        "ed_seasonal": np.array([s["seasonal"] for s in placed], dtype=bool),
        "ed_antenna": np.array([s["antenna"] for s in placed], dtype=bool),
        "ed_specialised": np.array([s["finess"] in SPECIALISED for s in placed], dtype=bool),
        "ed_access": np.array([counts_for_access(s) for s in placed], dtype=bool),
        "ed_passages": np.array([s["passages"] for s in placed], dtype=np.int64),
        "ed_location_check": text(s["check"] for s in placed),
        "ed_source": text(source for _ in placed),
    }
