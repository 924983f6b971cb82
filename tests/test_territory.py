"""The embedded territory: invariants against its sources, selections, bad input."""

import csv
import shutil

import networkx as nx
import numpy as np
import pytest

from accesssim.geo import territory as terr


def test_every_commune_in_exactly_one_epci_and_populations_add_up(france):
    c, e = france.communes, france.epcis
    assert len(c) > 34_000 and len(e) > 1_200
    assert c.epci.min() >= 0 and c.epci.max() < len(e)
    np.testing.assert_array_equal(
        np.bincount(c.epci, weights=c.population, minlength=len(e)), e.population
    )
    assert len(np.unique(c.code)) == len(c)
    assert len(np.unique(e.siren)) == len(e)
    # 2026 legal populations of metropolitan France and the five DROM: about 68 million
    assert 67e6 < c.population.sum() < 70e6


def test_gp_totals_per_departement_equal_cnam(france, shared_data):
    totals = {}
    with open(
        shared_data / "cnam_effectifs_2024_medecins_generalistes_departement.csv", encoding="utf-8"
    ) as fh:
        for row in csv.DictReader(fh):
            if row["profession_sante"].startswith("Ensemble") and row["departement"] != "999":
                totals[row["departement"]] = int(row["effectif"])
    c = france.communes
    for dep, n in totals.items():
        assert c.gp[c.departement == dep].sum() == n, dep
    assert c.gp.sum() == 55_546  # the FRANCE row of the same file
    assert np.all(c.gp >= 0) and np.all(c.gp_mep <= c.gp)


def test_priority_flags_match_the_confirmed_list(france, shared_data):
    with open(shared_data / "priority_epci_2025.csv", encoding="utf-8") as fh:
        sirens = {r["siren"] for r in csv.DictReader(fh)}
    flagged = set(france.epcis.siren[france.epcis.priority_confirmed].tolist())
    assert flagged == sirens


def test_mainland_graph_connected_apart_from_islands_without_a_bridge(france):
    g = france.epci_graph()
    dep = {}
    for i in range(len(france.communes)):
        dep.setdefault(int(france.communes.epci[i]), str(france.communes.departement[i]))
    mainland = [k for k, d in dep.items() if d not in ("2A", "2B") and len(d) == 2]
    comps = sorted(nx.connected_components(g.subgraph(mainland)), key=len, reverse=True)
    stray = {g.nodes[k]["name"] for comp in comps[1:] for k in comp}
    assert stray == {
        "CC de Belle Ile en Mer",
        "Île-de-Bréhat",
        "Île-de-Sein",
        "Ouessant",
        "L'Île-d'Yeu",
    }
    # Ré, Oléron and Noirmoutier are joined by their bridges
    names = {g.nodes[k]["name"] for k in comps[0]}
    assert {"CC de l'Ile de Ré", "CC de l'Ile d'Oléron", "CC de l'Ile de Noirmoutier"} <= names


def test_graph_positions_are_lon_lat(france):
    g = france.epci_graph()
    lon, lat = np.array([g.nodes[k]["pos"] for k in g]).T
    main = (lat > 41) & (lat < 51.2)
    assert np.all((lon[main] > -5.5) & (lon[main] < 10))


def test_emergency_sites_near_the_published_count(france):
    # 719 points d'accueil (DREES 2023), 697 structures (2019): docs/sources.md §5
    assert 550 <= len(france.emergency) <= 800
    assert np.all(france.emergency.commune < len(france.communes))


def test_select_departement_keeps_a_buffer(france):
    s = france.select(departement="Landes", buffer_km=30)
    c = s.communes
    assert set(c.departement[c.core].tolist()) == {"40"}
    assert (~c.core).sum() > 0 and set(c.departement[~c.core].tolist()) >= {"33", "64"}
    assert (
        c.population[c.core].sum()
        == france.communes.population[france.communes.departement == "40"].sum()
    )
    assert s.commune_adjacency.max() < len(c)
    assert np.all(s.emergency.commune < len(c))
    none = france.select(departement="40", buffer_km=0)
    assert none.communes.core.all()


def test_select_by_name_code_and_epcis(france):
    a = france.select(region="Bretagne")
    b = france.select(region="53")
    assert np.array_equal(a.communes.code, b.communes.code)
    siren = str(france.epcis.siren[france.epcis.priority_confirmed][0])
    s = france.select(epcis=[siren], buffer_km=0)
    assert set(s.epcis.siren.tolist()) == {siren}


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"departement": "Landess"}, "unknown département 'Landess'; close matches: Landes"),
        ({"region": "Bretagn"}, "close matches: Bretagne"),
        ({"epcis": ["24400047"]}, "unknown EPCI SIREN '24400047'"),
        ({"epcis": "244000659"}, "non-empty list"),
        ({"region": "53", "departement": "40"}, "exactly one"),
        ({"departement": "40", "buffer_km": -1}, "buffer_km"),
    ],
)
def test_bad_selection(france, kw, msg):
    with pytest.raises(terr.TerritoryError, match=msg):
        france.select(**kw)


def test_missing_and_corrupt_files_say_how_to_rebuild(tmp_path):
    with pytest.raises(terr.TerritoryError, match="missing.*build_territory.py"):
        terr.load(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    with pytest.raises(terr.TerritoryError, match="unreadable.*build_territory.py"):
        terr.load(bad)
    partial = tmp_path / "partial.npz"
    shutil.copy(terr.DEFAULT_PATH, partial)
    partial.write_bytes(partial.read_bytes()[: partial.stat().st_size // 2])
    with pytest.raises(terr.TerritoryError, match="build_territory.py"):
        terr.load(partial)


def _linked(t, a, b):
    idx = {str(k): i for i, k in enumerate(t.communes.code)}
    i, j = sorted((idx[a], idx[b]))
    return bool(np.any((t.commune_adjacency[:, 0] == i) & (t.commune_adjacency[:, 1] == j)))


def test_no_road_across_water_except_listed_bridges(france):
    # ferries only: Blaye - Lamarque (Gironde), Paimbœuf - Donges (Loire), Royan - Le Verdon
    assert not _linked(france, "33058", "33220")
    assert not _linked(france, "44116", "44052")
    assert not _linked(france, "17306", "33544")
    # the listed bridges are there: Ré, Oléron, Noirmoutier, Rivière Salée (Guadeloupe)
    for a, b in (("17297", "17300"), ("17093", "17058"), ("85011", "85012"), ("97120", "97103")):
        assert _linked(france, a, b), (a, b)
    # and no fast link joins a bridgeless island or Corsica to the mainland
    dep = france.communes.departement[france.fast_links.pairs]
    corse = np.isin(dep, ["2A", "2B"])
    assert np.all(corse[:, 0] == corse[:, 1])


def test_guyane_interior_has_no_road(france):
    from accesssim.geo import travel

    c = france.communes
    idx = {str(k): i for i, k in enumerate(c.code)}
    interior = [idx[k] for k in ("97353", "97352", "97356", "97357", "97362")]
    adj = france.commune_adjacency
    assert not np.isin(adj, interior).any()
    assert not np.isin(france.fast_links.pairs, interior).any()
    ed = travel.nearest_minutes(france, france.emergency.commune, travel.METRIC)
    assert np.all(np.isinf(ed[interior]))  # no finite road time, reported as such
    assert np.isfinite(ed[idx["97302"]])  # Cayenne


def test_emergency_list_has_the_acute_sites_and_not_the_named_non_acute_ones(france):
    e = france.emergency
    names = " | ".join(e.name.tolist()).upper()
    for word in ("SIEGE", "LACTARIUM", "STERILISATION", "MAISON DE REPOS", "MOYEN SEJOUR"):
        assert word not in names, word
    codes = set(france.communes.code[e.commune].tolist())
    # Arcachon (La Teste-de-Buch), Villeneuve-sur-Lot, Carpentras, Gassin, Mende, Agen
    for code in ("33529", "47323", "84031", "83065", "48095", "47001"):
        assert code in codes, code
    assert "47277" not in codes  # Sainte-Livrade-sur-Lot: the Agen point moved to Agen


def test_gp_density_falls_from_dense_to_very_sparse_communes(france):
    c = france.communes
    dens = [
        c.gp[c.density_class == k].sum() / c.population[c.density_class == k].sum()
        for k in range(4)
    ]
    assert dens[0] > dens[3]  # SIRENE places GPs in towns; reported by `accesssim validate`
