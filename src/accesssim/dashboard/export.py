"""The page's downloads: the EPCI table (CSV, its ``.csvt`` and a settings sidecar), the map
as PNG, and the run's settings as a scenario file, each saying what made it.

Why a module of its own: a download is a file someone keeps and reads elsewhere, with its
own columns and formats (machine-readable numbers, SIRENs quoted as text), unlike the page's
French display; all are built from one ``Snapshot`` and testable without a browser.

Provenance: every file names its territory, scenario and date (``file_name``); the PNG
carries a subtitle (scenario, doses, seeds, dates, model version: ``subtitle_lines``); the
CSV comes with a ``.csvt`` (codes typed as text, as ``accesssim run`` writes) and a JSON
sidecar of the settings (``settings_of``); ``scenario_toml`` writes the run as a scenario
file that ``accesssim run`` reproduces (same territory, seeds, policies; the horizon rounded
up to whole years).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
import unicodedata
import zipfile
from types import SimpleNamespace

import numpy as np

from accesssim.dashboard import dashmap
from accesssim.dashboard.controls import FRANCE, NO_PRESET, START_YEAR, describe
from accesssim.dashboard.engine import Snapshot
from accesssim.dashboard.maps import MAP_INDICATORS, map_colors, map_title
from accesssim.geo import territory as terr
from accesssim.model.access_model import WEEKS_PER_YEAR
from accesssim.outputs import export as tables
from accesssim.policies import registry
from accesssim.util.version import __version__, model_version

CSV_COLUMNS = (
    "epci_siren", "epci_name", "priority", "population", "weeks", "needed_policy",
    "forgone_policy", "forgone_baseline", "forgone_avoided", "ed_policy", "ed_baseline",
    "ed_avoided", "forgone_rate_policy", "forgone_rate_baseline", "apl_policy", "apl_baseline",
    "n_seeds",
)  # fmt: skip


# ---------------------------------------------------------------------- provenance
def today() -> str:
    return datetime.date.today().isoformat()


def slug(text: str) -> str:
    """``"Pacte 2025 (toutes les mesures)"`` -> ``"pacte-2025-toutes-les-mesures"``."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(ch)
    )
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "x"


def scenario_label(snap: Snapshot) -> str:
    """The preset's name, or "reglages libres" / "reference" for free settings."""
    if snap.settings.preset != NO_PRESET:
        return snap.settings.preset
    return "réglages libres" if snap.specs else "référence sans mesure"


def file_name(snap: Snapshot, what: str, ext: str) -> str:
    """``accesssim_<what>_<territory>_<scenario>_<YYYY-MM-DD>.<ext>``: two downloads of two
    runs never share a name."""
    return (
        f"accesssim_{what}_{slug(snap.territory.label)}_{slug(scenario_label(snap))}_"
        f"{today()}.{ext}"
    )


def seeds_text(seeds) -> str:
    seeds = list(seeds)
    if len(seeds) == 1:
        return f"graine {seeds[0]}"
    return f"{len(seeds)} graines ({seeds[0]} à {seeds[-1]}, médiane)"


def subtitle_lines(snap: Snapshot) -> tuple[str, ...]:
    """What made the figure: scenario and doses, seeds, dates, model version."""
    return (
        f"Scénario : {scenario_label(snap)} — " + " ; ".join(describe(snap.specs)),
        f"{seeds_text(snap.seeds)} · {snap.week} semaines depuis janv. {START_YEAR} "
        f"(jusqu'à {snap.date}) · modèle {model_version()}, accesssim {__version__} · "
        f"produit le {today()} · valeurs modélisées",
    )


def settings_of(snap: Snapshot) -> dict:
    """The run's settings and versions (the CSV's JSON sidecar)."""
    return {
        "territory": snap.territory.label,
        "territory_choice": snap.settings.territory,
        "scenario": scenario_label(snap),
        "policies": [dict(s) for s in snap.specs],
        "seeds": list(snap.seeds),
        "values": "median across seeds of each EPCI value; avoided = median of each seed's "
        "baseline - policy"
        if len(snap.seeds) > 1
        else "one seed",
        "weeks": snap.week,
        "start": f"{START_YEAR}-01",
        "until": snap.date,
        "model_version": model_version(),
        "accesssim_version": __version__,
        "calibration": "shipped (src/accesssim/data/calibration.json)",
        "made": today(),
        "scenario_toml": scenario_toml(snap),
    }


# ---------------------------------------------------------------------- CSV
def epci_rows(snap: Snapshot) -> list[dict]:
    """The EPCI table of the current results (core EPCIs; medians across seeds)."""
    e = snap.territory.epcis
    c = snap.territory.communes
    pop = np.bincount(c.epci, weights=c.population * c.core, minlength=len(e))
    p, b = snap.by_epci["policy"], snap.by_epci["baseline"]
    forgone, ed = snap.avoided("forgone"), snap.avoided("ed")
    rows = []
    for k in np.flatnonzero(e.core):
        status = "confirmed" if snap.confirmed[k] else ("completed" if snap.priority[k] else "")
        values = [
            str(e.siren[k]), str(e.name[k]), status, int(round(pop[k])), snap.week,
            round(p["needed"][k], 1), round(p["forgone"][k], 1), round(b["forgone"][k], 1),
            round(forgone[k], 1), round(p["ed"][k], 1), round(b["ed"][k], 1), round(ed[k], 1),
            round(float(snap.epci[("renoncement_rate", "policy")][k]), 6),
            round(float(snap.epci[("renoncement_rate", "baseline")][k]), 6),
            round(float(snap.epci[("apl", "policy")][k]), 4),
            round(float(snap.epci[("apl", "baseline")][k]), 4),
            len(snap.seeds),
        ]  # fmt: skip
        rows.append(dict(zip(CSV_COLUMNS, values, strict=True)))
    return rows


def epci_csv(snap: Snapshot) -> str:
    """The EPCI table as CSV (SIRENs quoted, as text)."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in epci_rows(snap):
        w.writerow(r.values())
    return buf.getvalue()


def epci_csvt(snap: Snapshot) -> str:
    """The ``.csvt`` beside the CSV (``outputs.export.csvt_text``, as ``accesssim run``)."""
    return tables.csvt_text(epci_rows(snap))


def epci_bundle(snap: Snapshot) -> bytes:
    """A zip of the CSV, its ``.csvt``, the JSON settings sidecar and the scenario file."""
    stem = file_name(snap, "epci", "csv")[:-4]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{stem}.csv", epci_csv(snap))
        z.writestr(f"{stem}.csvt", epci_csvt(snap))
        z.writestr(f"{stem}.json", json.dumps(settings_of(snap), ensure_ascii=False, indent=1))
        z.writestr(f"{stem}.toml", scenario_toml(snap))
    return buf.getvalue()


# ---------------------------------------------------------------------- PNG
def map_png(snap: Snapshot, indicator: str, view: str) -> bytes:
    """The map of the page as a PNG, with its title, legend and provenance subtitle."""
    _, classes, colors, _ = map_colors(snap, indicator, view)
    return dashmap.png(
        snap.territory,
        colors,
        snap.priority,
        snap.confirmed,
        classes,
        map_title(snap, indicator, view),
        MAP_INDICATORS[indicator].unit,
        subtitle_lines(snap),
    )


# ---------------------------------------------------------------------- scenario file
def territory_table(choice: str) -> dict:
    """The ``[territory]`` table of a page's territory choice ({} for all of France)."""
    if choice == FRANCE:
        return {}
    t = terr.load()
    if choice in t.names["region"].values():
        return {"region": choice, "buffer_km": terr.DEFAULT_BUFFER_KM}
    return {"departement": choice.split(" ", 1)[0], "buffer_km": terr.DEFAULT_BUFFER_KM}


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return repr(float(v))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a TOML basic string
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML for {v!r}")


def _table(name: str, d: dict) -> list[str]:
    return [f"[{name}]", *[f"{k} = {_toml_value(v)}" for k, v in d.items()]]


def scenario_tables(snap: Snapshot) -> tuple[dict, list[str]]:
    """The run as scenario tables (``specs.scenario`` keys), and the notes that go in the
    file as comments: ``years`` is the horizon rounded up to whole years, and a policy that
    starts after it (it did nothing in this run) is left out."""
    weeks = max(snap.week, 1)
    years = math.ceil(weeks / WEEKS_PER_YEAR)
    notes = []
    if weeks != years * WEEKS_PER_YEAR:
        notes.append(
            f"the page ran {snap.week} weeks; a scenario runs whole years: {years} "
            f"year(s) = {years * WEEKS_PER_YEAR} weeks"
        )
    where = SimpleNamespace(path="dashboard", start_year=START_YEAR, weeks=None)
    policies = []
    for spec in snap.specs:
        if registry.from_spec(spec, where).start_week >= years * WEEKS_PER_YEAR:
            notes.append(f"policy {spec['type']} left out: it starts after the horizon")
            continue
        policies.append(dict(spec))
    name = slug(f"dashboard {snap.territory.label} {scenario_label(snap)}").replace("-", "_")
    head = {
        "name": name[:80],
        "description": f"Tableau de bord : {scenario_label(snap)}, {snap.territory.label}",
        "start_year": START_YEAR,
        "years": years,
        "seeds": list(snap.seeds),
    }
    return {
        "scenario": head,
        "territory": territory_table(snap.settings.territory),
        "parameters": {},
        "policies": policies,
    }, notes


def scenario_toml(snap: Snapshot) -> str:
    """The run as a scenario file for ``accesssim run`` (and ``compare`` beside a baseline
    with the same territory, years and seeds)."""
    tables_, notes = scenario_tables(snap)
    lines = [
        f"# Written by the accesssim dashboard on {today()} (model {model_version()}, "
        f"accesssim {__version__}): `accesssim run` on this file reproduces the page's run.",
        *[f"# Note: {n}." for n in notes],
        *_table("scenario", tables_["scenario"]),
    ]
    if tables_["territory"]:
        lines += ["", *_table("territory", tables_["territory"])]
    for spec in tables_["policies"]:
        lines += ["", *_table("[policies]", spec)]
    return "\n".join(lines) + "\n"
