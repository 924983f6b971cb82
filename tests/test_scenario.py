"""Scenario files: the shipped ones validate, bad ones give errors naming file and key."""

from pathlib import Path

import pytest

from accesssim.specs import scenario

ROOT = Path(__file__).resolve().parents[1]
GOOD = """
[scenario]
name = "t"
years = 2
seeds = [1, 2]
[territory]
departement = "48"
[parameters]
tele_share = 0.05
"""


def write(tmp_path, text):
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file(tmp_path):
    sc = scenario.load(write(tmp_path, GOOD))
    assert sc.seeds == [1, 2] and sc.weeks == 104 and sc.parameters == {"tele_share": 0.05}
    assert sc.load_territory().communes.core.sum() > 100
    assert scenario.load(write(tmp_path, GOOD), seeds=4).seeds == [1, 2, 3, 4]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_validate(path):
    sc = scenario.load(path)
    assert sc.name and sc.years >= 1
    sc.load_territory()


@pytest.mark.parametrize(
    "change, message",
    [
        (("years = 2", "yeers = 2"), r"\[scenario\] unknown key 'yeers'"),
        (("years = 2", 'years = "2"'), r"\[scenario\]\.years: expected an integer"),
        (("years = 2", "years = 500"), r"years: expected an integer from 1 to 50, got 500"),
        (("seeds = [1, 2]", "seeds = [1, 1]"), "duplicate seeds"),
        (("seeds = [1, 2]", "seeds = 0"), "seeds: expected at least 1"),
        (('departement = "48"', 'departement = "Lozer"'), r"\[territory\] unknown département"),
        (('departement = "48"', 'commune = "48"'), r"\[territory\] unknown key 'commune'"),
        (("tele_share = 0.05", "tele_share = 1.5"), r"tele_share: 1.5 is out of range"),
        (("tele_share = 0.05", 'tele_share = "a"'), r"tele_share: expected a number"),
        (
            ("tele_share = 0.05", "tele_shares = 0.05"),
            "unknown parameter 'tele_shares'.*tele_share",
        ),
        (("[parameters]", "[params]"), r"unknown section"),
    ],
)
def test_bad_files_name_file_and_key(tmp_path, change, message):
    p = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(scenario.ScenarioError, match=message) as err:
        sc = scenario.load(p)
        sc.load_territory()
    assert str(p) in str(err.value)


def test_unknown_policy_and_bad_toml(tmp_path):
    p = write(tmp_path, GOOD + '\n[[policies]]\ntype = "magic"\n')
    with pytest.raises(scenario.ScenarioError, match=r"\[\[policies\]\]\.type: unknown policy"):
        scenario.load(p)
    p = write(tmp_path, "[scenario\nname=")
    with pytest.raises(scenario.ScenarioError, match="not valid TOML"):
        scenario.load(p)
    with pytest.raises(scenario.ScenarioError, match="cannot read"):
        scenario.load(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    "table, kind, codes, label",
    [
        ("", None, (), "all of France"),
        ('[territory]\nregion = "Bretagne"\n', "region", ("Bretagne",),
         "region Bretagne (with a 30 km buffer)"),
        ('[territory]\nepcis = [241800507, "200006930"]\nbuffer_km = 10\n', "epcis",
         ("241800507", "200006930"), "epcis 241800507, 200006930 (with a 10 km buffer)"),
    ],
)  # fmt: skip
def test_territory_selection_is_parsed_once_into_a_typed_object(
    tmp_path, table, kind, codes, label
):
    sc = scenario.load(write(tmp_path, '[scenario]\nname = "t"\n' + table))
    assert (sc.territory.kind, sc.territory.codes, sc.territory_label) == (kind, codes, label)
    assert bool(sc.territory) == (kind is not None)
    # the TOML table it writes back (manifests, derived scenarios) reads as the same selection
    again = scenario.from_dict({"scenario": {"name": "t"}, "territory": sc.territory.as_table()})
    assert again.territory == sc.territory


def test_territory_selection_loads_the_same_communes_as_a_direct_selection(tmp_path):
    from accesssim.geo import territory as terr

    sc = scenario.load(write(tmp_path, GOOD))
    assert sc.territory == scenario.TerritorySelection("departement", ("48",), 30.0)
    direct = terr.load().select(departement="48", buffer_km=30.0)
    assert list(sc.load_territory().communes.code) == list(direct.communes.code)
