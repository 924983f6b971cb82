"""Check that the curated examples under results/ still reproduce (`make examples-check`).

Regenerates the cheap parts of each curated example with the command and seeds that made it
(read from its manifest), into a temporary folder, and compares them with the committed files:

* numbers (CSV cells, and numbers in Markdown text) within a relative tolerance of 1e-9
  (``REL_TOL``; absolute 1e-12 around zero): the same code on another machine or BLAS may
  differ in the last bits, a model change moves them far more;
* text equal after normalising timings (``12.3 s``, ``seconds``), which change on every run;
* the manifest's inputs (scenario files' sha256, seeds, years, territory and calibration) equal.

Figures are not regenerated (not cheap, and not comparable byte for byte). Today the cheap part
is ``results/compare_centre_val_de_loire`` (``compare.md``, ``compare_summary.csv``; about
40 s on one core). ``results/sensitivity_cvl`` and ``results/compare_uncertainty`` take minutes:
``make sensitivity-example`` regenerates them.

Exit code 0 when everything matches, 1 with each difference named (file, row, column) when not,
2 when a curated example or its manifest is missing.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

REL_TOL = 1e-9
ABS_TOL = 1e-12
# the inputs a manifest records that must be the same for the numbers to be comparable
MANIFEST_INPUTS = ("baseline", "seeds", "years", "start_year", "territory", "territory_sha256")
NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
TIMING = re.compile(r"\b\d+(?:\.\d+)?\s*(?:s|sec|seconds|min|minutes)\b")


def normalise_timings(text: str) -> str:
    return TIMING.sub("<time>", text)


def _num(s: str) -> float | None:
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def close(a: str, b: str) -> bool:
    """Two cells or tokens agree: equal text, or numbers within the tolerance."""
    if a == b:
        return True
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return False
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def compare_csv(name: str, committed: str, fresh: str) -> list[str]:
    a = list(csv.reader(io.StringIO(committed)))
    b = list(csv.reader(io.StringIO(fresh)))
    if not a or not b or a[0] != b[0]:
        return [f"{name}: header differs: {a[:1]} vs {b[:1]}"]
    if len(a) != len(b):
        return [f"{name}: {len(a) - 1} rows committed, {len(b) - 1} regenerated"]
    out = []
    header = a[0]
    for i, (ra, rb) in enumerate(zip(a[1:], b[1:], strict=True), start=2):
        for col, x, y in zip(header, ra, rb, strict=False):
            if not close(x, y):
                out.append(f"{name}: line {i}, column {col!r}: committed {x}, regenerated {y}")
    return out


def compare_text(name: str, committed: str, fresh: str) -> list[str]:
    """Line by line after normalising timings; numbers within the tolerance (those printed
    rounded are equal unless the numbers moved)."""
    a = normalise_timings(committed).splitlines()
    b = normalise_timings(fresh).splitlines()
    if len(a) != len(b):
        return [f"{name}: {len(a)} lines committed, {len(b)} regenerated"]
    out = []
    for i, (la, lb) in enumerate(zip(a, b, strict=True), start=1):
        if la == lb:
            continue
        ta, tb = NUMBER.split(la), NUMBER.split(lb)
        na, nb = NUMBER.findall(la), NUMBER.findall(lb)
        if ta != tb or len(na) != len(nb) or not all(map(close, na, nb)):
            out.append(f"{name}: line {i} differs:\n  committed:   {la}\n  regenerated: {lb}")
    return out


def check_compare_cvl(example: Path, work: Path) -> list[str]:
    """results/compare_centre_val_de_loire: `accesssim compare` of every shipped policy
    scenario against the baseline with --ed-sensitivity and --replacement-range (as its
    manifest records; results/README.md), same seeds."""
    from accesssim.experiments import compare
    from accesssim.outputs import export

    manifest_file = example / "manifest.json"
    if not manifest_file.is_file():
        raise FileNotFoundError(f"{manifest_file} is missing")
    made = json.loads(manifest_file.read_text(encoding="utf-8"))
    paths = [ROOT / s["file"] for s in made["scenarios"]]
    cmp = compare.compare(
        paths,
        seeds=len(made["seeds"]),
        ed_sensitivity=bool(made.get("ed_sensitivity")),
        replacement_range=bool(made.get("policy_ranges")),
        show_progress=False,
    )
    now = compare.manifest(cmp)
    problems = []
    for key in MANIFEST_INPUTS:
        if made.get(key) != now.get(key):
            problems.append(f"manifest.json: {key} was {made.get(key)!r}, now {now.get(key)!r}")
    for s_made, s_now in zip(made["scenarios"], now["scenarios"], strict=False):
        if s_made["sha256"] != s_now["sha256"]:
            problems.append(f"manifest.json: scenario file {s_made['file']} changed (sha256)")
    if made["calibration"].get("sha256") != now["calibration"].get("sha256"):
        problems.append("manifest.json: the calibration file changed (sha256)")
    fresh = {
        "compare_summary.csv": export.csv_text(compare.summary_rows(cmp)),
        "compare.md": compare.report_markdown(cmp),
    }
    for name, text in fresh.items():
        (work / name).write_text(text, encoding="utf-8")
        committed = (example / name).read_text(encoding="utf-8")
        check = compare_csv if name.endswith(".csv") else compare_text
        problems += check(name, committed, text)
    return problems


EXAMPLES = {"compare_centre_val_de_loire": check_compare_cvl}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--results", default=str(ROOT / "results"), help="folder of the examples")
    p.add_argument("--keep", help="write the regenerated files here (default: a temporary folder)")
    p.add_argument("--only", choices=sorted(EXAMPLES), help="check one example")
    args = p.parse_args(argv)
    status = 0
    for name, check in EXAMPLES.items():
        if args.only and name != args.only:
            continue
        example = Path(args.results) / name
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(args.keep or tmp) / name
            work.mkdir(parents=True, exist_ok=True)
            try:
                problems = check(example, work)
            except FileNotFoundError as e:
                print(f"examples-check: {name}: {e}", file=sys.stderr)
                return 2
        if problems:
            status = 1
            print(f"examples-check: {name}: {len(problems)} differences (rel tol {REL_TOL:g})")
            for line in problems[:50]:
                print("  " + line)
        else:
            print(f"examples-check: {name}: reproduces (numbers within rel {REL_TOL:g})")
    return status


if __name__ == "__main__":
    sys.exit(main())
