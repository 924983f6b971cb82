"""The embedded territory: communes, EPCIs, GP supply, emergency sites, and selections of them.

The territory file (``data/territory.npz``) is built once by ``scripts/build_territory.py``
from public data and shipped with the package, so a fresh install runs offline. Every field
is documented in ``DATA.md`` (source, vintage, observed or modelled).

A selection (a région, a département, a list of EPCIs) keeps a *buffer* of neighbouring
communes, so residents near its edge still see GPs across it: communes whose town hall lies
within ``buffer_km`` (great-circle) of a selected commune's are kept and flagged
``core=False``. Results are reported on core communes only; buffer communes take part in the
computations (their GPs serve, their residents compete for care).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from accesssim.util import files as aio

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "territory.npz"
REBUILD_HINT = (
    "rebuild it with `pip install -e '.[build-data]' && python scripts/build_territory.py` "
    "from a clone of the repository, or reinstall accesssim"
)
# Commune density classes (people per km² of the commune): a proxy of INSEE's grille
# communale de densité, which is computed on 1 km cells and is not in the shipped data.
# Assumption; the thresholds echo INSEE's cell thresholds (1,500 and 300 per km²).
DENSITY_CLASSES = ("dense", "intermediate", "sparse", "very sparse")
DENSITY_THRESHOLDS = (1500.0, 300.0, 25.0)
EARTH_RADIUS_KM = 6371.0088
DEFAULT_BUFFER_KM = 30.0
_NO_PAIRS = np.zeros((0, 2), np.int32)
_NO_TEXT = np.zeros(0, "<U1")


class TerritoryError(ValueError):
    """A territory file or a selection that cannot be used; the message says why."""


@dataclass(frozen=True, eq=False)
class Communes:
    """One row per commune (2026 list, metropolitan and overseas départements)."""

    code: np.ndarray  # INSEE code
    name: np.ndarray
    departement: np.ndarray
    region: np.ndarray
    epci: np.ndarray  # index into Epcis
    population: np.ndarray  # 2026 legal municipal population
    lon: np.ndarray  # town hall, degrees (polygon point if missing)
    lat: np.ndarray
    area_km2: np.ndarray
    density_class: np.ndarray  # index into DENSITY_CLASSES (modelled proxy)
    gp: np.ndarray  # modelled private-practice GP head-count (CNAM 2024 spread by SIRENE)
    gp_mep: np.ndarray  # of which GPs with a particular expertise (MEP), modelled
    core: np.ndarray  # True inside the selection, False in its buffer
    # modelled GPs aged 65+ (département share spread by GPs; DATA.md, GP ages); None: unknown
    gp_65plus: np.ndarray | None = None
    # (n, 5) shares of the Insee bands 0-19, 20-39, 40-59, 60-74, 75+ (the département's unless
    # a finer file was given to the build); None: unknown (APL demand not standardised)
    age_shares: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.code)


@dataclass(frozen=True, eq=False)
class Epcis:
    """One row per EPCI (plus pseudo-EPCIs for the four island communes in none)."""

    siren: np.ndarray
    name: np.ndarray
    type: np.ndarray  # CC, CA, CU, METRO, MET69, or ISOLEE (pseudo)
    population: np.ndarray  # whole EPCI, 2026
    area_km2: np.ndarray
    lon: np.ndarray  # area centroid
    lat: np.ndarray
    pop_lon: np.ndarray  # population-weighted centroid of town halls
    pop_lat: np.ndarray
    priority_confirmed: np.ndarray  # on the confirmed part of the 2025 list of 151
    core: np.ndarray  # has at least one core commune

    def __len__(self) -> int:
        return len(self.siren)


@dataclass(frozen=True, eq=False)
class EmergencySites:
    """Emergency-department sites authorised in the DREES SAE, placed in their source's commune
    (DATA.md). ``Territory.emergency`` holds those counting for ED access (general
    authorisation, not specialised); ``Territory.emergency_other`` the paediatric-only and
    specialised ones, kept with their flags. Several sites may share a commune."""

    commune: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    finess: np.ndarray
    name: np.ndarray
    city: np.ndarray | None = None  # the commune name the source gives
    departement: np.ndarray | None = None  # the département the source gives
    category: np.ndarray | None = None  # chu, ch, army, private, gcs (FINESS groups)
    general: np.ndarray | None = None  # SAE general authorisation
    pediatric: np.ndarray | None = None  # SAE paediatric authorisation
    specialised: np.ndarray | None = None  # one specialty only (e.g. ophthalmic)
    passages: np.ndarray | None = None  # SAE visits of the vintage year, -1 if unknown

    _DEFAULTS = {
        "city": "",
        "departement": "",
        "category": "",
        "general": True,
        "pediatric": False,
        "specialised": False,
        "passages": -1,
    }

    def __post_init__(self):
        # files and synthetic territories without the SAE fields: general sites, no flags
        for k, v in self._DEFAULTS.items():
            if getattr(self, k) is None:
                object.__setattr__(self, k, np.full(len(self.commune), v))

    def __len__(self) -> int:
        return len(self.commune)


@dataclass(frozen=True, eq=False)
class FastLinks:
    """Level 2 of the road graph: links between pôles standing in for main roads (DATA.md)."""

    pairs: np.ndarray  # (k, 2) commune indices
    km: np.ndarray  # length of the land path along commune adjacency

    def __len__(self) -> int:
        return len(self.km)


@dataclass(frozen=True, eq=False)
class Territory:
    communes: Communes
    epcis: Epcis
    emergency: EmergencySites
    commune_adjacency: np.ndarray  # (k, 2) commune index pairs sharing a border, i < j
    epci_adjacency: np.ndarray  # (k, 2) EPCI index pairs
    outlines: tuple[np.ndarray, np.ndarray, np.ndarray]  # ring xy, ring offsets, ring owner
    names: dict = field(repr=False)  # {"region": {code: name}, "departement": {...}}
    meta: dict = field(repr=False)
    checksum: str = ""
    label: str = "France"
    fast_links: FastLinks = field(default_factory=lambda: FastLinks(_NO_PAIRS, np.zeros(0)))
    # listed ED sites that do not count for access (paediatric-only, specialised)
    emergency_other: EmergencySites = field(
        default_factory=lambda: EmergencySites(*(np.zeros(0, np.int32),) * 3, *(_NO_TEXT,) * 2)
    )

    # ------------------------------------------------------------------ views
    def commune_graph(self) -> sparse.csr_matrix:
        """Symmetric boolean adjacency of communes sharing a border."""
        n = len(self.communes)
        a, b = self.commune_adjacency.T
        m = sparse.coo_matrix((np.ones(len(a), bool), (a, b)), shape=(n, n))
        return (m + m.T).tocsr()

    def epci_graph(self) -> nx.Graph:
        """EPCI adjacency graph with attributes and ``pos`` = (lon, lat) for drawing."""
        g = nx.Graph(label=self.label)
        e = self.epcis
        for k in range(len(e)):
            g.add_node(
                k,
                siren=str(e.siren[k]),
                name=str(e.name[k]),
                population=int(e.population[k]),
                area_km2=float(e.area_km2[k]),
                centroid=(float(e.lon[k]), float(e.lat[k])),
                pop_centroid=(float(e.pop_lon[k]), float(e.pop_lat[k])),
                pos=(float(e.lon[k]), float(e.lat[k])),
                priority_confirmed=bool(e.priority_confirmed[k]),
                core=bool(e.core[k]),
            )
        g.add_edges_from(map(tuple, self.epci_adjacency.tolist()))
        return g

    def epci_rings(self):
        """Yield (EPCI index, (n, 2) lon/lat array) for each outline ring, for maps."""
        xy, off, owner = self.outlines
        for r, k in enumerate(owner):
            yield int(k), xy[off[r] : off[r + 1]]

    # ------------------------------------------------------------------ selection
    def select(
        self,
        region: str | None = None,
        departement: str | None = None,
        epcis: list[str] | None = None,
        buffer_km: float = DEFAULT_BUFFER_KM,
    ) -> Territory:
        """A sub-territory: the communes of a région, a département or a list of EPCIs.

        Names or codes are accepted for régions and départements (``"Landes"`` or ``"40"``),
        SIRENs for EPCIs. Unknown values raise :class:`TerritoryError` with close matches.
        """
        given = [x is not None for x in (region, departement, epcis)]
        if sum(given) != 1:
            raise TerritoryError("select exactly one of region, departement or epcis")
        if not np.isfinite(buffer_km) or buffer_km < 0:
            raise TerritoryError(f"buffer_km must be a non-negative number of km, got {buffer_km}")
        c = self.communes
        if region is not None:
            code = self.resolve_code("region", region)
            core = c.region == code
            label = self.names["region"][code]
        elif departement is not None:
            code = self.resolve_code("departement", departement)
            core = c.departement == code
            label = f"{self.names['departement'][code]} ({code})"
        else:
            if isinstance(epcis, str) or not epcis:
                raise TerritoryError("epcis must be a non-empty list of EPCI SIREN codes")
            known = {str(s): k for k, s in enumerate(self.epcis.siren)}
            wanted = []
            for s in epcis:
                s = str(s).strip()
                if s not in known:
                    raise TerritoryError(_unknown("EPCI SIREN", s, list(known)))
                wanted.append(known[s])
            core = np.isin(c.epci, wanted)
            label = f"{len(wanted)} EPCI" + ("s" if len(wanted) > 1 else "")
        core = core & c.core
        if not core.any():
            raise TerritoryError(f"the selection {label!r} holds no commune of this territory")
        keep = core | self._within(core, buffer_km)
        return self._subset(keep, core, label)

    def resolve_code(self, kind: str, value: str) -> str:
        """The code of a région or département (``kind``) given its name or code; names are
        matched without accents, case, hyphens or apostrophes ("ile de france" is
        Île-de-France)."""
        names = self.names[kind]
        label = "région" if kind == "region" else "département"
        v = str(value).strip()
        if not v:
            raise TerritoryError(f"expected a {label} name or code, got an empty string")
        if v in names:
            return v
        if v.upper() in names:  # "2a" is Corse-du-Sud's 2A
            return v.upper()
        if kind == "departement" and v.isdigit() and len(v) == 1:
            v = "0" + v
            if v in names:
                return v
        by_name = {fold(n): k for k, n in names.items()}
        if fold(v) in by_name:
            return by_name[fold(v)]
        options = [f"{n} ({k})" for k, n in names.items()]
        raise TerritoryError(_unknown(label, value, list(names) + list(names.values()), options))

    def _within(self, core: np.ndarray, km: float) -> np.ndarray:
        if km <= 0:
            return np.zeros_like(core)
        xyz = _unit_xyz(self.communes.lon, self.communes.lat)
        chord = 2 * np.sin(km / EARTH_RADIUS_KM / 2)
        d, _ = cKDTree(xyz[core]).query(xyz, distance_upper_bound=chord)
        return np.isfinite(d)

    def _subset(self, keep: np.ndarray, core: np.ndarray, label: str) -> Territory:
        old = np.flatnonzero(keep)
        new_of = np.full(len(keep), -1)
        new_of[old] = np.arange(len(old))
        c = self.communes
        e_old = np.unique(c.epci[old])
        e_new_of = np.full(len(self.epcis), -1)
        e_new_of[e_old] = np.arange(len(e_old))
        communes = replace(
            _take(c, old), epci=e_new_of[c.epci[old]].astype(np.int32), core=core[old]
        )
        e_core = np.zeros(len(self.epcis), bool)
        e_core[np.unique(c.epci[core])] = True
        epcis = replace(_take(self.epcis, e_old), core=e_core[e_old])
        ed, ed_other = (
            replace(
                _take(e, keep[e.commune]),
                commune=new_of[e.commune[keep[e.commune]]].astype(np.int32),
            )
            for e in (self.emergency, self.emergency_other)
        )
        adj = new_of[self.commune_adjacency]
        adj = adj[(adj >= 0).all(1)]
        fl = new_of[self.fast_links.pairs]
        fl_keep = (fl >= 0).all(1)
        fast = FastLinks(fl[fl_keep].astype(np.int32), self.fast_links.km[fl_keep])
        eadj = e_new_of[self.epci_adjacency]
        eadj = eadj[(eadj >= 0).all(1)]
        xy, off, owner = self.outlines
        ring_keep = np.flatnonzero(e_new_of[owner] >= 0)
        lengths = np.diff(off)[ring_keep]
        pieces = [xy[off[r] : off[r + 1]] for r in ring_keep]
        outlines = (
            np.concatenate(pieces) if pieces else xy[:0],
            np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            e_new_of[owner[ring_keep]].astype(np.int32),
        )
        return Territory(
            communes=communes,
            epcis=epcis,
            emergency=ed,
            emergency_other=ed_other,
            commune_adjacency=adj.astype(np.int32),
            epci_adjacency=eadj.astype(np.int32),
            outlines=outlines,
            fast_links=fast,
            names=self.names,
            meta=self.meta,
            checksum=self.checksum,
            label=label,
        )


# ---------------------------------------------------------------------- loading
def is_overseas(communes) -> np.ndarray:
    """Communes of the overseas départements (codes 97x), reported apart from metropolitan
    France in every average over priority EPCIs and in ``validate``."""
    return np.char.startswith(np.asarray(communes.departement).astype(str), "97")


def load(path: str | Path | None = None) -> Territory:
    """Load the territory file (default: the one shipped with the package)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    return _load_cached(str(path.resolve()))


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> Territory:
    p = Path(path)
    if not p.exists():
        raise TerritoryError(f"territory file {p} is missing; {REBUILD_HINT}")
    try:
        a, meta = aio.read_npz(p)
        communes = Communes(
            code=a["commune_code"],
            name=a["commune_name"],
            departement=a["commune_departement"],
            region=a["commune_region"],
            epci=a["commune_epci"],
            population=a["commune_population"],
            lon=a["commune_lon"],
            lat=a["commune_lat"],
            area_km2=a["commune_area_km2"],
            density_class=a["commune_density_class"],
            gp=a["commune_gp"],
            gp_mep=a["commune_gp_mep"],
            core=np.ones(len(a["commune_code"]), bool),
            gp_65plus=a["commune_gp_65plus"],
            age_shares=a["commune_age_shares"],
        )
        epcis = Epcis(
            siren=a["epci_siren"],
            name=a["epci_name"],
            type=a["epci_type"],
            population=a["epci_population"],
            area_km2=a["epci_area_km2"],
            lon=a["epci_lon"],
            lat=a["epci_lat"],
            pop_lon=a["epci_pop_lon"],
            pop_lat=a["epci_pop_lat"],
            priority_confirmed=a["epci_priority_confirmed"],
            core=np.ones(len(a["epci_siren"]), bool),
        )
        ed, ed_other = _emergency_sites(a)
        names = {
            "region": dict(zip(a["region_code"].tolist(), a["region_name"].tolist(), strict=True)),
            "departement": dict(
                zip(a["departement_code"].tolist(), a["departement_name"].tolist(), strict=True)
            ),
        }
        terr = Territory(
            communes=communes,
            epcis=epcis,
            emergency=ed,
            emergency_other=ed_other,
            commune_adjacency=a["commune_adjacency"],
            epci_adjacency=a["epci_adjacency"],
            outlines=(a["epci_ring_xy"], a["epci_ring_offsets"], a["epci_ring_owner"]),
            fast_links=FastLinks(a["road_fast_pairs"], a["road_fast_km"]),
            names=names,
            meta=meta,
            checksum=aio.sha256_file(p),
        )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise TerritoryError(f"territory file {p} is unreadable ({exc}); {REBUILD_HINT}") from exc
    _check(terr, p)
    return terr


def _emergency_sites(a) -> tuple[EmergencySites, EmergencySites]:
    """The ED sites counting for access and the other listed ones (files built before the SAE
    list have no ``ed_access``: every site counts)."""
    optional = {
        "city": "ed_city",
        "departement": "ed_departement",
        "category": "ed_category",
        "general": "ed_general",
        "pediatric": "ed_pediatric",
        "specialised": "ed_specialised",
        "passages": "ed_passages",
    }
    sites = EmergencySites(
        commune=a["ed_commune"].astype(np.int32),
        lon=a["ed_lon"],
        lat=a["ed_lat"],
        finess=a["ed_finess"],
        name=a["ed_name"],
        **{k: a[v] for k, v in optional.items() if v in a},
    )
    access = a["ed_access"] if "ed_access" in a else np.ones(len(sites), bool)
    return _take(sites, access), _take(sites, ~access)


def _check(t: Territory, path: Path) -> None:
    n, m = len(t.communes), len(t.epcis)
    columns = {f.name: getattr(t.communes, f.name) for f in fields(Communes)}
    lengths = {k: len(v) for k, v in columns.items() if v is not None}
    bad = [k for k, v in lengths.items() if v != n]
    if bad or t.communes.epci.min() < 0 or t.communes.epci.max() >= m:
        raise TerritoryError(f"territory file {path} is inconsistent ({bad}); {REBUILD_HINT}")


# ---------------------------------------------------------------------- helpers
def _take(obj, idx):
    columns = {f.name: getattr(obj, f.name) for f in fields(obj)}
    return replace(obj, **{k: v[idx] for k, v in columns.items() if v is not None})


def _unit_xyz(lon, lat) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def great_circle_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in km (vectorised)."""
    lo1, la1, lo2, la2 = map(np.radians, (lon1, lat1, lon2, lat2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def fold(name: str) -> str:
    """A name compared loosely: without accents (NFKD), case, hyphens, apostrophes or repeated
    spaces ("Provence-Alpes-Côte d'Azur" -> "provence alpes cote d azur")."""
    bare = "".join(
        ch for ch in unicodedata.normalize("NFKD", str(name)) if not unicodedata.combining(ch)
    )
    return " ".join(w for w in re.split(r"[\s\-'’]+", bare.casefold()) if w)


def _unknown(what: str, value, candidates: list[str], shown: list[str] | None = None) -> str:
    """An unknown name or code, with the close matches (compared without accents or case)."""
    by_fold: dict[str, str] = {}
    for c in candidates:
        by_fold.setdefault(fold(c), str(c))
    close = [
        by_fold[f] for f in difflib.get_close_matches(fold(value), list(by_fold), n=5, cutoff=0.5)
    ]
    msg = f"unknown {what} {value!r}"
    if close:
        msg += f"; close matches: {', '.join(close)}"
    elif shown:
        msg += f"; known: {', '.join(shown[:30])}{' ...' if len(shown) > 30 else ''}"
    return msg
