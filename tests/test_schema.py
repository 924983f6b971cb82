"""The one TOML checker (specs/schema.py): every error names the file, the table and the key
and says what is expected; numbers must be finite; defaults are filled in."""

import math

import pytest

from accesssim.specs import scenario, schema

T = schema.Table(
    "t",
    {
        "n": schema.Field(int, low=1, high=10, default=3),
        "x": schema.Field(float, low=0),
        "name": schema.Field(str, required=True),
        "mode": schema.Field(str, choices=("a", "b")),
        "even": schema.Field(int, check=lambda v: "an even integer" if v % 2 else None),
    },
)


class Bad(ValueError):
    pass


def test_defaults_conversion_and_good_values():
    out = schema.check_table({"name": "z", "x": 2}, T, "f.toml", Bad)
    assert out == {"name": "z", "x": 2.0, "n": 3}
    assert isinstance(out["x"], float)


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"name": "z", "n": 0}, r"f.toml: \[t\]\.n: expected an integer from 1 to 10, got 0$"),
        ({"name": "z", "n": True}, r"\[t\]\.n: expected an integer.*got True"),
        ({"name": "z", "n": 2.0}, r"\[t\]\.n: expected an integer.*got 2.0"),
        ({"name": "z", "x": math.nan}, r"\[t\]\.x: expected a number >= 0, got nan"),
        ({"name": "z", "x": math.inf}, r"\[t\]\.x: expected a number >= 0, got inf"),
        ({"name": "z", "x": "1"}, r"\[t\]\.x: expected a number >= 0, got '1'"),
        ({"name": "z", "mode": "c"}, r"\[t\]\.mode: expected one of 'a', 'b', got 'c'"),
        ({"name": "z", "even": 3}, r"\[t\]\.even: expected an even integer, got 3"),
        ({"name": "z", "nn": 1}, r"\[t\] unknown key 'nn'; expected one of \['even', 'mode'"),
        ({}, r"\[t\]\.name is missing; expected a string"),
        ([1], r"\[t\] must be a table"),
    ],
)
def test_errors_name_file_table_key_and_expectation(raw, message):
    with pytest.raises(Bad, match=message):
        schema.check_table(raw, T, "f.toml", Bad)


def test_unknown_sections():
    with pytest.raises(Bad, match=r"f.toml: unknown section\(s\) \['u'\]; expected \['t'\]"):
        schema.check_sections({"t": {}, "u": {}}, {"t"}, "f.toml", Bad)


def test_open_tables_keep_undeclared_keys():
    t = schema.Table("p", {}, open=True)
    assert schema.check_table({"any": 1}, t, "f", Bad) == {"any": 1}


@pytest.mark.parametrize(
    "line, message",
    [
        ("buffer_km = nan", r"\[territory\]\.buffer_km: expected a number >= 0, got nan"),
        ("buffer_km = -5", r"\[territory\]\.buffer_km: expected a number >= 0, got -5"),
        ("epcis = [true]", r"\[territory\]\.epcis: expected a list of EPCI SIRENs"),
    ],
)
def test_the_scenario_schema_refuses_nan_and_bad_territories(tmp_path, line, message):
    p = tmp_path / "s.toml"
    p.write_text(f'[scenario]\nname = "s"\n[territory]\n{line}\n', encoding="utf-8")
    with pytest.raises(scenario.ScenarioError, match=message) as err:
        scenario.load(p)
    assert str(p) in str(err.value)


@pytest.mark.parametrize(
    "head, message",
    [
        ('name = "e"\nscenarios = []', r"\[experiment\]\.scenarios: expected a list of scenario"),
        ('scenarios = ["b.toml"]', r"\[experiment\]\.name is missing; expected a string"),
        ('name = "e"\nscenarios = ["b.toml"]\noutputs = ["x"]', r"outputs: expected some of"),
        ('name = "e"\nscenarios = ["b.toml"]\nseed = 1', r"\[experiment\] unknown key 'seed'"),
    ],
)
def test_the_experiment_schema_names_file_and_key(tmp_path, head, message):
    from accesssim.specs import experiment

    (tmp_path / "b.toml").write_text('[scenario]\nname = "b"\n', encoding="utf-8")
    p = tmp_path / "e.toml"
    p.write_text(f"[experiment]\n{head}\n", encoding="utf-8")
    with pytest.raises(scenario.ScenarioError, match=message) as err:
        experiment.load(p)
    assert str(p) in str(err.value)
