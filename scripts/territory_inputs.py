"""Readers for the territory build's demand and supply inputs, and the EPCI outline repair.

Kept apart from ``build_territory.py`` so that each input has one reader that names the file
and the field when it cannot be used:

* population by age band: Insee « Estimation de population par département, sexe et grande
  classe d'âge » (``scripts/inputs/``, an .xls read with xlrd, the build-data extra), or a
  finer CSV of the same bands by commune or département given with ``--age-structure``;
* GP head-counts aged 65 and over by département (``--gp-ages``), when the user has them:
  the public file found has all-ages rows only (DATA.md, "GP ages");
* EPCI outlines made valid polygons (``valid_outline``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

INPUTS = Path(__file__).resolve().parent / "inputs"
INSEE_AGE_XLS = INPUTS / "insee_estim-pop-dep-sexe-gca-1975-2023.xls"
INSEE_AGE_SHEET = "2023"
# The five bands of the Insee file (both sexes, columns C-G of each year's sheet).
AGE_BANDS = ("0-19", "20-39", "40-59", "60-74", "75+")
INSEE_BAND_LABELS = ("0 à 19 ans", "20 à 39 ans", "40 à 59 ans", "60 à 74 ans", "75 ans et plus")


class InputError(SystemExit):
    """A missing or malformed input: the message names the file and the field."""


def read_csv_checked(
    path: Path, fields: tuple[str, ...], what: str, delimiter: str = ",", hint: str = ""
) -> list[dict]:
    """Rows of a CSV input, stopping with the file and field named if it cannot be used
    (``hint``: where such a file comes from, added when it is missing). A byte-order mark is
    accepted."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what}: file {path} is missing" + (f"; {hint}" if hint else ""))
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter=delimiter)
            header = reader.fieldnames or []
            missing = [f for f in fields if f not in header]
            if missing:
                raise InputError(
                    f"{what}: file {path} has no field {', '.join(map(repr, missing))} "
                    f"(expected {delimiter!r}-separated columns including {', '.join(fields)}; "
                    f"found {', '.join(header[:12]) or 'no header'})"
                )
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: file {path} is not UTF-8 text ({exc})") from exc
    if not rows:
        raise InputError(f"{what}: file {path} has a header but no rows")
    return rows


def _number(value, path, field, line) -> float:
    try:
        x = float(str(value).strip())
    except ValueError:
        raise InputError(
            f"file {path}, line {line}, field {field!r}: expected a number, got {value!r}"
        ) from None
    if not np.isfinite(x) or x < 0:
        raise InputError(
            f"file {path}, line {line}, field {field!r}: expected a count >= 0, got {value!r}"
        )
    return x


def read_insee_age_xls(path: Path = INSEE_AGE_XLS, sheet: str = INSEE_AGE_SHEET) -> dict:
    """Population by age band per département ({code: 5 counts}) from Insee's xls layout:
    a header row whose columns C-G are ``INSEE_BAND_LABELS``, then one row per département
    (code in column A, '01' or 971.0)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Insee population by age: file {path} is missing (DATA.md, Sources)")
    try:
        import xlrd
    except ImportError:
        raise InputError(
            "Insee population by age: reading the .xls needs xlrd (the build-data extra: "
            "pip install -e '.[build-data]'), or pass --age-structure with a CSV"
        ) from None
    try:
        book = xlrd.open_workbook(str(path))
    except xlrd.XLRDError as exc:
        raise InputError(f"Insee population by age: file {path} is not an .xls ({exc})") from None
    if sheet not in book.sheet_names():
        raise InputError(
            f"Insee population by age: file {path} has no sheet {sheet!r} "
            f"(found {', '.join(book.sheet_names()[:6])})"
        )
    s = book.sheet_by_name(sheet)
    header = next(
        (r for r in range(min(s.nrows, 20)) if s.cell_value(r, 2) == INSEE_BAND_LABELS[0]), None
    )
    if header is None or tuple(s.row_values(header)[2:7]) != INSEE_BAND_LABELS:
        raise InputError(
            f"Insee population by age: file {path}, sheet {sheet!r}: no header row with fields "
            f"{', '.join(INSEE_BAND_LABELS)} in columns C-G"
        )
    out = {}
    for r in range(header + 1, s.nrows):
        code = s.cell_value(r, 0)
        if isinstance(code, float):
            code = f"{int(code)}"
        code = str(code).strip()
        if not (len(code) == 2 or (len(code) == 3 and code.startswith("97"))):
            continue  # totals, notes, blank rows
        out[code] = np.array(
            [
                _number(v, path, f"sheet {sheet} column {c}", r + 1)
                for c, v in zip("CDEFG", s.row_values(r)[2:7], strict=True)
            ]
        )
    if not out:
        raise InputError(f"Insee population by age: file {path}, sheet {sheet!r}: no rows")
    return out


def read_age_csv(path: Path) -> dict:
    """Population by age band per commune or département from a CSV with the columns ``code``
    and the five ``AGE_BANDS`` (``;`` or ``,`` separated), for finer data than Insee's file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"population by age: file {path} is missing")
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    fields = ("code", *AGE_BANDS)
    missing = [f for f in fields if f not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"population by age: file {path} has no field {', '.join(map(repr, missing))} "
            f"(expected columns {', '.join(fields)})"
        )
    out = {}
    for line, row in enumerate(reader, start=2):
        out[row["code"].strip()] = np.array([_number(row[b], path, b, line) for b in AGE_BANDS])
    if not out:
        raise InputError(f"population by age: file {path} has a header but no rows")
    return out


def commune_age_shares(codes, departements, by_code: dict) -> tuple[np.ndarray, dict]:
    """Each commune's shares of the five bands: its own row if ``by_code`` has one, else its
    département's (the documented proxy: per-commune ages are not obtainable offline). A
    commune with neither stops the build. Returns the shares and how many communes used each."""
    n = len(codes)
    shares = np.zeros((n, len(AGE_BANDS)))
    used = {"commune": 0, "departement": 0}
    missing = set()
    for i, (code, dep) in enumerate(zip(codes, departements, strict=True)):
        counts = by_code.get(code)
        level = "commune"
        if counts is None:
            counts, level = by_code.get(dep), "departement"
        if counts is None or counts.sum() <= 0:
            missing.add(dep)
            continue
        shares[i] = counts / counts.sum()
        used[level] += 1
    if missing:
        raise InputError(
            "population by age: no row for département(s) "
            f"{', '.join(sorted(missing))} (field 'code'); every commune needs its own row or "
            "its département's"
        )
    return shares.astype(np.float32), used


def read_gp_ages(path: Path) -> dict:
    """GP head-counts by département: {code: (all ages, aged 65 and over)} from a CSV with the
    columns ``departement``, ``effectif`` and ``effectif_65_plus``."""
    rows = read_csv_checked(path, ("departement", "effectif", "effectif_65_plus"), "GP ages")
    out = {}
    for line, row in enumerate(rows, start=2):
        total = _number(row["effectif"], path, "effectif", line)
        old = _number(row["effectif_65_plus"], path, "effectif_65_plus", line)
        if old > total:
            raise InputError(
                f"file {path}, line {line}, field 'effectif_65_plus': {old:g} GPs aged 65+ "
                f"is more than the {total:g} of field 'effectif'"
            )
        out[row["departement"].strip()] = (total, old)
    return out


def gp_65plus_by_commune(dep_arr, gp, share_by_dep: dict, default_share: float, spread):
    """GPs aged 65+ per commune: each département's share (its own if given, else the national
    ``default_share``) of its modelled GPs, spread over its communes in proportion to their GPs
    (``spread`` is the build's largest-remainder rounding). Never more than a commune's GPs."""
    out = np.zeros(len(gp), dtype=np.int64)
    for dep in sorted(set(dep_arr)):
        sel = np.flatnonzero(dep_arr == dep)
        total = int(gp[sel].sum())
        if total == 0:
            continue
        n_old = int(round(share_by_dep.get(dep, default_share) * total))
        out[sel] = np.minimum(spread(n_old, gp[sel].astype(float)), gp[sel])
    return out


def valid_outline(shapely, geom):
    """A valid (Multi)Polygon of exterior rings only, on the 1e-4 degree grid the territory
    file stores, for an EPCI outline.

    The file keeps exterior rings (maps fill enclaves by drawing order), so holes are filled and
    nested parts merged; ``make_valid`` keeps the polygonal parts of a self-intersecting
    simplification and ``set_precision`` snaps to the stored grid without breaking validity.
    The result is checked again after the float32 rounding the file applies."""

    def shells(g):
        g = shapely.make_valid(g)
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        polys = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
        if not polys:
            return shapely.Polygon()
        return shapely.union_all([shapely.Polygon(q.exterior) for q in polys])

    g = shells(geom)
    for _ in range(3):
        g = shells(shapely.set_precision(g, 1e-4))
        stored = shapely.transform(g, lambda xy: xy.astype(np.float32).astype(np.float64))
        if stored.is_valid:
            return g
        g = stored
    raise ValueError("an EPCI outline stays invalid after repair")
