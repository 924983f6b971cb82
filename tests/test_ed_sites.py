"""The emergency-department list: its committed input, its reader's errors, the placement rules
on a hand-made map, and the shipped territory's sites (issue 18)."""

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import ed_sites  # noqa: E402

from accesssim.experiments.validation.ed_checks import ed_points  # noqa: E402

INPUT = ROOT / "scripts" / "inputs" / ed_sites.ED_FILE
DEPS = {"75", "93", "48", "2A", "971", "975"}


def _site(**kw):
    base = {
        "finess": "750100125",
        "name": "GHU APHP SUN SITE PITIE SALPETRIERE",
        "commune": "PARIS 13E ARRONDISSEMENT",
        "dept": "75",
        "category": "chu",
        "lat": 48.84021,
        "lon": 2.36322,
        "general": True,
        "pediatric": False,
        "seasonal": False,
        "antenna": False,
        "passages": 132774,
    }
    return {**base, **kw}


def _write(tmp_path, sites, **top):
    f = tmp_path / "ed.json"
    doc = {"vintage": 2025, "finessDate": "2026-05-12", "sites": sites, **top}
    f.write_text(json.dumps(doc), encoding="utf-8")
    return f


# ------------------------------------------------------------------ the committed input
def test_committed_input_matches_its_recorded_sha256_and_totals():
    data = INPUT.read_bytes()
    recorded = re.findall(r"\b[0-9a-f]{64}\b", (INPUT.parent / "SOURCES.md").read_text())
    assert hashlib.sha256(data).hexdigest() in recorded
    doc = json.loads(data)
    assert len(data.decode("utf-8")) == 175_622  # characters, as the source's page count gave
    assert len(doc["sites"]) == 616 and doc["unmatched"] == ["830200523"]
    assert sum(s["passages"] or 0 for s in doc["sites"]) == 21_690_796
    parsed = ed_sites.read_sites(INPUT, {s["dept"] for s in doc["sites"]})
    assert len(parsed["sites"]) == 616 and parsed["vintage"] == 2025


# ------------------------------------------------------------------ the reader's errors
def test_reader_accepts_a_good_file_and_parses_null_passages(tmp_path):
    f = _write(tmp_path, [_site(), _site(finess="590811279", passages=None, general=False)])
    out = ed_sites.read_sites(f, DEPS)
    assert [s["passages"] for s in out["sites"]] == [132774, -1]
    assert out["finess_date"] == "2026-05-12"


@pytest.mark.parametrize(
    ("site", "pattern"),
    [
        ({"lat": None}, r"site 1 \(finess 750100125\), field 'lat': expected a number"),
        ({"lon": "2,36"}, r"field 'lon': expected a number of degrees"),
        ({"lat": 148.8}, r"field 'lat': expected a number of degrees within ±90"),
        ({"dept": "99"}, r"field 'dept': unknown département '99'"),
        ({"general": "yes"}, r"field 'general': expected true or false"),
        ({"category": "clinic"}, r"field 'category': expected one of"),
        ({"finess": "75010012"}, r"field 'finess': expected a 9-character FINESS id"),
        ({"passages": -3}, r"field 'passages': expected a count or null"),
    ],
)
def test_reader_names_file_site_and_field_on_bad_values(tmp_path, site, pattern):
    f = _write(tmp_path, [_site(**site)])
    with pytest.raises(SystemExit, match=f"ED sites: file .*ed\\.json, .*{pattern}"):
        ed_sites.read_sites(f, DEPS)


def test_reader_names_a_missing_field_and_a_missing_list(tmp_path):
    s = _site()
    del s["commune"]
    with pytest.raises(SystemExit, match=r"ed\.json, site 1 .*field 'commune' is missing"):
        ed_sites.read_sites(_write(tmp_path, [s]), DEPS)
    f = tmp_path / "ed.json"
    f.write_text(json.dumps({"vintage": 2025, "finessDate": "x", "hospitals": []}))
    with pytest.raises(SystemExit, match=r"ed\.json has no field 'sites'"):
        ed_sites.read_sites(f, DEPS)
    with pytest.raises(SystemExit, match=r"listed twice"):
        ed_sites.read_sites(_write(tmp_path, [_site(), _site()]), DEPS)


def test_reader_names_a_missing_or_unreadable_file(tmp_path):
    with pytest.raises(SystemExit, match=r"ED sites: file .*nope\.json is missing"):
        ed_sites.read_sites(tmp_path / "nope.json", DEPS)
    f = tmp_path / "ed.json"
    f.write_text("{not json", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"ED sites: file .*ed\.json is not UTF-8 JSON"):
        ed_sites.read_sites(f, DEPS)


def test_place_names_are_normalised_across_spellings():
    n = ed_sites.normalise_place
    assert n("PARIS 13E ARRONDISSEMENT") == n("Paris") == "PARIS"
    assert n("VANDOEUVRE LES NANCY") == n("Vandœuvre-lès-Nancy")
    assert n("ST JEAN DE LUZ") == n("Saint-Jean-de-Luz")


# ------------------------------------------------------------------ placement on a hand map
def test_placement_rules_on_two_squares():
    if importlib.util.find_spec("shapely") is None:
        pytest.skip("shapely absent: pip install -e '.[build-data]'")
    import shapely

    # two unit squares side by side: A = [0,1]x[0,1] (dept 48), B = [1,2]x[0,1] (dept 48)
    polys = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    tree = shapely.STRtree(polys)
    dep = np.array(["48", "48"])
    lon, lat = np.array([0.5, 1.5]), np.array([0.5, 0.5])
    communes = [{"nom": "Aville", "departement": "48"}, {"nom": "Bville", "departement": "48"}]
    by_name = ed_sites.name_index(communes, [], {})
    sites = [
        _site(finess="480000001", commune="AVILLE", dept="48", lon=0.2, lat=0.2),  # in A
        _site(finess="480000002", commune="AVILLE", dept="48", lon=1.9, lat=0.5),  # in B, far
        _site(finess="480000003", commune="OLDNAME", dept="48", lon=1.2, lat=0.5),  # unknown
        _site(finess="480000004", commune="AVILLE", dept="48", lon=5.0, lat=5.0),  # off-map
        _site(finess="480000005", commune="ELSEWHERE", dept="48", lon=5.0, lat=5.0),
        _site(finess="750000001", commune="PARIS", dept="75", lon=0.5, lat=0.5),  # not built
    ]
    placed, dropped, counts = ed_sites.place_sites(
        sites, shapely, tree, polys, dep, lon, lat, by_name, {"48"}
    )
    got = {s["finess"]: (s["commune_index"], s["x"], s["y"]) for s in placed}
    assert got["480000001"] == (0, 0.2, 0.2)  # point in the named commune: kept
    assert got["480000002"] == (0, 0.5, 0.5)  # 0.9° away: moved to Aville's town hall
    assert got["480000003"] == (1, 1.2, 0.5)  # name unknown, point in the département: kept
    assert got["480000004"] == (0, 0.5, 0.5)  # named commune known: moved there
    assert [d["finess"] for d in dropped] == ["480000005"]
    assert "750000001" not in got  # département not selected: skipped
    assert counts["dropped"] == 1 and counts["moved to its town hall"] == 2


def test_build_stops_when_a_departement_has_no_general_ed():
    placed = [{"commune_index": 0, "general": False, "pediatric": True, "finess": "480000001"}]
    with pytest.raises(SystemExit, match=r"département\(s\) 48 have no site counting"):
        ed_sites.check_sites(placed, ["48095"], np.array(["48"]), {"48"})


# ------------------------------------------------------------------ the shipped territory
APHP_GENERAL = {
    "750100125": "Pitié-Salpêtrière",
    "750100232": "Bichat",
    "750100042": "Lariboisière",
    "750100091": "Saint-Antoine",
    "750100166": "Cochin",
    "750100273": "Tenon",
    "750803447": "Georges-Pompidou",
    "750100075": "Saint-Louis",
    "750100018": "Hôtel-Dieu",
}
APHP_PAEDIATRIC = {"750803454": "Robert-Debré", "750100208": "Necker", "750100109": "Trousseau"}


def _code_of(france, name, dep):
    c = france.communes
    (i,) = np.flatnonzero((c.name == name) & (c.departement == dep))
    return str(c.code[i])


def test_paris_has_its_aphp_eds_and_the_paediatric_ones_apart(france):
    e, o = france.emergency, france.emergency_other
    paris = france.communes.code[e.commune] == "75056"
    assert paris.sum() >= 10
    assert set(APHP_GENERAL) <= set(e.finess[paris].tolist())
    where = {f: k for k, f in enumerate(o.finess.tolist())}
    for fid in APHP_PAEDIATRIC:
        k = where[fid]
        assert o.pediatric[k] and not o.general[k]
        assert france.communes.code[o.commune[k]] == "75056"


def test_named_non_acute_sites_are_absent(france):
    names = " | ".join([*france.emergency.name, *france.emergency_other.name]).upper()
    for word in ("AGEPS", "SAMU", "PENITENTIAIRE", "USMP", "UCSA", "PALLIATI", "READAPTATION"):
        assert word not in names, word
    assert "HENRY GABRIELLE" not in names
    codes = set(france.communes.code[france.emergency.commune].tolist())
    codes |= set(france.communes.code[france.emergency_other.commune].tolist())
    for name, dep in [
        ("Vailhauquès", "34"),  # SAMU call centre
        ("Tarascon", "13"),  # prison health unit
        ("Quetigny", "21"),
        ("Bruay-la-Buissière", "62"),
        ("Salies-du-Salat", "31"),
        ("Zuydcoote", "59"),
        ("Bullion", "78"),
        ("Lauris", "84"),
        ("Saint-Genis-Laval", "69"),  # Henry-Gabrielle rehabilitation hospital
    ]:
        assert _code_of(france, name, dep) not in codes, name


def test_delafontaine_is_in_saint_denis_93(france):
    e = france.emergency
    (k,) = np.flatnonzero(e.finess == "930000328")
    assert france.communes.code[e.commune[k]] == "93066"
    assert e.departement[k] == "93" and e.category[k] == "ch"


def test_every_site_lies_in_the_commune_of_its_source(france):
    c = france.communes
    for e in (france.emergency, france.emergency_other):
        for k in range(len(e)):
            ci = e.commune[k]
            assert c.departement[ci] == e.departement[k], e.finess[k]
            assert ed_sites.normalise_place(str(c.name[ci])) == ed_sites.normalise_place(
                str(e.city[k])
            ), (e.finess[k], c.name[ci], e.city[k])


def test_every_departement_has_an_ed_and_private_sites_are_listed(france):
    deps = set(france.communes.departement.tolist())
    have = set(france.communes.departement[france.emergency.commune].tolist())
    assert deps == have
    assert np.all(france.emergency.general) and not np.any(france.emergency.specialised)
    assert (france.emergency.category == "private").sum() >= 100


def test_points_daccueil_within_5_percent_of_drees_719(france):
    # 719 points d'accueil in 2023 (DREES, docs/sources.md §5); general and paediatric points
    assert 683 <= ed_points(france) <= 755
