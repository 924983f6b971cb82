"""The calibration in use: the fitted values of a calibration file (the shipped one unless told
otherwise) laid over the parameter table's defaults.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from accesssim.params.checks import validate
from accesssim.params.parameters import PARAMETERS

# the fitted values shipped with the package (``accesssim calibrate --write PATH`` writes
# elsewhere; pass that file as ``calibration`` to use it)
SHIPPED_CALIBRATION = Path(__file__).resolve().parents[1] / "data" / "calibration.json"

UNCALIBRATED = (
    'running uncalibrated ([scenario] calibration = "none"): the fitted parameters keep the '
    "parameter table's starting values, so national figures do not match their targets"
)


def load_calibration(calibration=SHIPPED_CALIBRATION) -> dict:
    """Fitted values and their origin: ``calibration`` is a calibration file (as written by
    ``accesssim calibrate --write``), a dict of fitted values, or None for none (the table's
    defaults). Returns ``{"fitted": {...}, "origin": ..., "sha256": ...}``."""
    if calibration is None:
        return {"fitted": {}, "origin": None, "sha256": None}
    if isinstance(calibration, dict):
        fitted = dict(calibration)
        text = json.dumps(fitted, sort_keys=True)
        origin = "given as values"
    else:
        path = Path(calibration)
        try:
            text = path.read_text(encoding="utf-8")
            fitted = json.loads(text).get("fitted", {})
        except OSError as exc:
            raise ValueError(f"{path}: cannot read the calibration file ({exc.strerror})") from exc
        except (ValueError, AttributeError) as exc:
            raise ValueError(
                f"{path}: not a calibration file (expected JSON with a 'fitted' table): {exc}"
            ) from exc
        origin = "shipped" if path.resolve() == SHIPPED_CALIBRATION.resolve() else str(path)
    unknown = sorted(set(fitted) - set(PARAMETERS))
    if unknown:
        raise ValueError(f"calibration {origin}: unknown parameter(s) {unknown}")
    return {
        "fitted": validate(fitted, where=f"calibration {origin}"),
        "origin": origin,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


def defaults(calibration=SHIPPED_CALIBRATION) -> dict:
    """Default values with the fitted ones of ``calibration`` (see ``load_calibration``; the
    shipped file unless told otherwise, None for the table's own defaults)."""
    values = {k: p.default for k, p in PARAMETERS.items()}
    values.update(load_calibration(calibration)["fitted"])
    return values
