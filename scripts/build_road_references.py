"""Build the reference car-time files of validation/roads/ from the OSRM runs of
github.com/neocarto/rspatial (MIT; routes © OpenStreetMap contributors, ODbL).

Reads, at a pinned commit, ``osrm/data/TimeDistCarIsere.csv`` (512 × 512 Isère communes,
town hall to town hall, seconds) and ``osrm/data/TimeDistToParis.csv`` (every commune of
metropolitan France to Paris, seconds), from a local git clone of the repository:

    python scripts/build_road_references.py --git-dir /path/to/rspatial/.git

Isère pairs: one row per unordered pair, reference = mean of the two directions, kept when at
most 60 minutes. Paris trips: Corsican origins (ferry) and codes absent from the territory
(merged communes) are dropped. The split (``road_references.is_held_out``) sends each row to the
fit file or the held-out file; Isère pairs that straddle the halves are dropped.
"""

import argparse
import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from accesssim.experiments.validation import road_references as rr  # noqa: E402
from accesssim.geo import territory as terr  # noqa: E402

COMMIT = "890cfda92b23b0bc10d05f9167d4050554c72c7a"
ISERE_MAX_MINUTES = 60.0
PARIS = "75056"


def show(git_dir: str, path: str) -> str:
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{COMMIT}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def isere_rows(git_dir: str, known: set) -> list[tuple]:
    rows = list(csv.reader(io.StringIO(show(git_dir, "osrm/data/TimeDistCarIsere.csv"))))
    ids = [r[0] for r in rows[1:]]
    if rows[0][1:] != ids:
        raise ValueError("TimeDistCarIsere.csv: column ids differ from row ids")
    sec = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    out = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            a, b = sorted((ids[i], ids[j]))
            minutes = (sec[i, j] + sec[j, i]) / 2 / 60
            if minutes <= ISERE_MAX_MINUTES and a in known and b in known:
                out.append((a, b, round(minutes, 1), "osrm_isere"))
    return out


def paris_rows(git_dir: str, known: set) -> list[tuple]:
    text = show(git_dir, "osrm/data/TimeDistToParis.csv")
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        code = r["id"].removeprefix("FR_")
        if code == PARIS or code.startswith("2A") or code.startswith("2B") or code not in known:
            continue
        if r["duration"] in ("", "NA"):
            continue
        out.append((code, PARIS, round(float(r["duration"]) / 60, 1), "osrm_paris"))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", required=True, help="git directory of neocarto/rspatial")
    ap.add_argument("--out", default=str(ROOT / "validation" / "roads"))
    args = ap.parse_args(argv)
    known = {str(c) for c in terr.load().communes.code}
    rows = isere_rows(args.git_dir, known) + paris_rows(args.git_dir, known)
    fit, held = [], []
    for row in rows:
        a, b, _, source = row
        ha = rr.is_held_out(a)
        hb = ha if source == "osrm_paris" else rr.is_held_out(b)
        if ha and hb:
            held.append(row)
        elif not ha and not hb:
            fit.append(row)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in ((rr.FIT_FILE, fit), (rr.HELD_OUT_FILE, held)):
        with open(out / name, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(rr.REFERENCE_FIELDS)
            w.writerows(part)
        print(f"{out / name}: {len(part)} rows")


if __name__ == "__main__":
    main()
