"""Running things: seeds (runner), compare, sweeps, sensitivity, calibration and validation."""
