"""Refresh the pinned baseline regression (tests/data/baseline_regression.json) on purpose.

Run after an intended change of the model's behaviour, and say in the commit why the numbers
moved: `python scripts/refresh_regression.py`. Bump ``MODEL_REVISION`` in
``src/accesssim/util/version.py`` first when code moved the numbers: the file records the model
revision and model version it was made with, and tests/test_model_version.py fails while they
differ from the code's (CHANGELOG.md, "Releases").
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_run_cli import REGRESSION, regression_summary  # noqa: E402

from accesssim.params import calibration as calfile  # noqa: E402
from accesssim.util.version import MODEL_REVISION, __version__, model_version  # noqa: E402

if __name__ == "__main__":
    old = json.loads(REGRESSION.read_text())["indicators"] if REGRESSION.exists() else {}
    new = regression_summary()
    for k, v in new.items():
        print(f"{k:32} {old.get(k, float('nan')):>14.6g} -> {v:<14.6g}")
    REGRESSION.write_text(
        json.dumps(
            {
                "what": "baseline, Lozère (48), seed 42, 2 years: last-year indicators",
                "accesssim_version": __version__,
                "model_revision": MODEL_REVISION,
                "model_version": model_version(),
                "calibration": calfile.load_calibration()["fitted"],
                "indicators": new,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {REGRESSION}")
