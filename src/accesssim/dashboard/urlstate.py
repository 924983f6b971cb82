"""The page's state in its URL, so that a link reopens the same run.

Why a module of its own: the query string is read from outside (anyone can edit a link), so
it is parsed here against the page's own choices (territories, presets, sliders and their
bounds), with every unknown or out-of-range item dropped and said, never trusted; and the
page writes it back after each run. Pure functions: tested without a browser.

Keys: ``territoire``, ``scenario`` (a preset's label), ``graine``, ``graines`` (how many),
``semaines`` (the week the run had reached), and one key per slider (its ``name``).
"""

from __future__ import annotations

import logging
import urllib.parse
from dataclasses import dataclass, field

from accesssim.dashboard.controls import (
    NO_PRESET,
    default_values,
    load_preset,
    presets,
    sliders,
    switches,
)
from accesssim.dashboard.controls import territory_choices as choices

log = logging.getLogger("accesssim.dashboard")

MAX_SEEDS = 10
MAX_SEED = 50
MAX_WEEKS = 20 * 52


@dataclass
class UrlState:
    """What a link asks for; ``dropped`` lists the items that were not understood."""

    territory: str | None = None
    preset: str = NO_PRESET
    seed: int = 1
    n_seeds: int | None = None
    weeks: int = 0
    values: dict = field(default_factory=dict)
    dropped: list = field(default_factory=list)


def encode(territory: str, preset: str, seed: int, n_seeds: int, values: dict, weeks: int) -> str:
    """The query string (no ``?``) of a run: every slider at its value."""
    q = {"territoire": territory}
    if preset != NO_PRESET:
        q["scenario"] = preset
    q |= {"graine": int(seed), "graines": int(n_seeds), "semaines": int(weeks)}
    # switches as 0/1 (a bool would read back as the text "True")
    q |= {k: int(v) if isinstance(v, bool) else v for k, v in sorted(values.items())}
    return urllib.parse.urlencode(q, quote_via=urllib.parse.quote)


def _int(raw: str, low: int, high: int) -> int | None:
    try:
        v = int(raw)
    except ValueError:
        return None
    return v if low <= v <= high else None


def decode(query: str | None) -> UrlState:
    """Parse a query string against the page's choices: unknown keys, territories, presets
    and out-of-range values are dropped (named in ``dropped``)."""
    out = UrlState()
    if not query:
        return out
    by_name = {s.name: s for s in sliders()}
    switch_names = {w.name for w in switches()}
    for key, raw in urllib.parse.parse_qsl(query.lstrip("?"), keep_blank_values=True):
        ok = True
        if key == "territoire":
            ok = raw in choices()
            out.territory = raw if ok else out.territory
        elif key == "scenario":
            ok = raw in presets()
            out.preset = raw if ok else out.preset
        elif key in ("graine", "graines", "semaines"):
            high = {"graine": MAX_SEED, "graines": MAX_SEEDS, "semaines": MAX_WEEKS}[key]
            v = _int(raw, 0 if key == "semaines" else 1, high)
            ok = v is not None
            if ok:
                setattr(out, {"graine": "seed", "graines": "n_seeds", "semaines": "weeks"}[key], v)
        elif key in switch_names:
            ok = raw in ("0", "1")
            if ok:
                out.values[key] = raw == "1"
        elif key in by_name:
            s = by_name[key]
            try:
                v = int(raw) if s.integer else float(raw)
            except ValueError:
                v = None
            ok = v is not None and s.min <= v <= s.max or (v is not None and v == s.none)
            if ok:
                out.values[key] = v
        else:
            ok = False
        if not ok:
            out.dropped.append(f"{key}={raw}")
    return out


def values_of(state: UrlState, preset_values: dict | None = None) -> dict:
    """The slider values a link sets: the defaults (or its preset's), then its own."""
    return {**(preset_values or default_values()), **state.values}


def opened_link(search: str | None) -> tuple[UrlState, dict, tuple]:
    """The page's initial state from its link: a preset's values and specs, then the link's
    own slider values (``decode`` drops what it does not understand)."""
    link = decode(search)
    preset_values, base = None, ()
    if link.preset != NO_PRESET:
        try:
            preset_values, b = load_preset(presets()[link.preset])
            base = tuple(b)
        except Exception as exc:
            log.warning("preset %s failed", link.preset)
            link.dropped.append(f"scenario={link.preset} ({exc})")
            link.preset = NO_PRESET
    return link, values_of(link, preset_values), base
