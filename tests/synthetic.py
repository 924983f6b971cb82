"""Small synthetic territories for model tests (labelled synthetic; not French data), and the
small scenario files on Lozère that the sweep and sensitivity tests run."""

import numpy as np

from accesssim.geo import territory as terr


def grid_territory(nx: int, ny: int, gp, population, km: float = 4.0, ed=(0,)) -> terr.Territory:
    """An nx × ny grid of square communes ``km`` apart, one EPCI per row of the grid."""
    n = nx * ny
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    ix, iy = ix.ravel(), iy.ravel()
    lat = 46.0 + iy * km / 111.32
    lon = 2.0 + ix * km / (111.32 * np.cos(np.radians(46.0)))
    idx = np.arange(n).reshape(ny, nx)
    adj = np.concatenate(
        [
            np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1),
            np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], 1),
        ]
    )
    pop = np.broadcast_to(np.asarray(population, dtype=np.int64), (n,)).copy()
    gps = np.broadcast_to(np.asarray(gp, dtype=np.int32), (n,)).copy()
    area = np.full(n, km * km)
    dens = pop / area
    dclass = np.select([dens >= 1500, dens >= 300, dens >= 25], [0, 1, 2], 3).astype(np.int8)
    communes = terr.Communes(
        code=np.array([f"99{k:03d}" for k in range(n)]),
        name=np.array([f"c{k}" for k in range(n)]),
        departement=np.full(n, "99"),
        region=np.full(n, "99"),
        epci=iy.astype(np.int32),
        population=pop,
        lon=lon,
        lat=lat,
        area_km2=area,
        density_class=dclass,
        gp=gps,
        gp_mep=np.zeros(n, np.int32),
        core=np.ones(n, bool),
    )
    e_pop = np.bincount(iy, weights=pop, minlength=ny).astype(np.int64)
    epcis = terr.Epcis(
        siren=np.array([f"9{k:08d}" for k in range(ny)]),
        name=np.array([f"e{k}" for k in range(ny)]),
        type=np.full(ny, "CC"),
        population=e_pop,
        area_km2=np.full(ny, nx * km * km),
        lon=np.full(ny, lon.mean()),
        lat=np.unique(lat),
        pop_lon=np.full(ny, lon.mean()),
        pop_lat=np.unique(lat),
        priority_confirmed=np.arange(ny) == 0,
        core=np.ones(ny, bool),
    )
    ed = np.asarray(ed, dtype=np.int32)
    emergency = terr.EmergencySites(
        commune=ed,
        lon=lon[ed],
        lat=lat[ed],
        finess=np.array(["0" * 9] * len(ed)),
        name=np.array(["ed"] * len(ed)),
    )
    eadj = np.stack([np.arange(ny - 1), np.arange(1, ny)], 1).astype(np.int32)
    return terr.Territory(
        communes=communes,
        epcis=epcis,
        emergency=emergency,
        commune_adjacency=adj.astype(np.int32),
        epci_adjacency=eadj,
        outlines=(np.zeros((0, 2), np.float32), np.zeros(1, np.int64), np.zeros(0, np.int32)),
        names={"region": {"99": "Synthetic"}, "departement": {"99": "Synthetic"}},
        meta={"synthetic": True},
        checksum="synthetic",
        label="synthetic grid",
    )


# the baseline and a solidarity-days policy on Lozère over one year (sweep, sensitivity tests)
LOZERE_BASE = """
[scenario]
name = "base"
years = 1
[territory]
departement = "48"
"""
LOZERE_DAYS = """
[scenario]
name = "days"
years = 1
[territory]
departement = "48"
[[policies]]
type = "solidarity_days"
targets = "confirmed"
participation = 0.5
days_per_month = 1.0
"""
