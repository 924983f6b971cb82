"""The range of each uncertain parameter, and the calibration's parameter draws.

Why here: the study-file parser (``specs.study``) checks a file's parameter names and its
``[ranges]`` against these, and the sensitivity study and ``compare --uncertainty``
(``experiments.sensitivity``) map points of the unit cube to parameter values with them
(``Range.value``). Ranges and distributions are declared with each ``Param``
(``parameters.PARAMETERS``); fitted parameters use the calibration file's ``"draws"`` (a list
of fitted-value tables) when it has them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path

from accesssim.params import calibration as calfile
from accesssim.params import parameters
from accesssim.specs.scenario import ScenarioError


@dataclass(frozen=True)
class Range:
    name: str
    distribution: str  # uniform, loguniform, scale
    low: float
    high: float
    source: str
    step: float | None = None
    default: object = None
    integer: bool = False  # a whole-number parameter (years of a lag): drawn values rounded

    def value(self, u: float):
        """The parameter value at ``u`` in the unit interval."""
        if self.distribution == "loguniform":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        if self.step:
            x = round(x / self.step) * self.step
        if self.distribution == "scale":
            return _scale(self.default, x)
        return int(round(x)) if self.integer else float(x)


def _scale(v, f):
    return tuple(_scale(x, f) for x in v) if isinstance(v, tuple) else float(v) * f


def uncertain() -> list[str]:
    """Every model parameter with a range (A and C parameters not fixed). Policy keys with a
    range (``<policy type>.<key>``) are sampled only when a study names them."""
    return [k for k, p in parameters.PARAMETERS.items() if p.distribution not in ("", "fixed")]


def parameter_ranges(
    names, calibration=calfile.SHIPPED_CALIBRATION, overrides=None, where="parameters"
) -> list[Range]:
    """The range of each name: ``overrides`` ({name: [low, high]}) first, then for a fitted
    parameter the span of the calibration's ``"draws"`` when present, then the table's."""
    overrides = overrides or {}
    draws = _calibration_draws(calibration)
    defaults = calfile.defaults(calibration)
    out = []
    for name in names:
        p = policy_param(name, where) if "." in name else parameters.PARAMETERS.get(name)
        if p is None:
            raise ScenarioError(f"{where}: unknown parameter {name!r}")
        dist, rng, src = p.distribution, p.range, p.range_source
        if name in overrides:
            rng = overrides[name]
            dist = dist if dist not in ("", "fixed") else "uniform"
            src = "given in the sensitivity file"
            if not isinstance(rng, list | tuple) or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                for x in rng
            ):
                raise ScenarioError(
                    f"{where}.{name}: expected a range [low, high] of finite numbers, got {rng!r}"
                )
            try:
                parameters.check_range(name, dist, rng, where, param=p)
            except ValueError as exc:
                raise ScenarioError(str(exc)) from None
        elif p.status == "C" and name in draws and dist != "scale":
            rng = (min(draws[name]), max(draws[name]))
            dist, src = "uniform", "the calibration's parameter draws"
        if dist in ("", "fixed") or rng is None:
            why = f" ({p.range_source})" if p.range_source else ""
            raise ScenarioError(f"{where}: parameter {name!r} has no range{why}")
        default = p.default if "." in name else defaults.get(name)
        r = Range(name, dist, float(rng[0]), float(rng[1]), src, p.step, default)
        out.append(dataclasses.replace(r, integer=p.kind == "integer"))
    return out


def policy_param(name: str, where: str):
    """The ``Param`` of a policy key named ``<policy type>.<key>`` (e.g.
    ``france_sante.extra_consultations_per_structure``): a policy's effect size without a
    published figure has a range, and a study may sample it like a model parameter."""
    from accesssim.policies import registry

    kind, key = name.split(".", 1)
    cls = registry.lookup(kind)
    if cls is None:
        raise ScenarioError(f"{where}: {name!r}: unknown policy type {kind!r}")
    if key not in cls.PARAMS:
        raise ScenarioError(
            f"{where}: {name!r}: policy {kind!r} has no key {key!r}; expected one of "
            f"{sorted(cls.PARAMS)}"
        )
    return cls.PARAMS[key]


def apply_values(data: dict, point: dict) -> dict:
    """Scenario TOML data with a design point applied: model parameters under
    ``[parameters]``, ``<policy type>.<key>`` values on every ``[[policies]]`` table of that
    type (a scenario without that policy, such as the baseline, is left as it is)."""
    for name, value in point.items():
        if "." in name:
            kind, key = name.split(".", 1)
            for pol in data.get("policies", []):
                if pol.get("type") == kind:
                    pol[key] = value
        else:
            data.setdefault("parameters", {})[name] = value
    return data


def _calibration_draws(calibration) -> dict[str, list[float]]:
    """{name: [values]} from a calibration file's ``"draws"`` (a list of {name: value}); empty
    when it has none."""
    if calibration is None or isinstance(calibration, dict):
        return {}
    try:
        data = json.loads(Path(calibration).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, list[float]] = {}
    for d in data.get("draws", []) if isinstance(data, dict) else []:
        for k, v in d.items() if isinstance(d, dict) else ():
            if isinstance(v, int | float):
                out.setdefault(k, []).append(float(v))
    return out


def draw_tables(calibration) -> list[dict]:
    """The calibration's parameter draws as they were fitted together (a list of {name:
    value}); empty when the file has none."""
    if calibration is None or isinstance(calibration, dict):
        return []
    try:
        data = json.loads(Path(calibration).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    draws = data.get("draws", []) if isinstance(data, dict) else []
    return [
        {k: float(v) for k, v in d.items() if k in parameters.PARAMETERS}
        for d in draws
        if isinstance(d, dict)
    ]
