"""Files an analyst can take elsewhere: CSV at full precision with type sidecars, Parquet,
GeoJSON and GeoPackage layers of EPCIs and communes, and the place columns of every table.

Pure functions of rows (lists of dicts) and a territory; ``docs/outputs.md`` is the data
dictionary of what they write. Choices, and why:

- CSV: floats at full precision (Python's shortest round-trip ``repr``), NaN written as an
  empty field, codes as text. A ``.csvt`` sidecar (one line of OGR types) makes QGIS and GDAL
  read ``01001`` as text; pandas needs ``dtype=str`` for code columns (or read the Parquet).
- GeoJSON (RFC 7946: WGS84 lon/lat, exterior rings counter-clockwise) is always written: it
  needs only the standard library and QGIS opens it directly.
- GeoPackage needs a real OGC writer; pyogrio (GDAL, without geopandas or shapely) is the
  lightest one, about 100 MB installed, so it comes with the optional ``gis`` extra. Parquet
  needs pyarrow (about 170 MB), the optional ``parquet`` extra. Without them these files are
  skipped and the manifest lists what was skipped and why.

Geometry: the territory ships simplified EPCI outlines (exterior rings, no holes: an EPCI that
surrounds another also covers it) and town-hall points for communes; commune polygons are not
shipped, so the commune layer is points.
"""

from __future__ import annotations

import csv
import errno
import importlib.util
import io
import json
import math
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

from accesssim.geo.territory import DENSITY_CLASSES
from accesssim.util import files as aio

# COG (code officiel géographique) vintage of the codes, from the version of the
# @etalab/decoupage-administratif package the territory was built from (see DATA.md).
COG_BY_DECOUPAGE = {"6.0.0": "2026"}
PLACE_COLUMNS = ("commune", "commune_name", "epci", "epci_name", "departement", "region", "cog")
WGS84 = "EPSG:4326"


# ---------------------------------------------------------------------- places
def cog_vintage(t) -> str:
    """The COG year of the territory's codes ("unknown" when the build does not say)."""
    if t.meta.get("cog"):
        return str(t.meta["cog"])
    version = t.meta.get("inputs", {}).get("decoupage_communes", {}).get("version")
    return COG_BY_DECOUPAGE.get(version, "unknown")


def epci_places(t) -> dict[str, dict]:
    """Per EPCI SIREN: its name, and the département and région holding most of its
    population (EPCIs can span several). Counted on the whole territory file the selection
    ``t`` was taken from, so an EPCI gets the same département whatever the selection."""
    from accesssim.geo import territory

    try:
        whole = territory.load()
        if whole.checksum != t.checksum:
            whole = t  # a custom territory file: count on what the selection holds
    except territory.TerritoryError:
        whole = t
    c, e = whole.communes, whole.epcis
    cog = cog_vintage(t)
    out = {str(s): {"epci_name": str(n), "cog": cog} for s, n in zip(e.siren, e.name, strict=True)}
    for kind in ("departement", "region"):
        codes, inv = np.unique(getattr(c, kind), return_inverse=True)
        pop = np.zeros((len(e), len(codes)))
        np.add.at(pop, (c.epci, inv), c.population.astype(float) + 1e-9)  # +eps: empty EPCIs
        for siren, code in zip(e.siren, codes[pop.argmax(1)], strict=True):
            out[str(siren)][kind] = str(code)
    return out


def commune_places(t) -> dict[str, dict]:
    """Per commune code: its name, EPCI, département, région and COG vintage."""
    c, e = t.communes, t.epcis
    cog = cog_vintage(t)
    return {
        str(c.code[i]): {
            "commune_name": str(c.name[i]),
            "epci": str(e.siren[c.epci[i]]),
            "epci_name": str(e.name[c.epci[i]]),
            "departement": str(c.departement[i]),
            "region": str(c.region[i]),
            "cog": cog,
        }
        for i in range(len(c))
    }


def with_places(rows: list[dict], t) -> list[dict]:
    """Rows with the place columns of their commune or EPCI, right after the leading
    ``seed``/``year``/``week`` keys; rows without a place are returned unchanged."""
    if not rows or t is None:
        return rows
    if "commune" in rows[0]:
        key, places = "commune", commune_places(t)
    elif "epci" in rows[0]:
        key, places = "epci", epci_places(t)
    else:
        return rows
    out = []
    for r in rows:
        place = {key: r[key], **places.get(str(r[key]), {})}
        lead = {k: v for k, v in r.items() if k in ("seed", "year", "week", "month")}
        ordered = {k: place.get(k, r.get(k)) for k in PLACE_COLUMNS if k in place or k in r}
        out.append(lead | ordered | {k: v for k, v in r.items() if k not in lead | ordered})
    return out


# ---------------------------------------------------------------------- CSV
def csv_value(v):
    """Full precision, no ``nan`` token: NaN is an empty field; infinities stay ``inf``."""
    if isinstance(v, float | np.floating):
        v = float(v)
        return "" if math.isnan(v) else repr(v)
    if v is None:
        return ""
    return v


def columns(rows: list[dict]) -> list[str]:
    """Every key of the rows, in the order first seen: rows of different kinds (the yearly
    rows of several policy types) keep all their columns; a row without a column has an
    empty field there."""
    return list(dict.fromkeys(k for r in rows for k in r))


def csv_text(rows: list[dict]) -> str:
    """Rows as CSV text: every column of any row (``columns``), floats at full precision."""
    buf = io.StringIO()
    if rows:
        keys = columns(rows)
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(keys)
        w.writerows([csv_value(r.get(k)) for k in keys] for r in rows)
    return buf.getvalue()


def column_types(rows: list[dict]) -> dict[str, str]:
    """OGR field type of each column: String, Integer, Integer64 or Real (bools as String)."""
    types = {}
    for k in columns(rows):
        kinds = {type(r.get(k)) for r in rows} - {type(None)}
        if kinds <= {bool, np.bool_} or any(issubclass(t, str) for t in kinds):
            types[k] = "String"
        elif all(issubclass(t, int | np.integer) for t in kinds):
            big = any(abs(int(r[k])) >= 2**31 for r in rows if r.get(k) is not None)
            types[k] = "Integer64" if big else "Integer"
        else:
            types[k] = "Real"
    return types


def csvt_text(rows: list[dict]) -> str:
    """The ``.csvt`` sidecar GDAL/QGIS read beside a CSV: one quoted type per column."""
    return ",".join(f'"{t}"' for t in column_types(rows).values()) + "\n"


# ---------------------------------------------------------------------- Parquet
def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def skipped_formats() -> dict[str, str]:
    """Optional formats this installation cannot write, with how to get them."""
    out = {}
    if not has("pyarrow"):
        out["parquet"] = (
            "pyarrow not installed: pip install pyarrow (the parquet extra; from a checkout: "
            "pip install -e '.[parquet]')"
        )
    if not has("pyogrio"):
        out["gpkg"] = (
            "pyogrio not installed: pip install pyogrio (the gis extra; from a checkout: "
            "pip install -e '.[gis]')"
        )
    return out


def parquet_bytes(rows: list[dict]) -> bytes:
    """Rows as a Parquet file: codes stay strings, NaN stays NaN (needs pyarrow)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = column_types(rows)
    arrow = {"String": pa.string(), "Integer": pa.int64(), "Integer64": pa.int64()}
    schema = pa.schema(
        [
            (k, pa.bool_() if _all_bool(rows, k) else arrow.get(t, pa.float64()))
            for k, t in types.items()
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _all_bool(rows, k) -> bool:
    return all(isinstance(r[k], bool | np.bool_) for r in rows if r.get(k) is not None)


# ---------------------------------------------------------------------- tables
def write_table(out: Path, name: str, rows: list[dict], parquet: bool = True) -> list[Path]:
    """``name.csv`` and its ``.csvt``, and ``name.parquet`` when pyarrow is installed."""
    files = [out / f"{name}.csv", out / f"{name}.csvt"]
    aio.atomic_write_text(files[0], csv_text(rows))
    aio.atomic_write_text(files[1], csvt_text(rows))
    if parquet and has("pyarrow"):
        aio.atomic_write_bytes(out / f"{name}.parquet", parquet_bytes(rows))
        files.append(out / f"{name}.parquet")
    return files


# ---------------------------------------------------------------------- geometry
def write_commune_access_csv(path, t, apl, gp_minutes, ed_minutes) -> None:
    """What ``accesssim apl --csv`` writes: one row per core commune (APL, times to the nearest
    GP and ED), place columns as in every table, beside a ``.csvt`` sidecar for QGIS."""
    c = t.communes
    places = commune_places(t)
    rows = []
    for i in np.flatnonzero(c.core):
        code = str(c.code[i])
        p = places[code]
        rows.append(
            {
                "commune": code,
                "commune_name": p["commune_name"],
                "epci": p["epci"],
                "departement": p["departement"],
                "region": p["region"],
                "cog": p["cog"],
                "population": int(c.population[i]),
                "gp_modelled": int(c.gp[i]),
                "apl_modelled": float(apl[i]),
                "minutes_nearest_gp": float(gp_minutes[i]),
                "minutes_nearest_ed": float(ed_minutes[i]),
                "density_class": DENSITY_CLASSES[c.density_class[i]],
            }
        )
    aio.atomic_write_text(path, csv_text(rows))
    aio.atomic_write_text(Path(path).with_suffix(".csvt"), csvt_text(rows))


def epci_polygons(t) -> dict[int, list[np.ndarray]]:
    """EPCI index -> its closed exterior rings (lon/lat, float64, counter-clockwise)."""
    polys: dict[int, list[np.ndarray]] = {}
    for k, ring in t.epci_rings():
        r = np.round(ring.astype(np.float64), 4)
        if len(r) < 4:
            continue
        if not np.array_equal(r[0], r[-1]):
            r = np.vstack([r, r[:1]])
        x, y = r[:, 0], r[:, 1]
        if np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]) < 0:  # shoelace: clockwise
            r = r[::-1]
        polys.setdefault(k, []).append(r)
    return polys


def multipolygon_wkb(rings: list[np.ndarray]) -> bytes:
    """ISO WKB (little endian) of a MultiPolygon with one exterior ring per part."""
    parts = [struct.pack("<BII", 1, 6, len(rings))]
    for r in rings:
        parts.append(struct.pack("<BIII", 1, 3, 1, len(r)))
        parts.append(np.ascontiguousarray(r, dtype="<f8").tobytes())
    return b"".join(parts)


def point_wkb(x: float, y: float) -> bytes:
    return struct.pack("<BIdd", 1, 1, float(x), float(y))


def _json_value(v):
    if isinstance(v, float | np.floating):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def geojson_text(records: list[dict], geometries: list[dict]) -> str:
    """A FeatureCollection (RFC 7946) of ``records`` as properties."""
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {k: _json_value(v) for k, v in rec.items()},
                "geometry": geom,
            }
            for rec, geom in zip(records, geometries, strict=True)
        ],
    }
    return json.dumps(fc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def write_gpkg(path: Path, layers: list[tuple[str, list[dict], list[bytes], str]]) -> None:
    """Write GeoPackage layers (name, records, WKB geometries, geometry type) atomically."""
    from pyogrio.raw import write

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL creates the file itself
    try:
        for i, (name, records, geoms, gtype) in enumerate(layers):
            types = column_types(records)
            cols, data = [], []
            for k, kind in types.items():
                vals = [r.get(k) for r in records]
                if _all_bool(records, k):
                    arr = np.array([bool(v) for v in vals])
                elif kind == "String":
                    arr = np.array(["" if v is None else str(v) for v in vals], dtype=object)
                elif kind.startswith("Integer"):
                    arr = np.array(vals, dtype=np.int64)
                else:
                    arr = np.array([np.nan if v is None else v for v in vals], dtype=np.float64)
                cols.append(k)
                data.append(arr)
            write(
                tmp,
                np.array(geoms, dtype=object),
                data,
                cols,
                layer=name,
                driver="GPKG",
                geometry_type=gtype,
                crs=WGS84,
                append=i > 0,
            )
        os.replace(tmp, path)
    except OSError:
        raise
    except Exception as exc:  # GDAL's errors (a full disk among them) are not OSErrors
        msg = f"the GeoPackage writer (GDAL) failed: {exc}"
        raise OSError(errno.EIO, msg, str(path)) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


# ---------------------------------------------------------------------- layers of a run
def median_by(rows: list[dict], key: str) -> list[dict]:
    """One record per ``key`` value: strings and bools from the first row, the median across
    seeds of every number (``seeds`` = how many rows were pooled)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(str(r[key]), []).append(r)
    out = []
    for rs in groups.values():
        rec = {}
        for k, v in rs[0].items():
            if k == "seed":
                continue
            if isinstance(v, str | bool | np.bool_) or k == "year":
                rec[k] = v
            else:
                rec[k] = float(np.median([r[k] for r in rs]))
        rec["seeds"] = len(rs)
        out.append(rec)
    return out


def last_year(rows: list[dict]) -> list[dict]:
    last = max(r["year"] for r in rows)
    return [r for r in rows if r["year"] == last]


def epci_features(result) -> tuple[list[dict], list[list[np.ndarray]], list[dict]]:
    """The last year's EPCI rows (median across seeds, place columns) that have an outline,
    their rings, and their GeoJSON geometries: the one source of ``epci.geojson``,
    ``layers.gpkg`` and the API's ``to_geodataframe``."""
    t = result.territory
    polys = epci_polygons(t)
    index = {str(s): k for k, s in enumerate(t.epcis.siren)}
    recs = median_by(with_places(last_year(result.yearly), t), "epci")
    recs = [r for r in recs if index[r["epci"]] in polys]
    rings = [polys[index[r["epci"]]] for r in recs]
    geo = [{"type": "MultiPolygon", "coordinates": [[r.tolist()] for r in rr]} for rr in rings]
    return recs, rings, geo


def run_layers(result, out: Path, communes: bool = True) -> list[Path]:
    """``epci.geojson`` (and ``communes.geojson`` when the run recorded communes) with the last
    year's indicators, median across seeds, as attributes; ``layers.gpkg`` with the same layers
    when pyogrio is installed. Returns the files written."""
    t = result.territory
    files: list[Path] = []
    if t is None or not result.yearly:
        return files
    layers = []
    recs, rings, geo = epci_features(result)
    aio.atomic_write_text(out / "epci.geojson", geojson_text(recs, geo))
    files.append(out / "epci.geojson")
    layers.append(("epci", recs, [multipolygon_wkb(rr) for rr in rings], "MultiPolygon"))
    if communes and result.communes:
        c = t.communes
        cidx = {str(s): i for i, s in enumerate(c.code)}
        crecs = median_by(with_places(last_year(result.communes), t), "commune")
        pts = [(float(c.lon[cidx[r["commune"]]]), float(c.lat[cidx[r["commune"]]])) for r in crecs]
        cgeo = [{"type": "Point", "coordinates": [x, y]} for x, y in pts]
        aio.atomic_write_text(out / "communes.geojson", geojson_text(crecs, cgeo))
        files.append(out / "communes.geojson")
        layers.append(("communes", crecs, [point_wkb(x, y) for x, y in pts], "Point"))
    if has("pyogrio"):
        write_gpkg(out / "layers.gpkg", layers)
        files.append(out / "layers.gpkg")
    return files
